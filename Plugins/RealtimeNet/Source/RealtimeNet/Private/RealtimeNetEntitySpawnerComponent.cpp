#include "RealtimeNetEntitySpawnerComponent.h"

#include "Engine/World.h"
#include "GameFramework/Actor.h"

#include <optional>

#include "rtnet/Path.h"
#include "rtnet/Pose.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetCollectionWatch.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetModule.h"
#include "RealtimeNetMovementComponent.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetSubsystem.h"

URealtimeNetEntitySpawnerComponent::URealtimeNetEntitySpawnerComponent()
{
	// Ticks only to find RoomName once it is joined.
	PrimaryComponentTick.bCanEverTick = true;
	PrimaryComponentTick.bStartWithTickEnabled = true;
	PrimaryComponentTick.TickInterval = 0.1f;
}

void URealtimeNetEntitySpawnerComponent::TickComponent(float DeltaTime, ELevelTick TickType,
	FActorComponentTickFunction* ThisTickFunction)
{
	Super::TickComponent(DeltaTime, TickType, ThisTickFunction);
	if (Watch != nullptr || RoomName.IsEmpty())
	{
		return;
	}
	const URealtimeNetClient* Client = URealtimeNetSubsystem::GetClientFor(this);
	URealtimeNetRoom* Room = Client != nullptr ? Client->FindRoom(RoomName) : nullptr;
	if (Room != nullptr && Room->IsJoined())
	{
		StartSpawning(Room, CollectionPath);
	}
}

void URealtimeNetEntitySpawnerComponent::EndPlay(const EEndPlayReason::Type EndPlayReason)
{
	StopSpawning(/*bKeepActors*/ EndPlayReason == EEndPlayReason::EndPlayInEditor || EndPlayReason == EEndPlayReason::Quit);
	Super::EndPlay(EndPlayReason);
}

void URealtimeNetEntitySpawnerComponent::StartSpawning(URealtimeNetRoom* Room, const FString& Path)
{
	StopSpawning();
	if (Room == nullptr)
	{
		return;
	}
	CollectionPath = Path;
	SpawningRoom = Room;
	SpawningPath = Path;
	Watch = Room->WatchCollection(Path);
	EntryHandle = Watch->OnEntryNative.AddUObject(this, &URealtimeNetEntitySpawnerComponent::HandleEntry);
}

void URealtimeNetEntitySpawnerComponent::StopSpawning(bool bKeepActors)
{
	if (Watch != nullptr)
	{
		Watch->OnEntryNative.Remove(EntryHandle);
		Watch->Stop();
	}
	Watch = nullptr;
	EntryHandle.Reset();
	SpawningRoom.Reset();
	if (!bKeepActors)
	{
		for (const TPair<FString, TObjectPtr<AActor>>& Entry : Spawned)
		{
			if (AActor* Actor = Entry.Value.Get())
			{
				Actor->Destroy();
			}
		}
	}
	Spawned.Empty();
}

AActor* URealtimeNetEntitySpawnerComponent::FindActor(const FString& Key) const
{
	const TObjectPtr<AActor>* Found = Spawned.Find(Key);
	return Found != nullptr ? Found->Get() : nullptr;
}

TMap<FString, AActor*> URealtimeNetEntitySpawnerComponent::GetActors() const
{
	TMap<FString, AActor*> Result;
	for (const TPair<FString, TObjectPtr<AActor>>& Entry : Spawned)
	{
		Result.Add(Entry.Key, Entry.Value.Get());
	}
	return Result;
}

TSubclassOf<AActor> URealtimeNetEntitySpawnerComponent::ChooseActorClass_Implementation(const FString& /*Key*/,
	const FJsonObjectWrapper& /*Value*/)
{
	return ActorClass;
}

void URealtimeNetEntitySpawnerComponent::HandleEntry(ERealtimeNetCollectionChange Change, const FString& Key,
	const FJsonObjectWrapper& Value)
{
	switch (Change)
	{
	case ERealtimeNetCollectionChange::Added:
		Spawn(Key, Value);
		return;
	case ERealtimeNetCollectionChange::Changed:
		if (AActor* Actor = FindActor(Key))
		{
			OnEntityChanged.Broadcast(Key, Actor, Value);
		}
		else
		{
			Spawn(Key, Value);  // skipped or refused before, maybe not now (Choose Actor Class decides again)
		}
		return;
	case ERealtimeNetCollectionChange::Removed:
		Remove(Key, Value);
		return;
	}
}

void URealtimeNetEntitySpawnerComponent::Spawn(const FString& Key, const FJsonObjectWrapper& Value)
{
	URealtimeNetRoom* Room = SpawningRoom.Get();
	const URealtimeNetClient* Client = Room != nullptr ? Room->GetClient() : nullptr;
	UWorld* World = GetWorld();
	if (Room == nullptr || World == nullptr || FindActor(Key) != nullptr)
	{
		return;
	}
	if (bSkipLocalPlayer && Client != nullptr && Key == Client->GetPlayerId())
	{
		return;
	}
	const TSubclassOf<AActor> Class = ChooseActorClass(Key, Value);
	if (Class.Get() == nullptr)
	{
		return;
	}
	// Where the entity is now: the core reads its pose as the movement component will.
	FTransform Where = GetOwner() != nullptr ? GetOwner()->GetActorTransform() : FTransform::Identity;
	rtnet::Value Entity;
	if (FRealtimeNetJson::FromWrapper(Value, Entity))
	{
		const std::optional<rtnet::PoseReading> Reading = rtnet::ReadPose(Entity, rtnet::Path(), rtnet::PoseFields{}, StateScale);
		if (Reading.has_value())
		{
			Where.SetLocation(FVector(Reading->pose.x, Reading->pose.y, Reading->pose.z));
			if (Reading->has_yaw)
			{
				Where.SetRotation(FRotator(0.0, Reading->pose.yaw, 0.0).Quaternion());
			}
		}
	}
	AActor* Actor = World->SpawnActorDeferred<AActor>(Class.Get(), Where, GetOwner(), nullptr,
		ESpawnActorCollisionHandlingMethod::AlwaysSpawn);
	if (Actor == nullptr)
	{
		UE_LOG(LogRealtimeNet, Warning, TEXT("Entity spawner: could not spawn %s for %s"), *Class->GetName(), *Key);
		return;
	}
	Actor->FinishSpawning(Where);
	// Bound once the actor has begun play (its components registered): it moves with its entry from now on.
	if (URealtimeNetMovementComponent* Movement = Actor->FindComponentByClass<URealtimeNetMovementComponent>())
	{
		const std::optional<rtnet::Path> Collection = rtnet::Path::Parse(FRealtimeNetJson::ToStd(SpawningPath));
		if (Collection.has_value())
		{
			Movement->StateScale = StateScale;
			Movement->BindToState(Room, FRealtimeNetJson::ToUnreal(Collection->Child(FRealtimeNetJson::ToStd(Key)).ToString()));
		}
	}
	Spawned.Add(Key, Actor);
	OnEntitySpawned.Broadcast(Key, Actor, Value);
}

void URealtimeNetEntitySpawnerComponent::Remove(const FString& Key, const FJsonObjectWrapper& Value)
{
	TObjectPtr<AActor> Actor;
	if (!Spawned.RemoveAndCopyValue(Key, Actor) || Actor == nullptr)
	{
		return;
	}
	OnEntityRemoved.Broadcast(Key, Actor, Value);
	Actor->Destroy();
}
