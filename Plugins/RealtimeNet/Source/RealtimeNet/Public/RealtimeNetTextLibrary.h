// Display text for the widgets and for Blueprints: the core's own strings where it has them
// (rtnet::ToString, rtnet::FormatLastSeen), and short formatting of the values it produces.
#pragma once

#include "CoreMinimal.h"
#include "Kismet/BlueprintFunctionLibrary.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetTextLibrary.generated.h"

UCLASS()
class REALTIMENET_API URealtimeNetTextLibrary : public UBlueprintFunctionLibrary
{
	GENERATED_BODY()

public:
	/** "connected", "reconnecting", ... (rtnet::ToString(State)). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static FString ConnectionStateText(ERealtimeNetConnectionState State);

	/** "Reconnecting (2) in 1.4 s". */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static FString ReconnectingText(int32 Attempt, float SecondsLeft);

	/** "excellent", "good", ... (rtnet::ToString(ConnectionQuality)). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static FString QualityText(ERealtimeNetQuality Quality);

	/** 0-4 signal bars for a grade. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static int32 QualityBars(ERealtimeNetQuality Quality);

	/** "online", "away", "offline" (rtnet::ToString(PresenceStatus)). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static FString PresenceStatusText(ERealtimeNetPresenceStatus Status);

	/** "p1 joined", "p1 left", "p1 is away", "p1 is online", "p1 went offline" (rtnet::PresenceChangeText). Event: join,
	    leave or status. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static FString PresenceToastText(const FString& PlayerId, const FString& Event, ERealtimeNetPresenceStatus Status);

	/** "RTT 42 ms (p95 60)  jitter 3 ms  loss 0.0 %  good". */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static FString LinkText(const FRealtimeNetNetworkStats& Stats);

	/** "queues 0 / 2 / 0  pending 1  in 1.2 kB/s  out 0.4 kB/s  duplicates 0". */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static FString QueueText(const FRealtimeNetNetworkStats& Stats);

	/** "12.345 -> room.join #7 128 B" ("<-" for incoming, "!" for an error response). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Text")
	static FString TraceRowText(const FRealtimeNetTraceRow& Row);
};
