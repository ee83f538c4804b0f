#include "RealtimeNetPlayerRowWidget.h"

#include "Components/Image.h"
#include "Components/TextBlock.h"

#include "RealtimeNetPlayerListItem.h"
#include "RealtimeNetTextLibrary.h"

void URealtimeNetPlayerRowWidget::SetRow(const FRealtimeNetPresenceRow& InRow)
{
	Row = InRow;
	if (NameText != nullptr)
	{
		NameText->SetText(FText::FromString(Row.DisplayName.IsEmpty() ? Row.PlayerId : Row.DisplayName));
	}
	if (StatusText != nullptr)
	{
		StatusText->SetText(URealtimeNetTextLibrary::PresenceStatusText(Row.Status));
	}
	if (LastSeenText != nullptr)
	{
		LastSeenText->SetText(Row.LastSeenText);
	}
	if (DevicesText != nullptr)
	{
		DevicesText->SetText(FText::AsNumber(Row.Devices));
	}
	if (OnlineIndicator != nullptr)
	{
		const FLinearColor Color = Row.Status == ERealtimeNetPresenceStatus::Online ? OnlineColor
			: Row.Status == ERealtimeNetPresenceStatus::Away                        ? AwayColor
																					: OfflineColor;
		OnlineIndicator->SetColorAndOpacity(Color);
	}
	OnRowChanged(Row);
}

void URealtimeNetPlayerRowWidget::NativeOnListItemObjectSet(UObject* ListItemObject)
{
	IUserObjectListEntry::NativeOnListItemObjectSet(ListItemObject);  // routes to On List Item Object Set
	URealtimeNetPlayerListItem* Item = Cast<URealtimeNetPlayerListItem>(ListItemObject);
	Follow(Item);
	if (Item != nullptr)
	{
		SetRow(Item->Row);
	}
}

void URealtimeNetPlayerRowWidget::NativeOnEntryReleased()
{
	Follow(nullptr);
	IUserObjectListEntry::NativeOnEntryReleased();
}

void URealtimeNetPlayerRowWidget::Follow(URealtimeNetPlayerListItem* Item)
{
	if (URealtimeNetPlayerListItem* Previous = FollowedItem.Get())
	{
		Previous->OnRowChangedNative.Remove(ItemHandle);
	}
	ItemHandle.Reset();
	FollowedItem = Item;
	if (Item != nullptr)
	{
		// The list keeps the item when the player's presence changes: follow it instead of waiting to be rebuilt.
		ItemHandle = Item->OnRowChangedNative.AddUObject(this, &URealtimeNetPlayerRowWidget::SetRow);
	}
}
