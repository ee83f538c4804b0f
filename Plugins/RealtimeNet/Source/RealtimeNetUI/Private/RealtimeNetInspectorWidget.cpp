#include "RealtimeNetInspectorWidget.h"

#include "Components/TextBlock.h"

#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTextLibrary.h"

void URealtimeNetInspectorWidget::NativeConstruct()
{
	Super::NativeConstruct();
	Subsystem = URealtimeNetSubsystem::Get(this);
	Refresh();
}

void URealtimeNetInspectorWidget::NativeTick(const FGeometry& MyGeometry, float InDeltaTime)
{
	Super::NativeTick(MyGeometry, InDeltaTime);
	SinceRefresh += InDeltaTime;
	if (SinceRefresh >= RefreshInterval)
	{
		Refresh();
	}
}

void URealtimeNetInspectorWidget::Refresh()
{
	SinceRefresh = 0.f;
	const URealtimeNetSubsystem* System = Subsystem.Get();
	if (System == nullptr)
	{
		return;
	}
	const FRealtimeNetNetworkStats Stats = System->GetNetworkStats();
	TArray<FRealtimeNetTraceRow> Trace = System->GetRecentTrace();
	if (Trace.Num() > MaxTraceRows)
	{
		Trace.RemoveAt(0, Trace.Num() - MaxTraceRows);
	}
	if (StateText != nullptr)
	{
		StateText->SetText(FText::FromString(FString::Printf(TEXT("%s  session %s  player %s"),
			*URealtimeNetTextLibrary::ConnectionStateText(System->GetConnectionState()), *System->GetSessionId(),
			*System->GetPlayerId())));
	}
	if (LinkText != nullptr)
	{
		LinkText->SetText(FText::FromString(URealtimeNetTextLibrary::LinkText(Stats)));
	}
	if (QueueText != nullptr)
	{
		QueueText->SetText(FText::FromString(URealtimeNetTextLibrary::QueueText(Stats)));
	}
	if (TraceText != nullptr)
	{
		FString Lines;
		for (const FRealtimeNetTraceRow& Row : Trace)
		{
			Lines += URealtimeNetTextLibrary::TraceRowText(Row);
			Lines += TEXT("\n");
		}
		TraceText->SetText(FText::FromString(Lines));
	}
	OnInspectorRefreshed(Stats, Trace);
}
