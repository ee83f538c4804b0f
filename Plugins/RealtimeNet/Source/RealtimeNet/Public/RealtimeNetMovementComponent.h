// Moves its owner from a room's state document, as an engine movement component: it moves the updated component
// (the root) with sweeps, turns it (yaw, the short way round), and sets Velocity so animation reads a speed.
//
// Who is authoritative: the room's state document, which the gateway keeps. An entity is followed (drawn
// RenderDelay in the past with rtnet::Interpolator) by everyone but the player who moves it. That player's client
// predicts: it moves at once (rtnet::Predictor), writes its pose and input sequence ("ack") into the document every
// SendInterval, and when the document comes back -- unchanged, or corrected by a backend service that validates
// moves -- rewinds to it and replays the inputs not acknowledged yet: small corrections glide, large ones snap. The
// engine's own replication wins: an actor the engine replicates to this machine is left alone (rtnet::
// ChooseMovementRole decides all of this).
//
// With other movement components (a Character's CharacterMovement, FloatingPawnMovement, ...): on a followed actor
// they are parked (not ticking, stopped) and given the same Velocity, so a Character's animation Blueprint still
// reads a speed (GetVelocity); on a predicted actor they keep moving it with input as usual, and this component
// ticks after them, records their moves as the player's inputs, sends them and applies corrections.
#pragma once

#include "CoreMinimal.h"
#include "GameFramework/MovementComponent.h"

#include "RealtimeNetMovementComponent.generated.h"

class URealtimeNetClient;
class URealtimeNetRoom;
struct FRealtimeNetMovementCore;

/** What the game asks of the component. */
UENUM(BlueprintType)
enum class ERealtimeNetMovementMode : uint8
{
	/** Predict when the owner is a pawn this machine's player controls, else follow. */
	Auto,
	/** Predict this player's own moves and reconcile them with the state that comes back. */
	Local,
	/** Follow someone else's moves, RenderDelay behind. */
	Remote
};

/** What the component does now (rtnet::MovementRole). */
UENUM(BlueprintType)
enum class ERealtimeNetMovementRole : uint8
{
	/** Nothing: not bound to a state path, or the engine's replication moves this actor here. */
	Idle,
	/** Predicting this player's moves. */
	Predict,
	/** Following the room state. */
	Follow
};

UCLASS(ClassGroup = (RealtimeNet), meta = (BlueprintSpawnableComponent))
class REALTIMENET_API URealtimeNetMovementComponent : public UMovementComponent
{
	GENERATED_BODY()

public:
	URealtimeNetMovementComponent();

	// --- What to follow ---------------------------------------------------------------------------------

