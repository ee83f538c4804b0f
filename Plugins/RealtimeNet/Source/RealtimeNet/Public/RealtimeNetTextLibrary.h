// What a player reads, as FText from the plugin's string table (localisable: the RealtimeNet string table,
// RealtimeNetText.cpp), and the developer-facing lines of the network inspector. The core decides what to say;
// these only word it.
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
	/** "Connected", "Reconnecting", ... */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection", meta = (Keywords = "text status state label"))
	static FText ConnectionStateText(ERealtimeNetConnectionState State);

	/** "Reconnecting (2) in 1.4 s" while waiting, "Reconnecting (2)" once the attempt is under way. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection", meta = (Keywords = "text countdown retry"))
	static FText ReconnectingText(int32 Attempt, float SecondsLeft);

	/** "Excellent", "Good", ... ("Measuring" before the first round trip). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection", meta = (Keywords = "text quality ping signal"))
	static FText QualityText(ERealtimeNetQuality Quality);

	/** 0-4 signal bars for a grade (rtnet::QualityBars). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection", meta = (Keywords = "signal bars quality"))
	static int32 QualityBars(ERealtimeNetQuality Quality);

	/** "Online", "Away", "Offline". */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Presence", meta = (Keywords = "text status"))
	static FText PresenceStatusText(ERealtimeNetPresenceStatus Status);

	/** "Bob joined", "Bob left", "Bob is away", "Bob is online", "Bob went offline" for a display name. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Presence", meta = (Keywords = "text toast joined left"))
	static FText PresenceNewsText(ERealtimeNetPresenceNews News, const FString& DisplayName);

	/** "3 players". */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Presence", meta = (Keywords = "text count players"))
	static FText PlayerCountText(int32 Count);

	/** Inspector: "RTT 42 ms (p95 60)  jitter 3 ms  loss 0.0 %  Good". Developer-facing, not translated. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Debug")
	static FText LinkText(const FRealtimeNetNetworkStats& Stats);

	/** Inspector: "queues 0 / 2 / 0  pending 1  in 1.2 kB/s  out 0.4 kB/s  duplicates 0". Not translated. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Debug")
	static FText QueueText(const FRealtimeNetNetworkStats& Stats);

	/** Inspector: "12.345 -> room.join #7 128 B" ("<-" for incoming, "!" for an error response). Not translated. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Debug")
	static FText TraceRowText(const FRealtimeNetTraceRow& Row);
};
