#include "RealtimeNetRoomActions.h"

#include "rtnet/Errors.h"
#include "rtnet/EventType.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetConvert.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetRoom.h"

namespace RealtimeNetRoomActionsDetail
{
/** The value a node sends: the wrapper's JSON, or false when it holds none. */
bool ValueOf(const FJsonObjectWrapper& Json, rtnet::Value& Out)
{
	return FRealtimeNetJson::FromWrapper(Json, Out);
}
}  // namespace RealtimeNetRoomActionsDetail

// --- The shared base ------------------------------------------------------------------------------------

void URealtimeNetRoomCallActionBase::InitOnRoom(UObject* WorldContextObject, URealtimeNetRoom* Room, const FString& Method)
{
	RequestRoom = Room;
	Init(WorldContextObject, Room != nullptr ? Room->GetClient() : nullptr, Method);
}

bool URealtimeNetRoomCallActionBase::RequireRoom()
{
	if (RequestRoom != nullptr)
	{
		return true;
	}
	FailInvalidParams(TEXT("no room: connect the Room pin to a room Join Room gave"));
	return false;
}

bool URealtimeNetRoomCallActionBase::BroadcastSuccess(const TSharedPtr<FJsonValue>& /*Result*/, FString& /*OutProblem*/)
{
	OnSuccess.Broadcast(RequestRoom, FRealtimeNetError());
	return true;
}

void URealtimeNetRoomCallActionBase::BroadcastFailure(const FRealtimeNetError& Error)
{
	OnFailure.Broadcast(RequestRoom, Error);
}

// --- Join Room ------------------------------------------------------------------------------------------

URealtimeNetJoinRoomAction* URealtimeNetJoinRoomAction::JoinRoom(UObject* WorldContextObject, const FString& Room,
	bool bCompactEntities, URealtimeNetClient* Client)
{
	URealtimeNetJoinRoomAction* Action = NewObject<URealtimeNetJoinRoomAction>();
	Action->Init(WorldContextObject, Client, TEXT("room.join"));
	Action->RequestRoomName = Room;
	Action->bRequestCompactEntities = bCompactEntities;
	return Action;
}

int64 URealtimeNetJoinRoomAction::StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone)
{
	URealtimeNetRoom* Joining = nullptr;
	const int64 Id = Client.JoinRoom(RequestRoomName, bRequestCompactEntities ? FString(TEXT("entities")) : FString(),
		MoveTemp(OnDone), &Joining);
	RequestRoom = Joining;
	return Id;
}

void URealtimeNetJoinRoomAction::BroadcastFailure(const FRealtimeNetError& Error)
{
	OnFailure.Broadcast(nullptr, Error);  // no room to hand out: it was not joined
}

// --- Leave, Publish, Update State -----------------------------------------------------------------------

URealtimeNetLeaveRoomAction* URealtimeNetLeaveRoomAction::Leave(UObject* WorldContextObject, URealtimeNetRoom* Room)
{
	URealtimeNetLeaveRoomAction* Action = NewObject<URealtimeNetLeaveRoomAction>();
	Action->InitOnRoom(WorldContextObject, Room, TEXT("room.leave"));
	return Action;
}

int64 URealtimeNetLeaveRoomAction::StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone)
{
	return RequireRoom() ? Client.LeaveRoom(RequestRoom->GetName(), MoveTemp(OnDone)) : 0;
}

URealtimeNetPublishAction* URealtimeNetPublishAction::Publish(UObject* WorldContextObject, URealtimeNetRoom* Room,
	FGameplayTag Type, const FJsonObjectWrapper& Data)
{
	URealtimeNetPublishAction* Action = NewObject<URealtimeNetPublishAction>();
	Action->InitOnRoom(WorldContextObject, Room, TEXT("room.publish"));
	Action->RequestType = Type;
	Action->RequestData = Data;
	return Action;
}

int64 URealtimeNetPublishAction::StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone)
{
	if (!RequireRoom())
	{
		return 0;
	}
	rtnet::Value Data;
	if (!RealtimeNetRoomActionsDetail::ValueOf(RequestData, Data))
	{
		FailInvalidParams(TEXT("Data holds no JSON"));
		return 0;
	}
	const FString TypeName = RequestType.IsValid() ? RequestType.GetTagName().ToString() : FString();
	return Client.Publish(RequestRoom->GetName(), TypeName, Data, MoveTemp(OnDone));
}

