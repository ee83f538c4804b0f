// RealtimeNet.Client: what URealtimeNetClient (the game's client, made by URealtimeNetSubsystem) promises Blueprints
// and C++, with no server. The gateway's frames are scripted into the client's own core client
// (FRealtimeNetScriptedGateway); the socket loss that follows is real (nothing listens at the scripted address),
// and so are the reconnect attempts after it.
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "HAL/PlatformTime.h"

#include "rtnet/Client.h"
#include "rtnet/NetworkMetrics.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestListener.h"
#include "RealtimeNetTestScenario.h"

BEGIN_DEFINE_SPEC(FRealtimeNetClientSpec, "RealtimeNet.Client", REALTIMENET_SPEC_FLAGS)

	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<FRealtimeNetTestInstance> Instance;
	TUniquePtr<FRealtimeNetScriptedGateway> Gateway;
	URealtimeNetTestListener* Listener = nullptr;
	TSharedPtr<FRealtimeNetScenario> Scenario;

	/** Starts the game instance (after the spec changed the settings) and listens to its client. */
	bool Begin()
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		if (!TestNotNull(TEXT("URealtimeNetSubsystem of a standalone game instance"), Instance->GetSubsystem())
			|| !TestNotNull(TEXT("its client"), Instance->GetClient()))
		{
			return false;
		}
		Listener = NewObject<URealtimeNetTestListener>();
		Listener->AddToRoot();
		Listener->Watch(Instance->GetClient());
		Gateway = MakeUnique<FRealtimeNetScriptedGateway>(*Instance->GetClient());
		return true;
	}

	URealtimeNetClient* Client() const { return Instance.IsValid() ? Instance->GetClient() : nullptr; }

	/** The dynamic and native deliveries of one kind are the same events in the same order. */
	void TestBothSidesAgree(const TCHAR* Kind)
	{
		const TArray<FRealtimeNetHeard> Dynamic = Listener->Of(Kind, true);
		const TArray<FRealtimeNetHeard> Native = Listener->Of(Kind, false);
		if (!TestEqual(*FString::Printf(TEXT("%s events, dynamic vs native"), Kind), Dynamic.Num(), Native.Num()))
		{
			return;
		}
		for (int32 Index = 0; Index < Native.Num(); ++Index)
		{
			const FRealtimeNetHeard& D = Dynamic[Index];
			const FRealtimeNetHeard& N = Native[Index];
			const bool bSame = D.NewState == N.NewState && D.OldState == N.OldState && D.Room == N.Room && D.Text == N.Text
				&& D.Data == N.Data && D.Number == N.Number && D.Seconds == N.Seconds;
			TestTrue(*FString::Printf(TEXT("%s #%d: <%s> == <%s>"), Kind, Index, *D.Describe(), *N.Describe()), bSame);
		}
	}

	/** "state New<-Old" for each transition the native twin delivered, for sequence checks. */
	TArray<FString> Transitions() const
	{
		TArray<FString> Lines;
		for (const FRealtimeNetHeard& Item : Listener->Of(TEXT("state"), false))
		{
			Lines.Add(FString::Printf(TEXT("%s<-%s"), *RealtimeNetStateName(Item.NewState), *RealtimeNetStateName(Item.OldState)));
		}
		return Lines;
	}

END_DEFINE_SPEC(FRealtimeNetClientSpec)

