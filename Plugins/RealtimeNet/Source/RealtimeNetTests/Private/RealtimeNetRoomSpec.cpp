// RealtimeNet.Room: the room object Join Room gives. It reads its state by path in one node per type; its events
// (On Event, On State Changed, On Presence Changed, On Resynced, On Left) arrive for that room only, in the order
// the gateway sent them; Leave and Disconnect end it with On Left once, after which it holds no state. No
// server: the gateway's frames are scripted into the client's core (FRealtimeNetScriptedGateway).
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Engine/World.h"

#include "rtnet/Value.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetDataLibrary.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetRoomActions.h"
#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestListener.h"
#include "RealtimeNetTestScenario.h"

BEGIN_DEFINE_SPEC(FRealtimeNetRoomSpec, "RealtimeNet.Room", REALTIMENET_SPEC_FLAGS)

	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<FRealtimeNetTestInstance> Instance;
	TUniquePtr<FRealtimeNetScriptedGateway> Gateway;
	URealtimeNetTestListener* Listener = nullptr;
	TSharedPtr<FRealtimeNetScenario> Scenario;
	URealtimeNetRoom* Lobby = nullptr;

	bool Begin()
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		if (!TestNotNull(TEXT("URealtimeNetClient"), Instance->GetClient()) || !TestNotNull(TEXT("world"), Instance->GetWorld()))
		{
			return false;
		}
		Listener = NewObject<URealtimeNetTestListener>();
		Listener->AddToRoot();
		Gateway = MakeUnique<FRealtimeNetScriptedGateway>(*Instance->GetClient());
		return true;
	}

	URealtimeNetClient* Client() const { return Instance->GetClient(); }

	/** A scripted session in room "lobby" holding Document at version 1; Lobby is its room object, listened to. */
	bool JoinLobby(const rtnet::Value& Document)
	{
		FString Error;
		if (!Gateway->Open(Error))
		{
			AddError(Error);
			return false;
		}
		if (Gateway->JoinRoom(TEXT("lobby"), 1, Document, &Lobby) == 0 || !TestNotNull(TEXT("the room object"), Lobby))
		{
			return false;
		}
		Listener->WatchRoom(Lobby);
		return true;
	}

	/** The scenario, started with a scripted join of "lobby"; false (and Done) when that failed. */
	bool StartInLobby(const FDoneDelegate& Done, const rtnet::Value& Document)
	{
		if (!Begin() || !JoinLobby(Document))
		{
			Done.Execute();
			return false;
		}
		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		return true;
	}

END_DEFINE_SPEC(FRealtimeNetRoomSpec)

