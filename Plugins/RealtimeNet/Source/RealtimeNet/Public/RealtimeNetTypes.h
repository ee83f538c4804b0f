// Blueprint-facing mirrors of the core's types (rtnet::State, ErrorInfo, ConnectionQuality, PresenceEntry, ...).
// They carry values only: every decision behind them is made in RealtimeNetCore.
#pragma once

#include "CoreMinimal.h"
#include "GameplayTagContainer.h"
#include "JsonObjectWrapper.h"

#include "Protocol/RealtimeNetProtocolCodes.h"

#include "RealtimeNetTypes.generated.h"

/** Where the connection is (rtnet::State). */
UENUM(BlueprintType)
enum class ERealtimeNetConnectionState : uint8
{
	Disconnected,
	Connecting,
	Connected,
	Reconnecting,
	Closing,
	Closed
};

/** What kind of failure it was (rtnet::ErrorClass). */
UENUM(BlueprintType)
enum class ERealtimeNetErrorClass : uint8
{
	Transient,
	Auth,
	Protocol,
	RateLimited,
	Fatal
};

/** What the client did, or advises the game to do, about a failure (rtnet::RecoveryStrategy). */
UENUM(BlueprintType)
enum class ERealtimeNetRecovery : uint8
{
	Retry,
	RefreshToken,
	ResyncState,
	GiveUp
};

/** Why the session needs a new token (rtnet::TokenState): the game gets one from its backend and calls Set Token. */
UENUM(BlueprintType)
enum class ERealtimeNetTokenNeed : uint8
{
	/** session.token_expiring: the token has expired and the gateway closes the socket at the deadline unless a new
	    one arrives first; Set Token sends it with auth.refresh and the session carries on, socket and all. */
	Expiring,
	/** The gateway closed with 4001 (the deadline passed): the client waits for Set Token, then reconnects and
	    resumes the session with it. */
	Required
};

/** The core's connection-quality grade (rtnet::ConnectionQuality); Unknown before the first RTT sample. */
UENUM(BlueprintType)
enum class ERealtimeNetQuality : uint8
{
	Unknown,
	Excellent,
	Good,
	Fair,
	Poor,
	Bad
};

/** A player's status across devices (rtnet::PresenceStatus). */
UENUM(BlueprintType)
enum class ERealtimeNetPresenceStatus : uint8
{
	Online,
	Away,
	Offline
};

/** How a call that got no usable answer ended (rtnet::CallFailure): a slow gateway and a lost socket are not the
    same thing to a game (a call whose socket went may or may not have run). */
UENUM(BlueprintType)
enum class ERealtimeNetCallFailure : uint8
{
	/** Not a call's failure, or the gateway answered with an error (see ErrorCode). */
	None,
	/** No answer within the call's timeout; if it was sent, it may still have run. */
	TimedOut,
	/** Sent, and its socket went before the answer: it may or may not have run. */
	Disconnected,
	/** Ended on this side: the client was closed, or it was refused or dropped before it was sent. */
	Cancelled,
	/** Failed before it could be sent (no client, bad params), or its answer did not match the protocol. */
	Local
};

/** The two ways Start Connecting can go (its exec pins). */
UENUM(BlueprintType)
enum class ERealtimeNetConnectStart : uint8
{
	/** The client is connecting: On Connection State Changed tells how it goes. */
	Started,
	/** Nothing was started: Error says why (already connecting or connected, no URL, no client). */
	Failed
};

/** What changed about a player of a room (rtnet::PresenceNews), for toasts and lists. */
UENUM(BlueprintType)
enum class ERealtimeNetPresenceNews : uint8
{
	Joined,
	Left,
	Online,
	Away,
	Offline,
	/** The whole list was reloaded (after a join, or Refresh Presence): no one player's news. */
	Reloaded
};

/** What happened to an entry of a watched state collection (rtnet::CollectionChangeKind). */
UENUM(BlueprintType)
enum class ERealtimeNetCollectionChange : uint8
{
	Added,
	Changed,
	Removed
};

/** Outbound priority lane (rtnet::Lane): critical is drained first and fails loudly when full. */
UENUM(BlueprintType)
enum class ERealtimeNetLane : uint8
{
	Critical,
	Normal,
	Low
};

