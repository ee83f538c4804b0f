// Shows a room's entities in the world: watches a collection of the room's state ("players") and spawns an actor
// for every entry that appears (of ActorClass, or the class Choose Actor Class picks), binds the actor's
// RealtimeNet Movement component to the entry so it moves with it, and destroys the actor when the entry goes
// (or the room is left). The decisions (what was added, changed, removed) are the core's collection watch.
#pragma once

#include "CoreMinimal.h"
#include "Components/ActorComponent.h"
#include "JsonObjectWrapper.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetEntitySpawnerComponent.generated.h"

class URealtimeNetCollectionWatch;
class URealtimeNetRoom;

DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FOnRealtimeNetEntityActor, const FString&, Key, AActor*, Actor,
	const FJsonObjectWrapper&, Value);

UCLASS(ClassGroup = (RealtimeNet), meta = (BlueprintSpawnableComponent))
class REALTIMENET_API URealtimeNetEntitySpawnerComponent : public UActorComponent
{
	GENERATED_BODY()

public:
	URealtimeNetEntitySpawnerComponent();

	/** What to spawn per entity (Choose Actor Class can pick another per entity). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State")
	TSubclassOf<AActor> ActorClass;

	/** A room of the owner's RealtimeNet client to start spawning in by name once it is joined (instead of
	    Start Spawning). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State")
	FString RoomName;

	/** The collection in the room's state whose entries are the entities, e.g. "players". */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State")
	FString CollectionPath = TEXT("players");

	/** No actor for the entry whose key is this client's player id (the local pawn already exists). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State")
	bool bSkipLocalPlayer = true;

	/** World units per state unit of an entity's x, y, z (the spawn location). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State", AdvancedDisplay, meta = (ClampMin = "0.0001"))
	float StateScale = 1.f;

	/** Spawns and removes actors for the entries of the collection at Path in Room, starting with those there now. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|State", meta = (Keywords = "spawn entities players actors"))
	void StartSpawning(URealtimeNetRoom* Room, const FString& Path);

	/** Stops; the actors spawned so far are destroyed unless bKeepActors. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|State")
	void StopSpawning(bool bKeepActors = false);

	/** The actor spawned for an entity; None when there is none. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	AActor* FindActor(const FString& Key) const;

	/** Every entity's actor, by key. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	TMap<FString, AActor*> GetActors() const;

	/** The class to spawn for an entity; by default ActorClass. None spawns nothing for it. */
	UFUNCTION(BlueprintNativeEvent, Category = "RealtimeNet|State")
	TSubclassOf<AActor> ChooseActorClass(const FString& Key, const FJsonObjectWrapper& Value);

	/** An entity appeared and its actor was spawned (after its movement component was bound). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|State")
	FOnRealtimeNetEntityActor OnEntitySpawned;

	/** An entity's value changed (its movement component moves the actor by itself: use this for the rest). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|State")
	FOnRealtimeNetEntityActor OnEntityChanged;

	/** An entity went; its actor is destroyed right after this. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|State")
	FOnRealtimeNetEntityActor OnEntityRemoved;

	virtual void TickComponent(float DeltaTime, enum ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction) override;

protected:
	virtual void EndPlay(const EEndPlayReason::Type EndPlayReason) override;

private:
	void HandleEntry(ERealtimeNetCollectionChange Change, const FString& Key, const FJsonObjectWrapper& Value);
	void Spawn(const FString& Key, const FJsonObjectWrapper& Value);
	void Remove(const FString& Key, const FJsonObjectWrapper& Value);

	UPROPERTY()
	TObjectPtr<URealtimeNetCollectionWatch> Watch;

	UPROPERTY()
	TMap<FString, TObjectPtr<AActor>> Spawned;

	TWeakObjectPtr<URealtimeNetRoom> SpawningRoom;
	FString SpawningPath;
	FDelegateHandle EntryHandle;
};
