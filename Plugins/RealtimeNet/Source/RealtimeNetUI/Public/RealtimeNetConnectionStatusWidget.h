// Connection status for designers to skin: state text, "Reconnecting (2) in 1.4 s", quality bars from the core's
// grade, and a manual reconnect button. Every bound widget is optional.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetConnectionStatusWidget.generated.h"

class UButton;
class UImage;
class UProgressBar;
class URealtimeNetSubsystem;
class UTextBlock;

UCLASS()
class REALTIMENETUI_API URealtimeNetConnectionStatusWidget : public UUserWidget
{
	GENERATED_BODY()

public:
	/** Colour of a lit quality bar. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Appearance")
	FLinearColor BarLitColor = FLinearColor::White;

	/** Colour of an unlit quality bar. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Appearance")
	FLinearColor BarUnlitColor = FLinearColor(0.2f, 0.2f, 0.2f, 0.5f);

	/** Seconds between reads of the link quality (the countdown text updates every frame while reconnecting). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Appearance", meta = (ClampMin = "0.05"))
	float RefreshInterval = 0.5f;

	/** Called after every refresh, for Blueprint-side styling. */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Status")
	void OnStatusRefreshed(ERealtimeNetConnectionState State, const FRealtimeNetNetworkStats& Stats);

protected:
	virtual void NativeConstruct() override;
	virtual void NativeDestruct() override;
	virtual void NativeTick(const FGeometry& MyGeometry, float InDeltaTime) override;

	/** "connected", "reconnecting", ... */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> StateText;

	/** "Reconnecting (2) in 1.4 s"; collapsed in any other state. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> ReconnectText;

	/** "good", "poor", ... */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> QualityText;

	/** Four bars, lit from 1 up to the grade's bar count. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UImage> QualityBar1;

	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UImage> QualityBar2;

	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UImage> QualityBar3;

	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UImage> QualityBar4;

	/** Alternative to the bars: bars / 4. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UProgressBar> QualityProgress;

	/** Shown while reconnecting or closed; calls URealtimeNetSubsystem::Reconnect. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UButton> ReconnectButton;

private:
	UFUNCTION()
	void HandleReconnectClicked();

	void HandleStateChanged(ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState, const FString& Reason);
	void Refresh();
	void UpdateCountdown();

	TWeakObjectPtr<URealtimeNetSubsystem> Subsystem;
	FDelegateHandle StateHandle;
	float SinceRefresh = 0.f;
};
