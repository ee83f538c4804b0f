#include "RealtimeNetPresenceToastWidget.h"

#include "Components/TextBlock.h"

#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTextLibrary.h"

void URealtimeNetPresenceToastWidget::NativeConstruct()
{
	Super::NativeConstruct();
	if (URealtimeNetSubsystem* System = URealtimeNetSubsystem::Get(this))
	{
		Subsystem = System;
		NotificationHandle = System->OnNotification.AddUObject(this, &URealtimeNetPresenceToastWidget::HandleNotification);
	}
	SetVisibility(ESlateVisibility::Collapsed);
}

void URealtimeNetPresenceToastWidget::NativeDestruct()
{
	if (URealtimeNetSubsystem* System = Subsystem.Get())
	{
		System->OnNotification.Remove(NotificationHandle);
	}
	NotificationHandle.Reset();
	Queue.Reset();
	Super::NativeDestruct();
}

void URealtimeNetPresenceToastWidget::NativeTick(const FGeometry& MyGeometry, float InDeltaTime)
{
	Super::NativeTick(MyGeometry, InDeltaTime);
	if (!bShowing)
	{
		return;
	}
	Remaining -= InDeltaTime;
	if (Remaining <= 0.f)
	{
		ShowNext();
	}
}

void URealtimeNetPresenceToastWidget::HandleNotification(const FString& Method, const TSharedRef<FJsonObject>& Params)
{
	if (Method != TEXT("presence.changed"))
	{
		return;
	}
	FString ChangedRoom;
	FString PlayerId;
	FString Text;
	if (!URealtimeNetTextLibrary::DescribePresenceChange(Params, ChangedRoom, PlayerId, Text))
	{
		return;
	}
	const URealtimeNetSubsystem* System = Subsystem.Get();
	const bool bSelf = System != nullptr && PlayerId == System->GetPlayerId();  // "you joined" tells nobody anything
	if (!bSelf && (Room.IsEmpty() || ChangedRoom == Room))
	{
		ShowToast(Text);
	}
}

void URealtimeNetPresenceToastWidget::ShowToast(const FString& Message)
{
	Queue.Add(Message);
	while (Queue.Num() > MaxQueued)
	{
		Queue.RemoveAt(0);
	}
	if (!bShowing)
	{
		ShowNext();
	}
}

void URealtimeNetPresenceToastWidget::ShowNext()
{
	if (Queue.Num() == 0)
	{
		bShowing = false;
		SetVisibility(ESlateVisibility::Collapsed);
		OnToastHidden();
		return;
	}
	const FString Message = Queue[0];
	Queue.RemoveAt(0);
	bShowing = true;
	Remaining = DisplaySeconds;
	if (MessageText != nullptr)
	{
		MessageText->SetText(FText::FromString(Message));
	}
	SetVisibility(ESlateVisibility::HitTestInvisible);
	OnToastShown(Message);
}
