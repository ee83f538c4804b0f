// Moves its owner from a room's state document: rtnet::Predictor (prediction + reconciliation) for the
// locally controlled owner, rtnet::Interpolator for everyone else. Location only (see the notes on rotation in
// docs/client-customization.md).
#pragma once

#include "CoreMinimal.h"
#include "Components/ActorComponent.h"

#include "RealtimeNetMovementComponent.generated.h"

class URealtimeNetSubsystem;
struct FRealtimeNetMovementCore;

UENUM(BlueprintType)
enum class ERealtimeNetMovementMode : uint8
{
	/** Local when the owner is a locally controlled pawn, else Remote. */
	Auto,
	/** Predict this player's own moves and reconcile them with the state the gateway echoes back. */
	Local,
	/** Interpolate someone else's position, RenderDelay behind. */
	Remote
};

/**
 * The owner's object in the room's state document (at StatePath, e.g. "players/p1") holds its position as
 * numbers XField / YField / ZField (state units; world = state * StateScale) and, for a predicted player, the last
 * input sequence applied (AckField).
 *
 * Local: call PredictMove(Delta) instead of moving the actor yourself; the component applies it at once, and
 * every SendInterval sends the newest predicted position with its sequence number as state.update
 * {StatePath: {x, y, z, ack}}. When the document comes back, Reconcile rewinds to it and replays the inputs
 * not acknowledged yet; small corrections glide, large ones snap.
 * Remote: every state change adds a sample stamped with its arrival time; the owner is drawn RenderDelay behind.
 */
UCLASS(ClassGroup = (RealtimeNet), meta = (BlueprintSpawnableComponent))
class REALTIMENET_API URealtimeNetMovementComponent : public UActorComponent
{
	GENERATED_BODY()

public:
	URealtimeNetMovementComponent();

	/** The room whose state document holds this actor. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement")
	FString Room;

	/** '/'-separated path of the actor's object in the document, e.g. "players/p1". */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement")
	FString StatePath;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement")
	ERealtimeNetMovementMode Mode = ERealtimeNetMovementMode::Auto;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement|Document")
	FString XField = TEXT("x");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement|Document")
	FString YField = TEXT("y");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement|Document")
	FString ZField = TEXT("z");

	/** The last input sequence the document reflects (written by the predicting client itself). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement|Document")
	FString AckField = TEXT("ack");

	/** World units per state unit (100 when the document is in metres). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement|Document", meta = (ClampMin = "0.0001"))
	float StateScale = 1.f;

	/** Local: seconds between state.update sends (only the newest position goes; 0: every PredictMove). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Movement|Local", meta = (ClampMin = "0"))
	float SendInterval = 0.05f;

	/** Local: a correction larger than this (world units) snaps instead of gliding. */
	UPROPERTY(EditAnywhere, Category = "RealtimeNet|Movement|Local", meta = (ClampMin = "0"))
	float SnapDistance = 100.f;

	/** Local: time constant (seconds) the visual error decays with; 0: corrections snap. */
	UPROPERTY(EditAnywhere, Category = "RealtimeNet|Movement|Local", meta = (ClampMin = "0"))
	float SmoothingTime = 0.1f;

	/** Local: unacknowledged inputs kept for replay. */
	UPROPERTY(EditAnywhere, Category = "RealtimeNet|Movement|Local", meta = (ClampMin = "1"))
	int32 MaxPendingInputs = 128;

	/** Remote: how far in the past others are drawn (about two server ticks). */
	UPROPERTY(EditAnywhere, Category = "RealtimeNet|Movement|Remote", meta = (ClampMin = "0"))
	float RenderDelay = 0.1f;

	/** Remote: how far past the newest sample a position may be extrapolated before it holds. */
	UPROPERTY(EditAnywhere, Category = "RealtimeNet|Movement|Remote", meta = (ClampMin = "0"))
	float MaxExtrapolation = 0.05f;

	/** Remote: samples kept. */
	UPROPERTY(EditAnywhere, Category = "RealtimeNet|Movement|Remote", meta = (ClampMin = "2"))
	int32 MaxSamples = 32;

	/** Local only: applies the move now and returns its sequence number (0 when not predicting). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Movement")
	int64 PredictMove(FVector Delta);

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Movement")
	bool IsPredicting() const;

	/** Local: inputs sent and not acknowledged yet. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Movement")
	int32 GetPendingInputs() const;

	/** Local: the size (world units) of the last correction Reconcile made. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Movement")
	float GetLastCorrection() const;

	virtual void TickComponent(float DeltaTime, enum ELevelTick TickType,
		FActorComponentTickFunction* ThisTickFunction) override;

protected:
	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type EndPlayReason) override;

private:
	/** (Re)builds the predictor or the interpolator for the current mode. */
	void BuildCore();
	bool WantsLocal() const;
	void HandleStateChanged(const FString& ChangedRoom, int64 Version);
	void SendPrediction();

	TWeakObjectPtr<URealtimeNetSubsystem> Subsystem;
	TSharedPtr<FRealtimeNetMovementCore> Core;
	FDelegateHandle StateHandle;
	double NextSendAt = 0.0;
	bool bSendPending = false;
};
