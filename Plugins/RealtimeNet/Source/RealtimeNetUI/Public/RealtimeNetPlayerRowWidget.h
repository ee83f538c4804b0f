// One row of the player list, an entry widget of its UListView (IUserObjectListEntry): name (the display name
// from presence), status, online indicator, "last seen". Designers skin it; it also works on its own with SetRow.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/IUserObjectListEntry.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetPlayerRowWidget.generated.h"

class UImage;
class URealtimeNetPlayerListItem;
class UTextBlock;

UCLASS()
class REALTIMENETUI_API URealtimeNetPlayerRowWidget : public UUserWidget, public IUserObjectListEntry
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

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence")
	FLinearColor OnlineColor = FLinearColor(0.1f, 0.8f, 0.2f, 1.f);

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence")
	FLinearColor AwayColor = FLinearColor(0.9f, 0.7f, 0.1f, 1.f);

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence")
	FLinearColor OfflineColor = FLinearColor(0.4f, 0.4f, 0.4f, 1.f);

protected:
	// IUserObjectListEntry: the list view hands this row an item, and takes it back.
	virtual void NativeOnListItemObjectSet(UObject* ListItemObject) override;
	virtual void NativeOnEntryReleased() override;

	/** The player's display name. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> NameText;

	/** "Online", "Away", "Offline". */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> StatusText;

	/** "online", "5 minutes ago", "yesterday", ... */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> LastSeenText;

	/** Connected devices. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> DevicesText;

	/** Tinted with OnlineColor / AwayColor / OfflineColor. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (BindWidgetOptional))
	TObjectPtr<UImage> OnlineIndicator;

private:
	void Follow(URealtimeNetPlayerListItem* Item);

	TWeakObjectPtr<URealtimeNetPlayerListItem> FollowedItem;
	FDelegateHandle ItemHandle;
};
