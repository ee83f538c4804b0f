#include "RealtimeNetPlayerListWidget.h"

#include "Components/ListView.h"
#include "Components/TextBlock.h"
#include "Engine/LocalPlayer.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetPlayerListItem.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTextLibrary.h"

void URealtimeNetPlayerListWidget::NativeConstruct()
{
	Super::NativeConstruct();
	Refresh();
}

void URealtimeNetPlayerListWidget::NativeDestruct()
{
	Watch(nullptr);
	Super::NativeDestruct();
}

void URealtimeNetPlayerListWidget::NativeTick(const FGeometry& MyGeometry, float InDeltaTime)
{
	Super::NativeTick(MyGeometry, InDeltaTime);
	if (ShownRoom.IsValid() || RoomName.IsEmpty())
	{
		return;
	}
	// Waiting for RoomName to be joined.
	const URealtimeNetClient* Client = URealtimeNetSubsystem::GetClientFor(GetOwningLocalPlayer());
	if (Client == nullptr)
	{
		Client = URealtimeNetSubsystem::GetClientFor(this);
	}
	URealtimeNetRoom* Named = Client != nullptr ? Client->FindRoom(RoomName) : nullptr;
	if (Named != nullptr)
	{
		Watch(Named);
		Refresh();
	}
}

void URealtimeNetPlayerListWidget::SetRoom(URealtimeNetRoom* Room)
{
	RoomName = Room != nullptr ? Room->GetName() : FString();
	Watch(Room);
	Refresh();
}

void URealtimeNetPlayerListWidget::Watch(URealtimeNetRoom* Room)
{
	if (URealtimeNetRoom* Previous = ShownRoom.Get())
	{
		Previous->OnPresenceChangedNative.Remove(PresenceHandle);
	}
	PresenceHandle.Reset();
	ShownRoom = Room;
	if (Room != nullptr)
	{
		PresenceHandle = Room->OnPresenceChangedNative.AddUObject(this, &URealtimeNetPlayerListWidget::HandlePresenceChanged);
	}
}

void URealtimeNetPlayerListWidget::HandlePresenceChanged(URealtimeNetRoom* /*Room*/, const FRealtimeNetPresenceChange& /*Change*/)
{
	Refresh();
}

TArray<URealtimeNetPlayerListItem*> URealtimeNetPlayerListWidget::GetItems() const
{
	TArray<URealtimeNetPlayerListItem*> Result;
	for (const TObjectPtr<URealtimeNetPlayerListItem>& Item : Ordered)
	{
		Result.Add(Item.Get());
	}
	return Result;
}

void URealtimeNetPlayerListWidget::Refresh()
{
	const URealtimeNetRoom* Room = ShownRoom.Get();
	const TArray<FRealtimeNetPresenceRow> Rows = Room != nullptr ? Room->GetPresence() : TArray<FRealtimeNetPresenceRow>();
	// Keep the item of each player still there (its row widget updates in place); drop the others.
	TMap<FString, TObjectPtr<URealtimeNetPlayerListItem>> Kept;
	Ordered.Reset();
	for (const FRealtimeNetPresenceRow& Row : Rows)
	{
		TObjectPtr<URealtimeNetPlayerListItem> Item;
		if (!Items.RemoveAndCopyValue(Row.PlayerId, Item) || Item == nullptr)
		{
			Item = NewObject<URealtimeNetPlayerListItem>(this);
		}
		Item->SetRow(Row);
		Kept.Add(Row.PlayerId, Item);
		Ordered.Add(Item);
	}
	Items = MoveTemp(Kept);
	if (PlayerList != nullptr)
	{
		PlayerList->SetListItems(Ordered);
	}
	if (CountText != nullptr)
	{
		CountText->SetText(URealtimeNetTextLibrary::PlayerCountText(Rows.Num()));
	}
	OnRowsRefreshed(Rows);
}