/** One failure, classified by the core. */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetError
{
	GENERATED_BODY()

	/** Close code, JSON-RPC error code, or 0. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	int32 Code = 0;

	/** Code as a protocol error code, when the gateway answered a call with an error (None otherwise): switch on it. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	ERealtimeNetErrorCode ErrorCode = ERealtimeNetErrorCode::None;

	/** Code as a close code, when a socket closed (None otherwise). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	ERealtimeNetCloseCode CloseCode = ERealtimeNetCloseCode::None;

	/** For a call that got no usable answer: timed out, lost with its socket, cancelled, or failed here. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	ERealtimeNetCallFailure CallFailure = ERealtimeNetCallFailure::None;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	FString Message;

	/** The call's method, when a call failed. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	FString Method;

	/** The room concerned, when there is one. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	FString Room;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	ERealtimeNetErrorClass ErrorClass = ERealtimeNetErrorClass::Transient;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	ERealtimeNetRecovery Recovery = ERealtimeNetRecovery::Retry;

	/** Seconds to wait before retrying (rate limited); 0: use backoff. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	double RetryAfter = 0.0;

	/** The JSON-RPC error's `data` member as JSON text; empty when absent. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Error")
	FString DataJson;
};

/** How one call is sent (rtnet::CallOptions). */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetCallOptions
{
	GENERATED_BODY()

	/** Seconds from the call, queueing included; negative: the settings' call timeout. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Call")
	double Timeout = -1.0;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Call")
	ERealtimeNetLane Lane = ERealtimeNetLane::Normal;

	/** Kept while reconnecting and sent once the session is back; false: refused at once when not connected. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Call")
	bool bResendable = true;

	/** Retries after a retryable error (transient, rate limited), within the timeout. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Call", meta = (ClampMin = "0"))
	int32 MaxRetries = 0;
};

/** One row of a room's presence list, in the core's display order. */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetPresenceRow
{
	GENERATED_BODY()

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FString PlayerId;

	/** What to show for the player: the custom payload's name member (Project Settings > Display Name Field), else
	    the player id. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FString DisplayName;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	ERealtimeNetPresenceStatus Status = ERealtimeNetPresenceStatus::Offline;

	/** Connected devices. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	int32 Devices = 0;

	/** The latest device's custom payload as JSON text; empty when none. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FString CustomJson;

	/** "online", "away", "5 minutes ago", "yesterday", ... (rtnet::LastSeenOf, worded from the plugin's string table). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FText LastSeenText;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	bool bHasLastSeen = false;

	/** Unix seconds; meaningful when bHasLastSeen. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	double LastSeen = 0.0;
};

/** What the network inspector shows: the core's metrics and queue depths, in display units. */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetNetworkStats
{
	GENERATED_BODY()

	/** Smoothed round-trip time (sys.ping); 0 before the first sample. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	float RttMs = 0.f;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	float JitterMs = 0.f;

	/** Publications lost on resumable streams, percent of the recent window. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	float LossPercent = 0.f;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	float RttP95Ms = 0.f;

	/** Kilobytes (1000 bytes) per second over the core's bandwidth window. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	float BandwidthInKBps = 0.f;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	float BandwidthOutKBps = 0.f;

	/** Server clock minus client clock. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	float ClockOffsetMs = 0.f;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	ERealtimeNetQuality Quality = ERealtimeNetQuality::Unknown;

	/** 0-4 signal bars for Quality (Excellent 4 ... Bad and Unknown 0). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	int32 QualityBars = 0;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	int32 QueueCritical = 0;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	int32 QueueNormal = 0;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	int32 QueueLow = 0;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	int32 PendingCalls = 0;

	/** Replayed events already delivered, dropped after a resume. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Stats")
	int64 DuplicatesDropped = 0;
};

/** One message of the core's recent trace. */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetTraceRow
{
	GENERATED_BODY()

	/** Seconds on the client's monotonic clock. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Trace")
	double Time = 0.0;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Trace")
	bool bOutgoing = false;

	/** Requests and notifications; empty for a response. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Trace")
	FString Method;

	/** Requests and responses; 0 for notifications. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Trace")
	int64 Id = 0;

	/** The frame's bytes (a batch's items each show the whole frame's size). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Trace")
	int32 Bytes = 0;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Trace")
	bool bError = false;
};

/** One event of a room, as the room object's On Event and Wait For Room Event deliver it. */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetRoomEvent
{
	GENERATED_BODY()

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Rooms")
	FString Room;

	/** The event's type as a Gameplay Tag; empty when the event has no type, or its type is not a tag this
	    project registers (TypeName still has it). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Rooms")
	FGameplayTag Type;

	/** The event's type as it travelled ("" when untyped). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Rooms")
	FString TypeName;

	/** Who published it: a player id, or "server:<name>" for a backend service. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Rooms")
	FString From;

	/** The payload: read it with Get Json Number / String / ... or Json To Value (RealtimeNet|State). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Rooms")
	FJsonObjectWrapper Data;

	/** Its position in the room's stream (grows by one per event). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Rooms")
	int64 Offset = 0;
};

/** A change of a room's players, for toasts and lists: structured, so a widget words it (and localises it). */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetPresenceChange
{
	GENERATED_BODY()

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FString Room;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	ERealtimeNetPresenceNews News = ERealtimeNetPresenceNews::Reloaded;

	/** Empty for Reloaded. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FString PlayerId;

	/** What to show for the player (see FRealtimeNetPresenceRow::DisplayName). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FString DisplayName;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	ERealtimeNetPresenceStatus Status = ERealtimeNetPresenceStatus::Offline;

	/** "Bob joined", "Bob is away", ... from the plugin's string table (Presence News Text). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FText Text;

	/** The change was this client's own player (a toast usually skips it). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	bool bIsLocalPlayer = false;
};
