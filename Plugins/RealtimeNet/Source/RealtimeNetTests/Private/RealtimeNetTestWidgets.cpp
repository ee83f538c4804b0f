#include "RealtimeNetTestWidgets.h"

#include "Components/VerticalBox.h"

void URealtimeNetTestStatusWidget::Start()
{
	StateText = NewObject<UTextBlock>(this);
	ReconnectText = NewObject<UTextBlock>(this);
	QualityText = NewObject<UTextBlock>(this);
	QualityBar1 = NewObject<UImage>(this);
	QualityBar2 = NewObject<UImage>(this);
	QualityBar3 = NewObject<UImage>(this);
	QualityBar4 = NewObject<UImage>(this);
	QualityProgress = NewObject<UProgressBar>(this);
	ReconnectButton = NewObject<UButton>(this);
	NativeConstruct();
}

void URealtimeNetTestStatusWidget::Stop()
{
	NativeDestruct();
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

void URealtimeNetTestPlayerListWidget::Start(const FString& InRoom)
{
	RowsPanel = NewObject<UVerticalBox>(this);
	CountText = NewObject<UTextBlock>(this);
	RowClass = URealtimeNetTestPlayerRowWidget::StaticClass();
	Room = InRoom;
	NativeConstruct();
}

void URealtimeNetTestPlayerListWidget::Stop()
{
	NativeDestruct();
}

TArray<URealtimeNetTestPlayerRowWidget*> URealtimeNetTestPlayerListWidget::GetRows() const
{
	TArray<URealtimeNetTestPlayerRowWidget*> Rows;
	if (RowsPanel != nullptr)
	{
		for (int32 Index = 0; Index < RowsPanel->GetChildrenCount(); ++Index)
		{
			Rows.Add(Cast<URealtimeNetTestPlayerRowWidget>(RowsPanel->GetChildAt(Index)));
		}
	}
	return Rows;
}

void URealtimeNetTestToastWidget::Start(const FString& InRoom)
{
	MessageText = NewObject<UTextBlock>(this);
	Room = InRoom;
	NativeConstruct();
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
