#include "RealtimeNetPresenceToastWidget.h"

#include "Components/TextBlock.h"

#include "RealtimeNetSubsystem.h"

void URealtimeNetPresenceToastWidget::NativeConstruct()
{
	Super::NativeConstruct();
	if (URealtimeNetSubsystem* System = URealtimeNetSubsystem::Get(this))
	{
		Subsystem = System;
		NewsHandle = System->OnPresenceNewsNative.AddUObject(this, &URealtimeNetPresenceToastWidget::HandlePresenceNews);
	}
	SetVisibility(ESlateVisibility::Collapsed);
}

void URealtimeNetPresenceToastWidget::NativeDestruct()
{
	if (URealtimeNetSubsystem* System = Subsystem.Get())
	{
		System->OnPresenceNewsNative.Remove(NewsHandle);
	}
	NewsHandle.Reset();
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

void URealtimeNetPresenceToastWidget::HandlePresenceNews(const FString& ChangedRoom, const FString& PlayerId,
	const FString& Text)
{
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
