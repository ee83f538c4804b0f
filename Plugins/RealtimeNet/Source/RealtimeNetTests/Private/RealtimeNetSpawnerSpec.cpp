// RealtimeNet.Spawner: the entity spawner component shows a room's entities in a world. It watches a collection of
// the room's state (the core's collection watch decides what was added, changed or removed), spawns an actor of its
// class per entry where the entry is (skipping the local player's own), binds the actor's RealtimeNet Movement to the
// entry so it follows it, and destroys the actor when the entry goes or spawning stops. The world is the test game
// instance's; the room is scripted (FRealtimeNetScriptedGateway).
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Engine/EngineBaseTypes.h"
#include "Engine/World.h"
#include "GameFramework/Actor.h"

#include "rtnet/Value.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetEntitySpawnerComponent.h"
#include "RealtimeNetMovementComponent.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestScenario.h"
#include "RealtimeNetTestTypes.h"

BEGIN_DEFINE_SPEC(FRealtimeNetSpawnerSpec, "RealtimeNet.Spawner", REALTIMENET_SPEC_FLAGS)

	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<FRealtimeNetTestInstance> Instance;
	TUniquePtr<FRealtimeNetScriptedGateway> Gateway;
	TSharedPtr<FRealtimeNetScenario> Scenario;
	URealtimeNetRoom* Lobby = nullptr;
	TWeakObjectPtr<AActor> Host;
	URealtimeNetEntitySpawnerComponent* Spawner = nullptr;

	/** A game instance, a scripted session as "me" in "lobby" holding Players, and a spawner on an actor of the world. */
	bool Begin(const FDoneDelegate& Done, const rtnet::Value& Players)
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		UWorld* World = Instance->GetWorld();
		if (!TestNotNull(TEXT("client"), Instance->GetClient()) || !TestNotNull(TEXT("world"), World))
		{
			Done.Execute();
			return false;
		}
		Gateway = MakeUnique<FRealtimeNetScriptedGateway>(*Instance->GetClient());
		FString Error;
		if (!Gateway->Open(Error, TEXT("me"))
			|| Gateway->JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject({{"players", Players}}), &Lobby) == 0 || Lobby == nullptr)
		{
			AddError(Error.IsEmpty() ? FString(TEXT("join refused")) : Error);
			Done.Execute();
			return false;
		}
		AActor* Owner = World->SpawnActor<AActor>();
		if (!TestNotNull(TEXT("an actor to hold the spawner"), Owner))
		{
			Done.Execute();
			return false;
		}
		Host = Owner;
		Spawner = NewObject<URealtimeNetEntitySpawnerComponent>(Owner, TEXT("Spawner"));
		Owner->AddInstanceComponent(Spawner);
		Spawner->RegisterComponent();
		Spawner->ActorClass = ARealtimeNetTestEntity::StaticClass();
		Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
		return true;
	}

	/** "key@x" for every actor the spawner holds, by key. */
	FString Actors() const
	{
		TArray<FString> Lines;
		for (const TPair<FString, AActor*>& Entry : Spawner->GetActors())
		{
			const FVector Location = Entry.Value != nullptr ? Entry.Value->GetActorLocation() : FVector::ZeroVector;
			Lines.Add(FString::Printf(TEXT("%s@%.0f"), *Entry.Key, Location.X));
		}
		Lines.Sort();
		return FString::Join(Lines, TEXT(", "));
	}

	static rtnet::Value At(double X, double Y = 0.0)
	{
		return rtnet::Value::MakeObject({{"x", X}, {"y", Y}, {"z", 0.0}});
	}

END_DEFINE_SPEC(FRealtimeNetSpawnerSpec)

