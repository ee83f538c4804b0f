// The UI module's widget bases as a designer's Widget Blueprint would use them, without a Widget Blueprint:
// each test subclass creates the optional bound widgets (BindWidgetOptional members are protected, so only a
// subclass can fill them) and exposes NativeConstruct / NativeDestruct, which Slate would call when the widget
// is shown. A headless run has no viewport to show them in; what the bases write into their bound widgets is
// what a player would see. NativeTick is not driven (it needs a geometry from Slate): the specs check what
// construction, Refresh and the client's and rooms' delegates produce. A list view creates entry widgets only when
// Slate shows it: the specs read the list's items, and hand an item to a row widget as the list view would.
#pragma once

#include "CoreMinimal.h"
#include "Components/Button.h"
#include "Components/Image.h"
#include "Components/ListView.h"
#include "Components/ProgressBar.h"
#include "Components/TextBlock.h"

#include "RealtimeNetConnectionStatusWidget.h"
#include "RealtimeNetInspectorWidget.h"
#include "RealtimeNetPlayerListItem.h"
#include "RealtimeNetPlayerListWidget.h"
#include "RealtimeNetPlayerRowWidget.h"
#include "RealtimeNetPresenceToastWidget.h"

#include "RealtimeNetTestWidgets.generated.h"

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FRealtimeNetTestButtonClicked, class URealtimeNetTestCommonStyleButton*, Button);

/** A button shaped like CommonUI's UCommonButtonBase (a user widget whose click event, OnButtonBaseClicked, passes the
    button), without depending on CommonUI: what the widget bases bind to by reflection. */
UCLASS()
class URealtimeNetTestCommonStyleButton : public UUserWidget
{
	GENERATED_BODY()

public:
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Tests")
	FRealtimeNetTestButtonClicked OnButtonBaseClicked;

	/** What a click does. */
	void Click() { OnButtonBaseClicked.Broadcast(this); }
};

UCLASS()
class URealtimeNetTestStatusWidget : public URealtimeNetConnectionStatusWidget
{
	GENERATED_BODY()

public:
	/** Creates every optional bound widget (a UButton as the reconnect button, or Button when given), then constructs
	    (binds to the client and refreshes). */
	void Start(UWidget* Button = nullptr);
	void Stop();

	UTextBlock* GetStateText() const { return StateText.Get(); }
	UTextBlock* GetReconnectText() const { return ReconnectText.Get(); }
	UTextBlock* GetQualityText() const { return QualityText.Get(); }
	UImage* GetBar(int32 Index) const;
	UProgressBar* GetProgress() const { return QualityProgress.Get(); }
	UButton* GetReconnectButton() const { return Cast<UButton>(ReconnectButton.Get()); }
	UWidget* GetReconnectWidget() const { return ReconnectButton.Get(); }

	/** How often Show Reconnect / Hide Reconnect ran (the overridable show/hide events). */
	int32 Shown = 0;
	int32 Hidden = 0;

protected:
	virtual void ShowReconnect_Implementation() override;
	virtual void HideReconnect_Implementation() override;
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

	/** What a list view does when it shows Item in this row. */
	void ShowItem(URealtimeNetPlayerListItem* Item) { NativeOnListItemObjectSet(Item); }
	/** What a list view does when it stops showing this row. */
	void Release() { NativeOnEntryReleased(); }

protected:
	virtual void NativeOnInitialized() override;
};

UCLASS()
class URealtimeNetTestPlayerListWidget : public URealtimeNetPlayerListWidget
{
	GENERATED_BODY()

public:
	/** A list view and a count text, then constructs; the room is set by name (the widget finds it once joined). */
	void Start(const FString& InRoomName);
	void Stop();

	UListView* GetListView() const { return PlayerList.Get(); }
	UTextBlock* GetCountText() const { return CountText.Get(); }
	/** What a frame does: looks for the room by name when it has none yet. */
	void Frame() { NativeTick(FGeometry(), 0.016f); }
};

UCLASS()
class URealtimeNetTestToastWidget : public URealtimeNetPresenceToastWidget
{
	GENERATED_BODY()

public:
	void Start(const FString& InRoomName);
	void Stop();

	UTextBlock* GetMessageText() const { return MessageText.Get(); }

	/** The toasts Show Toast was asked to show, in order (the structured data a designer's override gets). */
	TArray<FRealtimeNetPresenceChange> Shown;

protected:
	virtual void ShowToast_Implementation(const FRealtimeNetPresenceChange& Change) override;
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
