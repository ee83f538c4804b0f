// RealtimeNet.Functional: the plugin against a live gateway in fault-injection mode (`rtnet serve` with
// faults.enabled; `rtnet ue test` starts one and passes -RtnetHost= -RtnetPort= -RtnetToken= -RtnetAdminToken=).
// Two clients, each a game instance of its own: A plays with the player token, B with the admin token (another
// player, carrying the claim fault.inject demands). The scenarios mirror the Python client's
// tests/test_client_resume.py: connect with a JWT, RPC, rooms, presence, state deltas, a forced disconnect
// (fault.inject disconnect_code 4050) -> reconnect -> session.resume with every event once and in order, and
// a gap beyond rooms.history_size -> recovered: false -> snapshot reload and the room's On Resynced; typed events
// (protocol 1.1) end to end, and Wait For Room Event waiting for one type.
// Without a gateway on the command line every spec here passes with a warning saying how to run them.
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Engine/World.h"
#include "HAL/PlatformTime.h"
#include "Misc/Guid.h"

#include "rtnet/Value.h"

#include "RealtimeNetJson.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetClient.h"
#include "RealtimeNetDataLibrary.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetRoomActions.h"
#include "RealtimeNetTestGateway.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestListener.h"
#include "RealtimeNetTestScenario.h"
#include "RealtimeNetTestTags.h"

namespace RealtimeNetFunctional
{
	/** How one call ended. */
	struct FCallOutcome
	{
		bool bDone = false;
		bool bSuccess = false;
		rtnet::Value Result;
		FRealtimeNetError Error;
	};

	/** One game client: a game instance of its own, its client, and a listener on every delegate of it and its room. */
	class FClient
	{
	public:
		explicit FClient(const FString& InName)
			: Name(InName)
			, Instance(MakeUnique<FRealtimeNetTestInstance>())
		{
			if (Net() != nullptr)
			{
				Listener = NewObject<URealtimeNetTestListener>();
				Listener->AddToRoot();
				Listener->Watch(Net());
			}
		}

		~FClient()
		{
			Instance.Reset();  // the subsystem closes its socket
			if (Listener != nullptr)
			{
				Listener->RemoveFromRoot();
			}
		}

		URealtimeNetClient* Net() const { return Instance->GetClient(); }
		UWorld* World() const { return Instance->GetWorld(); }
		URealtimeNetTestListener* Heard() const { return Listener; }
		bool IsConnected() const { return Net()->GetConnectionState() == ERealtimeNetConnectionState::Connected; }

		TSharedRef<FCallOutcome> Call(const FString& Method, const rtnet::Value& Params,
			const FRealtimeNetCallOptions& Options = FRealtimeNetCallOptions())
		{
			const TSharedRef<FCallOutcome> Outcome = MakeShared<FCallOutcome>();
			Net()->CallJson(Method, FRealtimeNetJson::ToJsonObject(Params), Options, Completion(Outcome));
			return Outcome;
		}

		/** Joins Room; the listener hears the room object's events from the moment the join is sent. */
		TSharedRef<FCallOutcome> Join(const FString& Room)
		{
			const TSharedRef<FCallOutcome> Outcome = MakeShared<FCallOutcome>();
			URealtimeNetRoom* RoomObject = nullptr;
			Net()->JoinRoom(Room, FString(), Completion(Outcome), &RoomObject);
			Listener->WatchRoom(RoomObject);
			return Outcome;
		}

		TSharedRef<FCallOutcome> UpdateState(const FString& Room, const rtnet::Value& Patch)
		{
			const TSharedRef<FCallOutcome> Outcome = MakeShared<FCallOutcome>();
			Net()->UpdateState(Room, Patch, Completion(Outcome));
			return Outcome;
		}

		TSharedRef<FCallOutcome> Publish(const FString& Room, const FString& Type, const rtnet::Value& Data)
		{
			const TSharedRef<FCallOutcome> Outcome = MakeShared<FCallOutcome>();
			Net()->Publish(Room, Type, Data, Completion(Outcome));
			return Outcome;
		}

		URealtimeNetRoom* RoomObject(const FString& Room) const { return Net()->FindRoom(Room); }

		/** The room's state version (0 when not held). */
		int64 Version(const FString& Room) const
		{
			const URealtimeNetRoom* Found = RoomObject(Room);
			return Found != nullptr ? Found->GetStateVersion() : 0;
		}

		/** The room's state document as an rtnet::Value (null when not held). */
		rtnet::Value State(const FString& Room) const
		{
			const URealtimeNetRoom* Found = RoomObject(Room);
			const rtnet::Value* Document = Found != nullptr ? Found->FindState(FString()) : nullptr;
			return Document != nullptr ? *Document : rtnet::Value();
		}

		/** The document as JSON text, for messages. */
		FString StateText(const FString& Room) const { return FRealtimeNetJson::Write(State(Room)); }

		const FString Name;

