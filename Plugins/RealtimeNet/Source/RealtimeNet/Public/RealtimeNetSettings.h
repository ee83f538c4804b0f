// Project Settings > Plugins > RealtimeNet: every rtnet::ClientOptions field, saved to Config/DefaultGame.ini.
// Defaults are read from a default-constructed rtnet::ClientOptions, so the core stays the one place they live
// (its batch limits come from the gateway's own defaults, rtnet/GatewayDefaults.h). The everyday settings show;
// the rest are folded under each group's advanced arrow. Nothing here is a secret: tokens never go in this file
// (development identities are per user: URealtimeNetDevelopmentSettings).
#pragma once

#include "CoreMinimal.h"
#include "Engine/DeveloperSettings.h"

#include "RealtimeNetSettings.generated.h"

/** One outbound lane's bounds (rtnet::LaneOptions). URealtimeNetSettings fills the defaults from the core. */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetLaneSettings
{
	GENERATED_BODY()

	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Outbound", meta = (ClampMin = "1"))
	int32 MaxMessages = 0;

	/** Sum of the queued messages' sizes. */
	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Outbound", meta = (ClampMin = "1"))
	int32 MaxBytes = 0;

	/** When full: true evicts the oldest message, false refuses the new one. */
	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Outbound")
	bool bDropOldestWhenFull = false;
};

/** The worst a connection may measure and still get a grade (rtnet::QualityThresholds). */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetQualityLimits
{
	GENERATED_BODY()

	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", meta = (ClampMin = "0"))
	float RttMs = 0.f;

	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", meta = (ClampMin = "0"))
	float JitterMs = 0.f;

	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", meta = (ClampMin = "0", ClampMax = "100"))
	float LossPercent = 0.f;
};

UCLASS(config = Game, defaultconfig, meta = (DisplayName = "RealtimeNet"))
class REALTIMENET_API URealtimeNetSettings : public UDeveloperSettings
{
	GENERATED_BODY()

public:
	URealtimeNetSettings();

	virtual FName GetCategoryName() const override;

	// --- Connection -----------------------------------------------------------------------------------

