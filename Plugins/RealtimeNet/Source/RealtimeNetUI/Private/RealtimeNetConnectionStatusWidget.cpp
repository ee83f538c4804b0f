#include "RealtimeNetConnectionStatusWidget.h"

#include "Components/Button.h"
#include "Components/Image.h"
#include "Components/ProgressBar.h"
#include "Components/TextBlock.h"

#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTextLibrary.h"

void URealtimeNetConnectionStatusWidget::NativeConstruct()
{
	Super::NativeConstruct();
	if (URealtimeNetSubsystem* System = URealtimeNetSubsystem::Get(this))
	{
		Subsystem = System;
		StateHandle = System->OnConnectionStateChangedNative.AddUObject(this, &URealtimeNetConnectionStatusWidget::HandleStateChanged);
	}
	if (ReconnectButton != nullptr)
	{
		ReconnectButton->OnClicked.AddDynamic(this, &URealtimeNetConnectionStatusWidget::HandleReconnectClicked);
	}
	Refresh();
}

void URealtimeNetConnectionStatusWidget::NativeDestruct()
{
	if (URealtimeNetSubsystem* System = Subsystem.Get())
	{
		System->OnConnectionStateChangedNative.Remove(StateHandle);
	}
	StateHandle.Reset();
	if (ReconnectButton != nullptr)
	{
		ReconnectButton->OnClicked.RemoveDynamic(this, &URealtimeNetConnectionStatusWidget::HandleReconnectClicked);
	}
	Super::NativeDestruct();
}

void URealtimeNetConnectionStatusWidget::NativeTick(const FGeometry& MyGeometry, float InDeltaTime)
{
	Super::NativeTick(MyGeometry, InDeltaTime);
	UpdateCountdown();
	SinceRefresh += InDeltaTime;
	if (SinceRefresh >= RefreshInterval)
	{
		Refresh();
	}
}

void URealtimeNetConnectionStatusWidget::HandleReconnectClicked()
{
	if (URealtimeNetSubsystem* System = Subsystem.Get())
	{
		System->Reconnect();
	}
}

void URealtimeNetConnectionStatusWidget::HandleStateChanged(ERealtimeNetConnectionState /*NewState*/,
	ERealtimeNetConnectionState /*OldState*/, const FString& /*Reason*/)
{
	Refresh();
}

void URealtimeNetConnectionStatusWidget::Refresh()
{
	SinceRefresh = 0.f;
	const URealtimeNetSubsystem* System = Subsystem.Get();
	const ERealtimeNetConnectionState State =
		System != nullptr ? System->GetConnectionState() : ERealtimeNetConnectionState::Disconnected;
	const FRealtimeNetNetworkStats Stats = System != nullptr ? System->GetNetworkStats() : FRealtimeNetNetworkStats();

	if (StateText != nullptr)
	{
		StateText->SetText(FText::FromString(URealtimeNetTextLibrary::ConnectionStateText(State)));
	}
	if (QualityText != nullptr)
	{
		QualityText->SetText(FText::FromString(URealtimeNetTextLibrary::QualityText(Stats.Quality)));
	}
	const TObjectPtr<UImage> Bars[] = {QualityBar1, QualityBar2, QualityBar3, QualityBar4};
	for (int32 Index = 0; Index < static_cast<int32>(UE_ARRAY_COUNT(Bars)); ++Index)
	{
		if (Bars[Index] != nullptr)
		{
			Bars[Index]->SetColorAndOpacity(Index < Stats.QualityBars ? BarLitColor : BarUnlitColor);
		}
	}
	if (QualityProgress != nullptr)
	{
		QualityProgress->SetPercent(static_cast<float>(Stats.QualityBars) / 4.f);
	}
	if (ReconnectButton != nullptr)
	{
		const bool bOffline = State == ERealtimeNetConnectionState::Reconnecting || State == ERealtimeNetConnectionState::Closed;
		ReconnectButton->SetVisibility(bOffline ? ESlateVisibility::Visible : ESlateVisibility::Collapsed);
	}
	UpdateCountdown();
	OnStatusRefreshed(State, Stats);
}

void URealtimeNetConnectionStatusWidget::UpdateCountdown()
{
	if (ReconnectText == nullptr)
	{
		return;
	}
	int32 Attempt = 0;
	float SecondsLeft = 0.f;
	const URealtimeNetSubsystem* System = Subsystem.Get();
	if (System != nullptr && System->GetReconnectCountdown(Attempt, SecondsLeft))
	{
		ReconnectText->SetText(FText::FromString(URealtimeNetTextLibrary::ReconnectingText(Attempt, SecondsLeft)));
		ReconnectText->SetVisibility(ESlateVisibility::HitTestInvisible);
	}
	else
	{
		ReconnectText->SetVisibility(ESlateVisibility::Collapsed);
	}
}
