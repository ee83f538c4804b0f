// "Bob joined" / "Bob left" / "Bob is away" for a few seconds, one after another. What it shows is structured
// (FRealtimeNetPresenceChange: who, their display name, what happened, and the text from the plugin's string
// table), so a Widget Blueprint can show an avatar or its own wording. The widget never hides or shows itself:
// Show Toast and Hide Toast are events to override (to play an animation); their default sets MessageText and
// shows or collapses the widget.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetPresenceToastWidget.generated.h"

class URealtimeNetClient;
class URealtimeNetRoom;
class UTextBlock;

UCLASS()
class REALTIMENETUI_API URealtimeNetPresenceToastWidget : public UUserWidget
{
	GENERATED_BODY()

public:
	/** Only this room's changes; empty: every room of the owning player's client. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence")
	FString RoomName;

	/** Seconds each toast stays up. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence", meta = (ClampMin = "0.5"))
	float DisplaySeconds = 3.f;

	/** Toasts waiting beyond this are dropped (oldest first). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence", meta = (ClampMin = "1"))
	int32 MaxQueued = 5;

	/** Also toast the local player's own changes ("You joined" tells nobody anything: off by default). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence")
	bool bIncludeLocalPlayer = false;

	/** Shows a toast now, or after the ones already waiting. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence")
	void EnqueueToast(const FRealtimeNetPresenceChange& Change);

	/** A toast's turn: the default sets MessageText to Change's text and makes the widget hit-test invisible. */
	UFUNCTION(BlueprintNativeEvent, Category = "RealtimeNet|Presence")
	void ShowToast(const FRealtimeNetPresenceChange& Change);

	/** No more toasts: the default collapses the widget. */
	UFUNCTION(BlueprintNativeEvent, Category = "RealtimeNet|Presence")
	void HideToast();

protected:
	virtual void NativeConstruct() override;
	virtual void NativeDestruct() override;
	virtual void NativeTick(const FGeometry& MyGeometry, float InDeltaTime) override;

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> MessageText;

private:
	void HandlePresenceChanged(URealtimeNetRoom* Room, const FRealtimeNetPresenceChange& Change);
	void ShowNext();

	TWeakObjectPtr<URealtimeNetClient> Client;
	FDelegateHandle PresenceHandle;
	TArray<FRealtimeNetPresenceChange> Queue;
	float Remaining = 0.f;
	bool bShowing = false;
};
