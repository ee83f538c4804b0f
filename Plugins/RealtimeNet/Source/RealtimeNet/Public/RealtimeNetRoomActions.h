// The room nodes: Join Room (the one way to join: it returns the room object), and on a room Leave, Publish
// (typed by a Gameplay Tag), Update State and Wait For Room Event. The first four are call nodes
// (URealtimeNetCallActionBase: exactly one of On Success / On Failure, or nothing after Cancel).
#pragma once

#include "CoreMinimal.h"
#include "Engine/CancellableAsyncAction.h"
#include "GameplayTagContainer.h"
#include "JsonObjectWrapper.h"

#include "RealtimeNetCallAction.h"
#include "RealtimeNetTypes.h"

#include "RealtimeNetRoomActions.generated.h"

class URealtimeNetClient;
class URealtimeNetRoom;

// One delegate type per node for both pins (the Blueprint node shows the first delegate's data pins only).
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FRealtimeNetRoomCallDone, URealtimeNetRoom*, Room, const FRealtimeNetError&, Error);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FRealtimeNetRoomEventWaited, const FRealtimeNetRoomEvent&, Event);

/** What the room nodes share: both pins carry the room (None when the join failed) and the error (empty on success). */
UCLASS(Abstract)
class REALTIMENET_API URealtimeNetRoomCallActionBase : public URealtimeNetCallActionBase
{
	GENERATED_BODY()

public:
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Rooms")
	FRealtimeNetRoomCallDone OnSuccess;

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Rooms")
	FRealtimeNetRoomCallDone OnFailure;

protected:
	/** A node on a room: the room's client sends it; no room fails the node at once. */
	void InitOnRoom(UObject* WorldContextObject, URealtimeNetRoom* Room, const FString& Method);
	/** False (after failing the node) when InitOnRoom got no room. */
	bool RequireRoom();

	virtual bool BroadcastSuccess(const TSharedPtr<FJsonValue>& Result, FString& OutProblem) override;
	virtual void BroadcastFailure(const FRealtimeNetError& Error) override;

	UPROPERTY()
	TObjectPtr<URealtimeNetRoom> RequestRoom;
};

/** Joins a room and gives its room object: bind its events (On Event, On State Changed, On Presence Changed) and
    read its state from On Success. The client remembers the membership: after a reconnect the room is resumed or
    joined again by itself. Cancel means "leave it if the join succeeds late". */
UCLASS()
class REALTIMENET_API URealtimeNetJoinRoomAction : public URealtimeNetRoomCallActionBase
{
	GENERATED_BODY()

public:
	/** bCompactEntities: ask for the compact encoding of moving entities (state.entities) where the room type
	    declares any. Client: None uses the world's. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Rooms",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", AdvancedDisplay = "bCompactEntities,Client",
			DisplayName = "Join Room", Keywords = "join enter room match lobby"))
	static URealtimeNetJoinRoomAction* JoinRoom(UObject* WorldContextObject, const FString& Room, bool bCompactEntities = false,
		URealtimeNetClient* Client = nullptr);

protected:
	virtual int64 StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone) override;
	virtual void BroadcastFailure(const FRealtimeNetError& Error) override;

private:
	FString RequestRoomName;
	bool bRequestCompactEntities = false;
};

/** Leaves the room (its On Left fires); the room object then holds no state and fires nothing more. */
UCLASS()
class REALTIMENET_API URealtimeNetLeaveRoomAction : public URealtimeNetRoomCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Rooms",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "Leave",
			Keywords = "leave exit quit room"))
	static URealtimeNetLeaveRoomAction* Leave(UObject* WorldContextObject, URealtimeNetRoom* Room);

protected:
	virtual int64 StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone) override;
};

/** Publishes an event to every member of the room (this client included), typed by a Gameplay Tag so receivers
    wait for it by type (Wait For Room Event). An empty Type publishes an untyped event. */
UCLASS()
class REALTIMENET_API URealtimeNetPublishAction : public URealtimeNetRoomCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Rooms",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", AutoCreateRefTerm = "Data",
			DisplayName = "Publish", Keywords = "send broadcast event message publish"))
	static URealtimeNetPublishAction* Publish(UObject* WorldContextObject, URealtimeNetRoom* Room, FGameplayTag Type,
		const FJsonObjectWrapper& Data);

protected:
	virtual int64 StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone) override;

private:
	FGameplayTag RequestType;
	FJsonObjectWrapper RequestData;
};

/** Changes the room's state with a merge patch (build one with Make Json and Set Json ... At Path; a null member
    removes it), against the version held. Everyone in the room, you included, then sees On State Changed. On
    Failure with Recovery Resync State: someone changed it first; the client has reloaded it: decide again. */
UCLASS()
class REALTIMENET_API URealtimeNetUpdateStateAction : public URealtimeNetRoomCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|State",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "Update State",
			Keywords = "set write change state patch"))
	static URealtimeNetUpdateStateAction* UpdateState(UObject* WorldContextObject, URealtimeNetRoom* Room,
		const FJsonObjectWrapper& Patch);

protected:
	virtual int64 StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone) override;

private:
	FJsonObjectWrapper RequestPatch;
};

/** Waits for the room's events of one type: On Event for each (or only the first), in order. Type matches as Gameplay
    Tags do: Event.Player also receives Event.Player.Hit, unless Exact Match. An empty Type receives every event. On
    Room Left fires (with an empty event) when the room is left, and ends the wait. Cancel ends it too. */
UCLASS()
class REALTIMENET_API URealtimeNetWaitForRoomEventAction : public UCancellableAsyncAction
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Rooms",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "Wait For Room Event",
			Keywords = "event listen receive type tag on message"))
	static URealtimeNetWaitForRoomEventAction* WaitForRoomEvent(UObject* WorldContextObject, URealtimeNetRoom* Room,
		FGameplayTag Type, bool bExactMatch = false, bool bOnlyOnce = false);

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Rooms")
	FRealtimeNetRoomEventWaited OnEvent;

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Rooms")
	FRealtimeNetRoomEventWaited OnRoomLeft;

	virtual void Activate() override;
	virtual void Cancel() override;

	/** Whether an event of TypeName is one this node waits for (rtnet::EventTypeMatches on the tag's name). */
	bool Wants(const FString& TypeName) const;

private:
	void HandleEvent(URealtimeNetRoom* Room, const FRealtimeNetRoomEvent& Event);
	void HandleLeft(URealtimeNetRoom* Room, const FString& Reason);
	void End();

	TWeakObjectPtr<URealtimeNetRoom> RequestRoom;
	FGameplayTag RequestType;
	bool bRequestExact = false;
	bool bRequestOnce = false;
	FDelegateHandle EventHandle;
	FDelegateHandle LeftHandle;
	bool bEnded = false;
};
