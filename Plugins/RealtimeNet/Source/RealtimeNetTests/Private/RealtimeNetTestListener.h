// What a spec heard: every event of a URealtimeNetSubsystem from its dynamic (Blueprint) delegates and from
// their native twins, and how async Blueprint nodes ended. Dynamic delegates can only call UFUNCTIONs of a
// UObject, hence this class; it lives in the test module and is never shipped.
#pragma once

#include "CoreMinimal.h"
#include "UObject/Object.h"

#include "Protocol/RealtimeNetProtocolCalls.h"
#include "Protocol/RealtimeNetProtocolTypes.h"
#include "RealtimeNetAsyncActions.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTypes.h"

#include "RealtimeNetTestListener.generated.h"

/** One event as a delegate delivered it. */
struct FRealtimeNetHeard
{
	/** True from the dynamic (Blueprint) delegate, false from its native twin. */
	bool bDynamic = false;
	/** "state", "reconnecting", "recovered", "resynced", "error", "event", "presence", "version". */
	FString Kind;
	ERealtimeNetConnectionState NewState = ERealtimeNetConnectionState::Disconnected;
	ERealtimeNetConnectionState OldState = ERealtimeNetConnectionState::Disconnected;
	/** The room, when the event has one. */
	FString Room;
	/** The reason (state), the sender (event) or the message (error). */
	FString Text;
	/** room.event data as JSON text. */
	FString Data;
	/** Attempt (reconnecting), replayed (recovered), version (version) or code (error). */
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
	/** Binds every event of Subsystem, dynamic and native; each delivery is appended to Heard. */
	void Watch(URealtimeNetSubsystem* Subsystem);

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
	void HandleResynced(const FString& Room);

	UFUNCTION()
	void HandleError(const FRealtimeNetError& Error);

	UFUNCTION()
	void HandleEvent(const FString& Room, const FString& From, const FString& DataJson);

	UFUNCTION()
	void HandlePresenceChanged(const FString& Room);

	UFUNCTION()
	void HandleStateVersion(const FString& Room, int64 Version);

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
		float Seconds = 0.f, const FString& Data = FString(),
		ERealtimeNetConnectionState NewState = ERealtimeNetConnectionState::Disconnected,
		ERealtimeNetConnectionState OldState = ERealtimeNetConnectionState::Disconnected);
};
