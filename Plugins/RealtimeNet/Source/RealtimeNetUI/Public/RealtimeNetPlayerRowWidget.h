// One row of the player list: name, status, online indicator, "last seen". Designers skin it; the list creates one
// per presence row and calls SetRow.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetPlayerRowWidget.generated.h"

class UImage;
class UTextBlock;

UCLASS()
class REALTIMENETUI_API URealtimeNetPlayerRowWidget : public UUserWidget
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence")
	void SetRow(const FRealtimeNetPresenceRow& InRow);

	/** Called after SetRow, for Blueprint-side styling. */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Presence")
	void OnRowChanged(const FRealtimeNetPresenceRow& NewRow);

	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FRealtimeNetPresenceRow Row;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Appearance")
	FLinearColor OnlineColor = FLinearColor(0.1f, 0.8f, 0.2f, 1.f);

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Appearance")
	FLinearColor AwayColor = FLinearColor(0.9f, 0.7f, 0.1f, 1.f);

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Appearance")
	FLinearColor OfflineColor = FLinearColor(0.4f, 0.4f, 0.4f, 1.f);

protected:
	/** The player id. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> NameText;

	/** "online", "away", "offline". */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> StatusText;

	/** The core's "last seen" text: "online", "5 minutes ago", "yesterday", ... */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> LastSeenText;

	/** Connected devices. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> DevicesText;

	/** Tinted with OnlineColor / AwayColor / OfflineColor. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UImage> OnlineIndicator;
};
