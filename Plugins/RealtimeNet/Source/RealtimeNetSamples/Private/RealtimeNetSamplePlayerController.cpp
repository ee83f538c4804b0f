#include "RealtimeNetSamplePlayerController.h"

#include "Blueprint/UserWidget.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetEntitySpawnerComponent.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetSubsystem.h"

DEFINE_LOG_CATEGORY_STATIC(LogRealtimeNetSamples, Log, All);

URealtimeNetRoom* ARealtimeNetSamplePlayerController::GetJoinedRoom() const
{
	return JoinedRoom;
}

UUserWidget* ARealtimeNetSamplePlayerController::GetHud() const
{
	return Hud;
}

void ARealtimeNetSamplePlayerController::BeginPlay()
{
	Super::BeginPlay();
	// A server's copies of remote players' controllers have no screen and no connection of their own.
	if (!IsLocalController())
	{
		return;
	}
	if (HudClass.Get() != nullptr)
	{
		Hud = CreateWidget<UUserWidget>(this, HudClass);
		if (Hud != nullptr)
		{
			Hud->AddToViewport();
		}
	}
	URealtimeNetClient* Found = URealtimeNetSubsystem::GetClientFor(this);
	if (Found == nullptr)
	{
		UE_LOG(LogRealtimeNetSamples, Warning,
			TEXT("%s: no RealtimeNet client (a dedicated server without Create On Dedicated Server?): not joining %s"),
			*GetName(), *RoomName);
		return;
	}
	Client = Found;
	StateHandle = Found->OnConnectionStateChangedNative.AddUObject(this,
		&ARealtimeNetSamplePlayerController::HandleConnectionStateChanged);
	switch (Found->GetConnectionState())
	{
	case ERealtimeNetConnectionState::Connected:
		Join();
		return;
	case ERealtimeNetConnectionState::Disconnected:
	case ERealtimeNetConnectionState::Closed:
	{
		FRealtimeNetError Error;
		if (Found->Connect(Url, FString(), &Error) == ERealtimeNetConnectStart::Failed)
		{
			Fail(Error);
		}
		return;
	}
	default:
		return;  // connecting already (Auto Connect, another controller): Connected comes through the delegate
	}
}

void ARealtimeNetSamplePlayerController::EndPlay(const EEndPlayReason::Type EndPlayReason)
{
	if (URealtimeNetClient* Current = Client.Get())
	{
		Current->OnConnectionStateChangedNative.Remove(StateHandle);
		if (JoinCall != 0)
		{
			Current->CancelCall(JoinCall);  // "leave if it succeeds late": the next controller joins afresh
		}
	}
	StateHandle.Reset();
	JoinCall = 0;
	if (Hud != nullptr)
	{
		Hud->RemoveFromParent();
		Hud = nullptr;
	}
	Super::EndPlay(EndPlayReason);
}

void ARealtimeNetSamplePlayerController::HandleConnectionStateChanged(ERealtimeNetConnectionState NewState,
	ERealtimeNetConnectionState /*OldState*/, const FString& /*Reason*/)
{
	// The client joins its rooms again by itself after a reconnect; this only covers a join that never succeeded
	// (refused, or cut with its socket) and a room the gateway refused to re-join.
	if (NewState == ERealtimeNetConnectionState::Connected)
	{
		Join();
	}
}

void ARealtimeNetSamplePlayerController::Join()
{
	URealtimeNetClient* Current = Client.Get();
	if (Current == nullptr || JoinCall != 0 || (JoinedRoom != nullptr && JoinedRoom->IsJoined()))
	{
		return;
	}
	URealtimeNetRoom* Existing = Current->FindRoom(RoomName);
	if (Existing != nullptr && Existing->IsJoined())
	{
		HandleJoined(Existing);  // joined before this controller began play (a level change keeps the client)
		return;
	}
	UE_LOG(LogRealtimeNetSamples, Log, TEXT("%s: joining %s"), *GetName(), *RoomName);
	// A refused call returns 0 and still completes, on the next frame.
	JoinCall = Current->JoinRoom(RoomName, bCompactEntities ? FString(TEXT("entities")) : FString(),
		FRealtimeNetCallCompleted::CreateUObject(this, &ARealtimeNetSamplePlayerController::HandleJoinDone));
}

void ARealtimeNetSamplePlayerController::HandleJoinDone(const FRealtimeNetCallResult& Result)
{
	JoinCall = 0;
	URealtimeNetClient* Current = Client.Get();
	URealtimeNetRoom* Room = Current != nullptr ? Current->FindRoom(RoomName) : nullptr;
	if (!Result.bSuccess || Room == nullptr)
	{
		Fail(Result.Error);
		return;
	}
	HandleJoined(Room);
}

void ARealtimeNetSamplePlayerController::HandleJoined(URealtimeNetRoom* Room)
{
	JoinedRoom = Room;
	// Spawners with a Room Name of their own start by themselves once that room is joined.
	TArray<URealtimeNetEntitySpawnerComponent*> Spawners;
	GetComponents(Spawners);
	int32 Started = 0;
	for (URealtimeNetEntitySpawnerComponent* Spawner : Spawners)
	{
		if (Spawner->RoomName.IsEmpty())
		{
			Spawner->StartSpawning(Room, Spawner->CollectionPath);
			++Started;
		}
	}
	const URealtimeNetClient* RoomClient = Room->GetClient();
	const FString PlayerId = RoomClient != nullptr ? RoomClient->GetPlayerId() : FString();
	UE_LOG(LogRealtimeNetSamples, Log, TEXT("%s: joined %s as %s; %d entity spawner(s) started"), *GetName(), *RoomName,
		*PlayerId, Started);
	OnRoomJoined(Room);
}

void ARealtimeNetSamplePlayerController::Fail(const FRealtimeNetError& Error)
{
	UE_LOG(LogRealtimeNetSamples, Warning, TEXT("%s: could not join %s: %s"), *GetName(), *RoomName, *Error.Message);
	OnJoinFailed(Error);
}
