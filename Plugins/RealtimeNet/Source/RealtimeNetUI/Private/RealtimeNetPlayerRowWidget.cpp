#include "RealtimeNetPlayerRowWidget.h"

#include "Components/Image.h"
#include "Components/TextBlock.h"

#include "RealtimeNetTextLibrary.h"

void URealtimeNetPlayerRowWidget::SetRow(const FRealtimeNetPresenceRow& InRow)
{
	Row = InRow;
	if (NameText != nullptr)
	{
		NameText->SetText(FText::FromString(Row.PlayerId));
	}
	if (StatusText != nullptr)
	{
		StatusText->SetText(FText::FromString(URealtimeNetTextLibrary::PresenceStatusText(Row.Status)));
	}
	if (LastSeenText != nullptr)
	{
		LastSeenText->SetText(FText::FromString(Row.LastSeenText));
	}
	if (DevicesText != nullptr)
	{
		DevicesText->SetText(FText::AsNumber(Row.Devices));
	}
	if (OnlineIndicator != nullptr)
	{
		const FLinearColor Color = Row.Status == ERealtimeNetPresenceStatus::Online ? OnlineColor
			: Row.Status == ERealtimeNetPresenceStatus::Away                        ? AwayColor
																					: OfflineColor;
		OnlineIndicator->SetColorAndOpacity(Color);
	}
	OnRowChanged(Row);
}
