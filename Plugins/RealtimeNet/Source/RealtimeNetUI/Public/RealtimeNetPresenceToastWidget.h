// "p1 joined" / "p1 left" / "p1 is away" for a few seconds, one message after another. The text is the core's
// (URealtimeNetSubsystem::OnPresenceNewsNative, rtnet::PresenceChangeText), for rooms the client has joined.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetPresenceToastWidget.generated.h"

class URealtimeNetSubsystem;
class UTextBlock;

UCLASS()
class REALTIMENETUI_API URealtimeNetPresenceToastWidget : public UUserWidget
{
	GENERATED_BODY()

public:
	/** Only this room's changes; empty: every room the client has joined. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence")
	FString Room;

	/** Seconds each message stays up. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence", meta = (ClampMin = "0.5"))
	float DisplaySeconds = 3.f;

	/** Messages waiting beyond this are dropped (oldest first). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence", meta = (ClampMin = "1"))
	int32 MaxQueued = 5;

	/** Shows a message now, or after the ones already waiting. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence")
	void ShowToast(const FString& Message);

	/** For an animation in the Widget Blueprint. */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Presence")
	void OnToastShown(const FString& Message);

	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Presence")
	void OnToastHidden();

protected:
	virtual void NativeConstruct() override;
	virtual void NativeDestruct() override;
	virtual void NativeTick(const FGeometry& MyGeometry, float InDeltaTime) override;

	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> MessageText;

private:
	void HandlePresenceNews(const FString& ChangedRoom, const FString& PlayerId, const FString& Text);
	void ShowNext();

	TWeakObjectPtr<URealtimeNetSubsystem> Subsystem;
	FDelegateHandle NewsHandle;
	TArray<FString> Queue;
	float Remaining = 0.f;
	bool bShowing = false;
};
