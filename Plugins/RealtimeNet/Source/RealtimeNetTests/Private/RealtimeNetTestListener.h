// What a spec heard: every event of a URealtimeNetClient and of its room objects from their dynamic (Blueprint)
// delegates and from their native twins, in one list in the order they were delivered, and how async Blueprint
// nodes ended. Dynamic delegates can only call UFUNCTIONs of a
// UObject, hence this class; it lives in the test module and is never shipped.
#pragma once

#include "CoreMinimal.h"
#include "UObject/Object.h"

#include "Protocol/RealtimeNetProtocolCalls.h"
#include "Protocol/RealtimeNetProtocolTypes.h"
#include "RealtimeNetAsyncActions.h"
#include "RealtimeNetClient.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetRoomActions.h"
#include "RealtimeNetTypes.h"

#include "RealtimeNetTestListener.generated.h"

/** One event as a delegate delivered it. */
struct FRealtimeNetHeard
{
	/** True from the dynamic (Blueprint) delegate, false from its native twin. */
	bool bDynamic = false;
	/** "state", "reconnecting", "recovered", "error" (the client's); "event", "presence", "version", "resynced",
	    "left" (a room's); "entry" (a collection watch's). */
	FString Kind;
	ERealtimeNetConnectionState NewState = ERealtimeNetConnectionState::Disconnected;
	ERealtimeNetConnectionState OldState = ERealtimeNetConnectionState::Disconnected;
	/** The room, when the event has one. */
	FString Room;
	/** The reason (state, resynced, left), the sender (event), the player (presence), the message (error), the key
	    (entry). */
	FString Text;
	/** Event data, an entry's value, as JSON text; the event's type (event) in Type. */
	FString Data;
	FString Type;
	/** Attempt (reconnecting), replayed (recovered), version (version), offset (event), code (error), the news
	    (presence: ERealtimeNetPresenceNews), the change (entry: ERealtimeNetCollectionChange). */
	int64 Number = 0;
	/** Seconds until the next attempt (reconnecting). */
	float Seconds = 0.f;

	/** One line for failure messages: "state Connecting<-Disconnected (connect)". */
	FString Describe() const;
};

/** The short name of a state, for messages. */
FString RealtimeNetStateName(ERealtimeNetConnectionState State);

UCLASS()
class URealtimeNetTestListener : public UObject
{
	GENERATED_BODY()

public:
	/** Binds every event of Client, dynamic and native; each delivery is appended to Heard. */
	void Watch(URealtimeNetClient* Client);

	/** Binds every event of Room, dynamic and native. */
	void WatchRoom(URealtimeNetRoom* Room);

	/** Binds a collection watch (native and the three dynamic events). */
	void WatchEntries(class URealtimeNetCollectionWatch* Watch);

	/** The kinds delivered by the native side, in order ("event 3", "version 2", "presence bob", ...), for order checks. */
	TArray<FString> Sequence(const FString& Room) const;

	/** The events of one kind from one side, in the order they were delivered. */
	TArray<FRealtimeNetHeard> Of(const TCHAR* Kind, bool bDynamic) const;

	/** room.event data (JSON text) for Room as the native twin delivered it, in order. */
	TArray<FString> EventData(const FString& Room) const;

	/** How many events of one kind the native side delivered (for Room when given). */
	int32 Count(const TCHAR* Kind, const FString& Room = FString()) const;

	TArray<FRealtimeNetHeard> Heard;

	// --- Async nodes ----------------------------------------------------------------------------------

	void Listen(URealtimeNetConnectAction* Action);
	void Listen(URealtimeNetJsonCallActionBase* Action);
	void Listen(URealtimeNetSysEchoAction* Action);
	void Listen(URealtimeNetRoomCallActionBase* Action);
	void Listen(URealtimeNetWaitForRoomEventAction* Action);

	/** The room a room node's pin gave last (Join Room's On Success). */
	UPROPERTY()
	TObjectPtr<URealtimeNetRoom> LastRoom;

	/** The events Wait For Room Event nodes delivered, in order ("left" for On Room Left). */
	TArray<FRealtimeNetRoomEvent> Waited;
	int32 WaitedLeft = 0;

	/** Every success and failure pin that fired, in order ("success" / "failure"). */
	TArray<FString> Pins;
	int32 Successes = 0;
	int32 Failures = 0;
	FString LastResultJson;
	FRealtimeNetError LastError;

	// --- Handlers (UFUNCTIONs: dynamic delegates can only call these) --------------------------------

	UFUNCTION()
	void HandleStateChanged(ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState, const FString& Reason);

	UFUNCTION()
	void HandleReconnecting(int32 Attempt, float NextDelaySeconds);

	UFUNCTION()
	void HandleRecovered(int32 Replayed);

	UFUNCTION()
	void HandleError(const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleRoomEvent(URealtimeNetRoom* Room, const FRealtimeNetRoomEvent& Event);

	UFUNCTION()
	void HandleRoomPresence(URealtimeNetRoom* Room, const FRealtimeNetPresenceChange& Change);

	UFUNCTION()
	void HandleRoomVersion(URealtimeNetRoom* Room, int64 Version);

	UFUNCTION()
	void HandleRoomResynced(URealtimeNetRoom* Room, const FString& Reason);

	UFUNCTION()
	void HandleRoomLeft(URealtimeNetRoom* Room, const FString& Reason);

	UFUNCTION()
	void HandleEntryAdded(const FString& Key, const FJsonObjectWrapper& Value);

	UFUNCTION()
	void HandleEntryChanged(const FString& Key, const FJsonObjectWrapper& Value);

	UFUNCTION()
	void HandleEntryRemoved(const FString& Key, const FJsonObjectWrapper& Value);

	UFUNCTION()
	void HandleNodeRoom(URealtimeNetRoom* Room, const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleNodeRoomFailure(URealtimeNetRoom* Room, const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleWaitedEvent(const FRealtimeNetRoomEvent& Event);

	UFUNCTION()
	void HandleWaitedLeft(const FRealtimeNetRoomEvent& Event);

	// Both pins of a node share one signature (the Blueprint node shows the first delegate's values only): a
	// success with a non-empty Error is recorded as "success+error", which no spec expects.
	UFUNCTION()
	void HandleNodeConnected(const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleNodeResult(const FString& ResultJson, const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleNodeJsonFailure(const FString& ResultJson, const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleNodeEcho(const FRealtimeNetEcho& Result, const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleNodeEchoFailure(const FRealtimeNetEcho& Result, const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleNodeFailure(const FRealtimeNetError& Error);

private:
	void Record(bool bDynamic, const TCHAR* Kind, const FString& Room, const FString& Text, int64 Number,
		float Seconds = 0.f, const FString& Data = FString(), const FString& Type = FString(),
		ERealtimeNetConnectionState NewState = ERealtimeNetConnectionState::Disconnected,
		ERealtimeNetConnectionState OldState = ERealtimeNetConnectionState::Disconnected);
};
