// RealtimeNet.TypedEvents: room events carry a type (protocol 1.1, room.publish's and room.event's optional `type`).
// Publish sends a Gameplay Tag's name as the type; a room's events carry the type back as a tag (when the project
// registers it) and as text (always); Wait For Room Event receives one type, its children unless Exact Match, once
// or every time, and ends with On Room Left. No server: frames are scripted into the client's core, and what the
// client sends is read from the core's trace hook (FRealtimeNetScriptedGateway::CaptureSent).
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Engine/World.h"

#include "rtnet/Value.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetDataLibrary.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetRoomActions.h"
#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestListener.h"
#include "RealtimeNetTestScenario.h"
#include "RealtimeNetTestTags.h"

BEGIN_DEFINE_SPEC(FRealtimeNetTypedEventsSpec, "RealtimeNet.TypedEvents", REALTIMENET_SPEC_FLAGS)

	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<FRealtimeNetTestInstance> Instance;
	TUniquePtr<FRealtimeNetScriptedGateway> Gateway;
	TArray<URealtimeNetTestListener*> Listeners;
	TSharedPtr<FRealtimeNetScenario> Scenario;
	URealtimeNetRoom* Lobby = nullptr;

	URealtimeNetTestListener* NewListener()
	{
		URealtimeNetTestListener* Listener = NewObject<URealtimeNetTestListener>();
		Listener->AddToRoot();
		Listeners.Add(Listener);
		return Listener;
	}

	/** A game instance, a scripted session in "lobby" (its room object in Lobby), and the scenario. */
	bool StartInLobby(const FDoneDelegate& Done)
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		if (!TestNotNull(TEXT("URealtimeNetClient"), Instance->GetClient()) || !TestNotNull(TEXT("world"), Instance->GetWorld()))
		{
			Done.Execute();
			return false;
		}
		Gateway = MakeUnique<FRealtimeNetScriptedGateway>(*Instance->GetClient());
		FString Error;
		if (!Gateway->Open(Error) || Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject(), &Lobby) == 0 || Lobby == nullptr)
		{
			AddError(Error.IsEmpty() ? FString(TEXT("join refused")) : Error);
			Done.Execute();
			return false;
		}
		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		return true;
	}

	/** A Wait For Room Event node on Lobby, activated, heard by a listener of its own. */
	URealtimeNetTestListener* Wait(FGameplayTag Type, bool bExact, bool bOnce)
	{
		URealtimeNetTestListener* Listener = NewListener();
		URealtimeNetWaitForRoomEventAction* Node =
			URealtimeNetWaitForRoomEventAction::WaitForRoomEvent(Instance->GetWorld(), Lobby, Type, bExact, bOnce);
		Listener->Listen(Node);
		Node->Activate();
		return Listener;
	}

	/** The TypeName of each event a listener's wait node got, "-" for none. */
	static FString TypesOf(const URealtimeNetTestListener* Listener)
	{
		TArray<FString> Types;
		for (const FRealtimeNetRoomEvent& Event : Listener->Waited)
		{
			Types.Add(Event.TypeName.IsEmpty() ? FString(TEXT("-")) : Event.TypeName);
		}
		return FString::Join(Types, TEXT(", "));
	}

	/** The scripted events every wait spec uses: untyped, Score, Match, Match.Started, an unregistered type, Match.Started. */
	void ScriptEvents()
	{
		Gateway->RoomEvent(TEXT("lobby"), 1, "p2", rtnet::Value(1));
		Gateway->RoomEvent(TEXT("lobby"), 2, "p2", rtnet::Value(2), "RealtimeNetTest.Score");
		Gateway->RoomEvent(TEXT("lobby"), 3, "p2", rtnet::Value(3), "RealtimeNetTest.Match");
		Gateway->RoomEvent(TEXT("lobby"), 4, "p2", rtnet::Value::MakeObject({{"round", 1}}), "RealtimeNetTest.Match.Started");
		Gateway->RoomEvent(TEXT("lobby"), 5, "p2", rtnet::Value(5), "Unregistered.Thing");
		Gateway->RoomEvent(TEXT("lobby"), 6, "p2", rtnet::Value::MakeObject({{"round", 2}}), "RealtimeNetTest.Match.Started");
	}

END_DEFINE_SPEC(FRealtimeNetTypedEventsSpec)

