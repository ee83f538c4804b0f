// One connection to the gateway: an rtnet::Client (sessions, resume, rooms, state, presence) with its WebSocket
// transport, made and pumped by URealtimeNetSubsystem. A game usually has one (Get RealtimeNet Client); a game
// with several connections, or split screen with a connection per local player, has several. Everything the core
// produces is delivered here in one ordered stream: connection events, each room's news on its room object
// (URealtimeNetRoom), call completions and raw notifications, in the order the core produced them.
#pragma once

#include "CoreMinimal.h"
#include "Dom/JsonObject.h"
#include "Dom/JsonValue.h"
#include "JsonObjectWrapper.h"
#include "UObject/Object.h"

#include <string>

#include "RealtimeNetRoom.h"
#include "RealtimeNetTypes.h"

#include "RealtimeNetClient.generated.h"

class URealtimeNetCollectionWatch;
class URealtimeNetProtocolEvents;
struct FRealtimeNetSession;
namespace rtnet
{
class Client;
class Path;
class Value;
struct CallOutcome;
struct CallTicket;
struct ClientEvent;
}  // namespace rtnet

/** How a call ended. Exactly one of Result (bSuccess) or Error is meaningful. */
struct REALTIMENET_API FRealtimeNetCallResult
{
	bool bSuccess = false;
	/** Ended by the client, not answered: the socket went, the client closed, or the call was refused. */
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

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetError, const FRealtimeNetError&, Error);
DECLARE_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetErrorNative, const FRealtimeNetError&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetDirectMessage, const FString&, From, const FJsonObjectWrapper&, Data);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetDirectMessageNative, const FString&, const FJsonObjectWrapper&);

/** The session needs a new token (Need), within SecondsLeft for Expiring (0 for Required). */
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetTokenNeeded, ERealtimeNetTokenNeed, Need, float, SecondsLeft);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetTokenNeededNative, ERealtimeNetTokenNeed, float);

/** The game's C++ token provider: gets a fresh token for the player (at once, or later: an HTTP request to the
    game's backend) and calls Done with it on the game thread. An empty token is ignored. */
using FRealtimeNetTokenProvider = TFunction<void(ERealtimeNetTokenNeed /*Need*/, TFunction<void(const FString& /*Token*/)> /*Done*/)>;

/** Every notification the gateway sends (session.welcome, room.event, state.delta, presence.changed, ...). */
DECLARE_MULTICAST_DELEGATE_TwoParams(FRealtimeNetNotificationNative, const FString& /*Method*/,
	const TSharedRef<FJsonObject>& /*Params*/);

UCLASS(BlueprintType)
class REALTIMENET_API URealtimeNetClient : public UObject
{
	GENERATED_BODY()

public:
	// --- Made, pumped and stopped by URealtimeNetSubsystem ----------------------------------------------

	/** Builds the session from Project Settings. DevelopmentToken and DevelopmentUrl (a Play In Editor identity)
	    are used when Connect gets none. */
	void Start(FName InClientName, const FString& InDevelopmentToken = FString(), const FString& InDevelopmentUrl = FString());

	/** Closes the session and forgets everything; nothing is broadcast afterwards. */
	void Stop();

	/** One frame: the transport, the core's timers, then everything they produced is broadcast. */
	void Pump();

	// --- Connection -----------------------------------------------------------------------------------

	/** Starts opening the session and returns at once: Started (On Connection State Changed tells how it goes) or
	    Failed (Error says why). An empty Url uses, in order: -RealtimeNetUrl= on the command line (not in Shipping),
	    the Play In Editor identity's URL, Project Settings' Default Url. An empty Token uses the Play In Editor
	    identity's. To wait until connected, use the Connect node instead. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection",
		meta = (ExpandEnumAsExecs = "Outcome", DisplayName = "Start Connecting", Keywords = "connect open login session start"))
	void StartConnecting(const FString& Url, const FString& Token, ERealtimeNetConnectStart& Outcome, FRealtimeNetError& Error);

	/** StartConnecting for C++: Started, or Failed with OutError set. */
	ERealtimeNetConnectStart Connect(const FString& Url, const FString& Token, FRealtimeNetError* OutError = nullptr);

	/** Ends the session on purpose: pending calls fail, rooms are left (their On Left fires), no reconnect. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection", meta = (Keywords = "disconnect close logout quit"))
	void Disconnect();

	/** A new socket now, keeping the session (the player's "reconnect now" button). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection", meta = (Keywords = "retry reconnect now"))
	void Reconnect();

	/** The token for the next socket. The core decides what else it is for (rtnet::Client::UseToken): after a
	    session.token_expiring notice it goes to the gateway with auth.refresh; after close 4001 the client
	    reconnects with it at once. The answer to On Token Needed. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection", meta = (Keywords = "token jwt refresh login auth"))
	void SetToken(const FString& Token);

	/** C++: called whenever On Token Needed fires; its Done goes to SetToken. Replaces the provider set before (an
	    empty one removes it). Blueprints bind On Token Needed and call Set Token instead. */
	void SetTokenProvider(FRealtimeNetTokenProvider Provider);

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection", meta = (Keywords = "state status connected"))
	ERealtimeNetConnectionState GetConnectionState() const;

