#include "RealtimeNetTestWidgets.h"

void URealtimeNetTestStatusWidget::Start(UWidget* Button)
{
	StateText = NewObject<UTextBlock>(this);
	ReconnectText = NewObject<UTextBlock>(this);
	QualityText = NewObject<UTextBlock>(this);
	QualityBar1 = NewObject<UImage>(this);
	QualityBar2 = NewObject<UImage>(this);
	QualityBar3 = NewObject<UImage>(this);
	QualityBar4 = NewObject<UImage>(this);
	QualityProgress = NewObject<UProgressBar>(this);
	ReconnectButton = Button != nullptr ? Button : static_cast<UWidget*>(NewObject<UButton>(this));
	NativeConstruct();
}

void URealtimeNetTestStatusWidget::Stop()
{
	NativeDestruct();
}

void URealtimeNetTestStatusWidget::ShowReconnect_Implementation()
{
	++Shown;
	Super::ShowReconnect_Implementation();
}

void URealtimeNetTestStatusWidget::HideReconnect_Implementation()
{
	++Hidden;
	Super::HideReconnect_Implementation();
}

UImage* URealtimeNetTestStatusWidget::GetBar(int32 Index) const
{
	switch (Index)
	{
	case 0: return QualityBar1.Get();
	case 1: return QualityBar2.Get();
	case 2: return QualityBar3.Get();
	case 3: return QualityBar4.Get();
	default: return nullptr;
	}
}

void URealtimeNetTestPlayerRowWidget::Bind()
{
	NameText = NewObject<UTextBlock>(this);
	StatusText = NewObject<UTextBlock>(this);
	LastSeenText = NewObject<UTextBlock>(this);
	DevicesText = NewObject<UTextBlock>(this);
	OnlineIndicator = NewObject<UImage>(this);
}

void URealtimeNetTestPlayerRowWidget::NativeOnInitialized()
{
	Super::NativeOnInitialized();
	Bind();
}

void URealtimeNetTestPlayerListWidget::Start(const FString& InRoomName)
{
	PlayerList = NewObject<UListView>(this);
	CountText = NewObject<UTextBlock>(this);
	RoomName = InRoomName;
	NativeConstruct();
}

void URealtimeNetTestPlayerListWidget::Stop()
{
	NativeDestruct();
}

void URealtimeNetTestToastWidget::Start(const FString& InRoomName)
{
	MessageText = NewObject<UTextBlock>(this);
	RoomName = InRoomName;
	NativeConstruct();
}

void URealtimeNetTestToastWidget::ShowToast_Implementation(const FRealtimeNetPresenceChange& Change)
{
	Shown.Add(Change);
	Super::ShowToast_Implementation(Change);
}

void URealtimeNetTestToastWidget::Stop()
{
	NativeDestruct();
}

void URealtimeNetTestInspectorWidget::Start()
{
	StateText = NewObject<UTextBlock>(this);
	LinkText = NewObject<UTextBlock>(this);
	QueueText = NewObject<UTextBlock>(this);
	TraceText = NewObject<UTextBlock>(this);
	NativeConstruct();
}
