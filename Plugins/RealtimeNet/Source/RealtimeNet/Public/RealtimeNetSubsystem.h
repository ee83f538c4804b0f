// The game's handle on RealtimeNet: one rtnet::Client per game instance, pumped from FTSTicker (so it keeps
// running while the game is paused), its events re-broadcast as dynamic (Blueprint) and native (C++) delegates.
#pragma once

#include "CoreMinimal.h"
#include "Containers/Ticker.h"
#include "Dom/JsonObject.h"
#include "Dom/JsonValue.h"
#include "Subsystems/GameInstanceSubsystem.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetSubsystem.generated.h"

class URealtimeNetProtocolEvents;
struct FRealtimeNetSession;
namespace rtnet
{
class Client;
struct CallOutcome;
struct CallTicket;
struct ClientEvent;
}  // namespace rtnet

/** How a call ended. Exactly one of Result (bSuccess) or Error is meaningful. */
struct REALTIMENET_API FRealtimeNetCallResult
{
	bool bSuccess = false;
	/** Ended by the client, not answered: the socket went ("disconnected"), the client closed, or the call was refused. */
	bool bCancelled = false;
	TSharedPtr<FJsonValue> Result;
	FRealtimeNetError Error;
};

DECLARE_DELEGATE_OneParam(FRealtimeNetCallCompleted, const FRealtimeNetCallResult&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FOnRealtimeNetConnectionStateChanged, ERealtimeNetConnectionState, NewState,
	ERealtimeNetConnectionState, OldState, const FString&, Reason);
DECLARE_MULTICAST_DELEGATE_ThreeParams(FOnRealtimeNetConnectionStateChangedNative, ERealtimeNetConnectionState,
	ERealtimeNetConnectionState, const FString&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetReconnecting, int32, Attempt, float, NextDelaySeconds);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetReconnectingNative, int32, float);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetRecovered, int32, Replayed);
DECLARE_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetRecoveredNative, int32);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetResynced, const FString&, Room);
DECLARE_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetResyncedNative, const FString&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetError, const FRealtimeNetError&, Error);
DECLARE_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetErrorNative, const FRealtimeNetError&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FOnRealtimeNetEvent, const FString&, Room, const FString&, From,
	const FString&, DataJson);
DECLARE_MULTICAST_DELEGATE_ThreeParams(FOnRealtimeNetEventNative, const FString&, const FString&, const FString&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetPresenceChanged, const FString&, Room);
DECLARE_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetPresenceChangedNative, const FString&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetStateChanged, const FString&, Room, int64, Version);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetStateChangedNative, const FString&, int64);

/** The session needs a new token (Need), within SecondsLeft for Expiring (0 for Required). */
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetTokenNeeded, ERealtimeNetTokenNeed, Need, float, SecondsLeft);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetTokenNeededNative, ERealtimeNetTokenNeed, float);

/** The game's C++ token provider: gets a fresh token for the player (at once, or later: an HTTP request to the
    game's backend) and calls Done with it on the game thread. An empty token is ignored. */
using FRealtimeNetTokenProvider = TFunction<void(ERealtimeNetTokenNeed /*Need*/, TFunction<void(const FString& /*Token*/)> /*Done*/)>;

/** A presence.changed in a joined room, worded by the core for a toast ("bob joined", rtnet::PresenceChangeText). */
DECLARE_MULTICAST_DELEGATE_ThreeParams(FRealtimeNetPresenceNewsNative, const FString& /*Room*/, const FString& /*PlayerId*/,
	const FString& /*Text*/);

/** Every notification the gateway sends (session.welcome, room.event, state.delta, presence.changed, ...). */
DECLARE_MULTICAST_DELEGATE_TwoParams(FRealtimeNetNotificationNative, const FString& /*Method*/,
	const TSharedRef<FJsonObject>& /*Params*/);

UCLASS()
class REALTIMENET_API URealtimeNetSubsystem : public UGameInstanceSubsystem
{
	GENERATED_BODY()

public:
	/** The subsystem of the context object's game instance; null outside a game world. */
	static URealtimeNetSubsystem* Get(const UObject* WorldContextObject);

	/** Not on a dedicated server: this is a player's session with the gateway, and a server has no player (its
	    backend talks to the gateway's POST /api). There Get returns null and the async nodes fail saying so. */
	virtual bool ShouldCreateSubsystem(UObject* Outer) const override;
	virtual void Initialize(FSubsystemCollectionBase& Collection) override;
	virtual void Deinitialize() override;