	/** Gateway WebSocket URL used by auto-connect and by Connect with an empty URL (ws:// or wss://). Outside
	    Shipping, -RealtimeNetUrl=<url> on the command line overrides it (a test server, a local gateway). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection")
	FString DefaultUrl;

	/** Connect to DefaultUrl when the game instance starts. In Play In Editor each instance then uses its own
	    development identity (Editor Preferences > RealtimeNet); a game connects from its login flow instead. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection")
	bool bAutoConnect = false;

	/** Seconds from opening a socket to session.welcome. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection", AdvancedDisplay, meta = (ClampMin = "0.1"))
	float ConnectTimeout = 0.f;

	/** Silence allowed beyond the welcome's heartbeat interval before the socket counts as lost. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection", AdvancedDisplay, meta = (ClampMin = "0"))
	float HeartbeatGrace = 0.f;

	/** Seconds to wait for the close handshake. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection", AdvancedDisplay, meta = (ClampMin = "0.1"))
	float ClosingTimeout = 0.f;

	/** Reconnect backoff (decorrelated jitter): first delay, seconds. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection", AdvancedDisplay, meta = (ClampMin = "0.01"))
	float BackoffBase = 0.f;

	/** Reconnect backoff: longest delay, seconds. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection", AdvancedDisplay, meta = (ClampMin = "0.01"))
	float BackoffCap = 0.f;

	/** Reconnect attempts before giving up (Closed); 0: unlimited. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection", AdvancedDisplay, meta = (ClampMin = "0"))
	int32 BackoffMaxAttempts = 0;

	/** Largest text message accepted from the gateway (IWebSocket::SetTextMessageMemoryLimit); a bigger one closes the
	    socket with 1009. 0: the engine's [WebSockets] TextMessageMemoryLimit (1 MiB unless changed). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Connection", AdvancedDisplay, meta = (ClampMin = "0"))
	int32 IncomingTextLimitBytes = 0;

	// --- Calls ----------------------------------------------------------------------------------------

	/** Seconds, for calls whose options give no timeout. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Calls", meta = (ClampMin = "0"))
	float CallTimeout = 0.f;

	/** Seconds between sys.ping (RTT, jitter, clock offset; it also keeps the heartbeat fed). 0: never. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Calls", AdvancedDisplay, meta = (ClampMin = "0"))
	float PingInterval = 0.f;

	/** Delays before retrying a call after a retryable error: first, seconds. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Calls", AdvancedDisplay, meta = (ClampMin = "0.01"))
	float CallRetryBase = 0.f;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Calls", AdvancedDisplay, meta = (ClampMin = "0.01"))
	float CallRetryCap = 0.f;

	/** session.resume answered -32009 (gateway failing over): retried on the same socket. First delay, seconds. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Calls", AdvancedDisplay, meta = (ClampMin = "0.01"))
	float ResumeRetryBase = 0.f;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Calls", AdvancedDisplay, meta = (ClampMin = "0.01"))
	float ResumeRetryCap = 0.f;

	/** Resume retries before the session is started afresh; 0: as many as ResumeRetryFor allows. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Calls", AdvancedDisplay, meta = (ClampMin = "0"))
	int32 ResumeRetryMaxAttempts = 0;

	/** Seconds from the first session.resume through which -32009 answers are retried (the gateway's default
	 *  sessions.ttl: a session it no longer holds is refused, not answered -32009). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Calls", AdvancedDisplay, meta = (ClampMin = "0"))
	float ResumeRetryFor = 0.f;

	// --- Outbound queue -------------------------------------------------------------------------------

	/** Largest frame sent (a batch included), and so the largest call. The default is the gateway's default
	    server.max_message_bytes (64 KiB); never above the gateway's setting, or the gateway closes with 1009. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Outbound", meta = (ClampMin = "256"))
	int32 MaxBatchBytes = 0;

	/** Most messages in one frame: the gateway's limits.max_batch_size. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Outbound", AdvancedDisplay, meta = (ClampMin = "1"))
	int32 MaxBatchMessages = 0;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Outbound", AdvancedDisplay)
	FRealtimeNetLaneSettings CriticalLane;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Outbound", AdvancedDisplay)
	FRealtimeNetLaneSettings NormalLane;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Outbound", AdvancedDisplay)
	FRealtimeNetLaneSettings LowLane;

	// --- State ----------------------------------------------------------------------------------------

	/** Versions kept per room (the current one included), for StateStore::DocumentAt. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|State", AdvancedDisplay, meta = (ClampMin = "1"))
	int32 StateHistory = 0;

	// --- Metrics --------------------------------------------------------------------------------------

	/** RTT samples kept for percentiles, median and MAD. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "1"))
	int32 RttWindow = 0;

	/** A sample above median + k * MAD is an outlier (left out of the smoothed RTT). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "0"))
	float OutlierK = 0.f;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "0"))
	int32 OutlierMinSamples = 0;

	/** The scaled MAD is at least this (steady links have MAD 0). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "0"))
	float OutlierMadFloorMs = 0.f;

	/** Smoothed RTT gain (RFC 6298's alpha). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "0.001", ClampMax = "1"))
	float SmoothedRttGain = 0.f;

	/** Clock offset from the lowest-RTT sample among the last N. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "1"))
	int32 ClockOffsetWindow = 0;

	/** Seconds the bandwidth figures average over. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "0.1"))
	float BandwidthWindow = 0.f;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "1"))
	int32 BandwidthBuckets = 0;

	/** Stream deliveries (received + lost) the loss ratio covers. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay, meta = (ClampMin = "1"))
	int32 LossWindow = 0;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay)
	FRealtimeNetQualityLimits ExcellentLimits;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay)
	FRealtimeNetQualityLimits GoodLimits;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay)
	FRealtimeNetQualityLimits FairLimits;

	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Metrics", AdvancedDisplay)
	FRealtimeNetQualityLimits PoorLimits;

	/** After every join, ask the gateway who is already in the room (presence.query {room}). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Presence")
	bool bLoadPresenceOnJoin = false;

	/** The member of a player's custom presence payload shown as their name (Set Presence with {"name": "Bob"});
	    empty, or a payload without it: the player id. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FString DisplayNameField;

	// --- Where clients exist --------------------------------------------------------------------------

	/** Dedicated servers get no RealtimeNet subsystem unless this is set (a server that itself talks to the
	    gateway, e.g. to follow room state it replicates). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Clients", AdvancedDisplay)
	bool bCreateOnDedicatedServer = false;

	/** Split screen: every local player gets a client (a connection and a player id) of their own; the first
	    local player uses the game's client. Off: every local player shares the game's client. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Clients")
	bool bClientPerLocalPlayer = false;

	// --- Debug ----------------------------------------------------------------------------------------

	/** Recent messages kept for the network inspector (0: none). */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Debug", AdvancedDisplay, meta = (ClampMin = "0"))
	int32 TraceCapacity = 0;

	/** rtnet.Trace logs whole messages, not only method, id and size. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Debug", AdvancedDisplay)
	bool bVerboseTrace = false;

	/** Seed for backoff jitter and simulated loss; 0: from the clock. A fixed seed makes runs repeatable. */
	UPROPERTY(config, EditAnywhere, BlueprintReadOnly, Category = "RealtimeNet|Debug", AdvancedDisplay)
	int32 RandomSeed = 0;
};