void FRealtimeNetClientSpec::Define()
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
		Gateway.Reset();
		Instance.Reset();  // shuts the game instance down before the listener goes
		if (Listener != nullptr)
		{
			Listener->RemoveFromRoot();
			Listener = nullptr;
		}
		Settings.Reset();
	});

	Describe(TEXT("connection state"), [this]()
	{
		LatentIt(TEXT("reaches the dynamic and native delegates in order, with the core's reasons, attempts and delays"),
			FTimespan::FromSeconds(30), [this](const FDoneDelegate& Done)
		{
			// Short, bounded backoff: two attempts after the loss, then the client gives up.
			(*Settings)->BackoffBase = 0.05f;
			(*Settings)->BackoffCap = 0.1f;
			(*Settings)->BackoffMaxAttempts = 2;
			(*Settings)->ConnectTimeout = 1.f;
			(*Settings)->HeartbeatGrace = 0.2f;
			if (!Begin())
			{
				Done.Execute();
				return;
			}
			Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
			Scenario->Then(TEXT("connect, and the scripted gateway welcomes the client"), [this]()
			{
				FString Error;
				// A 0.5 s heartbeat: even where the refused socket is not reported at once (a firewall that
				// drops instead of refusing), the silent "connection" is lost within 0.7 s.
				if (!Gateway->Open(Error, TEXT("scripted-player"), 0.5))
				{
					Scenario->Fail(Error);
					return;
				}
				// Connect broadcasts Disconnected -> Connecting before it returns; the welcome waits for the tick.
				TestEqual(TEXT("transitions heard inside Connect"), Transitions().Num(), 1);
				TestTrue(TEXT("the core is connected"), Client()->GetConnectionState() == ERealtimeNetConnectionState::Connected);
			})
			.WaitUntil(TEXT("the client gives up (Closed) after its two reconnect attempts"), [this]()
			{
				return Client()->GetConnectionState() == ERealtimeNetConnectionState::Closed;
			}, 20.0)
			.Then(TEXT("check what the delegates delivered"), [this]()
			{
				const TArray<FString> Expected = {
					TEXT("Connecting<-Disconnected"),
					TEXT("Connected<-Connecting"),
					TEXT("Reconnecting<-Connected"),
					TEXT("Connecting<-Reconnecting"),
					TEXT("Reconnecting<-Connecting"),
					TEXT("Connecting<-Reconnecting"),
					TEXT("Closed<-Connecting"),
				};
				TestSameText(*this, TEXT("transitions"), FString::Join(Transitions(), TEXT(", ")), FString::Join(Expected, TEXT(", ")));
				TestBothSidesAgree(TEXT("state"));
				TestBothSidesAgree(TEXT("reconnecting"));

				const TArray<FRealtimeNetHeard> States = Listener->Of(TEXT("state"), false);
				if (States.Num() == Expected.Num())
				{
					// The core's reasons, passed through unchanged.
					TestSameText(*this, TEXT("reason of Connecting"), States[0].Text, FString(TEXT("connect")));
					TestSameText(*this, TEXT("reason of Connected"), States[1].Text, FString(TEXT("welcome")));
					TestFalse(TEXT("the loss has a reason"), States[2].Text.IsEmpty());
					TestSameText(*this, TEXT("reason of a retry"), States[3].Text, FString(TEXT("retry")));
					TestTrue(*FString::Printf(TEXT("giving up says so: <%s>"), *States[6].Text),
						States[6].Text.Contains(TEXT("gave up after 2 attempts")));
				}

				// Settings applied: BackoffMaxAttempts = 2, delays within [BackoffBase, BackoffCap].
				const TArray<FRealtimeNetHeard> Reconnecting = Listener->Of(TEXT("reconnecting"), false);
				if (TestEqual(TEXT("reconnecting events"), Reconnecting.Num(), 2))
				{
					for (int32 Index = 0; Index < Reconnecting.Num(); ++Index)
					{
						TestEqual(TEXT("attempt"), Reconnecting[Index].Number, static_cast<int64>(Index + 1));
						TestTrue(*FString::Printf(TEXT("delay %.3f s within the settings' [0.05, 0.1]"), Reconnecting[Index].Seconds),
							Reconnecting[Index].Seconds >= 0.05f - 1e-4f && Reconnecting[Index].Seconds <= 0.1f + 1e-4f);
					}
				}
				// Every loss is also an error for the game (a transport failure, 1006, or the heartbeat's 4010-class loss).
				TestTrue(TEXT("OnError fired for the losses"), Listener->Count(TEXT("error")) >= 1);
				TestBothSidesAgree(TEXT("error"));
			});
			Scenario->Start();
		});

		LatentIt(TEXT("GetReconnectCountdown and Reconnect: a long backoff is cut short by the player's button"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			(*Settings)->BackoffBase = 30.f;
			(*Settings)->BackoffCap = 30.f;
			(*Settings)->ConnectTimeout = 1.f;
			(*Settings)->HeartbeatGrace = 0.2f;
			if (!Begin())
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
				}
			})
			.WaitUntil(TEXT("the socket is lost and the client waits 30 s"), [this]()
			{
				return Client()->GetConnectionState() == ERealtimeNetConnectionState::Reconnecting;
			})
			.Then(TEXT("the countdown, then Reconnect"), [this]()
			{
				int32 Attempt = 0;
				float SecondsLeft = 0.f;
				TestTrue(TEXT("GetReconnectCountdown while reconnecting"), Client()->GetReconnectCountdown(Attempt, SecondsLeft));
				TestEqual(TEXT("attempt"), Attempt, 1);
				TestTrue(*FString::Printf(TEXT("seconds left %.2f in (25, 30]"), SecondsLeft), SecondsLeft > 25.f && SecondsLeft <= 30.f);
				const TArray<FRealtimeNetHeard> Reconnecting = Listener->Of(TEXT("reconnecting"), true);
				if (TestEqual(TEXT("OnReconnecting (dynamic)"), Reconnecting.Num(), 1))
				{
					TestEqual(TEXT("its delay is the settings' 30 s"), Reconnecting[0].Seconds, 30.f);
				}
				const int32 Before = Transitions().Num();
				Client()->Reconnect();  // broadcasts before it returns
				TestEqual(TEXT("Reconnect moves on at once"), Transitions().Num(), Before + 1);
				TestTrue(TEXT("connecting again"), Client()->GetConnectionState() == ERealtimeNetConnectionState::Connecting);
				TestFalse(TEXT("no countdown once connecting"), Client()->GetReconnectCountdown(Attempt, SecondsLeft));
			});
			Scenario->Start();
		});

		It(TEXT("Disconnect is idempotent: the first one closes, the next ones do nothing"), [this]()
		{
			if (!Begin())
			{
				return;
			}
			Client()->Disconnect();  // the core's rule: Close from Disconnected goes straight to Closed
			Client()->Disconnect();
			Client()->Disconnect();
			TestSameText(*this, TEXT("transitions"), FString::Join(Transitions(), TEXT(", ")), FString(TEXT("Closed<-Disconnected")));
			TestBothSidesAgree(TEXT("state"));
			const TArray<FRealtimeNetHeard> States = Listener->Of(TEXT("state"), true);
			if (States.Num() == 1)
			{
				TestSameText(*this, TEXT("reason"), States[0].Text, FString(TEXT("closed by the game")));
			}
		});

		LatentIt(TEXT("Connect is idempotent while connecting, and a closed client connects again"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			(*Settings)->BackoffBase = 30.f;  // one loss, then a long wait: nothing moves while the spec checks
			(*Settings)->BackoffCap = 30.f;
			(*Settings)->ConnectTimeout = 1.f;
			if (!Begin())
			{
				Done.Execute();
				return;
			}
			Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
			Scenario->Then(TEXT("Connect twice"), [this]()
			{
				TestTrue(TEXT("the first Connect starts"),
					Client()->Connect(FRealtimeNetScriptedGateway::UnreachableUrl, TEXT("t")) == ERealtimeNetConnectStart::Started);
				FRealtimeNetError Refused;
				TestTrue(TEXT("a second Connect while connecting is refused"),
					Client()->Connect(FRealtimeNetScriptedGateway::UnreachableUrl, TEXT("t"), &Refused) == ERealtimeNetConnectStart::Failed);
				TestTrue(*FString::Printf(TEXT("and says why: <%s>"), *Refused.Message), Refused.Message.Contains(TEXT("already")));
				TestSameText(*this, TEXT("one transition"), FString::Join(Transitions(), TEXT(", ")), FString(TEXT("Connecting<-Disconnected")));
				Client()->Disconnect();  // Connecting -> Closing now; Closed when the abandoned socket is reported
				Client()->Disconnect();
			})
			.WaitUntil(TEXT("closed"), [this]()
			{
				return Client()->GetConnectionState() == ERealtimeNetConnectionState::Closed;
			})
			.Wait(TEXT("nothing more arrives"), 0.3)
			.Then(TEXT("check, then connect again"), [this]()
			{
				TestSameText(*this, TEXT("transitions"), FString::Join(Transitions(), TEXT(", ")),
					FString(TEXT("Connecting<-Disconnected, Closing<-Connecting, Closed<-Closing")));
				TestBothSidesAgree(TEXT("state"));
				TestTrue(TEXT("a closed client connects again"),
					Client()->Connect(FRealtimeNetScriptedGateway::UnreachableUrl, TEXT("t")) == ERealtimeNetConnectStart::Started);
				TestTrue(TEXT("connecting"), Client()->GetConnectionState() == ERealtimeNetConnectionState::Connecting);
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("events"), [this]()
	{
		LatentIt(TEXT("room events, state and presence reach the room object's twins once, in wire order, int64 exact"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Begin())
			{
				Done.Execute();
				return;
			}
			Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
			Scenario->Then(TEXT("script a session: join, an event (sent twice, as a replay would), presence, a delta, an event"), [this]()
			{
				FString Error;
				URealtimeNetRoom* Room = nullptr;
				if (!Gateway->Open(Error) || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject({{"a", 1}}), &Room) == 0)
				{
					Scenario->Fail(Error.IsEmpty() ? FString(TEXT("join refused")) : Error);
					return;
				}
				Listener->WatchRoom(Room);  // before the next frame: nothing has been delivered yet
				Gateway->RoomEvent(TEXT("lobby"), 1, "p2", rtnet::Value::MakeObject({{"n", 9007199254740993LL}}));
				Gateway->RoomEvent(TEXT("lobby"), 1, "p2", rtnet::Value::MakeObject({{"n", 9007199254740993LL}}));  // dropped
				Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("p2"), "online", 1);
				Gateway->StateDelta(TEXT("lobby"), 1, 2, rtnet::Value::MakeObject({{"b", 2}}));
				Gateway->RoomEvent(TEXT("lobby"), 2, "p2", rtnet::Value("after the delta"), "match.started");
			})
			.WaitUntil(TEXT("the delta's version is broadcast"), [this]()
			{
				const TArray<FRealtimeNetHeard> Versions = Listener->Of(TEXT("version"), false);
				return Versions.Num() > 0 && Versions.Last().Number == 2;
			})
			.Wait(TEXT("anything late arrives"), 0.2)
			.Then(TEXT("check"), [this]()
			{
				// The join's own state (version 1) first, then exactly the wire order.
				TestSameText(*this, TEXT("the room's news, in order"), FString::Join(Listener->Sequence(TEXT("lobby")), TEXT(", ")),
					FString(TEXT("version 1, event 1, presence p2, version 2, event 2")));
				TestSameText(*this, TEXT("room.event data, once"), FString::Join(Listener->EventData(TEXT("lobby")), TEXT(" | ")),
					FString(TEXT("{\"n\":9007199254740993} | \"after the delta\"")));
				const TArray<FRealtimeNetHeard> Events = Listener->Of(TEXT("event"), true);
				if (TestEqual(TEXT("On Event (dynamic)"), Events.Num(), 2))
				{
					TestSameText(*this, TEXT("room"), Events[0].Room, FString(TEXT("lobby")));
					TestSameText(*this, TEXT("from"), Events[0].Text, FString(TEXT("p2")));
					TestSameText(*this, TEXT("untyped"), Events[0].Type, FString());
					TestSameText(*this, TEXT("typed"), Events[1].Type, FString(TEXT("match.started")));
				}
				TestBothSidesAgree(TEXT("event"));
				TestBothSidesAgree(TEXT("version"));
				TestBothSidesAgree(TEXT("presence"));
				URealtimeNetRoom* Room = Client()->FindRoom(TEXT("lobby"));
				if (TestNotNull(TEXT("Find Room"), Room))
				{
					TestTrue(TEXT("joined"), Room->IsJoined());
					TestEqual(TEXT("Get State Version"), Room->GetStateVersion(), static_cast<int64>(2));
					int64 B = 0;
					TestTrue(TEXT("Get State Integer b"), Room->GetStateInteger(TEXT("b"), B) && B == 2);
				}
				TestEqual(TEXT("duplicates dropped"), Client()->GetNetworkStats().DuplicatesDropped, static_cast<int64>(1));
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("settings"), [this]()
	{
		LatentIt(TEXT("a call without a timeout of its own fails after the settings' call timeout, once"),
			FTimespan::FromSeconds(15), [this](const FDoneDelegate& Done)
		{
			(*Settings)->CallTimeout = 0.3f;
			if (!Begin())
			{
				Done.Execute();
				return;
			}
			struct FOutcome
			{
				int32 Calls = 0;
				FRealtimeNetCallResult Result;
				double At = 0.0;
			};
			const TSharedRef<FOutcome> Outcome = MakeShared<FOutcome>();
			const double Started = FPlatformTime::Seconds();
			Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
			Scenario->Then(TEXT("call while never connected (the call waits queued for a session)"), [this, Outcome]()
			{
				const int64 Id = Client()->CallJson(TEXT("sys.echo"), MakeShared<FJsonObject>(), FRealtimeNetCallOptions(),
					FRealtimeNetCallCompleted::CreateLambda([Outcome](const FRealtimeNetCallResult& Result)
					{
						++Outcome->Calls;
						Outcome->Result = Result;
						Outcome->At = FPlatformTime::Seconds();
					}));
				TestTrue(TEXT("queued, not refused"), Id != 0);
			})
			.WaitUntil(TEXT("the call ends"), [Outcome]() { return Outcome->Calls > 0; }, 10.0)
			.Wait(TEXT("it does not end twice"), 0.3)
			.Then(TEXT("check"), [this, Outcome, Started]()
			{
				TestEqual(TEXT("completions"), Outcome->Calls, 1);
				TestFalse(TEXT("failed"), Outcome->Result.bSuccess);
				TestSameText(*this, TEXT("method"), Outcome->Result.Error.Method, FString(TEXT("sys.echo")));
				const double Elapsed = Outcome->At - Started;
				TestTrue(*FString::Printf(TEXT("ended after %.2f s: not before the 0.3 s timeout, long before the default"), Elapsed),
					Elapsed >= 0.29 && Elapsed < 5.0);
			});
			Scenario->Start();
		});

		It(TEXT("grades the link with the settings' quality limits"), [this]()
		{
			(*Settings)->ExcellentLimits.RttMs = 10.f;  // 30 ms would be excellent with the defaults
			if (!Begin())
			{
				return;
			}
			rtnet::Client* Core = Client()->GetCoreClient();
			if (!TestNotNull(TEXT("core client"), Core))
			{
				return;
			}
			Core->metrics().AddRttSample(100.0, 100.030);
			const FRealtimeNetNetworkStats Stats = Client()->GetNetworkStats();
			TestEqual(TEXT("RTT ms"), Stats.RttMs, 30.f, 0.01f);
			TestTrue(TEXT("good, not excellent"), Stats.Quality == ERealtimeNetQuality::Good);
			TestEqual(TEXT("bars"), Stats.QualityBars, 3);
		});
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
