// RealtimeNet.AsyncActions: every hand-written async Blueprint node (Connect, Call Method, Join Room, Update State,
// Set Presence) and a generated one (Sys Echo) ends exactly once -- its success pin or its failure pin, never
// both, never twice -- and Cancel silences both (a cancelled join that succeeds late is left again). No server:
// answers are scripted into the client's core client (FRealtimeNetScriptedGateway); each spec then lets time pass
// and adds the stimuli that could fire a pin a second time (a repeated answer, the socket loss that follows, a
// timeout).
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Engine/World.h"

#include "Protocol/RealtimeNetProtocolCalls.h"
#include "Protocol/RealtimeNetProtocolTypes.h"
#include "RealtimeNetAsyncActions.h"
#include "RealtimeNetClient.h"
#include "RealtimeNetDataLibrary.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetRoomActions.h"
#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestListener.h"
#include "RealtimeNetTestScenario.h"

BEGIN_DEFINE_SPEC(FRealtimeNetAsyncActionsSpec, "RealtimeNet.AsyncActions", REALTIMENET_SPEC_FLAGS)

	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<FRealtimeNetTestInstance> Instance;
	TUniquePtr<FRealtimeNetScriptedGateway> Gateway;
	URealtimeNetTestListener* Listener = nullptr;
	TSharedPtr<FRealtimeNetScenario> Scenario;
	URealtimeNetJoinRoomAction* JoinNode = nullptr;

	bool Begin()
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		if (!TestNotNull(TEXT("URealtimeNetClient"), Instance->GetClient())
			|| !TestNotNull(TEXT("world"), Instance->GetWorld()))
		{
			return false;
		}
		Listener = NewObject<URealtimeNetTestListener>();
		Listener->AddToRoot();
		Gateway = MakeUnique<FRealtimeNetScriptedGateway>(*Instance->GetClient());
		return true;
	}

	UWorld* World() const { return Instance->GetWorld(); }
	URealtimeNetClient* Client() const { return Instance->GetClient(); }

	/** JSON text as a Blueprint Json Object (what Make Json and the Set Json nodes build). */
	static FJsonObjectWrapper Json(const FString& Text)
	{
		FJsonObjectWrapper Result;
		URealtimeNetDataLibrary::TextToJson(Text, Result);
		return Result;
	}

	/** Whether the client has sent Method (its recent trace). */
	bool Sent(const FString& Method) const
	{
		for (const FRealtimeNetTraceRow& Row : Client()->GetRecentTrace())
		{
			if (Row.bOutgoing && Row.Method == Method)
			{
				return true;
			}
		}
		return false;
	}

	/** Opens a scripted session; fails the scenario when it cannot. */
	bool OpenSession()
	{
		FString Error;
		if (!Gateway->Open(Error))
		{
			Scenario->Fail(Error);
			return false;
		}
		return true;
	}

	/** Starts Scenario: Start (which starts the node) runs now, then the node must end within Timeout, then
	 *  Linger seconds pass (with whatever Start scheduled), then the pins that fired are exactly Expected. */
	void RunNode(const FDoneDelegate& Done, TFunction<void()> StartNode, const TArray<FString>& Expected, double Linger = 0.5,
		TFunction<void()> Check = nullptr)
	{
		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		Scenario->Then(TEXT("start the node"), MoveTemp(StartNode));
		if (Expected.Num() > 0)
		{
			Scenario->WaitUntil(TEXT("a pin fires"), [this]() { return Listener->Pins.Num() > 0; }, 10.0);
		}
		Scenario->Wait(TEXT("time for a second firing, which must not come"), Linger)
			.Then(TEXT("check the pins"), [this, Expected, Check]()
			{
				TestSameText(*this, TEXT("pins fired"), FString::Join(Listener->Pins, TEXT(", ")), FString::Join(Expected, TEXT(", ")));
				if (Check)
				{
					Check();
				}
			});
		Scenario->Start();
	}

	/** Runs the whole spec body only when the fixture came up. */
	bool Ready(const FDoneDelegate& Done)
	{
		if (Begin())
		{
			return true;
		}
		Done.Execute();
		return false;
	}

END_DEFINE_SPEC(FRealtimeNetAsyncActionsSpec)