void FRealtimeNetTypedEventsSpec::Define()
{
	BeforeEach([this]()
	{
		Settings = MakeUnique<FRealtimeNetTestSettings>();
		(*Settings)->CallTimeout = 2.f;
		(*Settings)->ConnectTimeout = 1.f;
		(*Settings)->BackoffBase = 30.f;
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
		for (URealtimeNetTestListener* Listener : Listeners)
		{
			Listener->RemoveFromRoot();
		}
		Listeners.Reset();
		Settings.Reset();
	});

	Describe(TEXT("Publish"), [this]()
	{
		LatentIt(TEXT("sends the tag's name as the event's type, and no type for an empty tag"), FTimespan::FromSeconds(20),
			[this](const FDoneDelegate& Done)
		{
			if (!StartInLobby(Done))
			{
				return;
			}
			URealtimeNetTestListener* Pins = NewListener();
			TSharedRef<int64> First = MakeShared<int64>(0);
			Scenario->Then(TEXT("publish a typed and an untyped event"), [this, Pins, First]()
			{
				Gateway->CaptureSent();
				FJsonObjectWrapper Data = URealtimeNetDataLibrary::MakeJson();
				FJsonObjectWrapper WithRound;
				URealtimeNetDataLibrary::SetAt(Data, TEXT("round"), rtnet::Value(3), WithRound);
				*First = Gateway->PeekNextCallId();
				URealtimeNetPublishAction* Typed = URealtimeNetPublishAction::Publish(Instance->GetWorld(), Lobby,
					RealtimeNetTestTags::MatchStarted, WithRound);
				Pins->Listen(Typed);
				Typed->Activate();
				URealtimeNetPublishAction* Untyped = URealtimeNetPublishAction::Publish(Instance->GetWorld(), Lobby,
					FGameplayTag(), Data);
				Pins->Listen(Untyped);
				Untyped->Activate();
				Gateway->SendNow();  // in this step, while the scripted connection is still up
				for (int64 Id = *First; Id <= *First + 1; ++Id)
				{
					Gateway->Reply(Id, rtnet::Value::MakeObject({{"stream", "room:lobby"}, {"epoch", "e1"}, {"offset", Id}}));
				}
			})
			.WaitUntil(TEXT("both nodes end"), [Pins]() { return Pins->Pins.Num() >= 2; })
			.Then(TEXT("check what went on the wire"), [this, Pins]()
			{
				TestSameText(*this, TEXT("pins"), FString::Join(Pins->Pins, TEXT(", ")), TEXT("success, success"));
				const TArray<rtnet::Value> Sent = Gateway->SentParams("room.publish");
				if (!TestEqual(TEXT("two room.publish sent"), Sent.Num(), 2))
				{
					return;
				}
				const std::string* Type = Sent[0].FindString("type");
				TestTrue(*FString::Printf(TEXT("the first is typed: %s"), *FRealtimeNetJson::Write(Sent[0])),
					Type != nullptr && *Type == "RealtimeNetTest.Match.Started");
				const rtnet::Value* Round = Sent[0].Find("data") != nullptr ? Sent[0].Find("data")->Find("round") : nullptr;
				TestTrue(TEXT("with its data"), Round != nullptr && Round->IsInt() && *Round->AsInt() == 3);
				TestNull(*FString::Printf(TEXT("the second has no type: %s"), *FRealtimeNetJson::Write(Sent[1])), Sent[1].Find("type"));
			});
			Scenario->Start();
		});
	});

	Describe(TEXT("receiving"), [this]()
	{
		LatentIt(TEXT("a room's events carry their type as a tag when the project registers it, and as text always"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!StartInLobby(Done))
			{
				return;
			}
			TSharedRef<URealtimeNetTestListener*> All = MakeShared<URealtimeNetTestListener*>(nullptr);
			Scenario->Then(TEXT("wait for everything; script six events"), [this, All]()
			{
				*All = Wait(FGameplayTag(), false, false);
				(*All)->WatchRoom(Lobby);
				ScriptEvents();
			})
			.WaitUntil(TEXT("the six arrive"), [All]() { return (*All)->Waited.Num() >= 6; })
			.Then(TEXT("check"), [this, All]()
			{
				const TArray<FRealtimeNetRoomEvent>& Events = (*All)->Waited;
				TestSameText(*this, TEXT("an empty type waits for every event, in order"), TypesOf(*All),
					TEXT("-, RealtimeNetTest.Score, RealtimeNetTest.Match, RealtimeNetTest.Match.Started, Unregistered.Thing, RealtimeNetTest.Match.Started"));
				TestFalse(TEXT("untyped: no tag"), Events[0].Type.IsValid());
				TestTrue(TEXT("registered: the tag"), Events[3].Type == RealtimeNetTestTags::MatchStarted.GetTag());
				TestFalse(TEXT("unregistered: no tag"), Events[4].Type.IsValid());
				TestSameText(*this, TEXT("but its name"), Events[4].TypeName, TEXT("Unregistered.Thing"));
				int64 Round = 0;
				TestTrue(TEXT("the data, read by path"), URealtimeNetDataLibrary::GetJsonInteger(Events[5].Data, TEXT("round"), Round) && Round == 2);
				TestEqual(TEXT("offset"), Events[5].Offset, static_cast<int64>(6));
				// The room's own On Event saw the same six, with the same types.
				TArray<FString> RoomTypes;
				for (const FRealtimeNetHeard& Item : (*All)->Of(TEXT("event"), true))
				{
					RoomTypes.Add(Item.Type.IsEmpty() ? FString(TEXT("-")) : Item.Type);
				}
				TestSameText(*this, TEXT("On Event agrees"), FString::Join(RoomTypes, TEXT(", ")), TypesOf(*All));
			});
			Scenario->Start();
		});

		LatentIt(TEXT("Wait For Room Event: a parent tag gets its children, Exact Match only itself, Only Once the first"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!StartInLobby(Done))
			{
				return;
			}
			TSharedRef<TArray<URealtimeNetTestListener*>> Waits = MakeShared<TArray<URealtimeNetTestListener*>>();
			Scenario->Then(TEXT("four waits; script six events"), [this, Waits]()
			{
				Waits->Add(Wait(RealtimeNetTestTags::Match, false, false));
				Waits->Add(Wait(RealtimeNetTestTags::Match, true, false));
				Waits->Add(Wait(RealtimeNetTestTags::MatchStarted, false, true));
				Waits->Add(Wait(RealtimeNetTestTags::Score, false, false));
				ScriptEvents();
			})
			.WaitUntil(TEXT("the parent's wait has its three"), [Waits]() { return (*Waits)[0]->Waited.Num() >= 3; })
			.Wait(TEXT("nothing more"), 0.3)
			.Then(TEXT("check"), [this, Waits]()
			{
				TestSameText(*this, TEXT("Match: itself and its children"), TypesOf((*Waits)[0]),
					TEXT("RealtimeNetTest.Match, RealtimeNetTest.Match.Started, RealtimeNetTest.Match.Started"));
				TestSameText(*this, TEXT("Match, Exact Match"), TypesOf((*Waits)[1]), TEXT("RealtimeNetTest.Match"));
				TestSameText(*this, TEXT("Match.Started, Only Once"), TypesOf((*Waits)[2]), TEXT("RealtimeNetTest.Match.Started"));
				int64 Round = 0;
				TestTrue(TEXT("the first of the two"), (*Waits)[2]->Waited.Num() == 1
					&& URealtimeNetDataLibrary::GetJsonInteger((*Waits)[2]->Waited[0].Data, TEXT("round"), Round) && Round == 1);
				TestSameText(*this, TEXT("Score"), TypesOf((*Waits)[3]), TEXT("RealtimeNetTest.Score"));
			});
			Scenario->Start();
		});

		LatentIt(TEXT("Wait For Room Event ends with On Room Left when the room goes, and hears nothing after"),
			FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
		{
			if (!StartInLobby(Done))
			{
				return;
			}
			TSharedRef<URealtimeNetTestListener*> Waiting = MakeShared<URealtimeNetTestListener*>(nullptr);
			Scenario->Then(TEXT("wait for Match; the client disconnects"), [this, Waiting]()
			{
				*Waiting = Wait(RealtimeNetTestTags::Match, false, false);
				Instance->GetClient()->Disconnect();
			})
			.WaitUntil(TEXT("On Room Left"), [Waiting]() { return (*Waiting)->WaitedLeft > 0; })
			.Wait(TEXT("nothing more"), 0.3)
			.Then(TEXT("check"), [this, Waiting]()
			{
				TestEqual(TEXT("On Room Left once"), (*Waiting)->WaitedLeft, 1);
				TestEqual(TEXT("no event"), (*Waiting)->Waited.Num(), 0);
			});
			Scenario->Start();
		});
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
