// RealtimeNet.Widgets: the connection status widget base shows the core's grade as quality bars and follows the
// connection (state text, reconnect countdown, a reconnect button of either kind: UMG's or one shaped like CommonUI's),
// never hiding itself but through its Show Reconnect / Hide Reconnect events; the inspector shows the core's figures.
// RTT samples go straight into the core's NetworkMetrics (URealtimeNetClient::GetCoreClient()->metrics()), so the
// grade is exact and needs no server.
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Blueprint/UserWidget.h"
#include "Engine/World.h"

#include "rtnet/Client.h"
#include "rtnet/NetworkMetrics.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestScenario.h"
#include "RealtimeNetTestWidgets.h"
#include "RealtimeNetTextLibrary.h"

BEGIN_DEFINE_SPEC(FRealtimeNetWidgetsSpec, "RealtimeNet.Widgets", REALTIMENET_SPEC_FLAGS)

	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<FRealtimeNetTestInstance> Instance;
	TUniquePtr<FRealtimeNetScriptedGateway> Gateway;
	URealtimeNetTestStatusWidget* Status = nullptr;
	URealtimeNetTestInspectorWidget* Inspector = nullptr;
	TSharedPtr<FRealtimeNetScenario> Scenario;

	bool Begin()
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		if (!TestNotNull(TEXT("the game's client"), Instance->GetClient()) || !TestNotNull(TEXT("world"), Instance->GetWorld()))
		{
			return false;
		}
		Gateway = MakeUnique<FRealtimeNetScriptedGateway>(*Instance->GetClient());
		return true;
	}

	URealtimeNetClient* Client() const { return Instance->GetClient(); }

	/** A status widget bound to this game instance's client (constructed: it has refreshed once). Button: the
	    reconnect button to bind (a UButton when none). */
	URealtimeNetTestStatusWidget* MakeStatus(UWidget* Button = nullptr)
	{
		Status = CreateWidget<URealtimeNetTestStatusWidget>(Instance->GetWorld(), URealtimeNetTestStatusWidget::StaticClass());
		if (TestNotNull(TEXT("status widget"), Status))
		{
			Status->AddToRoot();
			Status->Start(Button);
		}
		return Status;
	}

	/** One grade: a single RTT sample (no jitter, no loss) of RttMs, or none when RttMs < 0. */
	void TestGrade(float RttMs, ERealtimeNetQuality Grade, int32 Bars)
	{
		if (!Begin())
		{
			return;
		}
		if (RttMs >= 0.f)
		{
			Client()->GetCoreClient()->metrics().AddRttSample(100.0, 100.0 + RttMs / 1000.0);
		}
		const FRealtimeNetNetworkStats Stats = Client()->GetNetworkStats();
		TestTrue(*FString::Printf(TEXT("grade %s"), *URealtimeNetTextLibrary::QualityText(Stats.Quality).ToString()), Stats.Quality == Grade);
		TestEqual(TEXT("FRealtimeNetNetworkStats::QualityBars"), Stats.QualityBars, Bars);
		TestEqual(TEXT("URealtimeNetTextLibrary::QualityBars"), URealtimeNetTextLibrary::QualityBars(Grade), Bars);

		URealtimeNetTestStatusWidget* Widget = MakeStatus();
		if (Widget == nullptr)
		{
			return;
		}
		TestSameText(*this, TEXT("QualityText"), Widget->GetQualityText()->GetText().ToString(), URealtimeNetTextLibrary::QualityText(Grade).ToString());
		for (int32 Index = 0; Index < 4; ++Index)
		{
			const FLinearColor Expected = Index < Bars ? Widget->BarLitColor : Widget->BarUnlitColor;
			TestTrue(*FString::Printf(TEXT("bar %d is %s"), Index + 1, Index < Bars ? TEXT("lit") : TEXT("unlit")),
				Widget->GetBar(Index)->GetColorAndOpacity().Equals(Expected));
		}
		TestEqual(TEXT("QualityProgress"), Widget->GetProgress()->GetPercent(), static_cast<float>(Bars) / 4.f);
	}

END_DEFINE_SPEC(FRealtimeNetWidgetsSpec)

