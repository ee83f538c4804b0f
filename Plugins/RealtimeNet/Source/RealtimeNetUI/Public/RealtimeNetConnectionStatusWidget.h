// Connection status for designers to skin: state text, "Reconnecting (2) in 1.4 s", quality bars from the core's
// grade, and a reconnect button (a UButton, a CommonUI button, or any widget whose click calls Request Reconnect).
// Every bound widget is optional. The widget never hides or shows itself: Show Reconnect / Hide Reconnect are
// events a Widget Blueprint overrides (to play an animation); their default shows or collapses ReconnectText and
// ReconnectButton.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetConnectionStatusWidget.generated.h"

class UImage;
class UProgressBar;
class URealtimeNetClient;
class UTextBlock;
class FRealtimeNetButtonBinding;

UCLASS()
class REALTIMENETUI_API URealtimeNetConnectionStatusWidget : public UUserWidget
{
	GENERATED_BODY()

public:
	/** Colour of a lit quality bar. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Connection")
	FLinearColor BarLitColor = FLinearColor::White;

	/** Colour of an unlit quality bar. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Connection")
	FLinearColor BarUnlitColor = FLinearColor(0.2f, 0.2f, 0.2f, 0.5f);

	/** Seconds between reads of the link quality (the countdown text updates every frame while reconnecting). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Connection", meta = (ClampMin = "0.05"))
	float RefreshInterval = 0.5f;

	/** A new socket now (what the reconnect button does): call it from a button of your own. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection")
	void RequestReconnect();

	/** The connection is lost or closed: show the countdown and the reconnect button. Override to animate; the
	    default makes ReconnectText and ReconnectButton visible. */
	UFUNCTION(BlueprintNativeEvent, Category = "RealtimeNet|Connection")
	void ShowReconnect();

	/** The connection is back: hide them. The default collapses ReconnectText and ReconnectButton. */
	UFUNCTION(BlueprintNativeEvent, Category = "RealtimeNet|Connection")
	void HideReconnect();

	/** Called after every refresh, for Blueprint-side styling. */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Connection")
	void OnStatusRefreshed(ERealtimeNetConnectionState State, const FRealtimeNetNetworkStats& Stats);

	/** The client shown: the owning player's (split screen), else the game's. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	URealtimeNetClient* GetClient() const;

protected:
	virtual void NativeConstruct() override;
	virtual void NativeDestruct() override;
	virtual void NativeTick(const FGeometry& MyGeometry, float InDeltaTime) override;

	/** "Connected", "Reconnecting", ... */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> StateText;

	/** "Reconnecting (2) in 1.4 s". */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> ReconnectText;

	/** "Good", "Poor", ... */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> QualityText;

	/** Four bars, lit from 1 up to the grade's bar count. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UImage> QualityBar1;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UImage> QualityBar2;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UImage> QualityBar3;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UImage> QualityBar4;

	/** Alternative to the bars: bars / 4. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UProgressBar> QualityProgress;

	/** Any button: a UButton, a CommonUI button (bound to its click by name), or a widget that calls Request
	    Reconnect itself. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Connection", meta = (BindWidgetOptional))
	TObjectPtr<UWidget> ReconnectButton;

private:
	UFUNCTION()
	void HandleReconnectClicked();

	UFUNCTION()
	void HandleReconnectClickedBy(UObject* Button);

	void HandleStateChanged(ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState, const FString& Reason);
	void Refresh();
	void UpdateCountdown();

	TWeakObjectPtr<URealtimeNetClient> Client;
	TSharedPtr<FRealtimeNetButtonBinding> ButtonBinding;
	FDelegateHandle StateHandle;
	float SinceRefresh = 0.f;
	/** Whether the reconnect UI is shown (Show / Hide Reconnect run on changes only). */
	TOptional<bool> bReconnectShown;
};