	/** Follows the entity at Path ("players/p1") of Room from now on (the spawner binds what it spawns). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|State", meta = (Keywords = "bind follow entity path room"))
	void BindToState(URealtimeNetRoom* Room, const FString& Path);

	/** Stops following (the actor stays where it is). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|State")
	void Unbind();

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	URealtimeNetRoom* GetBoundRoom() const;

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	ERealtimeNetMovementRole GetMovementRole() const { return Role; }

	/** A room of the owner's RealtimeNet client to bind to by name once it is joined (instead of Bind To State). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State")
	FString RoomName;

	/** '/'-separated path of the entity's object in the document, e.g. "players/p1" (Bind To State sets it).
	    "{player}" stands for this client's player id: "players/{player}" on the local pawn is this player's entry. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State")
	FString StatePath;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State")
	ERealtimeNetMovementMode Mode = ERealtimeNetMovementMode::Auto;

	// --- The entity's object in the document ------------------------------------------------------------

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State", AdvancedDisplay)
	FString XField = TEXT("x");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State", AdvancedDisplay)
	FString YField = TEXT("y");

	/** Empty: the entity has no height in the document (2D): the owner keeps its own. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State", AdvancedDisplay)
	FString ZField = TEXT("z");

	/** Heading in degrees; empty, or absent from the object: rotation is left alone. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State", AdvancedDisplay)
	FString YawField = TEXT("yaw");

	/** The last input sequence the document reflects (written by the predicting client). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State", AdvancedDisplay)
	FString AckField = TEXT("ack");

	/** World units per state unit (100 when the document is in metres). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|State", AdvancedDisplay, meta = (ClampMin = "0.0001"))
	float StateScale = 1.f;

	// --- Tuning (applied live) --------------------------------------------------------------------------

	/** Moves sweep against collision (an entity followed through a wall it cannot pass is snapped once it is
	    SnapDistance off). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement")
	bool bSweep = true;

	/** A correction or a follow step larger than this (world units) snaps instead of gliding. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement", meta = (ClampMin = "0"))
	float SnapDistance = 200.f;

	/** Predict: seconds a correction takes to fade out (its time constant); 0: corrections snap. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement", meta = (ClampMin = "0"))
	float SmoothingTime = 0.1f;

	/** Predict: seconds between sends of the newest pose (only the newest goes); 0: every frame it moved. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement", meta = (ClampMin = "0"))
	float SendInterval = 0.05f;

	/** Follow: how far in the past others are drawn (about two state ticks). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement", meta = (ClampMin = "0"))
	float RenderDelay = 0.1f;

	/** Follow: how far past the newest state a pose may be extrapolated before it holds. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement", meta = (ClampMin = "0"))
	float MaxExtrapolation = 0.05f;

	/** Follow: state samples kept (applies from the next binding). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement", AdvancedDisplay, meta = (ClampMin = "2"))
	int32 MaxSamples = 32;

	/** Predict: unacknowledged inputs kept for replay (applies from the next binding). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement", AdvancedDisplay, meta = (ClampMin = "1"))
	int32 MaxPendingInputs = 128;

	// --- Moving the local player --------------------------------------------------------------------------

	/** Predict: moves the owner by Delta (swept, sliding along what it hits) and turns it by YawDelta degrees now,
	    recorded as an input to send and reconcile; returns its sequence number (0 when not predicting). A pawn moved
	    by other means (CharacterMovement, Add Movement Input) needs no call: those moves are recorded too. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Movement", meta = (Keywords = "move predict input"))
	int64 PredictMove(FVector Delta, float YawDelta = 0.f);

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Movement")
	bool IsPredicting() const { return Role == ERealtimeNetMovementRole::Predict; }

	/** Predict: inputs sent and not acknowledged yet. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Movement")
	int32 GetPendingInputs() const;

	/** Predict: the size (world units) of the last correction the state brought. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Movement")
	float GetLastCorrection() const;

	virtual void TickComponent(float DeltaTime, enum ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction) override;

protected:
	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type EndPlayReason) override;

private:
	/** Binds to RoomName/StatePath when they name something not bound yet; true while bound. */
	bool Resolve();
	/** StatePath with "{player}" replaced by Client's player id; empty while that is not known. */
	FString ResolvePath(const URealtimeNetClient* Client) const;
	/** Follows Path (already resolved) of Room. */
	void BindResolved(URealtimeNetRoom* Room, const FString& Path);
	/** The role the owner's situation calls for now (rtnet::ChooseMovementRole). */
	ERealtimeNetMovementRole WantedRole() const;
	/** Builds the predictor or the interpolator for Role, from the owner's pose; parks or unparks the other movers. */
	void Rebuild(ERealtimeNetMovementRole NewRole);
	void HandleStateChanged(URealtimeNetRoom* ChangedRoom, int64 Version);
	/** Moves the updated component to a pose: swept, or teleported when it is SnapDistance away or more. */
	void MoveTo(const FVector& Location, const TOptional<double>& Yaw);
	void SendPrediction();
	/** The owner's other movement components (CharacterMovement, ...): stopped while it is followed. */
	void ParkOtherMovement(bool bPark);
	FVector CurrentLocation() const;
	double CurrentYaw() const;

	TWeakObjectPtr<URealtimeNetRoom> BoundRoom;
	FString BoundPath;
	FDelegateHandle StateHandle;
	TSharedPtr<FRealtimeNetMovementCore> Core;
	TArray<TWeakObjectPtr<UMovementComponent>> ParkedMovements;
	ERealtimeNetMovementRole Role = ERealtimeNetMovementRole::Idle;
	FVector PreviousLocation = FVector::ZeroVector;
	double NextSendAt = 0.0;
	bool bSendPending = false;
};
