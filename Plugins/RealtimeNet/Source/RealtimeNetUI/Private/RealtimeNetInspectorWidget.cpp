#include "RealtimeNetInspectorWidget.h"

#include "Components/TextBlock.h"

#include "Engine/LocalPlayer.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTextLibrary.h"

void URealtimeNetInspectorWidget::NativeConstruct()
{
	Super::NativeConstruct();
	Client = URealtimeNetSubsystem::GetClientFor(GetOwningLocalPlayer());
	if (!Client.IsValid())
	{
		Client = URealtimeNetSubsystem::GetClientFor(this);
	}
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
	const URealtimeNetClient* System = Client.Get();
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
		StateText->SetText(FText::AsCultureInvariant(FString::Printf(TEXT("%s  session %s  player %s"),
			*URealtimeNetTextLibrary::ConnectionStateText(System->GetConnectionState()).ToString(), *System->GetSessionId(),
			*System->GetPlayerId())));
	}
	if (LinkText != nullptr)
	{
		LinkText->SetText(URealtimeNetTextLibrary::LinkText(Stats));
	}
	if (QueueText != nullptr)
	{
		QueueText->SetText(URealtimeNetTextLibrary::QueueText(Stats));
	}
	if (TraceText != nullptr)
	{
		FString Lines;
		for (const FRealtimeNetTraceRow& Row : Trace)
		{
			Lines += URealtimeNetTextLibrary::TraceRowText(Row).ToString();
			Lines += TEXT("\n");
		}
		TraceText->SetText(FText::AsCultureInvariant(Lines));
	}
	OnInspectorRefreshed(Stats, Trace);
}