void FRealtimeNetAsyncActionsSpec::Define()
{
	static const TArray<FString> Success = {TEXT("success")};
	static const TArray<FString> Failure = {TEXT("failure")};
	static const TArray<FString> Nothing;

	BeforeEach([this]()
	{
		Settings = MakeUnique<FRealtimeNetTestSettings>();
		(*Settings)->CallTimeout = 0.4f;
		(*Settings)->ConnectTimeout = 1.f;
	});

	AfterEach([this]()
	{
		if (Scenario.IsValid())
		{
			Scenario->Stop();
			Scenario.Reset();
		}
		Gateway.Reset();
		JoinNode = nullptr;
		Instance.Reset();
		if (Listener != nullptr)
		{
			Listener->RemoveFromRoot();
			Listener = nullptr;
		}
		Settings.Reset();
	});

	Describe(TEXT("Connect"), [this]()
	{
		LatentIt(TEXT("succeeds once when the session is up (the later socket loss fires nothing)"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetConnectAction* Node = URealtimeNetConnectAction::Connect(World(), FRealtimeNetScriptedGateway::UnreachableUrl, TEXT("t"));
				Listener->Listen(Node);
				Node->Activate();
				if (!Gateway->Welcome())
				{
					Scenario->Fail(TEXT("the node opened no socket"));
				}
			}, Success, 1.0);
		});

		LatentIt(TEXT("fails once when the client gives up (one reconnect attempt, then closed)"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			(*Settings)->BackoffMaxAttempts = 1;
			(*Settings)->BackoffBase = 0.05f;
			(*Settings)->BackoffCap = 0.05f;
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetConnectAction* Node = URealtimeNetConnectAction::Connect(World(), FRealtimeNetScriptedGateway::UnreachableUrl, TEXT("t"));
				Listener->Listen(Node);
				Node->Activate();
			}, Failure, 1.0, [this]()
			{
				TestFalse(TEXT("the failure says why"), Listener->LastError.Message.IsEmpty());
			});
		});

		LatentIt(TEXT("fires nothing once cancelled, even when the session comes up"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetConnectAction* Node = URealtimeNetConnectAction::Connect(World(), FRealtimeNetScriptedGateway::UnreachableUrl, TEXT("t"));
				Listener->Listen(Node);
				Node->Activate();
				Node->Cancel();
				Node->Cancel();  // twice is harmless
				Gateway->Welcome();
			}, Nothing, 1.0, [this]()
			{
				// Cancel stops waiting, not connecting (the node's documented rule).
				TestTrue(TEXT("the client itself went on"), Client()->GetConnectionState() != ERealtimeNetConnectionState::Disconnected);
			});
		});
	});

	Describe(TEXT("Call Method"), [this]()
	{
		LatentIt(TEXT("succeeds once with the result as JSON text, int64 exact, and ignores a repeated answer"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				// Answered under the predicted id: a wrong prediction would leave the node waiting (and the spec failing).
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetCallAction* Node = URealtimeNetCallAction::Call(World(), TEXT("sys.echo"),
					TEXT("{\"data\":{\"n\":9007199254740993}}"), FRealtimeNetCallOptions());
				Listener->Listen(Node);
				Node->Activate();
				const rtnet::Value Echo = rtnet::Value::MakeObject({{"data", rtnet::Value::MakeObject({{"n", 9007199254740993LL}})}});
				Gateway->Reply(Id, Echo);
				Gateway->Reply(Id, Echo);  // a late duplicate answer matches no pending call
			}, Success, 0.5, [this]()
			{
				TestSameText(*this, TEXT("result JSON"), Listener->LastResultJson, FString(TEXT("{\"data\":{\"n\":9007199254740993}}")));
			});
		});

		LatentIt(TEXT("fails once when the client refuses the call (not resendable, not connected)"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				FRealtimeNetCallOptions Options;
				Options.bResendable = false;
				URealtimeNetCallAction* Node = URealtimeNetCallAction::Call(World(), TEXT("sys.echo"), TEXT("{\"data\":1}"), Options);
				Listener->Listen(Node);
				Node->Activate();
				TestEqual(TEXT("the refusal comes on the next tick, not inside Activate"), Listener->Pins.Num(), 0);
			}, Failure, 0.5, [this]()
			{
				TestSameText(*this, TEXT("method"), Listener->LastError.Method, FString(TEXT("sys.echo")));
			});
		});

		LatentIt(TEXT("fails once, at once, when ParamsJson is not an object"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetCallAction* Node = URealtimeNetCallAction::Call(World(), TEXT("sys.echo"), TEXT("[1,2]"), FRealtimeNetCallOptions());
				Listener->Listen(Node);
				Node->Activate();
			}, Failure, 0.3, [this]()
			{
				TestEqual(TEXT("invalid params"), Listener->LastError.Code, -32602);
			});
		});

		LatentIt(TEXT("fails once with the gateway's error"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetCallAction* Node = URealtimeNetCallAction::Call(World(), TEXT("room.publish"),
					TEXT("{\"room\":\"lobby\",\"data\":1}"), FRealtimeNetCallOptions());
				Listener->Listen(Node);
				Node->Activate();
				Gateway->ReplyError(Id, -32002, "Forbidden", rtnet::Value::MakeObject({{"reason", "not_a_member"}}));
			}, Failure, 0.5, [this]()
			{
				TestEqual(TEXT("code"), Listener->LastError.Code, -32002);
				TestTrue(TEXT("error data as JSON"), Listener->LastError.DataJson.Contains(TEXT("not_a_member")));
			});
		});

		LatentIt(TEXT("fires nothing once cancelled, even when the answer arrives"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetCallAction* Node = URealtimeNetCallAction::Call(World(), TEXT("sys.echo"), TEXT("{\"data\":1}"), FRealtimeNetCallOptions());
				Listener->Listen(Node);
				Node->Activate();
				Node->Cancel();
				Gateway->Reply(Id, rtnet::Value::MakeObject({{"data", 1}}));
			}, Nothing, 0.8);
		});
	});

	Describe(TEXT("Join Room"), [this]()
	{
		LatentIt(TEXT("succeeds once with the room object, which holds the room's state"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetJoinRoomAction* Node = URealtimeNetJoinRoomAction::JoinRoom(World(), TEXT("lobby"));
				Listener->Listen(Node);
				Node->Activate();
				Gateway->Reply(Id, rtnet::Value::MakeObject({
					{"room", "lobby"}, {"stream", "room:lobby"}, {"epoch", "e1"}, {"offset", 4},
					{"state_version", 3}, {"state", rtnet::Value::MakeObject({{"round", 2}})},
				}));
			}, Success, 0.5, [this]()
			{
				URealtimeNetRoom* Room = Listener->LastRoom;
				if (!TestNotNull(TEXT("On Success gives the room"), Room))
				{
					return;
				}
				TestSameText(*this, TEXT("its name"), Room->GetName(), FString(TEXT("lobby")));
				TestTrue(TEXT("joined"), Room->IsJoined());
				TestTrue(TEXT("Find Room gives the same object"), Client()->FindRoom(TEXT("lobby")) == Room);
				TestEqual(TEXT("Get State Version"), Room->GetStateVersion(), static_cast<int64>(3));
				int64 Round = 0;
				TestTrue(TEXT("Get State Integer round"), Room->GetStateInteger(TEXT("round"), Round) && Round == 2);
			});
		});

		LatentIt(TEXT("fails once when the join times out, and says it timed out"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetJoinRoomAction* Node = URealtimeNetJoinRoomAction::JoinRoom(World(), TEXT("lobby"));
				Listener->Listen(Node);
				Node->Activate();  // never connected: the join waits queued until the 0.4 s timeout
			}, Failure, 0.6, [this]()
			{
				TestSameText(*this, TEXT("method"), Listener->LastError.Method, FString(TEXT("room.join")));
				TestTrue(TEXT("Call Failure: Timed Out"), Listener->LastError.CallFailure == ERealtimeNetCallFailure::TimedOut);
				TestNull(TEXT("no room on the failure pin"), Listener->LastRoom.Get());
				TestNull(TEXT("no room object kept"), Client()->FindRoom(TEXT("lobby")));
			});
		});

		LatentIt(TEXT("fails once with the gateway's error code as an enum"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetJoinRoomAction* Node = URealtimeNetJoinRoomAction::JoinRoom(World(), TEXT("vip"));
				Listener->Listen(Node);
				Node->Activate();
				Gateway->ReplyError(Id, -32002, "Forbidden", rtnet::Value::MakeObject({{"room", "vip"}, {"reason", "not_in_rooms_claim"}}));
			}, Failure, 0.5, [this]()
			{
				TestEqual(TEXT("code"), Listener->LastError.Code, -32002);
				TestTrue(TEXT("Error Code: Forbidden"), Listener->LastError.ErrorCode == ERealtimeNetErrorCode::Forbidden);
				TestTrue(TEXT("no close code"), Listener->LastError.CloseCode == ERealtimeNetCloseCode::None);
				TestTrue(TEXT("answered: not a call failure"), Listener->LastError.CallFailure == ERealtimeNetCallFailure::None);
			});
		});

		LatentIt(TEXT("fires nothing once cancelled before it was sent, and nothing is sent"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetJoinRoomAction* Node = URealtimeNetJoinRoomAction::JoinRoom(World(), TEXT("lobby"));
				Listener->Listen(Node);
				Node->Activate();
				Node->Cancel();
			}, Nothing, 1.0, [this]()
			{
				TestFalse(TEXT("the join was withdrawn"), Sent(TEXT("room.join")));
				TestNull(TEXT("no room object kept"), Client()->FindRoom(TEXT("lobby")));
			});
		});

		LatentIt(TEXT("cancelled after it was sent, a join that succeeds late is left again"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
			TSharedRef<int64> JoinId = MakeShared<int64>(0);
			Scenario->Then(TEXT("join, send it, cancel it, and answer it with a success"), [this, JoinId]()
			{
				if (!OpenSession()) return;
				*JoinId = Gateway->PeekNextCallId();
				URealtimeNetJoinRoomAction* Node = URealtimeNetJoinRoomAction::JoinRoom(World(), TEXT("lobby"));
				Listener->Listen(Node);
				Node->Activate();
				JoinNode = Node;
				Gateway->SendNow();  // on the wire in this step, while the scripted connection is up
				if (!Sent(TEXT("room.join")))
				{
					Scenario->Fail(TEXT("the join was not sent"));
					return;
				}
				// Cancel it; the gateway answers with a success anyway: the client leaves the room again.
				JoinNode->Cancel();
				Gateway->Reply(*JoinId, rtnet::Value::MakeObject({
					{"room", "lobby"}, {"stream", "room:lobby"}, {"epoch", "e1"}, {"offset", 0},
					{"state_version", 1}, {"state", rtnet::Value::MakeObject()},
				}));
				Gateway->SendNow();
				TestTrue(TEXT("room.leave sent"), Sent(TEXT("room.leave")));
			})
			.Wait(TEXT("nothing else"), 0.5)
			.Then(TEXT("check"), [this]()
			{
				TestEqual(TEXT("no pin fired"), Listener->Pins.Num(), 0);
				TestNull(TEXT("no room object"), Client()->FindRoom(TEXT("lobby")));
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("Update State"), [this]()
	{
		LatentIt(TEXT("succeeds once on the room"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetRoom* Room = nullptr;
				if (!OpenSession() || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject(), &Room) == 0)
				{
					Scenario->Fail(TEXT("no scripted room"));
					return;
				}
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetUpdateStateAction* Node = URealtimeNetUpdateStateAction::UpdateState(World(), Room,
					URealtimeNetDataLibrary::SetJsonNull(Json(TEXT("{\"score\":5}")), TEXT("old")));
				Listener->Listen(Node);
				Node->Activate();
				Gateway->Reply(Id, rtnet::Value::MakeObject({{"room", "lobby"}, {"version", 2}}));
			}, Success, 0.5, [this]()
			{
				TestTrue(TEXT("the room on the pin"), Listener->LastRoom != nullptr && Listener->LastRoom->GetName() == TEXT("lobby"));
			});
		});

		LatentIt(TEXT("fails once with a conflict, its data kept as JSON"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetRoom* Room = nullptr;
				if (!OpenSession() || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject(), &Room) == 0)
				{
					Scenario->Fail(TEXT("no scripted room"));
					return;
				}
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetUpdateStateAction* Node = URealtimeNetUpdateStateAction::UpdateState(World(), Room, Json(TEXT("{\"score\":5}")));
				Listener->Listen(Node);
				Node->Activate();
				Gateway->ReplyError(Id, -32004, "Conflict", rtnet::Value::MakeObject({
					{"current_version", 9007199254740993LL}, {"paths", rtnet::Value::Array{"score"}},
				}));
			}, Failure, 0.5, [this]()
			{
				TestEqual(TEXT("code"), Listener->LastError.Code, -32004);
				TestTrue(TEXT("Error Code: Conflict"), Listener->LastError.ErrorCode == ERealtimeNetErrorCode::Conflict);
				TestTrue(TEXT("Recovery: Resync State"), Listener->LastError.Recovery == ERealtimeNetRecovery::ResyncState);
				TestTrue(*FString::Printf(TEXT("data <%s>"), *Listener->LastError.DataJson),
					Listener->LastError.DataJson.Contains(TEXT("\"current_version\":9007199254740993")));
			});
		});

		LatentIt(TEXT("fails once, at once, when Patch is not an object, or there is no room"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetRoom* Room = nullptr;
				if (!OpenSession() || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject(), &Room) == 0)
				{
					Scenario->Fail(TEXT("no scripted room"));
					return;
				}
				URealtimeNetUpdateStateAction* Node = URealtimeNetUpdateStateAction::UpdateState(World(), Room, Json(TEXT("[1]")));
				Listener->Listen(Node);
				Node->Activate();
				URealtimeNetUpdateStateAction* NoRoom = URealtimeNetUpdateStateAction::UpdateState(World(), nullptr, Json(TEXT("{}")));
				Listener->Listen(NoRoom);
				NoRoom->Activate();
				TestSameText(*this, TEXT("both failed inside Activate"), FString::Join(Listener->Pins, TEXT(", ")), FString(TEXT("failure, failure")));
			}, {TEXT("failure"), TEXT("failure")}, 0.3, [this]()
			{
				TestEqual(TEXT("invalid params"), Listener->LastError.Code, -32602);
			});
		});

		LatentIt(TEXT("fires nothing once cancelled, even when the answer arrives"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetRoom* Room = nullptr;
				if (!OpenSession() || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject(), &Room) == 0)
				{
					Scenario->Fail(TEXT("no scripted room"));
					return;
				}
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetUpdateStateAction* Node = URealtimeNetUpdateStateAction::UpdateState(World(), Room, Json(TEXT("{\"score\":5}")));
				Listener->Listen(Node);
				Node->Activate();
				Node->Cancel();
				Gateway->Reply(Id, rtnet::Value::MakeObject({{"room", "lobby"}, {"version", 2}}));
			}, Nothing, 0.8);
		});
	});

	Describe(TEXT("Set Presence"), [this]()
	{
		LatentIt(TEXT("succeeds once with the player's presence"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetSetPresenceAction* Node = URealtimeNetSetPresenceAction::SetPresence(World(),
					ERealtimeNetPresenceStatus::Away, TEXT("{\"mode\":\"ranked\"}"));
				Listener->Listen(Node);
				Node->Activate();
				Gateway->Reply(Id, rtnet::Value::MakeObject({
					{"player_id", "scripted-player"}, {"status", "away"}, {"devices", 1},
					{"custom", rtnet::Value::MakeObject({{"mode", "ranked"}})},
				}));
			}, Success, 0.5, [this]()
			{
				TestTrue(TEXT("PlayerPresence as JSON"), Listener->LastResultJson.Contains(TEXT("\"status\":\"away\"")));
			});
		});

		LatentIt(TEXT("fails once when CustomJson is not JSON"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				URealtimeNetSetPresenceAction* Node = URealtimeNetSetPresenceAction::SetPresence(World(),
					ERealtimeNetPresenceStatus::Online, TEXT("{oops"));
				Listener->Listen(Node);
				Node->Activate();
			}, Failure, 0.5, [this]()
			{
				TestSameText(*this, TEXT("method"), Listener->LastError.Method, FString(TEXT("presence.set")));
			});
		});

		LatentIt(TEXT("fires nothing once cancelled, even when the answer arrives"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetSetPresenceAction* Node = URealtimeNetSetPresenceAction::SetPresence(World(),
					ERealtimeNetPresenceStatus::Online, FString());
				Listener->Listen(Node);
				Node->Activate();
				Node->Cancel();
				Gateway->Reply(Id, rtnet::Value::MakeObject({{"player_id", "scripted-player"}, {"status", "online"}, {"devices", 1}}));
			}, Nothing, 0.8);
		});
	});

	Describe(TEXT("generated Sys Echo"), [this]()
	{
		LatentIt(TEXT("succeeds once with the typed result"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				FRealtimeNetSysEchoParams Params;
				Params.DataJson = TEXT("{\"n\":9007199254740993}");
				URealtimeNetSysEchoAction* Node = URealtimeNetSysEchoAction::SysEcho(World(), Params, FRealtimeNetCallOptions());
				Listener->Listen(Node);
				Node->Activate();
				if (Node->GetCallId() == 0)
				{
					Scenario->Fail(TEXT("the generated node started no call"));
					return;
				}
				Gateway->Reply(Node->GetCallId(), rtnet::Value::MakeObject({{"data", rtnet::Value::MakeObject({{"n", 9007199254740993LL}})}}));
			}, Success, 0.5, [this]()
			{
				TestSameText(*this, TEXT("FRealtimeNetEcho::DataJson"), Listener->LastResultJson, FString(TEXT("{\"n\":9007199254740993}")));
			});
		});

		LatentIt(TEXT("fires nothing once cancelled, even when the answer arrives"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!Ready(Done)) return;
			RunNode(Done, [this]()
			{
				if (!OpenSession()) return;
				FRealtimeNetSysEchoParams Params;
				Params.DataJson = TEXT("1");
				URealtimeNetSysEchoAction* Node = URealtimeNetSysEchoAction::SysEcho(World(), Params, FRealtimeNetCallOptions());
				Listener->Listen(Node);
				Node->Activate();
				const int64 Id = Node->GetCallId();
				Node->Cancel();
				Gateway->Reply(Id, rtnet::Value::MakeObject({{"data", 1}}));
			}, Nothing, 0.8);
		});
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
