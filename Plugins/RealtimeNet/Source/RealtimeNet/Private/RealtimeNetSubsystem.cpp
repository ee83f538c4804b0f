#include "RealtimeNetSubsystem.h"

#include "Components/ActorComponent.h"
#include "Engine/Engine.h"
#include "Engine/GameInstance.h"
#include "Engine/LocalPlayer.h"
#include "Engine/World.h"
#include "GameFramework/Pawn.h"
#include "GameFramework/PlayerController.h"
#include "ProfilingDebugging/CpuProfilerTrace.h"

#include "RealtimeNetDevelopmentSettings.h"
#include "RealtimeNetLocalPlayerSubsystem.h"
#include "RealtimeNetModule.h"
#include "RealtimeNetSettings.h"

namespace RealtimeNetSubsystemDetail
{
const FName DefaultClientName(TEXT("Default"));

/** The local player a context belongs to: itself, its player controller's, its pawn's controller's, its owner's. */
const ULocalPlayer* LocalPlayerOf(const UObject* Context)
{
	if (const UActorComponent* Component = Cast<UActorComponent>(Context))
	{
		Context = Component->GetOwner();
	}
	if (const ULocalPlayer* Player = Cast<ULocalPlayer>(Context))
	{
		return Player;
	}
	const APlayerController* Controller = Cast<APlayerController>(Context);
	if (Controller == nullptr)
	{
		if (const APawn* Pawn = Cast<APawn>(Context))
		{
			Controller = Cast<APlayerController>(Pawn->GetController());
		}
		else if (const AActor* Actor = Cast<AActor>(Context))
		{
			Controller = Cast<APlayerController>(Actor->GetOwner());  // a player's HUD, camera, ...
		}
	}
	return Controller != nullptr ? Controller->GetLocalPlayer() : nullptr;
}
}  // namespace RealtimeNetSubsystemDetail

URealtimeNetSubsystem* URealtimeNetSubsystem::Get(const UObject* WorldContextObject)
{
	if (WorldContextObject == nullptr || GEngine == nullptr)
	{
		return nullptr;
	}
	if (const ULocalPlayer* Player = Cast<ULocalPlayer>(WorldContextObject))
	{
		return UGameInstance::GetSubsystem<URealtimeNetSubsystem>(Player->GetGameInstance());
	}
	const UWorld* World = GEngine->GetWorldFromContextObject(WorldContextObject, EGetWorldErrorMode::ReturnNull);
	return World != nullptr ? UGameInstance::GetSubsystem<URealtimeNetSubsystem>(World->GetGameInstance()) : nullptr;
}

URealtimeNetClient* URealtimeNetSubsystem::GetClientFor(const UObject* WorldContextObject)
{
	if (const ULocalPlayer* Player = RealtimeNetSubsystemDetail::LocalPlayerOf(WorldContextObject))
	{
		if (const URealtimeNetLocalPlayerSubsystem* PerPlayer = Player->GetSubsystem<URealtimeNetLocalPlayerSubsystem>())
		{
			if (URealtimeNetClient* Own = PerPlayer->GetClient())
			{
				return Own;
			}
		}
	}
	const URealtimeNetSubsystem* Subsystem = Get(WorldContextObject);
	return Subsystem != nullptr ? Subsystem->GetClient() : nullptr;
}

URealtimeNetClient* URealtimeNetSubsystem::GetRealtimeNetClient(const UObject* WorldContextObject, APlayerController* Player)
{
	return GetClientFor(Player != nullptr ? static_cast<const UObject*>(Player) : WorldContextObject);
}

bool URealtimeNetSubsystem::ShouldCreateSubsystem(UObject* Outer) const
{
	if (!Super::ShouldCreateSubsystem(Outer))
	{
		return false;
	}
	// Runs on the class default object, with the game instance as Outer.
	const UGameInstance* GameInstance = Cast<UGameInstance>(Outer);
	const bool bDedicatedServer = GameInstance != nullptr ? GameInstance->IsDedicatedServerInstance() : IsRunningDedicatedServer();
	return !bDedicatedServer || GetDefault<URealtimeNetSettings>()->bCreateOnDedicatedServer;
}

void URealtimeNetSubsystem::Initialize(FSubsystemCollectionBase& Collection)
{
	Super::Initialize(Collection);
	DefaultClient = MakeClient(RealtimeNetSubsystemDetail::DefaultClientName);

	// FTSTicker, not a tickable world object: it runs while the game is paused and between levels.
	TickHandle = FTSTicker::GetCoreTicker().AddTicker(FTickerDelegate::CreateUObject(this, &URealtimeNetSubsystem::HandleTick), 0.0f);

	const URealtimeNetSettings* Settings = GetDefault<URealtimeNetSettings>();
	if (Settings->bAutoConnect)
	{
		DefaultClient->Connect(FString(), FString());
	}
}

