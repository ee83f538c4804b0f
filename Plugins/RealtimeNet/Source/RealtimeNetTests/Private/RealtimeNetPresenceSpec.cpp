// RealtimeNet.Presence: presence.changed notifications become rows in the core's display order, with its "last
// seen" text, and reach URealtimeNetSubsystem::GetPresence, OnPresenceChanged, the player list and row widget
// bases and the presence toast. The notifications are scripted into the subsystem's core client.
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Blueprint/UserWidget.h"
#include "Engine/World.h"
#include "Misc/DateTime.h"

#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetSubsystem.h"
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
	TSharedPtr<FRealtimeNetScenario> Scenario;

	bool Begin()
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		if (!TestNotNull(TEXT("URealtimeNetSubsystem"), Instance->GetSubsystem()) || !TestNotNull(TEXT("world"), Instance->GetWorld()))
		{
			return false;
		}
		Listener = NewObject<URealtimeNetTestListener>();
		Listener->AddToRoot();
		Listener->Watch(Instance->GetSubsystem());
		Gateway = MakeUnique<FRealtimeNetScriptedGateway>(*Instance->GetSubsystem());
		return true;
	}

	/** One row as "player status devices <last seen text>". */
	static FString RowText(const FRealtimeNetPresenceRow& Row)
	{
		return FString::Printf(TEXT("%s %s %d <%s>"), *Row.PlayerId, *URealtimeNetTextLibrary::PresenceStatusText(Row.Status),
			Row.Devices, *Row.LastSeenText);
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
		Gateway.Reset();
		Instance.Reset();
		if (Listener != nullptr)
		{
			Listener->RemoveFromRoot();
			Listener = nullptr;
		}
		Settings.Reset();
	});

	LatentIt(TEXT("rows reach GetPresence, OnPresenceChanged and the player list widget in display order, with last-seen text"),
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
		TestEqual(TEXT("no rows before the room is joined"), List->GetRows().Num(), 0);

		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		Scenario->Then(TEXT("script the room's members (all at once: the scripted socket is lost a frame later)"), [this]()
		{
			FString Error;
			if (!Gateway->Open(Error, TEXT("me")) || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject()) == 0)
			{
				Scenario->Fail(Error.IsEmpty() ? FString(TEXT("join refused")) : Error);
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
		.WaitUntil(TEXT("the list widget rebuilt its rows from OnPresenceChanged"), [this]() { return List->GetRows().Num() == 5; })
		.Then(TEXT("check the rows everywhere"), [this]()
		{
			// Online first (by id), then away, then offline by most recently seen.
			const FString Expected = TEXT("me online 1 <online> | zoe online 2 <online> | adam away 1 <away> | ")
				TEXT("bob offline 0 <5 minutes ago> | carl offline 0 <3 hours ago>");
			TArray<FString> FromSubsystem;
			for (const FRealtimeNetPresenceRow& Row : Instance->GetSubsystem()->GetPresence(TEXT("lobby")))
			{
				FromSubsystem.Add(RowText(Row));
			}
			TestSameText(*this, TEXT("GetPresence"), FString::Join(FromSubsystem, TEXT(" | ")), Expected);

			TArray<FString> FromWidgets;
			for (URealtimeNetTestPlayerRowWidget* RowWidget : List->GetRows())
			{
				if (!TestNotNull(TEXT("a row widget of the row class"), RowWidget))
				{
					return;
				}
				FromWidgets.Add(RowText(RowWidget->Row));
				if (!TestNotNull(TEXT("the row's bound widgets (created in NativeOnInitialized)"), RowWidget->GetNameText()))
				{
					continue;
				}
				// What the designer's bound widgets show.
				TestSameText(*this, TEXT("NameText"), RowWidget->GetNameText()->GetText().ToString(), RowWidget->Row.PlayerId);
				TestSameText(*this, TEXT("StatusText"), RowWidget->GetStatusText()->GetText().ToString(),
					URealtimeNetTextLibrary::PresenceStatusText(RowWidget->Row.Status));
				TestSameText(*this, TEXT("LastSeenText"), RowWidget->GetLastSeenText()->GetText().ToString(), RowWidget->Row.LastSeenText);
				const FLinearColor ExpectedColor = RowWidget->Row.Status == ERealtimeNetPresenceStatus::Online ? RowWidget->OnlineColor
					: RowWidget->Row.Status == ERealtimeNetPresenceStatus::Away ? RowWidget->AwayColor
					: RowWidget->OfflineColor;
				TestTrue(*FString::Printf(TEXT("indicator colour of %s"), *RowWidget->Row.PlayerId),
					RowWidget->GetOnlineIndicator()->GetColorAndOpacity().Equals(ExpectedColor));
			}
			TestSameText(*this, TEXT("row widgets"), FString::Join(FromWidgets, TEXT(" | ")), Expected);
			TestSameText(*this, TEXT("CountText"), List->GetCountText()->GetText().ToString(), FString(TEXT("5")));

			const TArray<FRealtimeNetPresenceRow> Rows = Instance->GetSubsystem()->GetPresence(TEXT("lobby"));
			if (Rows.Num() == 5)
			{
				TestTrue(TEXT("bob has a last-seen time"), Rows[3].bHasLastSeen && Rows[3].LastSeen > 0.0);
				TestFalse(TEXT("an online player has none"), Rows[0].bHasLastSeen);
			}
			TestEqual(TEXT("no rows for a room not joined"), Instance->GetSubsystem()->GetPresence(TEXT("elsewhere")).Num(), 0);
			TestTrue(TEXT("OnPresenceChanged (native) for the room"), Listener->Count(TEXT("presence"), TEXT("lobby")) >= 1);
			TestEqual(TEXT("OnPresenceChanged, dynamic and native"), Listener->Of(TEXT("presence"), true).Num(),
				Listener->Of(TEXT("presence"), false).Num());
			TestEqual(TEXT("nothing for a room not joined"), Listener->Count(TEXT("presence"), TEXT("elsewhere")), 0);
		});
		Scenario->Start();
	});

	LatentIt(TEXT("the toast tells who joined, never the local player, and keeps later news queued"), FTimespan::FromSeconds(20),
		[this](const FDoneDelegate& Done)
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
		TestTrue(TEXT("hidden until there is news"), Toast->GetVisibility() == ESlateVisibility::Collapsed);

		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		Scenario->Then(TEXT("script: the local player joins, then zoe, then adam goes away"), [this]()
		{
			FString Error;
			if (!Gateway->Open(Error, TEXT("me")) || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject()) == 0)
			{
				Scenario->Fail(Error.IsEmpty() ? FString(TEXT("join refused")) : Error);
				return;
			}
			Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("me"), "online", 1);
			Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("zoe"), "online", 1);
			Gateway->PresenceChanged(TEXT("lobby"), "status", TEXT("adam"), "away", 1);
		})
		.WaitUntil(TEXT("a toast is shown"), [this]() { return !Toast->GetMessageText()->GetText().IsEmpty(); })
		.Wait(TEXT("the second message waits its turn"), 0.2)
		.Then(TEXT("check"), [this]()
		{
			TestSameText(*this, TEXT("the first news, not the local player's own join"), Toast->GetMessageText()->GetText().ToString(),
				URealtimeNetTextLibrary::PresenceToastText(TEXT("zoe"), TEXT("join"), ERealtimeNetPresenceStatus::Online));
			TestTrue(TEXT("shown"), Toast->GetVisibility() == ESlateVisibility::HitTestInvisible);
		});
		Scenario->Start();
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
