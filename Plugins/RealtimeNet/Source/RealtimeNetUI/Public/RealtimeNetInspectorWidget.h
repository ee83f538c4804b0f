// In-game network inspector overlay: the core's link metrics, queue depths and its recent trace of messages.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetInspectorWidget.generated.h"

class URealtimeNetClient;
class UTextBlock;

UCLASS()
class REALTIMENETUI_API URealtimeNetInspectorWidget : public UUserWidget
{
	GENERATED_BODY()

public:
	/** Seconds between reads of the subsystem. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Debug", meta = (ClampMin = "0.05"))
	float RefreshInterval = 0.25f;

	/** Newest trace rows shown (the core keeps Project Settings > RealtimeNet > Trace Capacity). Developer-facing:
	    these lines are not translated. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Debug", meta = (ClampMin = "0"))
	int32 MaxTraceRows = 16;

	/** Called after every refresh, for Blueprint-side additions (graphs, colours). */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Debug")
	void OnInspectorRefreshed(const FRealtimeNetNetworkStats& Stats, const TArray<FRealtimeNetTraceRow>& Trace);

	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Debug")
	void Refresh();

protected:
	virtual void NativeConstruct() override;
	virtual void NativeTick(const FGeometry& MyGeometry, float InDeltaTime) override;

	/** State, session and player. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> StateText;

	/** RTT, p95, jitter, loss, grade. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> LinkText;

	/** Queue depths per lane, pending calls, bandwidth, duplicates dropped. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> QueueText;

	/** The newest MaxTraceRows messages, newest last. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> TraceText;

private:
	TWeakObjectPtr<URealtimeNetClient> Client;
	float SinceRefresh = 0.f;
};