	private:
		static FRealtimeNetCallCompleted Completion(const TSharedRef<FCallOutcome>& Outcome)
		{
			return FRealtimeNetCallCompleted::CreateLambda([Outcome](const FRealtimeNetCallResult& Result)
			{
				Outcome->bDone = true;
				Outcome->bSuccess = Result.bSuccess;
				Outcome->Error = Result.Error;
				if (Result.bSuccess && Result.Result.IsValid())
				{
					Outcome->Result = FRealtimeNetJson::ToValue(Result.Result);
				}
			});
		}

		TUniquePtr<FRealtimeNetTestInstance> Instance;
		URealtimeNetTestListener* Listener = nullptr;
	};

	/** "0", "1", ... "N-1": room.event data as a room delivers it (JSON text). */
	TArray<FString> Numbers(int32 From, int32 To)
	{
		TArray<FString> Result;
		for (int32 Value = From; Value < To; ++Value)
		{
			Result.Add(FString::FromInt(Value));
		}
		return Result;
	}
}  // namespace RealtimeNetFunctional

BEGIN_DEFINE_SPEC(FRealtimeNetFunctionalSpec, "RealtimeNet.Functional", REALTIMENET_SPEC_FLAGS)

	FRealtimeNetTestGateway Gateway;
	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<RealtimeNetFunctional::FClient> A;
	TUniquePtr<RealtimeNetFunctional::FClient> B;
	TSharedPtr<FRealtimeNetScenario> Scenario;
	/** A room of this spec's own, so runs against one gateway never see each other's events. */
	FString Room;
	/** Calls in flight that a later step waits for. */
	TArray<TSharedRef<RealtimeNetFunctional::FCallOutcome>> Pending;

	/** True (and Done executed) when no gateway was given: the spec passes with a warning saying how to run it. */
	bool SkipWithoutGateway(const FDoneDelegate& Done)
	{
		if (Gateway.IsConfigured())
		{
			return false;
		}
		AddWarning(Gateway.SkipMessage());
		Done.Execute();
		return true;
	}

	/** Creates the clients (after the spec changed the settings) and the scenario. */
	bool Begin(const FDoneDelegate& Done, bool bSecondClient)
	{
		A = MakeUnique<RealtimeNetFunctional::FClient>(TEXT("A"));
		if (bSecondClient)
		{
			B = MakeUnique<RealtimeNetFunctional::FClient>(TEXT("B"));
		}
		if (!TestNotNull(TEXT("client A"), A->Net()) || (bSecondClient && !TestNotNull(TEXT("client B"), B->Net())))
		{
			Done.Execute();
			return false;
		}
		Room = FString::Printf(TEXT("ue-%s"), *FGuid::NewGuid().ToString(EGuidFormats::Digits).ToLower());
		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		return true;
	}

	/** Steps: Client connects with Token and waits for the session; optionally joins the spec's room. */
	void ConnectSteps(RealtimeNetFunctional::FClient& Client, const FString& Token, bool bJoin)
	{
		RealtimeNetFunctional::FClient* C = &Client;
		Scenario->Then(FString::Printf(TEXT("%s connects to %s"), *C->Name, *Gateway.Url), [this, C, Token]()
		{
			FRealtimeNetError Refused;
			if (C->Net()->Connect(Gateway.Url, Token, &Refused) != ERealtimeNetConnectStart::Started)
			{
				Scenario->Fail(FString::Printf(TEXT("%s: Connect refused: %s"), *C->Name, *Refused.Message));
			}
		})
		.WaitUntil(FString::Printf(TEXT("%s is connected (session.welcome)"), *C->Name), [C]() { return C->IsConnected(); });
		if (!bJoin)
		{
			return;
		}
		TSharedRef<TSharedPtr<RealtimeNetFunctional::FCallOutcome>> Join = MakeShared<TSharedPtr<RealtimeNetFunctional::FCallOutcome>>();
		Scenario->Then(FString::Printf(TEXT("%s joins the room"), *C->Name), [this, C, Join]()
		{
			*Join = C->Join(Room);
		})
		.WaitUntil(FString::Printf(TEXT("%s's room.join is answered"), *C->Name), [Join]() { return (*Join)->bDone; })
		.Then(FString::Printf(TEXT("%s is in the room"), *C->Name), [this, C, Join]()
		{
			if (!(*Join)->bSuccess)
			{
				Scenario->Fail(FString::Printf(TEXT("%s: room.join failed: %d %s"), *C->Name, (*Join)->Error.Code, *(*Join)->Error.Message));
			}
		});
	}

	/** Steps: B publishes each of Values to the room (all at once: they travel in one batch) and waits for the results. */
	void PublishSteps(int32 From, int32 To)
	{
		Scenario->Then(FString::Printf(TEXT("B publishes %d..%d"), From, To - 1), [this, From, To]()
		{
			for (int32 Value = From; Value < To; ++Value)
			{
				Pending.Add(B->Publish(Room, FString(), Value));
			}
		})
		.WaitUntil(TEXT("every publication is acknowledged"), [this]() { return AllDone(); })
		.Then(TEXT("every publication succeeded"), [this]() { CheckPendingSucceeded(TEXT("room.publish")); });
	}

	bool AllDone() const
	{
		for (const TSharedRef<RealtimeNetFunctional::FCallOutcome>& Outcome : Pending)
		{
			if (!Outcome->bDone)
			{
				return false;
			}
		}
		return true;
	}

	void CheckPendingSucceeded(const TCHAR* What)
	{
		int32 Failed = 0;
		FString First;
		for (const TSharedRef<RealtimeNetFunctional::FCallOutcome>& Outcome : Pending)
		{
			if (!Outcome->bSuccess)
			{
				if (Failed++ == 0)
				{
					First = FString::Printf(TEXT("%d %s"), Outcome->Error.Code, *Outcome->Error.Message);
				}
			}
		}
		Pending.Reset();
		if (Failed > 0)
		{
			Scenario->Fail(FString::Printf(TEXT("%d %s calls failed, the first with %s"), Failed, What, *First));
		}
	}

	/** Steps: B (admin) closes A's socket with 4050 through fault.inject; A must be reconnecting afterwards. */
	void ForceDisconnectSteps()
	{
		TSharedRef<FString> SessionId = MakeShared<FString>();
		TSharedRef<TSharedPtr<RealtimeNetFunctional::FCallOutcome>> Inject = MakeShared<TSharedPtr<RealtimeNetFunctional::FCallOutcome>>();
		Scenario->Then(TEXT("B injects a forced disconnect of A's session (fault.inject, disconnect_code 4050)"), [this, SessionId, Inject]()
		{
			*SessionId = A->Net()->GetSessionId();
			*Inject = B->Call(TEXT("fault.inject"), rtnet::Value::MakeObject({
				{"session_id", FRealtimeNetJson::ToStd(*SessionId)},
				{"disconnect_code", 4050},
			}));
		})
		.WaitUntil(TEXT("fault.inject is answered"), [Inject]() { return (*Inject)->bDone; })
		.Then(TEXT("the fault hit A's session"), [this, SessionId, Inject]()
		{
			if (!(*Inject)->bSuccess)
			{
				Scenario->Fail(FString::Printf(TEXT("fault.inject failed: %d %s (%s) -- is the gateway in fault mode (faults.enabled) ")
					TEXT("and does -RtnetAdminToken carry faults.admin_claim?"), (*Inject)->Error.Code, *(*Inject)->Error.Message,
					*(*Inject)->Error.DataJson));
				return;
			}
			const rtnet::Value Expected = rtnet::Value::MakeObject({{"affected", rtnet::Value::Array{FRealtimeNetJson::ToStd(*SessionId)}}});
			TestTrue(*FString::Printf(TEXT("affected = [%s]: %s"), **SessionId, *FRealtimeNetJson::Write((*Inject)->Result)),
				(*Inject)->Result == Expected);
		})
		.WaitUntil(TEXT("A heard the loss (OnReconnecting)"), [this]() { return A->Heard()->Count(TEXT("reconnecting")) > 0; });
	}