void FRealtimeNetRoomSpec::Define()
{
	BeforeEach([this]()
	{
		Settings = MakeUnique<FRealtimeNetTestSettings>();
		(*Settings)->CallTimeout = 2.f;
		(*Settings)->ConnectTimeout = 1.f;
		(*Settings)->BackoffBase = 30.f;  // the scripted socket's loss leaves the client waiting, not reconnecting
		(*Settings)->BackoffCap = 30.f;
	});

	AfterEach([this]()
	{
		if (Scenario.IsValid())
		{
			Scenario->Stop();
			Scenario.Reset();
		}
		Gateway.Reset();
		Lobby = nullptr;
		Instance.Reset();
		if (Listener != nullptr)
		{
			Listener->RemoveFromRoot();
			Listener = nullptr;
		}
		Settings.Reset();
	});

	Describe(TEXT("state by path"), [this]()
	{
		It(TEXT("one node per type reads a field anywhere in the state: number, integer, string, bool, vector, keys, subtree"), [this]()
		{
			if (!Begin())
			{
				return;
			}
			const rtnet::Value Document = rtnet::Value::MakeObject({
				{"players", rtnet::Value::MakeObject({
					{"p1", rtnet::Value::MakeObject({{"hp", 75}, {"name", "Ann"}, {"alive", true},
						{"pos", rtnet::Value::MakeObject({{"x", 1.5}, {"y", 2}, {"z", 3}})}})},
					{"p2", rtnet::Value::MakeObject({{"hp", 40}, {"pos", rtnet::Value::Array{4, 5, 6}}})},
				})},
				{"big", 9007199254740993LL},
				{"round", 2.5},
			});
			if (!JoinLobby(Document))
			{
				return;
			}
			Client()->Pump();  // the client's next frame: the room object hears it is joined
			double Hp = 0.0;
			TestTrue(TEXT("Get State Number players/p1/hp"), Lobby->GetStateNumber(TEXT("players/p1/hp"), Hp) && Hp == 75.0);
			double Round = 0.0;
			TestTrue(TEXT("Get State Number round"), Lobby->GetStateNumber(TEXT("round"), Round) && Round == 2.5);
			int64 Big = 0;
			TestTrue(TEXT("Get State Integer big, exact beyond 2^53"), Lobby->GetStateInteger(TEXT("big"), Big) && Big == 9007199254740993LL);
			int64 NotInteger = 0;
			TestFalse(TEXT("Get State Integer on 2.5 is false"), Lobby->GetStateInteger(TEXT("round"), NotInteger));
			FString Name;
			TestTrue(TEXT("Get State String"), Lobby->GetStateString(TEXT("players/p1/name"), Name));
			TestSameText(*this, TEXT("name"), Name, TEXT("Ann"));
			bool bAlive = false;
			TestTrue(TEXT("Get State Bool"), Lobby->GetStateBool(TEXT("players/p1/alive"), bAlive) && bAlive);
			FVector Position = FVector::ZeroVector;
			TestTrue(TEXT("Get State Vector from {x, y, z}"), Lobby->GetStateVector(TEXT("players/p1/pos"), Position)
				&& Position.Equals(FVector(1.5, 2.0, 3.0)));
			TestTrue(TEXT("Get State Vector from [x, y, z]"), Lobby->GetStateVector(TEXT("players/p2/pos"), Position)
				&& Position.Equals(FVector(4.0, 5.0, 6.0)));
			TArray<FString> Keys;
			TestTrue(TEXT("Get State Keys players"), Lobby->GetStateKeys(TEXT("players"), Keys));
			TestSameText(*this, TEXT("keys"), FString::Join(Keys, TEXT(",")), TEXT("p1,p2"));
			FJsonObjectWrapper Subtree;
			TestTrue(TEXT("Get State Json players/p2"), Lobby->GetStateJson(TEXT("players/p2"), Subtree));
			TestSameText(*this, TEXT("the subtree"), URealtimeNetDataLibrary::JsonToText(Subtree), TEXT("{\"hp\":40,\"pos\":[4,5,6]}"));

			FString Missing;
			TestFalse(TEXT("an absent path is false"), Lobby->GetStateString(TEXT("players/p9/name"), Missing));
			TestFalse(TEXT("a value of another type is false"), Lobby->GetStateString(TEXT("players/p1/hp"), Missing));
			TestFalse(TEXT("a path that does not parse is false"), Lobby->GetStateNumber(TEXT("players//hp"), Hp));
			TestEqual(TEXT("Get State Version"), Lobby->GetStateVersion(), static_cast<int64>(1));
		});
	});

	Describe(TEXT("events"), [this]()
	{
		LatentIt(TEXT("each room gets its own news only, in the order the gateway sent it"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!StartInLobby(Done, rtnet::Value::MakeObject({{"n", 0}})))
			{
				return;
			}
			Scenario->Then(TEXT("join arena too; interleave both rooms' news"), [this]()
			{
				URealtimeNetRoom* Arena = nullptr;
				if (Gateway->JoinRoom(TEXT("arena"), 7, rtnet::Value::MakeObject(), &Arena) == 0 || Arena == nullptr)
				{
					Scenario->Fail(TEXT("join arena refused"));
					return;
				}
				Listener->WatchRoom(Arena);
				Gateway->RoomEvent(TEXT("lobby"), 1, "p2", rtnet::Value(1));
				Gateway->StateDelta(TEXT("arena"), 7, 8, rtnet::Value::MakeObject({{"a", 1}}));
				Gateway->PresenceChanged(TEXT("lobby"), "join", TEXT("p3"), "online", 1);
				Gateway->RoomEvent(TEXT("arena"), 1, "p4", rtnet::Value(2));
				Gateway->StateDelta(TEXT("lobby"), 1, 2, rtnet::Value::MakeObject({{"n", 1}}));
				Gateway->RoomEvent(TEXT("lobby"), 2, "p2", rtnet::Value(3));
			})
			.WaitUntil(TEXT("the last lobby event is delivered"), [this]() { return Listener->EventData(TEXT("lobby")).Num() >= 2; })
			.Then(TEXT("check"), [this]()
			{
				TestSameText(*this, TEXT("lobby, in wire order"), FString::Join(Listener->Sequence(TEXT("lobby")), TEXT(", ")),
					TEXT("version 1, event 1, presence p3, version 2, event 2"));
				TestSameText(*this, TEXT("arena, in wire order"), FString::Join(Listener->Sequence(TEXT("arena")), TEXT(", ")),
					TEXT("version 7, version 8, event 1"));
				int64 N = 0;
				TestTrue(TEXT("the lobby's state followed its delta"), Lobby->GetStateInteger(TEXT("n"), N) && N == 1);
			});
			Scenario->Start();
		});

		LatentIt(TEXT("a state gap reloads the room's document, then On Resynced"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!StartInLobby(Done, rtnet::Value::MakeObject({{"n", 0}})))
			{
				return;
			}
			Scenario->Then(TEXT("a delta from version 5 (the room holds 1): the client asks for the document"), [this]()
			{
				const int64 SnapshotId = Gateway->PeekNextCallId();
				Gateway->StateDelta(TEXT("lobby"), 5, 6, rtnet::Value::MakeObject({{"n", 6}}));
				Gateway->Reply(SnapshotId, rtnet::Value::MakeObject({
					{"room", "lobby"}, {"version", 6}, {"document", rtnet::Value::MakeObject({{"n", 6}, {"fresh", true}})}}));
			})
			.WaitUntil(TEXT("On Resynced"), [this]() { return Listener->Count(TEXT("resynced"), TEXT("lobby")) > 0; })
			.Then(TEXT("check"), [this]()
			{
				TestEqual(TEXT("the reloaded version"), Lobby->GetStateVersion(), static_cast<int64>(6));
				bool bFresh = false;
				TestTrue(TEXT("the reloaded document"), Lobby->GetStateBool(TEXT("fresh"), bFresh) && bFresh);
				TestEqual(TEXT("On Resynced, dynamic and native"), Listener->Of(TEXT("resynced"), true).Num(),
					Listener->Of(TEXT("resynced"), false).Num());
				const TArray<FString> Sequence = Listener->Sequence(TEXT("lobby"));
				TestSameText(*this, TEXT("the new version before On Resynced"), FString::Join(Sequence, TEXT(", ")),
					TEXT("version 1, version 6, resynced"));
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("leaving"), [this]()
	{
		LatentIt(TEXT("Leave: On Left once, no longer joined, no state held, Find Room forgets it"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!StartInLobby(Done, rtnet::Value::MakeObject({{"score", 12}})))
			{
				return;
			}
			Scenario->Then(TEXT("Leave"), [this]()
			{
				const int64 Id = Gateway->PeekNextCallId();
				URealtimeNetLeaveRoomAction* Node = URealtimeNetLeaveRoomAction::Leave(Instance->GetWorld(), Lobby);
				Listener->Listen(Node);
				Node->Activate();
				Gateway->Reply(Id, rtnet::Value::MakeObject({{"room", "lobby"}}));
			})
			.WaitUntil(TEXT("the node ends"), [this]() { return Listener->Pins.Num() > 0; })
			.Wait(TEXT("nothing more"), 0.3)
			.Then(TEXT("check"), [this]()
			{
				TestSameText(*this, TEXT("pins"), FString::Join(Listener->Pins, TEXT(", ")), TEXT("success"));
				TestEqual(TEXT("On Left once (native)"), Listener->Count(TEXT("left"), TEXT("lobby")), 1);
				TestEqual(TEXT("On Left once (dynamic)"), Listener->Of(TEXT("left"), true).Num(), 1);
				TestFalse(TEXT("no longer joined"), Lobby->IsJoined());
				TestNull(TEXT("Find Room forgets it"), Client()->FindRoom(TEXT("lobby")));
				int64 Score = 0;
				TestFalse(TEXT("no state held once left"), Lobby->GetStateInteger(TEXT("score"), Score));
				TestEqual(TEXT("version 0 once left"), Lobby->GetStateVersion(), static_cast<int64>(0));
				const TArray<FString> Sequence = Listener->Sequence(TEXT("lobby"));
				TestTrue(TEXT("On Left is its last news"), Sequence.Num() > 0 && Sequence.Last() == TEXT("left"));
			});
			Scenario->Start();
		});

		LatentIt(TEXT("Disconnect: every room's On Left fires once, with the reason"), FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!StartInLobby(Done, rtnet::Value::MakeObject()))
			{
				return;
			}
			Scenario->Then(TEXT("join arena; disconnect"), [this]()
			{
				URealtimeNetRoom* Arena = nullptr;
				Gateway->JoinRoom(TEXT("arena"), 1, rtnet::Value::MakeObject(), &Arena);
				Listener->WatchRoom(Arena);
				Client()->Disconnect();
			})
			.WaitUntil(TEXT("both rooms are left"), [this]()
			{
				return Listener->Count(TEXT("left"), TEXT("lobby")) > 0 && Listener->Count(TEXT("left"), TEXT("arena")) > 0;
			})
			.Wait(TEXT("nothing more"), 0.3)
			.Then(TEXT("check"), [this]()
			{
				TestEqual(TEXT("lobby left once"), Listener->Count(TEXT("left"), TEXT("lobby")), 1);
				TestEqual(TEXT("arena left once"), Listener->Count(TEXT("left"), TEXT("arena")), 1);
				for (const FRealtimeNetHeard& Item : Listener->Of(TEXT("left"), false))
				{
					TestFalse(*FString::Printf(TEXT("%s: a reason"), *Item.Room), Item.Text.IsEmpty());
				}
				TestEqual(TEXT("no rooms held"), Client()->GetRooms().Num(), 0);
			});
			Scenario->Start();
		});
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