void FRealtimeNetSpawnerSpec::Define()
{
	BeforeEach([this]()
	{
		Settings = MakeUnique<FRealtimeNetTestSettings>();
		(*Settings)->BackoffBase = 30.f;  // the scripted socket's loss leaves the client waiting
		(*Settings)->BackoffCap = 30.f;
	});

	AfterEach([this]()
	{
		if (Scenario.IsValid())
		{
			Scenario->Stop();
			Scenario.Reset();
		}
		if (Spawner != nullptr && IsValid(Spawner))
		{
			Spawner->StopSpawning();
		}
		if (AActor* Owner = Host.Get())
		{
			Owner->Destroy();
		}
		Spawner = nullptr;
		Host.Reset();
		Gateway.Reset();
		Lobby = nullptr;
		Instance.Reset();
		Settings.Reset();
	});

	LatentIt(TEXT("spawns an actor per entity where it is, skips the local player, binds its movement, and removes it when the entity goes"),
		FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
	{
		if (!Begin(Done, rtnet::Value::MakeObject({{"p1", At(0.0)}, {"p2", At(100.0)}, {"me", At(50.0)}})))
		{
			return;
		}
		TSharedRef<TWeakObjectPtr<AActor>> Second = MakeShared<TWeakObjectPtr<AActor>>();
		Scenario->Then(TEXT("start spawning the room's players"), [this]()
		{
			Spawner->StartSpawning(Lobby, TEXT("players"));
		})
		.WaitUntil(TEXT("the two other players have actors"), [this]() { return Spawner->GetActors().Num() >= 2; })
		.Then(TEXT("check them; p2 leaves, p3 arrives, p1 moves"), [this, Second]()
		{
			TestSameText(*this, TEXT("actors where the entities are, none for the local player"), Actors(), TEXT("p1@0, p2@100"));
			AActor* First = Spawner->FindActor(TEXT("p1"));
			TestTrue(TEXT("of the spawner's class"), First != nullptr && First->IsA<ARealtimeNetTestEntity>());
			const ARealtimeNetTestEntity* Entity = Cast<ARealtimeNetTestEntity>(First);
			if (TestNotNull(TEXT("an entity actor"), Entity) && TestNotNull(TEXT("its movement component"), Entity->Movement.Get()))
			{
				TestTrue(TEXT("bound to the room"), Entity->Movement->GetBoundRoom() == Lobby);
				TestSameText(*this, TEXT("at the entity's path"), Entity->Movement->StatePath, TEXT("players/p1"));
				TestTrue(TEXT("following (not this machine's pawn)"), Entity->Movement->GetMovementRole() == ERealtimeNetMovementRole::Follow);
			}
			*Second = Spawner->FindActor(TEXT("p2"));
			Gateway->StateDelta(TEXT("lobby"), 1, 2, rtnet::Value::MakeObject({{"players", rtnet::Value::MakeObject({
				{"p2", nullptr}, {"p3", At(300.0)}, {"p1", rtnet::Value::MakeObject({{"x", 40.0}})}})}}));
		})
		.WaitUntil(TEXT("p3 has an actor"), [this]() { return Spawner->FindActor(TEXT("p3")) != nullptr; })
		.Wait(TEXT("past the render delay"), 0.3)
		.Then(TEXT("check"), [this, Second]()
		{
			TestNull(TEXT("p2's actor is gone from the spawner"), Spawner->FindActor(TEXT("p2")));
			TestFalse(TEXT("and destroyed"), Second->IsValid());
			const AActor* Third = Spawner->FindActor(TEXT("p3"));
			TestTrue(TEXT("p3 spawned where it is"), Third != nullptr && FMath::IsNearlyEqual(Third->GetActorLocation().X, 300.0, 0.01));
			ARealtimeNetTestEntity* First = Cast<ARealtimeNetTestEntity>(Spawner->FindActor(TEXT("p1")));
			if (TestNotNull(TEXT("p1 still has its actor"), First))
			{
				// One frame of the movement component (the test world does not tick): it follows p1 to x = 40, or a
				// little past it (rtnet::Interpolator extrapolates up to Max Extrapolation beyond the newest sample).
				First->Movement->TickComponent(0.1f, LEVELTICK_All, nullptr);
				const double X = First->GetActorLocation().X;
				TestTrue(*FString::Printf(TEXT("p1's actor followed its entity (x = %.1f)"), X), X >= 39.0);
				TestTrue(TEXT("and has a velocity for animation"), First->Movement->Velocity.X > 0.0);
			}
		});
		Scenario->Start();
	});

	LatentIt(TEXT("Stop Spawning destroys every actor it spawned, and a room that is left takes its actors with it"),
		FTimespan::FromSeconds(20), [this](const FDoneDelegate& Done)
	{
		if (!Begin(Done, rtnet::Value::MakeObject({{"p1", At(0.0)}, {"p2", At(10.0)}})))
		{
			return;
		}
		TSharedRef<TArray<TWeakObjectPtr<AActor>>> Spawned = MakeShared<TArray<TWeakObjectPtr<AActor>>>();
		Scenario->Then(TEXT("start spawning"), [this]() { Spawner->StartSpawning(Lobby, TEXT("players")); })
			.WaitUntil(TEXT("two actors"), [this]() { return Spawner->GetActors().Num() == 2; })
			.Then(TEXT("stop"), [this, Spawned]()
			{
				for (const TPair<FString, AActor*>& Entry : Spawner->GetActors())
				{
					Spawned->Add(Entry.Value);
				}
				Spawner->StopSpawning();
				TestEqual(TEXT("none held"), Spawner->GetActors().Num(), 0);
				for (const TWeakObjectPtr<AActor>& Actor : *Spawned)
				{
					TestFalse(TEXT("destroyed"), Actor.IsValid());
				}
				Spawned->Reset();
				Spawner->StartSpawning(Lobby, TEXT("players"));  // again: the entries there now come back
			})
			.WaitUntil(TEXT("two actors again"), [this]() { return Spawner->GetActors().Num() == 2; })
			.Then(TEXT("the client disconnects: the room is left"), [this, Spawned]()
			{
				for (const TPair<FString, AActor*>& Entry : Spawner->GetActors())
				{
					Spawned->Add(Entry.Value);
				}
				Instance->GetClient()->Disconnect();
			})
			.WaitUntil(TEXT("the actors go with the room"), [this]() { return Spawner->GetActors().Num() == 0; })
			.Then(TEXT("check"), [this, Spawned]()
			{
				for (const TWeakObjectPtr<AActor>& Actor : *Spawned)
				{
					TestFalse(TEXT("destroyed"), Actor.IsValid());
				}
			});
		Scenario->Start();
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
