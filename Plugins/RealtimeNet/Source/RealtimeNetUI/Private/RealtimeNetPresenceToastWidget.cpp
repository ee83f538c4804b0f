#include "RealtimeNetPresenceToastWidget.h"

#include "Components/TextBlock.h"
#include "Engine/LocalPlayer.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetSubsystem.h"

void URealtimeNetPresenceToastWidget::NativeConstruct()
{
	Super::NativeConstruct();
	URealtimeNetClient* Found = URealtimeNetSubsystem::GetClientFor(GetOwningLocalPlayer());
	if (Found == nullptr)
	{
		Found = URealtimeNetSubsystem::GetClientFor(this);
	}
	if (Found != nullptr)
	{
		Client = Found;
		PresenceHandle = Found->OnRoomPresenceChangedNative.AddUObject(this, &URealtimeNetPresenceToastWidget::HandlePresenceChanged);
	}
	HideToast();
}

void URealtimeNetPresenceToastWidget::NativeDestruct()
{
	if (URealtimeNetClient* Shown = Client.Get())
	{
		Shown->OnRoomPresenceChangedNative.Remove(PresenceHandle);
	}
	PresenceHandle.Reset();
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

void URealtimeNetPresenceToastWidget::HandlePresenceChanged(URealtimeNetRoom* Room, const FRealtimeNetPresenceChange& Change)
{
	const bool bThisRoom = RoomName.IsEmpty() || (Room != nullptr && Room->GetName() == RoomName);
	const bool bNews = Change.News != ERealtimeNetPresenceNews::Reloaded;
	if (bThisRoom && bNews && (bIncludeLocalPlayer || !Change.bIsLocalPlayer))
	{
		EnqueueToast(Change);
	}
}

void URealtimeNetPresenceToastWidget::EnqueueToast(const FRealtimeNetPresenceChange& Change)
{
	Queue.Add(Change);
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
		HideToast();
		return;
	}
	const FRealtimeNetPresenceChange Next = Queue[0];
	Queue.RemoveAt(0);
	bShowing = true;
	Remaining = DisplaySeconds;
	ShowToast(Next);
}

void URealtimeNetPresenceToastWidget::ShowToast_Implementation(const FRealtimeNetPresenceChange& Change)
{
	if (MessageText != nullptr)
	{
		MessageText->SetText(Change.Text);
	}
	SetVisibility(ESlateVisibility::HitTestInvisible);
}

void URealtimeNetPresenceToastWidget::HideToast_Implementation()
{
	SetVisibility(ESlateVisibility::Collapsed);
}
