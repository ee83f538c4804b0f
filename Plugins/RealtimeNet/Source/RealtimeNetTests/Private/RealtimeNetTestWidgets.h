// The UI module's widget bases as a designer's Widget Blueprint would use them, without a Widget Blueprint:
// each test subclass creates the optional bound widgets (BindWidgetOptional members are protected, so only a
// subclass can fill them) and exposes NativeConstruct / NativeDestruct, which Slate would call when the widget
// is shown. A headless run has no viewport to show them in; what the bases write into their bound widgets is
// what a player would see. NativeTick is not driven (it needs a geometry from Slate): the specs check what
// construction, Refresh and the subsystem's delegates produce.
#pragma once

#include "CoreMinimal.h"
#include "Components/Button.h"
#include "Components/Image.h"
#include "Components/PanelWidget.h"
#include "Components/ProgressBar.h"
#include "Components/TextBlock.h"

#include "RealtimeNetConnectionStatusWidget.h"
#include "RealtimeNetInspectorWidget.h"
#include "RealtimeNetPlayerListWidget.h"
#include "RealtimeNetPlayerRowWidget.h"
#include "RealtimeNetPresenceToastWidget.h"

#include "RealtimeNetTestWidgets.generated.h"

UCLASS()
class URealtimeNetTestStatusWidget : public URealtimeNetConnectionStatusWidget
{
	GENERATED_BODY()

public:
	/** Creates every optional bound widget, then constructs (binds to the subsystem and refreshes). */
	void Start();
	void Stop();

	UTextBlock* GetStateText() const { return StateText.Get(); }
	UTextBlock* GetReconnectText() const { return ReconnectText.Get(); }
	UTextBlock* GetQualityText() const { return QualityText.Get(); }
	UImage* GetBar(int32 Index) const;
	UProgressBar* GetProgress() const { return QualityProgress.Get(); }
	UButton* GetReconnectButton() const { return ReconnectButton.Get(); }
};

UCLASS()
class URealtimeNetTestPlayerRowWidget : public URealtimeNetPlayerRowWidget
{
	GENERATED_BODY()

public:
	/** Creates the optional bound widgets; a row created by the player list calls it from NativeOnInitialized. */
	void Bind();

	UTextBlock* GetNameText() const { return NameText.Get(); }
	UTextBlock* GetStatusText() const { return StatusText.Get(); }
	UTextBlock* GetLastSeenText() const { return LastSeenText.Get(); }
	UTextBlock* GetDevicesText() const { return DevicesText.Get(); }
	UImage* GetOnlineIndicator() const { return OnlineIndicator.Get(); }

protected:
	virtual void NativeOnInitialized() override;
};

UCLASS()
class URealtimeNetTestPlayerListWidget : public URealtimeNetPlayerListWidget
{
	GENERATED_BODY()

public:
	/** A vertical box for the rows, a count text, URealtimeNetTestPlayerRowWidget rows; then constructs. */
	void Start(const FString& InRoom);
	void Stop();

	UPanelWidget* GetRowsPanel() const { return RowsPanel.Get(); }
	UTextBlock* GetCountText() const { return CountText.Get(); }
	/** The row widgets in the panel, in order. */
	TArray<URealtimeNetTestPlayerRowWidget*> GetRows() const;
};

UCLASS()
class URealtimeNetTestToastWidget : public URealtimeNetPresenceToastWidget
{
	GENERATED_BODY()

public:
	void Start(const FString& InRoom);
	void Stop();

	UTextBlock* GetMessageText() const { return MessageText.Get(); }
};

UCLASS()
class URealtimeNetTestInspectorWidget : public URealtimeNetInspectorWidget
{
	GENERATED_BODY()

public:
	void Start();

	UTextBlock* GetStateText() const { return StateText.Get(); }
	UTextBlock* GetLinkText() const { return LinkText.Get(); }
	UTextBlock* GetQueueText() const { return QueueText.Get(); }
	UTextBlock* GetTraceText() const { return TraceText.Get(); }
};