	/** While reconnecting: the attempt coming next and the seconds until it (0 while it waits for Set Token after
	    close 4001), as the core schedules it. False in any other state. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection", meta = (Keywords = "countdown retry reconnecting"))
	bool GetReconnectCountdown(int32& Attempt, float& SecondsLeft) const;

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	FString GetSessionId() const;

	/** This client's player id (the token's sub), from the gateway's welcome. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection", meta = (Keywords = "me self player id"))
	FString GetPlayerId() const;

	/** Whether this client connects as a Play In Editor development identity when Connect gets no token (C++ only:
	    the token itself is never readable). */
	bool UsesDevelopmentIdentity() const { return !DevelopmentToken.IsEmpty(); }

	/** The name the subsystem knows this client by ("Default", "LocalPlayer1", ...). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	FName GetClientName() const { return ClientName; }

	/** RTT, jitter, loss, quality grade and bars, bandwidth, queues: what a status widget shows. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection", meta = (Keywords = "ping rtt latency quality stats"))
	FRealtimeNetNetworkStats GetNetworkStats() const;

	// --- Rooms ----------------------------------------------------------------------------------------

	/** The room object of a room this client is in or joining; None otherwise. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Rooms")
	URealtimeNetRoom* FindRoom(const FString& Room) const;

	/** Every room this client is in or joining. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Rooms")
	TArray<URealtimeNetRoom*> GetRooms() const;

	// --- Debug (also the rtnet.* console commands) ------------------------------------------------------

	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug", meta = (DevelopmentOnly))
	void SetTraceEnabled(bool bEnabled);

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Debug")
	bool IsTraceEnabled() const { return bTraceEnabled; }

	/** Development only (compiled out of Shipping): extra latency on every frame, half each way. 0 turns it off. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug", meta = (DevelopmentOnly, Keywords = "lag latency simulate"))
	void SetSimulatedLatency(float Ms);

	/** Development only (compiled out of Shipping): frames dropped at random in both directions, percent. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug", meta = (DevelopmentOnly, Keywords = "loss drop simulate"))
	void SetSimulatedLoss(float Percent);

	/** The state documents held (one room, or all when Room is empty), with versions. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug")
	FString DumpState(const FString& Room) const;

	/** The last frames sent and received (the network inspector's list). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Debug")
	TArray<FRealtimeNetTraceRow> GetRecentTrace() const;

	/** One paragraph: state, session, rooms, link metrics, queues (rtnet.Status). */
	FString DescribeStatus() const;

	// --- Calls (C++; Blueprints use the async nodes) --------------------------------------------------

	/** Any method. room.join, room.leave, room.publish, state.update and presence.set go through the core's own
	    paths (membership, versions, typed events). Returns the call id, or 0 when refused (OnDone then runs on the
	    next frame with the refusal). OnDone never runs for a call cancelled with CancelCall. */
	int64 CallJson(const FString& Method, const TSharedPtr<FJsonObject>& Params, const FRealtimeNetCallOptions& Options,
		FRealtimeNetCallCompleted OnDone);
	/** Joins Room (StateEncoding: "" or "entities"). OutRoom gets the room object at once: its events flow from the
	    moment the join is sent. Cancelling (CancelCall) means "leave if it succeeds late". */
	int64 JoinRoom(const FString& Room, const FString& StateEncoding, FRealtimeNetCallCompleted OnDone,
		URealtimeNetRoom** OutRoom = nullptr);
	int64 LeaveRoom(const FString& Room, FRealtimeNetCallCompleted OnDone);
	/** state.update against the version held (the core fills base_version); Patch must be an object. */
	int64 UpdateState(const FString& Room, const rtnet::Value& Patch, FRealtimeNetCallCompleted OnDone);
	/** room.publish with a type ("" for none; otherwise dot-separated names such as a Gameplay Tag). */
	int64 Publish(const FString& Room, const FString& TypeName, const rtnet::Value& Data, FRealtimeNetCallCompleted OnDone);
	/** CustomJson: any JSON value, or empty for none. */
	int64 SetPresence(ERealtimeNetPresenceStatus Status, const FString& CustomJson, FRealtimeNetCallCompleted OnDone);
	/** Reloads a room's presence list: with no PlayerIds every member, with PlayerIds those players' rows. */
	void RefreshPresence(const FString& Room, const TArray<FString>& PlayerIds);
	/** Forgets a pending call: its OnDone will not run (a join still in flight is left if it succeeds late). */
	bool CancelCall(int64 CallId);

	/** A room's members in display order; empty when not in the room. */
	TArray<FRealtimeNetPresenceRow> GetPresence(const FString& Room) const;

