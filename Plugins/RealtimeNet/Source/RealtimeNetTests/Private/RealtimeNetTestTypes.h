// Structs and actors the specs convert, spawn and move: what a game's own Blueprint structs and actor classes are.
#pragma once

#include "CoreMinimal.h"
#include "GameFramework/Actor.h"

#include "RealtimeNetTestTypes.generated.h"

class URealtimeNetMovementComponent;
class USceneComponent;

/** A player as a game's state holds it: {"name", "hp", "position", "items", "score"}. */
USTRUCT()
struct FRealtimeNetTestPlayer
{
	GENERATED_BODY()

	UPROPERTY()
	FString Name;

	UPROPERTY()
	int32 Hp = 0;

	UPROPERTY()
	FVector Position = FVector::ZeroVector;

	UPROPERTY()
	TArray<FString> Items;

	/** Beyond 2^53 in the specs: read exactly or not at all. */
	UPROPERTY()
	int64 Score = 0;
};

/** Holds one player, so a spec has an FProperty of the player's struct type (what a Blueprint pin is). */
USTRUCT()
struct FRealtimeNetTestHolder
{
	GENERATED_BODY()

	UPROPERTY()
	FRealtimeNetTestPlayer Player;
};

/** An actor a spawner spawns per entity: a scene root and the movement component the spawner binds. */
UCLASS(NotBlueprintable)
class ARealtimeNetTestEntity : public AActor
{
	GENERATED_BODY()

public:
	ARealtimeNetTestEntity();

	UPROPERTY()
	TObjectPtr<USceneComponent> Root;

	UPROPERTY()
	TObjectPtr<URealtimeNetMovementComponent> Movement;
};