	// --- Connection -----------------------------------------------------------------------------------

	/** Opens the session (an empty Url uses the settings' DefaultUrl). False when already connecting or connected. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection")
	bool Connect(const FString& Url, const FString& Token);

	/** Ends the session on purpose: pending calls fail, rooms are forgotten. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection")
	void Disconnect();

	/** A new socket now, keeping the session (the player's "reconnect" button). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection")
	void Reconnect();

	/** The token for the next socket. The core decides what else it is for (rtnet::Client::UseToken): after a
	    session.token_expiring notice it goes to the gateway with auth.refresh; after close 4001 the client
	    reconnects with it at once. The answer to On Token Needed. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection", meta = (Keywords = "jwt auth refresh login"))
	void SetToken(const FString& Token);

	/** C++: called whenever OnTokenNeeded fires; its Done goes to SetToken. Replaces the provider set before (an
	    empty one removes it). Blueprints bind On Token Needed and call Set Token instead. */
	void SetTokenProvider(FRealtimeNetTokenProvider Provider);

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	ERealtimeNetConnectionState GetConnectionState() const;

	/** While reconnecting: the attempt coming next and the seconds until it (0 while it waits for SetToken after
	    close 4001), as the core schedules it. False in any other state. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	bool GetReconnectCountdown(int32& Attempt, float& SecondsLeft) const;

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	FString GetSessionId() const;

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	FString GetPlayerId() const;

	// --- What the UI reads ----------------------------------------------------------------------------

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Stats")
	FRealtimeNetNetworkStats GetNetworkStats() const;

	/** The room's members in display order (online, away, offline); empty when not in the room. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Presence")
	TArray<FRealtimeNetPresenceRow> GetPresence(const FString& Room) const;

	/** Reloads GetPresence(Room): with no PlayerIds, every member of the room (done after each join unless
	    Project Settings say otherwise); with PlayerIds, adds those players' rows. OnPresenceChanged follows. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence")
	void RefreshPresence(const FString& Room, const TArray<FString>& PlayerIds);

	/** The room's state document as JSON text; empty when the room is not held. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	FString GetStateJson(const FString& Room) const;

	/** The room's state version; 0 when the room is not held. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	int64 GetStateVersion(const FString& Room) const;

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Stats")
	TArray<FRealtimeNetTraceRow> GetRecentTrace() const;

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Rooms")
	TArray<FString> GetRooms() const;

	// --- Calls (C++; Blueprints use the async nodes) --------------------------------------------------

	/** Any method. room.join, room.leave and presence.set go through the client's JoinRoom / LeaveRoom /
	    SetPresence so membership is remembered. Returns the call id, or 0 when refused (OnDone then runs on the
	    next tick with the refusal). OnDone never runs for a call cancelled with CancelCall. */
	int64 CallJson(const FString& Method, const TSharedPtr<FJsonObject>& Params, const FRealtimeNetCallOptions& Options,
		FRealtimeNetCallCompleted OnDone);
	/** StateEncoding: "" (merge patches) or "entities". */
	int64 JoinRoom(const FString& Room, const FString& StateEncoding, FRealtimeNetCallCompleted OnDone);
	int64 LeaveRoom(const FString& Room, FRealtimeNetCallCompleted OnDone);
	/** state.update against the version held (the core fills base_version). */
	int64 UpdateState(const FString& Room, const TSharedPtr<FJsonObject>& Patch, FRealtimeNetCallCompleted OnDone);
	/** CustomJson: any JSON value, or empty for none. */
	int64 SetPresence(ERealtimeNetPresenceStatus Status, const FString& CustomJson, FRealtimeNetCallCompleted OnDone);
	/** Forgets a pending call: its OnDone will not run. False when it is not pending. */
	bool CancelCall(int64 CallId);

	/** The core client, for dispatcher handlers, state listeners and validators (see docs/client-customization.md). */
	rtnet::Client* GetCoreClient();
	const rtnet::Client* GetCoreClient() const;
	/** The monotonic clock the core is ticked with (seconds). */
	double GetNow() const;

	// --- Debug (console commands rtnet.*) -------------------------------------------------------------

	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug")
	void SetTraceEnabled(bool bEnabled);

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Debug")
	bool IsTraceEnabled() const { return bTraceEnabled; }