void FRealtimeNetWidgetsSpec::Define()
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
		if (Status != nullptr)
		{
			Status->Stop();
			Status->RemoveFromRoot();
			Status = nullptr;
		}
		if (Inspector != nullptr)
		{
			Inspector->RemoveFromRoot();
			Inspector = nullptr;
		}
		Gateway.Reset();
		Instance.Reset();
		Settings.Reset();
	});

	Describe(TEXT("quality bars from the grade"), [this]()
	{
		// The core's default limits (NetworkMetricsOptions): excellent <= 50 ms, good <= 100, fair <= 200, poor <= 400.
		It(TEXT("unknown before any RTT sample: 0 bars"), [this]() { TestGrade(-1.f, ERealtimeNetQuality::Unknown, 0); });
		It(TEXT("20 ms: excellent, 4 bars"), [this]() { TestGrade(20.f, ERealtimeNetQuality::Excellent, 4); });
		It(TEXT("80 ms: good, 3 bars"), [this]() { TestGrade(80.f, ERealtimeNetQuality::Good, 3); });
		It(TEXT("150 ms: fair, 2 bars"), [this]() { TestGrade(150.f, ERealtimeNetQuality::Fair, 2); });
		It(TEXT("300 ms: poor, 1 bar"), [this]() { TestGrade(300.f, ERealtimeNetQuality::Poor, 1); });
		It(TEXT("800 ms: bad, 0 bars"), [this]() { TestGrade(800.f, ERealtimeNetQuality::Bad, 0); });
	});

	Describe(TEXT("connection status"), [this]()
	{
		It(TEXT("shows disconnected, with no countdown and no reconnect button, before any connection"), [this]()
		{
			if (!Begin() || MakeStatus() == nullptr)
			{
				return;
			}
			TestSameText(*this, TEXT("StateText"), Status->GetStateText()->GetText().ToString(),
				URealtimeNetTextLibrary::ConnectionStateText(ERealtimeNetConnectionState::Disconnected).ToString());
			TestTrue(TEXT("ReconnectText collapsed"), Status->GetReconnectText()->GetVisibility() == ESlateVisibility::Collapsed);
			TestTrue(TEXT("ReconnectButton collapsed"), Status->GetReconnectButton()->GetVisibility() == ESlateVisibility::Collapsed);
			TestEqual(TEXT("through Hide Reconnect (the overridable event), once"), Status->Hidden, 1);
			TestEqual(TEXT("Show Reconnect not called"), Status->Shown, 0);
		});

		It(TEXT("a button shaped like CommonUI's (OnButtonBaseClicked) reconnects too"), [this]()
		{
			if (!Begin())
			{
				return;
			}
			URealtimeNetTestCommonStyleButton* Button =
				CreateWidget<URealtimeNetTestCommonStyleButton>(Instance->GetWorld(), URealtimeNetTestCommonStyleButton::StaticClass());
			if (!TestNotNull(TEXT("button"), Button) || MakeStatus(Button) == nullptr)
			{
				return;
			}
			TestTrue(TEXT("bound as the reconnect button"), Status->GetReconnectWidget() == Button);
			FString Error;
			if (!TestTrue(TEXT("scripted session"), Gateway->Open(Error)))
			{
				return;
			}
			const uint64 FirstSocket = Gateway->Socket();
			Button->Click();  // Request Reconnect: the core abandons the socket and opens another at once
			const uint64 SecondSocket = Gateway->Socket();
			TestTrue(TEXT("a new socket"), SecondSocket != 0 && SecondSocket != FirstSocket);
			TestTrue(TEXT("connecting again"), Client()->GetConnectionState() == ERealtimeNetConnectionState::Connecting);
			Status->Stop();  // unbinds: a click after NativeDestruct does nothing
			Button->Click();
			TestTrue(TEXT("no reconnect once unbound"), Gateway->Socket() == SecondSocket);
			Status->RemoveFromRoot();
			Status = nullptr;
		});

		LatentIt(TEXT("follows the connection: reconnecting shows the countdown and the button, which reconnects at once"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			(*Settings)->BackoffBase = 30.f;  // stays reconnecting while the spec looks
			(*Settings)->BackoffCap = 30.f;
			(*Settings)->ConnectTimeout = 1.f;
			(*Settings)->HeartbeatGrace = 0.2f;
			if (!Begin() || MakeStatus() == nullptr)
			{
				Done.Execute();
				return;
			}
			Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
			Scenario->Then(TEXT("connect with a scripted welcome"), [this]()
			{
				FString Error;
				if (!Gateway->Open(Error, TEXT("scripted-player"), 0.5))
				{
					Scenario->Fail(Error);
					return;
				}
				// Connect broadcast Connecting before it returned; the widget refreshed on it.
				TestSameText(*this, TEXT("StateText while connecting"), Status->GetStateText()->GetText().ToString(),
					URealtimeNetTextLibrary::ConnectionStateText(ERealtimeNetConnectionState::Connecting).ToString());
			})
			.WaitUntil(TEXT("the widget shows reconnecting (the scripted socket is lost)"), [this]()
			{
				return Status->GetStateText()->GetText().ToString()
					== URealtimeNetTextLibrary::ConnectionStateText(ERealtimeNetConnectionState::Reconnecting).ToString();
			})
			.Then(TEXT("countdown and button, then press it"), [this]()
			{
				// The widget refreshes on the state change; the client reads the attempt and delay from the core's
				// schedule, so the countdown is right at once.
				const FString Countdown = Status->GetReconnectText()->GetText().ToString();
				TestTrue(*FString::Printf(TEXT("countdown <%s>"), *Countdown), Countdown.StartsWith(TEXT("Reconnecting (1)")));
				int32 Attempt = 0;
				float SecondsLeft = 0.f;
				TestTrue(TEXT("GetReconnectCountdown"), Client()->GetReconnectCountdown(Attempt, SecondsLeft));
				TestEqual(TEXT("attempt"), Attempt, 1);
				TestTrue(TEXT("ReconnectText shown"), Status->GetReconnectText()->GetVisibility() == ESlateVisibility::HitTestInvisible);
				TestTrue(TEXT("ReconnectButton shown"), Status->GetReconnectButton()->GetVisibility() == ESlateVisibility::Visible);
				TestTrue(TEXT("through Show Reconnect"), Status->Shown >= 1);
				const int32 HiddenBefore = Status->Hidden;

				Status->GetReconnectButton()->OnClicked.Broadcast();  // what a click does
				TestSameText(*this, TEXT("StateText after the click"), Status->GetStateText()->GetText().ToString(),
					URealtimeNetTextLibrary::ConnectionStateText(ERealtimeNetConnectionState::Connecting).ToString());
				TestTrue(TEXT("ReconnectButton hidden again"), Status->GetReconnectButton()->GetVisibility() == ESlateVisibility::Collapsed);
				TestTrue(TEXT("ReconnectText hidden again"), Status->GetReconnectText()->GetVisibility() == ESlateVisibility::Collapsed);
				TestEqual(TEXT("through Hide Reconnect"), Status->Hidden, HiddenBefore + 1);
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("network inspector"), [this]()
	{
		It(TEXT("shows the state, session, link and queues the client reports"), [this]()
		{
			if (!Begin())
			{
				return;
			}
			FString Error;
			if (!TestTrue(TEXT("scripted session"), Gateway->Open(Error, TEXT("inspector-player"))))
			{
				return;
			}
			Client()->GetCoreClient()->metrics().AddRttSample(100.0, 100.042);
			Inspector = CreateWidget<URealtimeNetTestInspectorWidget>(Instance->GetWorld(), URealtimeNetTestInspectorWidget::StaticClass());
			if (!TestNotNull(TEXT("inspector widget"), Inspector))
			{
				return;
			}
			Inspector->AddToRoot();
			Inspector->Start();  // NativeConstruct refreshes once
			const FRealtimeNetNetworkStats Stats = Client()->GetNetworkStats();
			const FString State = Inspector->GetStateText()->GetText().ToString();
			TestTrue(*FString::Printf(TEXT("StateText <%s> names the state, session and player"), *State),
				State.StartsWith(TEXT("connected")) && State.Contains(Client()->GetSessionId())
				&& State.Contains(TEXT("inspector-player")));
			TestSameText(*this, TEXT("LinkText"), Inspector->GetLinkText()->GetText().ToString(), URealtimeNetTextLibrary::LinkText(Stats).ToString());
			TestTrue(TEXT("LinkText shows the RTT"), Inspector->GetLinkText()->GetText().ToString().Contains(TEXT("RTT 42 ms")));
			TestSameText(*this, TEXT("QueueText"), Inspector->GetQueueText()->GetText().ToString(), URealtimeNetTextLibrary::QueueText(Stats).ToString());
		});
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