	/** Starts a core collection watch whose changes go to Watch; 0 when there is no session. */
	uint64 WatchCollection(URealtimeNetCollectionWatch* Watch, const FString& Room, const rtnet::Path& Path);
	void Unwatch(uint64 WatchId);

	/** The core client, for dispatcher handlers, state listeners and validators (docs/client-customization.md). */
	rtnet::Client* GetCoreClient();
	const rtnet::Client* GetCoreClient() const;
	/** The monotonic clock the core is ticked with (seconds). */
	double GetNow() const;

	// --- Events ---------------------------------------------------------------------------------------

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
	FOnRealtimeNetConnectionStateChanged OnConnectionStateChanged;
	FOnRealtimeNetConnectionStateChangedNative OnConnectionStateChangedNative;

	/** The socket was lost and the client will try again in NextDelaySeconds ("Reconnecting (2) in 1.4 s"). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
	FOnRealtimeNetReconnecting OnReconnecting;
	FOnRealtimeNetReconnectingNative OnReconnectingNative;

	/** session.resume succeeded; Replayed publications were delivered again (duplicates already dropped). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
	FOnRealtimeNetRecovered OnRecovered;
	FOnRealtimeNetRecoveredNative OnRecoveredNative;

	/** The session needs a new token: get one from the game's backend and call Set Token (Expiring: before
	    SecondsLeft run out, and the session carries on without a reconnect; Required: the client reconnects once
	    it has it). A token provider (SetTokenProvider) is asked at the same moment. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
	FOnRealtimeNetTokenNeeded OnTokenNeeded;
	FOnRealtimeNetTokenNeededNative OnTokenNeededNative;

	/** Any failure not tied to one of your calls (closes, lost sockets, state gaps, queue overflow). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
	FOnRealtimeNetError OnError;
	FOnRealtimeNetErrorNative OnErrorNative;

	/** A direct.message to this player, once (replays after a resume are dropped). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Rooms")
	FOnRealtimeNetDirectMessage OnDirectMessage;
	FOnRealtimeNetDirectMessageNative OnDirectMessageNative;

	/** Every notification, raw, in order with everything else (C++). */
	FRealtimeNetNotificationNative OnNotification;

	/** A presence change of any room, right after that room's own On Presence Changed (C++: toasts for all rooms). */
	FOnRealtimeNetRoomPresenceChangedNative OnRoomPresenceChangedNative;

	/** One typed Blueprint event per notification of protocol/openrpc.json (generated), raw: prefer the room
	    object's events, which come after the client applied what the notification says. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Debug")
	TObjectPtr<URealtimeNetProtocolEvents> ProtocolEvents;

private:
	/** Adds Work to the one ordered stream, after whatever the core produced before it. */
	void Enqueue(TFunction<void()> Work);
	/** Moves the core's events into the ordered stream. */
	void TakeCoreEvents();
	/** Broadcasts the ordered stream, after the core returned: handlers may call back into the client freely. */
	void Flush();
	void Deliver(const rtnet::ClientEvent& Event);
	URealtimeNetRoom* RoomFor(const std::string& Room) const;
	FRealtimeNetCallResult MakeResult(const rtnet::CallOutcome& Outcome) const;
	/** Runs OnDone with the outcome in order with the core's events (the core calls back from inside itself). */
	void CompleteLater(const FRealtimeNetCallCompleted& OnDone, const rtnet::CallOutcome& Outcome);
	/** The ticket's call id; 0 after queueing OnDone's refusal when the core refused the call. */
	int64 TicketId(const rtnet::CallTicket& Ticket, const FRealtimeNetCallCompleted& OnDone, const FString& Method);
	/** On Token Needed, then the provider. */
	void AskForToken(ERealtimeNetTokenNeed Need, float SecondsLeft);
	/** Runs OnDone with a refusal (call id 0) on the next frame, never inside the caller. */
	void DeferRefusal(const FRealtimeNetCallCompleted& OnDone, const FString& Method, const FString& Why);
	/** The room object for Room, made when new. */
	URealtimeNetRoom* FindOrAddRoom(const FString& Room);
	/** Forgets a room object that never became a member (its join failed or was cancelled). */
	void DropRoomIfNotJoined(const FString& Room);

	TSharedPtr<FRealtimeNetSession> Session;
	FRealtimeNetTokenProvider TokenProvider;
	/** The ordered stream: core events, completions and notifications, broadcast by Flush. */
	TArray<TFunction<void()>> Pending;
	TArray<TFunction<void()>> NextFrame;

	UPROPERTY()
	TMap<FString, TObjectPtr<URealtimeNetRoom>> Rooms;

	TMap<uint64, TWeakObjectPtr<URealtimeNetCollectionWatch>> Watches;
	/** Joins in flight: call id -> room (a cancelled join's room object is dropped). */
	TMap<int64, FString> JoinCalls;

	FName ClientName;
	FString DevelopmentToken;
	FString DevelopmentUrl;
	uint64 DispatchHandleId = 0;
	bool bFlushing = false;
	bool bTraceEnabled = false;
	bool bVerboseTrace = false;
};