URealtimeNetUpdateStateAction* URealtimeNetUpdateStateAction::UpdateState(UObject* WorldContextObject,
	URealtimeNetRoom* Room, const FJsonObjectWrapper& Patch)
{
	URealtimeNetUpdateStateAction* Action = NewObject<URealtimeNetUpdateStateAction>();
	Action->InitOnRoom(WorldContextObject, Room, TEXT("state.update"));
	Action->RequestPatch = Patch;
	return Action;
}

int64 URealtimeNetUpdateStateAction::StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone)
{
	if (!RequireRoom())
	{
		return 0;
	}
	rtnet::Value Patch;
	if (!RealtimeNetRoomActionsDetail::ValueOf(RequestPatch, Patch) || !Patch.IsObject())
	{
		FailInvalidParams(TEXT("Patch is not a JSON object (build one with Make Json and Set Json ... At Path)"));
		return 0;
	}
	return Client.UpdateState(RequestRoom->GetName(), Patch, MoveTemp(OnDone));
}

// --- Wait For Room Event --------------------------------------------------------------------------------

URealtimeNetWaitForRoomEventAction* URealtimeNetWaitForRoomEventAction::WaitForRoomEvent(UObject* WorldContextObject,
	URealtimeNetRoom* Room, FGameplayTag Type, bool bExactMatch, bool bOnlyOnce)
{
	URealtimeNetWaitForRoomEventAction* Action = NewObject<URealtimeNetWaitForRoomEventAction>();
	Action->RequestRoom = Room;
	Action->RequestType = Type;
	Action->bRequestExact = bExactMatch;
	Action->bRequestOnce = bOnlyOnce;
	Action->RegisterWithGameInstance(WorldContextObject);
	return Action;
}

bool URealtimeNetWaitForRoomEventAction::Wants(const FString& TypeName) const
{
	const FString Filter = RequestType.IsValid() ? RequestType.GetTagName().ToString() : FString();
	return rtnet::EventTypeMatches(FRealtimeNetJson::ToStd(TypeName), FRealtimeNetJson::ToStd(Filter), bRequestExact);
}

void URealtimeNetWaitForRoomEventAction::Activate()
{
	URealtimeNetRoom* Room = RequestRoom.Get();
	if (Room == nullptr || !Room->IsJoined())
	{
		// Nothing will come: say so the way a room that goes says it.
		if (ShouldBroadcastDelegates())
		{
			OnRoomLeft.Broadcast(FRealtimeNetRoomEvent());
		}
		End();
		return;
	}
	EventHandle = Room->OnEventNative.AddUObject(this, &URealtimeNetWaitForRoomEventAction::HandleEvent);
	LeftHandle = Room->OnLeftNative.AddUObject(this, &URealtimeNetWaitForRoomEventAction::HandleLeft);
}

void URealtimeNetWaitForRoomEventAction::HandleEvent(URealtimeNetRoom* /*Room*/, const FRealtimeNetRoomEvent& Event)
{
	if (bEnded || !Wants(Event.TypeName))
	{
		return;
	}
	if (ShouldBroadcastDelegates())
	{
		OnEvent.Broadcast(Event);
	}
	if (bRequestOnce)
	{
		End();
	}
}

void URealtimeNetWaitForRoomEventAction::HandleLeft(URealtimeNetRoom* /*Room*/, const FString& /*Reason*/)
{
	if (bEnded)
	{
		return;
	}
	if (ShouldBroadcastDelegates())
	{
		OnRoomLeft.Broadcast(FRealtimeNetRoomEvent());
	}
	End();
}

void URealtimeNetWaitForRoomEventAction::Cancel()
{
	End();
}

void URealtimeNetWaitForRoomEventAction::End()
{
	if (bEnded)
	{
		return;
	}
	bEnded = true;
	if (URealtimeNetRoom* Room = RequestRoom.Get())
	{
		Room->OnEventNative.Remove(EventHandle);
		Room->OnLeftNative.Remove(LeftHandle);
	}
	EventHandle.Reset();
	LeftHandle.Reset();
	Super::Cancel();  // SetReadyToDestroy
}