	/** Extra latency on every frame, half each way (so RTT grows by Ms). 0 turns it off. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug")
	void SetSimulatedLatency(float Ms);

	/** Frames dropped at random in both directions, percent. 0 turns it off. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug")
	void SetSimulatedLoss(float Percent);

	/** The state documents held (one room, or all when Room is empty), with versions. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug")
	FString DumpState(const FString& Room = TEXT("")) const;

	/** One paragraph: state, session, rooms, link metrics, queues (rtnet.Status). */
	FString DescribeStatus() const;

	// --- Events ---------------------------------------------------------------------------------------

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetConnectionStateChanged OnConnectionStateChanged;
	FOnRealtimeNetConnectionStateChangedNative OnConnectionStateChangedNative;

	/** The socket was lost and the client will try again in NextDelaySeconds ("Reconnecting (2) in 1.4 s"). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetReconnecting OnReconnecting;
	FOnRealtimeNetReconnectingNative OnReconnectingNative;

	/** session.resume succeeded; Replayed publications were delivered again (duplicates already dropped). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetRecovered OnRecovered;
	FOnRealtimeNetRecoveredNative OnRecoveredNative;

	/** The room was reloaded from a snapshot or re-joined: events in between were missed. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetResynced OnResynced;
	FOnRealtimeNetResyncedNative OnResyncedNative;

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetError OnError;
	FOnRealtimeNetErrorNative OnErrorNative;

	/** room.event, once per publication (replays after a resume are de-duplicated by the core). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetEvent OnEvent;
	FOnRealtimeNetEventNative OnEventNative;

	/** GetPresence(Room) changed (also when the room was joined or left). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetPresenceChanged OnPresenceChanged;
	FOnRealtimeNetPresenceChangedNative OnPresenceChangedNative;
	/** Who changed and the core's text for it, right after OnPresenceChanged (not for reloads). */
	FRealtimeNetPresenceNewsNative OnPresenceNewsNative;

	/** The room's state document moved to Version (0: the room was left). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetStateChanged OnStateChanged;
	FOnRealtimeNetStateChangedNative OnStateChangedNative;

	FRealtimeNetNotificationNative OnNotification;

	/** The session needs a new token: get one from the game's backend and call Set Token (Expiring: before
	    SecondsLeft run out, and the session carries on without a reconnect; Required: the client reconnects once
	    it has it). A token provider (SetTokenProvider) is asked at the same moment. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Events")
	FOnRealtimeNetTokenNeeded OnTokenNeeded;
	FOnRealtimeNetTokenNeededNative OnTokenNeededNative;

	/** One typed Blueprint event per notification of protocol/openrpc.json (generated). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet")
	TObjectPtr<URealtimeNetProtocolEvents> ProtocolEvents;

private:
	bool HandleTick(float DeltaTime);
	/** Broadcasts what the core produced, after it returned: handlers may call back into the client freely. */
	void Flush();
	void BroadcastEvent(const rtnet::ClientEvent& Event);
	/** OnTokenNeeded, then the provider. */
	void AskForToken(ERealtimeNetTokenNeed Need, float SecondsLeft);
	FRealtimeNetCallResult MakeResult(const rtnet::CallOutcome& Outcome) const;
	/** Runs OnDone with the outcome at the next flush (the core calls back from inside OnMessage / Tick / Close). */
	void CompleteLater(const FRealtimeNetCallCompleted& OnDone, const rtnet::CallOutcome& Outcome);
	/** The ticket's call id; 0 after queueing OnDone's refusal when the core refused the call. */
	int64 TicketId(const rtnet::CallTicket& Ticket, const FRealtimeNetCallCompleted& OnDone, const FString& Method);
	/** Runs OnDone with a refusal (call id 0) on the next tick, never inside the caller. */
	void DeferRefusal(const FRealtimeNetCallCompleted& OnDone, const FString& Method, const FString& Why);

	TSharedPtr<FRealtimeNetSession> Session;
	FRealtimeNetTokenProvider TokenProvider;
	/** Broadcasts queued while the core runs; Flush() runs them once it has returned. */
	TArray<TFunction<void()>> Deferred;
	TArray<TFunction<void()>> NextTick;
	FTSTicker::FDelegateHandle TickHandle;
	uint64 StateListenerId = 0;
	uint64 DispatchHandleId = 0;
	bool bFlushing = false;
	bool bTraceEnabled = false;
	bool bVerboseTrace = false;
};
