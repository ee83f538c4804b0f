// RealtimeNet.Presence: presence.changed notifications become rows in the core's display order, with display names
// from the presence payload and localisable "last seen" text, and reach the room object (Get Presence, On Presence
// Changed), the player list (a list view's items, one per player, kept across changes), its row widget (an
// IUserObjectListEntry) and the presence toast (structured news). The notifications are scripted into the
// client's core client.
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Blueprint/UserWidget.h"
#include "Engine/World.h"
#include "Misc/DateTime.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetPlayerListItem.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestListener.h"
#include "RealtimeNetTestScenario.h"
#include "RealtimeNetTestWidgets.h"
#include "RealtimeNetTextLibrary.h"

BEGIN_DEFINE_SPEC(FRealtimeNetPresenceSpec, "RealtimeNet.Presence", REALTIMENET_SPEC_FLAGS)

	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<FRealtimeNetTestInstance> Instance;
	TUniquePtr<FRealtimeNetScriptedGateway> Gateway;
	URealtimeNetTestListener* Listener = nullptr;
	URealtimeNetTestPlayerListWidget* List = nullptr;
	URealtimeNetTestToastWidget* Toast = nullptr;
	URealtimeNetTestPlayerRowWidget* RowWidgetUnderTest = nullptr;
	TSharedPtr<FRealtimeNetScenario> Scenario;

	bool Begin()
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		if (!TestNotNull(TEXT("URealtimeNetClient"), Instance->GetClient()) || !TestNotNull(TEXT("world"), Instance->GetWorld()))
		{
			return false;
		}
		Listener = NewObject<URealtimeNetTestListener>();
		Listener->AddToRoot();
		Listener->Watch(Instance->GetClient());
		Gateway = MakeUnique<FRealtimeNetScriptedGateway>(*Instance->GetClient());
		return true;
	}

	/** One row as "name status devices <last seen text>". */
	static FString RowText(const FRealtimeNetPresenceRow& Row)
	{
		return FString::Printf(TEXT("%s %s %d <%s>"), *Row.DisplayName, *URealtimeNetTextLibrary::PresenceStatusText(Row.Status).ToString(),
			Row.Devices, *Row.LastSeenText.ToString());
	}

	/** Joins lobby as "me", watching the room; false (the scenario failed) when it could not. */
	bool JoinLobby()
	{
		FString Error;
		URealtimeNetRoom* Room = nullptr;
		if (!Gateway->Open(Error, TEXT("me")) || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject(), &Room) == 0)
		{
			Scenario->Fail(Error.IsEmpty() ? FString(TEXT("join refused")) : Error);
			return false;
		}
		Listener->WatchRoom(Room);
		return true;
	}

END_DEFINE_SPEC(FRealtimeNetPresenceSpec)

