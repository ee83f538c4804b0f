#include "RealtimeNetConnectionStatusWidget.h"

#include "Components/Image.h"
#include "Components/ProgressBar.h"
#include "Components/TextBlock.h"
#include "Engine/LocalPlayer.h"

#include "RealtimeNetButtonBinding.h"
#include "RealtimeNetClient.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTextLibrary.h"

URealtimeNetClient* URealtimeNetConnectionStatusWidget::GetClient() const
{
	return Client.Get();
}

void URealtimeNetConnectionStatusWidget::NativeConstruct()
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
		StateHandle = Found->OnConnectionStateChangedNative.AddUObject(this, &URealtimeNetConnectionStatusWidget::HandleStateChanged);
	}
	ButtonBinding = MakeShared<FRealtimeNetButtonBinding>();
	ButtonBinding->Bind(ReconnectButton, this, GET_FUNCTION_NAME_CHECKED(URealtimeNetConnectionStatusWidget, HandleReconnectClicked),
		GET_FUNCTION_NAME_CHECKED(URealtimeNetConnectionStatusWidget, HandleReconnectClickedBy));
	Refresh();
}

void URealtimeNetConnectionStatusWidget::NativeDestruct()
{
	if (URealtimeNetClient* Shown = Client.Get())
	{
		Shown->OnConnectionStateChangedNative.Remove(StateHandle);
	}
	StateHandle.Reset();
	if (ButtonBinding.IsValid())
	{
		ButtonBinding->Unbind();
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

void URealtimeNetConnectionStatusWidget::RequestReconnect()
{
	if (URealtimeNetClient* Shown = Client.Get())
	{
		Shown->Reconnect();
	}
}

void URealtimeNetConnectionStatusWidget::HandleReconnectClicked()
{
	RequestReconnect();
}

void URealtimeNetConnectionStatusWidget::HandleReconnectClickedBy(UObject* /*Button*/)
{
	RequestReconnect();
}

void URealtimeNetConnectionStatusWidget::ShowReconnect_Implementation()
{
	if (ReconnectText != nullptr)
	{
		ReconnectText->SetVisibility(ESlateVisibility::HitTestInvisible);
	}
	if (ReconnectButton != nullptr)
	{
		ReconnectButton->SetVisibility(ESlateVisibility::Visible);
	}
}

void URealtimeNetConnectionStatusWidget::HideReconnect_Implementation()
{
	if (ReconnectText != nullptr)
	{
		ReconnectText->SetVisibility(ESlateVisibility::Collapsed);
	}
	if (ReconnectButton != nullptr)
	{
		ReconnectButton->SetVisibility(ESlateVisibility::Collapsed);
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
	const URealtimeNetClient* Shown = Client.Get();
	const ERealtimeNetConnectionState State = Shown != nullptr ? Shown->GetConnectionState() : ERealtimeNetConnectionState::Disconnected;
	const FRealtimeNetNetworkStats Stats = Shown != nullptr ? Shown->GetNetworkStats() : FRealtimeNetNetworkStats();

	if (StateText != nullptr)
	{
		StateText->SetText(URealtimeNetTextLibrary::ConnectionStateText(State));
	}
	if (QualityText != nullptr)
	{
		QualityText->SetText(URealtimeNetTextLibrary::QualityText(Stats.Quality));
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
	const bool bOffline = State == ERealtimeNetConnectionState::Reconnecting || State == ERealtimeNetConnectionState::Closed;
	if (!bReconnectShown.IsSet() || bReconnectShown.GetValue() != bOffline)
	{
		bReconnectShown = bOffline;
		if (bOffline)
		{
			ShowReconnect();
		}
		else
		{
			HideReconnect();
		}
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
	const URealtimeNetClient* Shown = Client.Get();
	if (Shown != nullptr && Shown->GetReconnectCountdown(Attempt, SecondsLeft))
	{
		ReconnectText->SetText(URealtimeNetTextLibrary::ReconnectingText(Attempt, SecondsLeft));
	}
}