END_DEFINE_SPEC(FRealtimeNetFunctionalSpec)

void FRealtimeNetFunctionalSpec::Define()
{
	using RealtimeNetFunctional::FCallOutcome;

	BeforeEach([this]()
	{
		Gateway = FRealtimeNetTestGateway::Find();
		Settings = MakeUnique<FRealtimeNetTestSettings>();
		(*Settings)->CallTimeout = 15.f;
		(*Settings)->ConnectTimeout = 10.f;
	});

	AfterEach([this]()
	{
		if (Scenario.IsValid())
		{
			Scenario->Stop();
			Scenario.Reset();
		}
		Pending.Reset();
		A.Reset();
		B.Reset();
		Settings.Reset();
	});

	Describe(TEXT("session"), [this]()
	{
		LatentIt(TEXT("connects with a JWT and round-trips sys echo exactly (int64, unicode, nesting); unknown methods are refused"),
			FTimespan::FromSeconds(60), [this](const FDoneDelegate& Done)
		{
			if (SkipWithoutGateway(Done) || !Begin(Done, false))
			{
				return;
			}
			ConnectSteps(*A, Gateway.Token, false);
			const rtnet::Value Data = rtnet::Value::MakeObject({
				{"n", 9007199254740993LL},
				{"s", std::string("h") + "\xC3\xA9" + "llo " + "\xE2\x9C\x93"},
				{"nested", rtnet::Value::MakeObject({{"list", rtnet::Value::Array{1, 2.5, nullptr, true}}})},
			});
			TSharedRef<TSharedPtr<FCallOutcome>> Echo = MakeShared<TSharedPtr<FCallOutcome>>();
			TSharedRef<TSharedPtr<FCallOutcome>> Unknown = MakeShared<TSharedPtr<FCallOutcome>>();
			Scenario->Then(TEXT("the session is identified"), [this]()
			{
				TestFalse(TEXT("session id"), A->Net()->GetSessionId().IsEmpty());
				TestFalse(TEXT("player id (the JWT's sub)"), A->Net()->GetPlayerId().IsEmpty());
				const TArray<FRealtimeNetHeard> States = A->Heard()->Of(TEXT("state"), true);
				TestTrue(TEXT("OnConnectionStateChanged reached Connected"),
					States.Num() >= 2 && States.Last().NewState == ERealtimeNetConnectionState::Connected);
			})
			.Then(TEXT("call sys.echo and an unknown method"), [this, Data, Echo, Unknown]()
			{
				*Echo = A->Call(TEXT("sys.echo"), rtnet::Value::MakeObject({{"data", Data}}));
				*Unknown = A->Call(TEXT("no.such.method"), rtnet::Value::MakeObject());
			})
			.WaitUntil(TEXT("both are answered"), [Echo, Unknown]() { return (*Echo)->bDone && (*Unknown)->bDone; })
			.Then(TEXT("check"), [this, Data, Echo, Unknown]()
			{
				if (TestTrue(*FString::Printf(TEXT("sys.echo succeeded (%s)"), *(*Echo)->Error.Message), (*Echo)->bSuccess))
				{
					const rtnet::Value* Returned = (*Echo)->Result.Find("data");
					TestTrue(*FString::Printf(TEXT("echoed %s"), *FRealtimeNetJson::Write((*Echo)->Result)),
						Returned != nullptr && *Returned == Data);
					const rtnet::Value* N = Returned != nullptr ? Returned->Find("n") : nullptr;
					TestTrue(TEXT("2^53 + 1 came back as that exact integer"), N != nullptr && N->IsInt() && *N->AsInt() == 9007199254740993LL);
				}
				TestFalse(TEXT("an unknown method fails"), (*Unknown)->bSuccess);
				TestEqual(TEXT("with JSON-RPC's method not found"), (*Unknown)->Error.Code, -32601);
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("rooms"), [this]()
	{
		LatentIt(TEXT("A sees B join (presence changed), receives B's state updates as deltas, and sees B leave"),
			FTimespan::FromSeconds(60), [this](const FDoneDelegate& Done)
		{
			if (SkipWithoutGateway(Done) || !Begin(Done, true))
			{
				return;
			}
			ConnectSteps(*A, Gateway.Token, true);
			ConnectSteps(*B, Gateway.AdminToken, true);
			TSharedRef<int64> Version = MakeShared<int64>(0);
			Scenario->Then(TEXT("the two tokens name two players"), [this]()
			{
				if (A->Net()->GetPlayerId() == B->Net()->GetPlayerId())
				{
					Scenario->Fail(FString::Printf(TEXT("-RtnetToken and -RtnetAdminToken both name player %s; give them different subs"),
						*A->Net()->GetPlayerId()));
				}
			})
			.WaitUntil(TEXT("A's presence list shows B online"), [this]()
			{
				for (const FRealtimeNetPresenceRow& Row : A->Net()->GetPresence(Room))
				{
					if (Row.PlayerId == B->Net()->GetPlayerId() && Row.Status == ERealtimeNetPresenceStatus::Online)
					{
						return true;
					}
				}
				return false;
			})
			.Then(TEXT("OnPresenceChanged told A; B updates the state"), [this, Version]()
			{
				TestTrue(TEXT("the room's On Presence Changed (native)"), A->Heard()->Count(TEXT("presence"), Room) >= 1);
				TestEqual(TEXT("On Presence Changed, dynamic and native"), A->Heard()->Of(TEXT("presence"), true).Num(),
					A->Heard()->Of(TEXT("presence"), false).Num());
				Pending.Add(B->UpdateState(Room, rtnet::Value::MakeObject({
					{"score", rtnet::Value::MakeObject({{"b", 1}})},
					{"round", 1},
				})));
			})
			.WaitUntil(TEXT("state.update answered"), [this]() { return AllDone(); })
			.Then(TEXT("remember the version"), [this, Version]()
			{
				const rtnet::Value* V = Pending.Num() == 1 ? Pending[0]->Result.Find("version") : nullptr;
				if (V == nullptr || !V->IsInt())
				{
					Scenario->Fail(FString::Printf(TEXT("state.update failed: %d %s"), Pending[0]->Error.Code, *Pending[0]->Error.Message));
					return;
				}
				*Version = *V->AsInt();
				Pending.Reset();
			})
			.WaitUntil(TEXT("A reaches that version through state.delta"), [this, Version]() { return A->Version(Room) == *Version; })
			// The gateway refuses a patch on paths changed since its base_version, whoever changed them: B must
			// hold its own update before it patches the same member again.
			.WaitUntil(TEXT("B holds that version too"), [this, Version]() { return B->Version(Room) == *Version; })
			.Then(TEXT("A's document and events; B deletes a member (merge-patch null)"), [this, Version]()
			{
				TestTrue(*FString::Printf(TEXT("A's state %s"), *A->StateText(Room)),
					A->State(Room) == rtnet::Value::MakeObject({{"score", rtnet::Value::MakeObject({{"b", 1}})}, {"round", 1}}));
				bool bHeard = false;
				for (const FRealtimeNetHeard& Item : A->Heard()->Of(TEXT("version"), true))
				{
					bHeard |= Item.Room == Room && Item.Number == *Version;
				}
				TestTrue(TEXT("the room's On State Changed (dynamic) with the version"), bHeard);
				double Round = 0.0;
				TestTrue(TEXT("Get State Number round"), A->RoomObject(Room)->GetStateNumber(TEXT("round"), Round) && Round == 1.0);
				int64 ScoreB = 0;
				TestTrue(TEXT("Get State Integer score/b"), A->RoomObject(Room)->GetStateInteger(TEXT("score/b"), ScoreB) && ScoreB == 1);
				Pending.Add(B->UpdateState(Room, rtnet::Value::MakeObject({{"score", rtnet::Value::MakeObject({{"b", nullptr}})}, {"round", 2}})));
			})
			.WaitUntil(TEXT("the second update is answered"), [this]() { return AllDone(); })
			.Then(TEXT("remember the second version"), [this, Version]()
			{
				const rtnet::Value* V = Pending.Num() == 1 ? Pending[0]->Result.Find("version") : nullptr;
				if (V == nullptr || !V->IsInt())
				{
					Scenario->Fail(TEXT("the second state.update failed"));
					return;
				}
				*Version = *V->AsInt();
				Pending.Reset();
			})
			.WaitUntil(TEXT("A reaches the second version"), [this, Version]() { return A->Version(Room) == *Version; })
			.Then(TEXT("both clients hold the same document; B leaves"), [this]()
			{
				TestTrue(*FString::Printf(TEXT("A %s == B %s"), *A->StateText(Room), *B->StateText(Room)),
					A->State(Room) == B->State(Room));
				TestTrue(TEXT("the member was deleted"),
					A->State(Room) == rtnet::Value::MakeObject({{"score", rtnet::Value::MakeObject()}, {"round", 2}}));
				Pending.Add(B->Call(TEXT("room.leave"), rtnet::Value::MakeObject({{"room", FRealtimeNetJson::ToStd(Room)}})));
			})
			.WaitUntil(TEXT("B is gone from A's presence list"), [this]()
			{
				for (const FRealtimeNetPresenceRow& Row : A->Net()->GetPresence(Room))
				{
					if (Row.PlayerId == B->Net()->GetPlayerId())
					{
						return false;
					}
				}
				return true;
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("typed events"), [this]()
	{
		LatentIt(TEXT("B publishes typed and untyped events; A's room delivers each with its type, and Wait For Room Event gets only its own"),
			FTimespan::FromSeconds(60), [this](const FDoneDelegate& Done)
		{
			if (SkipWithoutGateway(Done) || !Begin(Done, true))
			{
				return;
			}
			ConnectSteps(*A, Gateway.Token, true);
			ConnectSteps(*B, Gateway.AdminToken, true);
			Scenario->Then(TEXT("A waits for RealtimeNetTest.Match (and its children); B publishes three events"), [this]()
			{
				URealtimeNetWaitForRoomEventAction* Wait = URealtimeNetWaitForRoomEventAction::WaitForRoomEvent(
					A->World(), A->RoomObject(Room), RealtimeNetTestTags::Match);
				A->Heard()->Listen(Wait);
				Wait->Activate();
				Pending.Add(B->Publish(Room, FString(), "untyped"));
				Pending.Add(B->Publish(Room, RealtimeNetTestTags::Score.GetTag().ToString(), rtnet::Value::MakeObject({{"points", 3}})));
				Pending.Add(B->Publish(Room, RealtimeNetTestTags::MatchStarted.GetTag().ToString(), rtnet::Value::MakeObject({{"round", 1}})));
			})
			.WaitUntil(TEXT("answered"), [this]() { return AllDone(); })
			.Then(TEXT("succeeded"), [this]() { CheckPendingSucceeded(TEXT("room.publish")); })
			.WaitUntil(TEXT("A received the three"), [this]() { return A->Heard()->EventData(Room).Num() >= 3; })
			.Then(TEXT("check"), [this]()
			{
				TArray<FString> Types;
				for (const FRealtimeNetHeard& Item : A->Heard()->Of(TEXT("event"), true))
				{
					Types.Add(Item.Type.IsEmpty() ? FString(TEXT("-")) : Item.Type);
				}
				TestSameText(*this, TEXT("the room's On Event types, in order"), FString::Join(Types, TEXT(", ")),
					FString(TEXT("-, RealtimeNetTest.Score, RealtimeNetTest.Match.Started")));
				if (TestEqual(TEXT("Wait For Room Event got one"), A->Heard()->Waited.Num(), 1))
				{
					const FRealtimeNetRoomEvent& Event = A->Heard()->Waited[0];
					TestTrue(TEXT("its Type is the registered tag"), Event.Type == RealtimeNetTestTags::MatchStarted.GetTag());
					int64 RoundNumber = 0;
					TestTrue(TEXT("Get Json Integer round"), URealtimeNetDataLibrary::GetJsonInteger(Event.Data, TEXT("round"), RoundNumber)
						&& RoundNumber == 1);
					TestSameText(*this, TEXT("from B"), Event.From, B->Net()->GetPlayerId());
				}
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("recovery"), [this]()
	{
		LatentIt(TEXT("forced disconnect (fault inject 4050) -> reconnect -> session resume: every event published meanwhile arrives once, in order"),
			FTimespan::FromSeconds(90), [this](const FDoneDelegate& Done)
		{
			(*Settings)->BackoffBase = 1.f;  // A stays away a full second: the publications below happen while it is gone
			(*Settings)->BackoffCap = 1.f;
			if (SkipWithoutGateway(Done) || !Begin(Done, true))
			{
				return;
			}
			// Fewer than the gateway keeps, so the gap can be replayed.
			const int32 Away = FMath::Clamp(Gateway.HistorySize / 2, 1, 20);
			static constexpr int32 Before = 10;  // published before the fault
			TSharedRef<FString> SessionBefore = MakeShared<FString>();
			ConnectSteps(*A, Gateway.Token, true);
			ConnectSteps(*B, Gateway.AdminToken, true);
			PublishSteps(0, Before);
			Scenario->WaitUntil(TEXT("A received the first events"), [this]() { return A->Heard()->EventData(Room).Num() >= Before; })
				.Then(TEXT("remember A's session"), [this, SessionBefore]() { *SessionBefore = A->Net()->GetSessionId(); });
			ForceDisconnectSteps();
			PublishSteps(Before, Before + Away);
			Scenario->WaitUntil(TEXT("A is back, resumed, and has every event"), [this, Away]()
			{
				return A->IsConnected() && A->Heard()->Count(TEXT("recovered")) > 0 && A->Heard()->EventData(Room).Num() >= Before + Away;
			}, 30.0)
			.Wait(TEXT("nothing else arrives (no duplicate)"), 0.5)
			.Then(TEXT("check"), [this, Away, SessionBefore]()
			{
				const TArray<FString> Expected = RealtimeNetFunctional::Numbers(0, Before + Away);
				TestSameText(*this, TEXT("room.event data: zero lost, zero duplicated, in order"),
					FString::Join(A->Heard()->EventData(Room), TEXT(",")), FString::Join(Expected, TEXT(",")));
				TestEqual(TEXT("the room's On Event, dynamic and native"), A->Heard()->Of(TEXT("event"), true).Num(), A->Heard()->Of(TEXT("event"), false).Num());

				const TArray<FRealtimeNetHeard> Recovered = A->Heard()->Of(TEXT("recovered"), true);
				if (TestEqual(TEXT("OnRecovered once"), Recovered.Num(), 1))
				{
					TestTrue(*FString::Printf(TEXT("replayed %lld of the %d published while away"), Recovered[0].Number, Away),
						Recovered[0].Number >= 1 && Recovered[0].Number <= Away);
				}
				TestEqual(TEXT("no OnResynced: the stream was recovered"), A->Heard()->Count(TEXT("resynced")), 0);
				TestSameText(*this, TEXT("the session was resumed, not replaced"), A->Net()->GetSessionId(), *SessionBefore);

				const TArray<FRealtimeNetHeard> Reconnecting = A->Heard()->Of(TEXT("reconnecting"), true);
				if (TestEqual(TEXT("OnReconnecting once"), Reconnecting.Num(), 1))
				{
					TestEqual(TEXT("attempt"), Reconnecting[0].Number, static_cast<int64>(1));
					TestEqual(TEXT("delay from the settings"), Reconnecting[0].Seconds, 1.f, 0.001f);
				}
				bool bLossReason = false;
				for (const FRealtimeNetHeard& Item : A->Heard()->Of(TEXT("state"), true))
				{
					bLossReason |= Item.NewState == ERealtimeNetConnectionState::Reconnecting && Item.Text.Contains(TEXT("4050"));
				}
				TestTrue(TEXT("the loss's reason carries the close code 4050"), bLossReason);
				bool bError = false;
				for (const FRealtimeNetHeard& Item : A->Heard()->Of(TEXT("error"), false))
				{
					bError |= Item.Number == 4050;
				}
				TestTrue(TEXT("OnError reported close 4050"), bError);
			});
			Scenario->Start();
		});

		LatentIt(TEXT("a gap beyond the rooms history size: recovered false -> state snapshot reload and OnResynced"),
			FTimespan::FromSeconds(180), [this](const FDoneDelegate& Done)
		{
			// A stays away until the spec calls Reconnect, however long publishing the gap takes.
			(*Settings)->BackoffBase = 600.f;
			(*Settings)->BackoffCap = 600.f;
			if (SkipWithoutGateway(Done) || !Begin(Done, true))
			{
				return;
			}
			// More than the gateway keeps (-RtnetHistorySize, default 1000): the resume cannot replay them.
			const int32 Gap = Gateway.HistorySize + 5;
			TSharedRef<int32> Sent = MakeShared<int32>(0);
			TSharedRef<double> NextBatchAt = MakeShared<double>(0.0);
			TSharedRef<int64> FinalVersion = MakeShared<int64>(0);
			TSharedRef<int32> EventsBefore = MakeShared<int32>(0);
			ConnectSteps(*A, Gateway.Token, true);
			ConnectSteps(*B, Gateway.AdminToken, true);
			Scenario->Then(TEXT("B sets the state A will have to reload"), [this]()
			{
				Pending.Add(B->UpdateState(Room, rtnet::Value::MakeObject({{"phase", "before"}})));
			})
			.WaitUntil(TEXT("answered"), [this]() { return AllDone(); })
			.Then(TEXT("succeeded"), [this]() { CheckPendingSucceeded(TEXT("state.update")); })
			.WaitUntil(TEXT("A holds it"), [this]() { return A->State(Room).Find("phase") != nullptr; });
			ForceDisconnectSteps();
			Scenario->Then(TEXT("A is away"), [this, EventsBefore]()
			{
				TestTrue(TEXT("A is reconnecting"), A->Net()->GetConnectionState() == ERealtimeNetConnectionState::Reconnecting);
				*EventsBefore = A->Heard()->EventData(Room).Num();
			})
			.WaitUntil(FString::Printf(TEXT("B publishes %d events while A is away (paced under the gateway's rate limit)"), Gap),
				[this, Gap, Sent, NextBatchAt]()
			{
				// 50 every 0.6 s stays under rate_limit.rate (100/s by default); retries cover a refused burst.
				const double Now = FPlatformTime::Seconds();
				if (*Sent < Gap && Now >= *NextBatchAt)
				{
					FRealtimeNetCallOptions Options;
					Options.MaxRetries = 5;
					for (int32 Count = 0; Count < 50 && *Sent < Gap; ++Count, ++*Sent)
					{
						Pending.Add(B->Call(TEXT("room.publish"),
							rtnet::Value::MakeObject({{"room", FRealtimeNetJson::ToStd(Room)}, {"data", *Sent}}), Options));
					}
					*NextBatchAt = Now + 0.6;
				}
				return *Sent == Gap && AllDone();
			}, 150.0)
			.WaitUntil(TEXT("B holds its own first update (its next patch touches the same member)"), [this]()
			{
				return B->State(Room).Find("phase") != nullptr;
			})
			.Then(TEXT("every publication succeeded; B changes the state once more"), [this]()
			{
				CheckPendingSucceeded(TEXT("room.publish"));
				Pending.Add(B->UpdateState(Room, rtnet::Value::MakeObject({{"phase", "after"}})));
			})
			.WaitUntil(TEXT("answered"), [this]() { return AllDone(); })
			.Then(TEXT("A reconnects now (the player's button): session.resume"), [this, FinalVersion]()
			{
				const rtnet::Value* V = Pending.Num() == 1 ? Pending[0]->Result.Find("version") : nullptr;
				if (V == nullptr || !V->IsInt())
				{
					Scenario->Fail(TEXT("the last state.update failed"));
					return;
				}
				*FinalVersion = *V->AsInt();
				Pending.Reset();
				A->Net()->Reconnect();
			})
			.WaitUntil(TEXT("A resynced the room from a snapshot (if A resumed instead, is -RtnetHistorySize the gateway's rooms.history_size?)"),
				[this, FinalVersion]()
			{
				return A->Heard()->Count(TEXT("resynced"), Room) > 0 && A->Version(Room) == *FinalVersion;
			}, 30.0)
			.Then(TEXT("check, then B publishes one live event"), [this, EventsBefore, Gap]()
			{
				TestTrue(*FString::Printf(TEXT("A reloaded the document: %s"), *A->StateText(Room)),
					A->State(Room) == rtnet::Value::MakeObject({{"phase", "after"}}));
				TestEqual(TEXT("the room's On Resynced, dynamic and native"), A->Heard()->Of(TEXT("resynced"), true).Num(),
					A->Heard()->Of(TEXT("resynced"), false).Num());
				TestTrue(TEXT("the resume itself succeeded (OnRecovered)"), A->Heard()->Count(TEXT("recovered")) >= 1);
				TestEqual(*FString::Printf(TEXT("none of the %d events beyond the history was replayed (recovery is never partial)"), Gap),
					A->Heard()->EventData(Room).Num() - *EventsBefore, 0);
				*EventsBefore = A->Heard()->EventData(Room).Num();
				AddInfo(FString::Printf(TEXT("loss after the resync: %.2f %%"), A->Net()->GetNetworkStats().LossPercent));
				Pending.Add(B->Publish(Room, FString(), "live"));
			})
			.WaitUntil(TEXT("A receives the live event"), [this, EventsBefore]() { return A->Heard()->EventData(Room).Num() > *EventsBefore; })
			.Then(TEXT("the stream goes on from where the gateway is"), [this, EventsBefore]()
			{
				const TArray<FString> Events = A->Heard()->EventData(Room);
				TestSameText(*this, TEXT("the next event is the live one"), Events[*EventsBefore], FString(TEXT("\"live\"")));
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("network simulation"), [this]()
	{
		LatentIt(TEXT("latency injected by the gateway (fault inject latency_ms) shows in the measured RTT and the grade"),
			FTimespan::FromSeconds(60), [this](const FDoneDelegate& Done)
		{
			// Pings often, a short window and a fast average, so the RTT follows the injected latency in seconds.
			(*Settings)->PingInterval = 0.2f;
			(*Settings)->RttWindow = 8;
			(*Settings)->OutlierMinSamples = 4;
			(*Settings)->SmoothedRttGain = 0.5f;
			if (SkipWithoutGateway(Done) || !Begin(Done, true))
			{
				return;
			}
			ConnectSteps(*A, Gateway.Token, false);
			ConnectSteps(*B, Gateway.AdminToken, false);
			TSharedRef<TSharedPtr<FCallOutcome>> Inject = MakeShared<TSharedPtr<FCallOutcome>>();
			Scenario->WaitUntil(TEXT("A measured an RTT"), [this]() { return A->Net()->GetNetworkStats().Quality != ERealtimeNetQuality::Unknown; })
				.Then(TEXT("B adds 300 ms to every frame the gateway sends A, for 20 s"), [this, Inject]()
				{
					*Inject = B->Call(TEXT("fault.inject"), rtnet::Value::MakeObject({
						{"session_id", FRealtimeNetJson::ToStd(A->Net()->GetSessionId())}, {"latency_ms", 300}, {"duration", 20},
					}));
				})
				.WaitUntil(TEXT("fault.inject answered"), [Inject]() { return (*Inject)->bDone; })
				.Then(TEXT("it succeeded"), [this, Inject]()
				{
					if (!(*Inject)->bSuccess)
					{
						Scenario->Fail(FString::Printf(TEXT("fault.inject failed: %d %s"), (*Inject)->Error.Code, *(*Inject)->Error.Message));
					}
				})
				.WaitUntil(TEXT("A's smoothed RTT passes 250 ms"), [this]() { return A->Net()->GetNetworkStats().RttMs > 250.f; }, 30.0)
				.Then(TEXT("the grade fell"), [this]()
				{
					const FRealtimeNetNetworkStats Stats = A->Net()->GetNetworkStats();
					TestTrue(*FString::Printf(TEXT("%d bars at %.0f ms (poor or bad: at most 1)"), Stats.QualityBars, Stats.RttMs), Stats.QualityBars <= 1);
					TestTrue(TEXT("still connected: latency is not loss"), A->IsConnected());
				});
			Scenario->Start();
		});

		LatentIt(TEXT("rtnet SimLatency (SetSimulatedLatency) adds to the measured RTT without the gateway's help"),
			FTimespan::FromSeconds(60), [this](const FDoneDelegate& Done)
		{
			(*Settings)->PingInterval = 0.2f;
			(*Settings)->RttWindow = 8;
			(*Settings)->OutlierMinSamples = 4;
			(*Settings)->SmoothedRttGain = 0.5f;
			if (SkipWithoutGateway(Done) || !Begin(Done, false))
			{
				return;
			}
			ConnectSteps(*A, Gateway.Token, false);
			Scenario->WaitUntil(TEXT("A measured an RTT"), [this]() { return A->Net()->GetNetworkStats().Quality != ERealtimeNetQuality::Unknown; })
				.Then(TEXT("simulate 200 ms"), [this]() { A->Net()->SetSimulatedLatency(200.f); })
				.WaitUntil(TEXT("A's smoothed RTT passes 150 ms"), [this]() { return A->Net()->GetNetworkStats().RttMs > 150.f; }, 30.0)
				.Then(TEXT("turn it off"), [this]() { A->Net()->SetSimulatedLatency(0.f); })
				.WaitUntil(TEXT("the RTT falls back under 100 ms"), [this]() { return A->Net()->GetNetworkStats().RttMs < 100.f; }, 30.0)
				.Then(TEXT("still connected"), [this]() { TestTrue(TEXT("connected"), A->IsConnected()); });
			Scenario->Start();
		});
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
