#include "RealtimeNetLocalPlayerSubsystem.h"

#include "Engine/GameInstance.h"
#include "Engine/LocalPlayer.h"

#include "RealtimeNetSettings.h"
#include "RealtimeNetSubsystem.h"

bool URealtimeNetLocalPlayerSubsystem::ShouldCreateSubsystem(UObject* Outer) const
{
	return Super::ShouldCreateSubsystem(Outer) && GetDefault<URealtimeNetSettings>()->bClientPerLocalPlayer;
}

void URealtimeNetLocalPlayerSubsystem::Initialize(FSubsystemCollectionBase& Collection)
{
	Super::Initialize(Collection);
	const ULocalPlayer* Player = GetLocalPlayer();
	URealtimeNetSubsystem* Subsystem =
		Player != nullptr ? UGameInstance::GetSubsystem<URealtimeNetSubsystem>(Player->GetGameInstance()) : nullptr;
	if (Subsystem == nullptr)
	{
		return;  // a server without RealtimeNet
	}
	// The player is already in the game instance's list here (UGameInstance::AddLocalPlayer adds it first).
	const int32 Index = Player->GetLocalPlayerIndex();
	if (Index <= 0)
	{
		Client = Subsystem->GetClient();
		return;
	}
	Client = Subsystem->CreateClient(FName(*FString::Printf(TEXT("LocalPlayer%d"), Index)));
	bOwnsClient = true;
}

void URealtimeNetLocalPlayerSubsystem::Deinitialize()
{
	if (bOwnsClient && Client != nullptr)
	{
		const ULocalPlayer* Player = GetLocalPlayer();
		if (URealtimeNetSubsystem* Subsystem =
				Player != nullptr ? UGameInstance::GetSubsystem<URealtimeNetSubsystem>(Player->GetGameInstance()) : nullptr)
		{
			Subsystem->DestroyClient(Client);
		}
	}
	Client = nullptr;
	bOwnsClient = false;
	Super::Deinitialize();
}
