#include "RealtimeNetPlayerListWidget.h"

#include "Components/PanelWidget.h"
#include "Components/TextBlock.h"

#include "RealtimeNetSubsystem.h"

void URealtimeNetPlayerListWidget::NativeConstruct()
{
	Super::NativeConstruct();
	if (URealtimeNetSubsystem* System = URealtimeNetSubsystem::Get(this))
	{
		Subsystem = System;
		PresenceHandle = System->OnPresenceChangedNative.AddUObject(this, &URealtimeNetPlayerListWidget::HandlePresenceChanged);
	}
	Refresh();
}

void URealtimeNetPlayerListWidget::NativeDestruct()
{
	if (URealtimeNetSubsystem* System = Subsystem.Get())
	{
		System->OnPresenceChangedNative.Remove(PresenceHandle);
	}
	PresenceHandle.Reset();
	Super::NativeDestruct();
}

void URealtimeNetPlayerListWidget::SetRoom(const FString& NewRoom)
{
	Room = NewRoom;
	Refresh();
}

void URealtimeNetPlayerListWidget::HandlePresenceChanged(const FString& ChangedRoom)
{
	if (ChangedRoom == Room)
	{
		Refresh();
	}
}

void URealtimeNetPlayerListWidget::Refresh()
{
	const URealtimeNetSubsystem* System = Subsystem.Get();
	const TArray<FRealtimeNetPresenceRow> Rows = System != nullptr ? System->GetPresence(Room) : TArray<FRealtimeNetPresenceRow>();
	if (RowsPanel != nullptr)
	{
		RowsPanel->ClearChildren();
		if (RowClass.Get() != nullptr)
		{
			for (const FRealtimeNetPresenceRow& Row : Rows)
			{
				if (URealtimeNetPlayerRowWidget* Widget = CreateWidget<URealtimeNetPlayerRowWidget>(this, RowClass))
				{
					Widget->SetRow(Row);
					RowsPanel->AddChild(Widget);
				}
			}
		}
	}
	if (CountText != nullptr)
	{
		CountText->SetText(FText::AsNumber(Rows.Num()));
	}
	OnRowsRebuilt(Rows);
}