void FRealtimeNetPresenceSpec::Define()
{
	BeforeEach([this]()
	{
		Settings = MakeUnique<FRealtimeNetTestSettings>();
	});

	AfterEach([this]()
	{
		if (Scenario.IsValid())
		{
			Scenario->Stop();
			Scenario.Reset();
		}
		for (UUserWidget* Widget : TArray<UUserWidget*>{List, Toast})
		{
			if (Widget != nullptr)
			{
				if (URealtimeNetTestPlayerListWidget* AsList = Cast<URealtimeNetTestPlayerListWidget>(Widget))
				{
					AsList->Stop();
				}
				if (URealtimeNetTestToastWidget* AsToast = Cast<URealtimeNetTestToastWidget>(Widget))
				{
					AsToast->Stop();
				}
				Widget->RemoveFromRoot();
			}
		}
		List = nullptr;
		Toast = nullptr;
		if (RowWidgetUnderTest != nullptr)
		{
			RowWidgetUnderTest->RemoveFromRoot();
			RowWidgetUnderTest = nullptr;
		}
		Gateway.Reset();
		Instance.Reset();
		if (Listener != nullptr)
		{
			Listener->RemoveFromRoot();
			Listener = nullptr;
		}
		Settings.Reset();
	});

	LatentIt(TEXT("rows reach the room, its list items and row widgets in display order, with display names and last-seen text"),
		FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
	{
		if (!Begin())
		{
			Done.Execute();
			return;
		}
		List = CreateWidget<URealtimeNetTestPlayerListWidget>(Instance->GetWorld(), URealtimeNetTestPlayerListWidget::StaticClass());
		if (!TestNotNull(TEXT("player list widget"), List))
		{
			Done.Execute();
			return;
		}
		List->AddToRoot();
		List->Start(TEXT("lobby"));
		TestEqual(TEXT("no items before the room is joined"), List->GetItems().Num(), 0);

		TSharedRef<TArray<URealtimeNetPlayerListItem*>> FirstItems = MakeShared<TArray<URealtimeNetPlayerListItem*>>();
		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		Scenario->Then(TEXT("script the room's members (all at once: the scripted socket is lost a frame later)"), [this]()
		{
			if (!JoinLobby())
			{
				return;
			}
			// Wall-clock seconds, as the gateway sends last_seen; "last seen" is formatted against the same clock.
			const double Now = static_cast<double>(FDateTime::UtcNow().ToUnixTimestamp());
			Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("me"), "online", 1);
			Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("zoe"), "online", 2);
			Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("adam"), "away", 1);
			Gateway->PresenceChanged(TEXT("lobby"), "status", TEXT("carl"), "offline", 0, Now - 3 * 3600 - 60);
			Gateway->PresenceChanged(TEXT("lobby"), "status", TEXT("bob"), "offline", 0, Now - 330);
			Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("zed"), "online", 1);
			Gateway->PresenceChanged(TEXT("lobby"), "leave", TEXT("zed"), "offline", 0, Now);
			Gateway->PresenceChanged(TEXT("elsewhere"), "join", TEXT("ghost"), "online", 1);  // not a room we are in
		})
		.WaitUntil(TEXT("the list found the room and shows its players"), [this]()
		{
			List->Frame();
			return List->GetItems().Num() == 5;
		})
		.Then(TEXT("check the rows everywhere; then zoe names herself"), [this, FirstItems]()
		{
			// Online first (by id), then away, then offline by most recently seen.
			const FString Expected = TEXT("me Online 1 <online> | zoe Online 2 <online> | adam Away 1 <away> | ")
				TEXT("bob Offline 0 <5 minutes ago> | carl Offline 0 <3 hours ago>");
			URealtimeNetRoom* Room = Instance->GetClient()->FindRoom(TEXT("lobby"));
			if (!TestNotNull(TEXT("the room"), Room))
			{
				return;
			}
			TArray<FString> FromRoom;
			for (const FRealtimeNetPresenceRow& Row : Room->GetPresence())
			{
				FromRoom.Add(RowText(Row));
			}
			TestSameText(*this, TEXT("Get Presence"), FString::Join(FromRoom, TEXT(" | ")), Expected);
			TArray<FString> FromItems;
			for (URealtimeNetPlayerListItem* Item : List->GetItems())
			{
				FromItems.Add(RowText(Item->Row));
			}
			TestSameText(*this, TEXT("the list view's items"), FString::Join(FromItems, TEXT(" | ")), Expected);
			TestEqual(TEXT("the list view holds them"), List->GetListView()->GetNumItems(), 5);
			TestSameText(*this, TEXT("CountText"), List->GetCountText()->GetText().ToString(), FString(TEXT("5 players")));
			*FirstItems = List->GetItems();

			// A row widget, as the list view shows an item in it.
			URealtimeNetTestPlayerRowWidget* RowWidget =
				CreateWidget<URealtimeNetTestPlayerRowWidget>(Instance->GetWorld(), URealtimeNetTestPlayerRowWidget::StaticClass());
			if (TestNotNull(TEXT("row widget"), RowWidget))
			{
				RowWidget->ShowItem((*FirstItems)[1]);  // zoe
				TestSameText(*this, TEXT("NameText"), RowWidget->GetNameText()->GetText().ToString(), FString(TEXT("zoe")));
				TestSameText(*this, TEXT("StatusText"), RowWidget->GetStatusText()->GetText().ToString(), FString(TEXT("Online")));
				TestTrue(TEXT("indicator online"), RowWidget->GetOnlineIndicator()->GetColorAndOpacity().Equals(RowWidget->OnlineColor));
				RowWidgetUnderTest = RowWidget;
				RowWidget->AddToRoot();
			}
			const TArray<FRealtimeNetPresenceRow> Rows = Room->GetPresence();
			if (Rows.Num() == 5)
			{
				TestTrue(TEXT("bob has a last-seen time"), Rows[3].bHasLastSeen && Rows[3].LastSeen > 0.0);
				TestFalse(TEXT("an online player has none"), Rows[0].bHasLastSeen);
			}
			TestNull(TEXT("no room object for a room not joined"), Instance->GetClient()->FindRoom(TEXT("elsewhere")));
			TestEqual(TEXT("On Presence Changed, dynamic and native"), Listener->Of(TEXT("presence"), true).Num(),
				Listener->Of(TEXT("presence"), false).Num());
			// zoe sets her display name (presence.set with {"name": "Zoë"}): her row changes in place.
			rtnet::Value Custom = rtnet::Value::MakeObject({{"name", "Zo\xc3\xab"}});
			Gateway->Notify("presence.changed", rtnet::Value::MakeObject({{"room", "lobby"}, {"event", "status"},
				{"presence", rtnet::Value::MakeObject({{"player_id", "zoe"}, {"status", "online"}, {"devices", 2},
					{"custom", MoveTemp(Custom)}})}}));
		})
		.WaitUntil(TEXT("zoe's row shows her name"), [this]()
		{
			return RowWidgetUnderTest != nullptr && RowWidgetUnderTest->GetNameText()->GetText().ToString() == FString(TEXT("Zo\u00EB"));
		})
		.Then(TEXT("the list kept its items: rows are updated, not rebuilt"), [this, FirstItems]()
		{
			TestTrue(TEXT("the same item objects"), List->GetItems() == *FirstItems);
			TestSameText(*this, TEXT("zoe's display name"), (*FirstItems)[1]->Row.DisplayName, FString(TEXT("Zo\u00EB")));
			const TArray<FRealtimeNetHeard> News = Listener->Of(TEXT("presence"), false);
			if (TestTrue(TEXT("news"), News.Num() > 0))
			{
				TestSameText(*this, TEXT("the last news is zoe's, by her display name"), News.Last().Data, FString(TEXT("Zo\u00EB is online")));
			}
			RowWidgetUnderTest->Release();
		});
		Scenario->Start();
	});

	LatentIt(TEXT("the toast shows structured news by display name, never the local player's own, one after another"),
		FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
	{
		if (!Begin())
		{
			Done.Execute();
			return;
		}
		Toast = CreateWidget<URealtimeNetTestToastWidget>(Instance->GetWorld(), URealtimeNetTestToastWidget::StaticClass());
		if (!TestNotNull(TEXT("toast widget"), Toast))
		{
			Done.Execute();
			return;
		}
		Toast->AddToRoot();
		Toast->Start(TEXT("lobby"));
		TestTrue(TEXT("Hide Toast ran at construction"), Toast->GetVisibility() == ESlateVisibility::Collapsed);

		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		Scenario->Then(TEXT("script: the local player joins, then zoe, then adam goes away"), [this]()
		{
			if (!JoinLobby())
			{
				return;
			}
			Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("me"), "online", 1);
			Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("zoe"), "online", 1);
			Gateway->PresenceChanged(TEXT("lobby"), "status", TEXT("adam"), "away", 1);
		})
		.WaitUntil(TEXT("a toast is shown"), [this]() { return Toast->Shown.Num() > 0; })
		.Wait(TEXT("the second waits its turn"), 0.2)
		.Then(TEXT("check"), [this]()
		{
			if (!TestEqual(TEXT("one toast shown so far"), Toast->Shown.Num(), 1))
			{
				return;
			}
			const FRealtimeNetPresenceChange& First = Toast->Shown[0];
			TestSameText(*this, TEXT("zoe's, not the local player's"), First.PlayerId, FString(TEXT("zoe")));
			TestTrue(TEXT("news: joined"), First.News == ERealtimeNetPresenceNews::Joined);
			TestSameText(*this, TEXT("display name"), First.DisplayName, FString(TEXT("zoe")));
			TestSameText(*this, TEXT("MessageText from the string table"), Toast->GetMessageText()->GetText().ToString(), FString(TEXT("zoe joined")));
			TestTrue(TEXT("shown by Show Toast's default"), Toast->GetVisibility() == ESlateVisibility::HitTestInvisible);
		});
		Scenario->Start();
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