void URealtimeNetSubsystem::Deinitialize()
{
	if (TickHandle.IsValid())
	{
		FTSTicker::GetCoreTicker().RemoveTicker(TickHandle);
		TickHandle.Reset();
	}
	for (const TPair<FName, TObjectPtr<URealtimeNetClient>>& Entry : Clients)
	{
		if (Entry.Value != nullptr)
		{
			ReleaseIdentity(Entry.Value);
			Entry.Value->Stop();
		}
	}
	Clients.Empty();
	DefaultClient = nullptr;
	Super::Deinitialize();
}

URealtimeNetClient* URealtimeNetSubsystem::MakeClient(FName ClientName)
{
	FString Token;
	FString Url;
#if WITH_EDITOR
	// Play In Editor: each client takes a development identity of its own, so two PIE windows (or split-screen
	// players) never log in as the same player and replace each other (close 4502).
	const UGameInstance* GameInstance = GetGameInstance();
	const FWorldContext* Context = GameInstance != nullptr ? GameInstance->GetWorldContext() : nullptr;
	URealtimeNetDevelopmentSettings* Development = GetMutableDefault<URealtimeNetDevelopmentSettings>();
	if (Context != nullptr && Context->WorldType == EWorldType::PIE && Development->bUseIdentitiesInPlayInEditor)
	{
		FRealtimeNetDevelopmentIdentity Identity;
		const int32 Index = Development->ClaimIdentity(Identity);
		if (Index != INDEX_NONE)
		{
			Identities.Add(ClientName, Index);
			Token = Identity.Token;
			Url = Development->Url;
			UE_LOG(LogRealtimeNet, Log, TEXT("[%s] Play In Editor instance %d uses development identity %d (%s)"),
				*ClientName.ToString(), Context->PIEInstance, Index, *Identity.Label);
		}
		else if (Development->Identities.Num() > 0)
		{
			UE_LOG(LogRealtimeNet, Warning,
				TEXT("[%s] every development identity is in use: add one per PIE instance under Editor Preferences > "
					 "Plugins > RealtimeNet (this user), or this client connects with the token its game gives it"),
				*ClientName.ToString());
		}
	}
#endif
	URealtimeNetClient* Client = NewObject<URealtimeNetClient>(this);
	Client->Start(ClientName, Token, Url);
	if (TokenProvider)
	{
		Client->SetTokenProvider(TokenProvider);
	}
	Clients.Add(ClientName, Client);
	return Client;
}

void URealtimeNetSubsystem::ReleaseIdentity(URealtimeNetClient* Client)
{
	int32 Index = INDEX_NONE;
	if (Client != nullptr && Identities.RemoveAndCopyValue(Client->GetClientName(), Index))
	{
		GetMutableDefault<URealtimeNetDevelopmentSettings>()->ReleaseIdentity(Index);
	}
}

void URealtimeNetSubsystem::SetTokenProvider(FRealtimeNetTokenProvider Provider)
{
	TokenProvider = MoveTemp(Provider);
	for (const TPair<FName, TObjectPtr<URealtimeNetClient>>& Entry : Clients)
	{
		if (Entry.Value != nullptr)
		{
			Entry.Value->SetTokenProvider(TokenProvider);
		}
	}
}

URealtimeNetClient* URealtimeNetSubsystem::CreateClient(FName ClientName)
{
	if (URealtimeNetClient* Existing = FindClient(ClientName))
	{
		return Existing;
	}
	return MakeClient(ClientName);
}

URealtimeNetClient* URealtimeNetSubsystem::FindClient(FName ClientName) const
{
	const TObjectPtr<URealtimeNetClient>* Found = Clients.Find(ClientName);
	return Found != nullptr ? Found->Get() : nullptr;
}

void URealtimeNetSubsystem::DestroyClient(URealtimeNetClient* Client)
{
	if (Client == nullptr || Client == DefaultClient)
	{
		return;
	}
	const FName ClientName = Client->GetClientName();
	if (FindClient(ClientName) != Client)
	{
		return;
	}
	ReleaseIdentity(Client);
	Client->Stop();
	Clients.Remove(ClientName);
}

TArray<URealtimeNetClient*> URealtimeNetSubsystem::GetClients() const
{
	TArray<URealtimeNetClient*> Result;
	if (DefaultClient != nullptr)
	{
		Result.Add(DefaultClient);
	}
	for (const TPair<FName, TObjectPtr<URealtimeNetClient>>& Entry : Clients)
	{
		if (Entry.Value != nullptr && Entry.Value != DefaultClient)
		{
			Result.Add(Entry.Value);
		}
	}
	return Result;
}

bool URealtimeNetSubsystem::HandleTick(float /*DeltaTime*/)
{
	TRACE_CPUPROFILER_EVENT_SCOPE(RealtimeNet_Tick);
	// A copy: a handler may create or destroy a client while the others are pumped.
	for (URealtimeNetClient* Client : GetClients())
	{
		Client->Pump();
	}
	return true;  // keep ticking
}
