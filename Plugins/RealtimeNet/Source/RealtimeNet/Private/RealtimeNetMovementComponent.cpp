#include "RealtimeNetMovementComponent.h"

#include "Components/SceneComponent.h"
#include "Engine/HitResult.h"
#include "GameFramework/Actor.h"
#include "GameFramework/Pawn.h"

#include <optional>
#include <string>

#include "rtnet/Client.h"
#include "rtnet/Path.h"
#include "rtnet/Pose.h"
#include "rtnet/Prediction.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetSubsystem.h"

namespace RealtimeNetMovementDetail
{
using FPredictor = rtnet::Predictor<rtnet::Pose, rtnet::Pose, rtnet::PoseMath>;
using FInterpolator = rtnet::Interpolator<rtnet::Pose, rtnet::PoseMath>;

rtnet::Pose ToPose(const FVector& Location, double Yaw)
{
	return rtnet::Pose{Location.X, Location.Y, Location.Z, rtnet::NormalizeDegrees(Yaw)};
}

FVector ToLocation(const rtnet::Pose& Pose)
{
	return FVector(Pose.x, Pose.y, Pose.z);
}

// Under this (world units, degrees) a pose difference is rounding, not a move.
constexpr double Still = 1e-3;
}  // namespace RealtimeNetMovementDetail

/** The core objects of one binding: where the entity is, how its object reads, and its predictor or interpolator. */
struct FRealtimeNetMovementCore
{
	rtnet::Path Path;
	std::string Key;  // the interpolator's entity: the path's text
	rtnet::PoseFields Fields;
	bool bHasYaw = false;  // the document carries a heading for this entity
	bool bHasZ = true;
	std::optional<RealtimeNetMovementDetail::FPredictor> Predictor;
	std::optional<RealtimeNetMovementDetail::FInterpolator> Interpolator;
	/** Predict: the pose the owner had after this component last moved it (other movers' steps are the difference). */
	rtnet::Pose Applied;
	double LastCorrection = 0.0;
};

URealtimeNetMovementComponent::URealtimeNetMovementComponent()
{
	PrimaryComponentTick.bCanEverTick = true;
	PrimaryComponentTick.bStartWithTickEnabled = true;
	bUpdateOnlyIfRendered = false;
}

void URealtimeNetMovementComponent::BeginPlay()
{
	Super::BeginPlay();
	// A predicted pawn's moves are its other movers' (CharacterMovement, ...): read them after they have made them.
	if (const AActor* OwnerActor = GetOwner())
	{
		TArray<UMovementComponent*> Movers;
		OwnerActor->GetComponents(Movers);
		for (UMovementComponent* Mover : Movers)
		{
			if (Mover != this)
			{
				AddTickPrerequisiteComponent(Mover);
			}
		}
	}
	PreviousLocation = CurrentLocation();
}

void URealtimeNetMovementComponent::EndPlay(const EEndPlayReason::Type EndPlayReason)
{
	Unbind();
	Super::EndPlay(EndPlayReason);
}

// --- Binding --------------------------------------------------------------------------------------------

void URealtimeNetMovementComponent::BindToState(URealtimeNetRoom* Room, const FString& Path)
{
	Unbind();
	StatePath = Path;
	RoomName = Room != nullptr ? Room->GetName() : FString();
	if (Room != nullptr)
	{
		BindResolved(Room, ResolvePath(Room->GetClient()));
	}
}

FString URealtimeNetMovementComponent::ResolvePath(const URealtimeNetClient* Client) const
{
	static const TCHAR* const Player = TEXT("{player}");
	if (!StatePath.Contains(Player, ESearchCase::CaseSensitive))
	{
		return StatePath;
	}
	// Not known before the gateway's welcome: nothing to bind to yet.
	const FString PlayerId = Client != nullptr ? Client->GetPlayerId() : FString();
	return PlayerId.IsEmpty() ? FString() : StatePath.Replace(Player, *PlayerId, ESearchCase::CaseSensitive);
}

void URealtimeNetMovementComponent::BindResolved(URealtimeNetRoom* Room, const FString& Path)
{
	Unbind();
	const std::optional<rtnet::Path> Parsed = rtnet::Path::Parse(FRealtimeNetJson::ToStd(Path));
	if (Room == nullptr || !Parsed.has_value() || Parsed->empty())
	{
		return;  // nothing to follow at "" or at a path that does not parse
	}
	BoundRoom = Room;
	BoundPath = Path;
	StateHandle = Room->OnStateChangedNative.AddUObject(this, &URealtimeNetMovementComponent::HandleStateChanged);
	Core = MakeShared<FRealtimeNetMovementCore>();
	Core->Path = *Parsed;
	Core->Key = FRealtimeNetJson::ToStd(Path);
	Rebuild(WantedRole());
	HandleStateChanged(Room, Room->GetStateVersion());  // a document already held
}

void URealtimeNetMovementComponent::Unbind()
{
	if (URealtimeNetRoom* Room = BoundRoom.Get())
	{
		Room->OnStateChangedNative.Remove(StateHandle);
	}
	StateHandle.Reset();
	BoundRoom.Reset();
	BoundPath.Reset();
	Core.Reset();
	ParkOtherMovement(false);
	Role = ERealtimeNetMovementRole::Idle;
	bSendPending = false;
}

URealtimeNetRoom* URealtimeNetMovementComponent::GetBoundRoom() const
{
	return BoundRoom.Get();
}

bool URealtimeNetMovementComponent::Resolve()
{
	URealtimeNetRoom* Room = BoundRoom.Get();
	const URealtimeNetClient* Client = Room != nullptr ? Room->GetClient() : URealtimeNetSubsystem::GetClientFor(this);
	const FString Wanted = ResolvePath(Client);
	if (Room != nullptr && BoundPath == Wanted && Room->IsJoined())
	{
		return true;
	}
	if (Room != nullptr && Room->IsJoined() && !Wanted.IsEmpty() && BoundPath != Wanted)
	{
		BindResolved(Room, Wanted);  // the path was changed live
		return BoundRoom.IsValid();
	}
	if (RoomName.IsEmpty() || Wanted.IsEmpty())
	{
		if (Room != nullptr && !Room->IsJoined())
		{
			Unbind();  // the room was left
		}
		return false;
	}
	URealtimeNetRoom* Named = Client != nullptr ? Client->FindRoom(RoomName) : nullptr;
	if (Named != nullptr && Named->IsJoined() && (Named != Room || BoundPath != Wanted))
	{
		BindResolved(Named, Wanted);
	}
	else if (Room != nullptr && (Named == nullptr || !Named->IsJoined()))
	{
		Unbind();
	}
	return BoundRoom.IsValid() && BoundRoom->IsJoined();
}

ERealtimeNetMovementRole URealtimeNetMovementComponent::WantedRole() const
{
	const AActor* OwnerActor = GetOwner();
	rtnet::MovementSituation Situation;
	if (OwnerActor != nullptr)
	{
		// Engine networking moves this actor here: a client's copy of a server actor whose movement replicates.
		Situation.engine_replicated = OwnerActor->GetNetMode() == NM_Client && OwnerActor->IsReplicatingMovement()
			&& OwnerActor->GetLocalRole() != ROLE_Authority;
		const APawn* Pawn = Cast<APawn>(OwnerActor);
		Situation.locally_controlled = Pawn != nullptr && Pawn->IsLocallyControlled();
	}
	rtnet::MovementModeSetting Setting = rtnet::MovementModeSetting::kAuto;
	if (Mode == ERealtimeNetMovementMode::Local)
	{
		Setting = rtnet::MovementModeSetting::kLocal;
	}
	else if (Mode == ERealtimeNetMovementMode::Remote)
	{
		Setting = rtnet::MovementModeSetting::kRemote;
	}
	switch (rtnet::ChooseMovementRole(Setting, Situation))
	{
	case rtnet::MovementRole::kPredict: return ERealtimeNetMovementRole::Predict;
	case rtnet::MovementRole::kFollow: return ERealtimeNetMovementRole::Follow;
	case rtnet::MovementRole::kIdle: break;
	}
	return ERealtimeNetMovementRole::Idle;
}

void URealtimeNetMovementComponent::Rebuild(ERealtimeNetMovementRole NewRole)
{
	using namespace RealtimeNetMovementDetail;
	Role = Core.IsValid() ? NewRole : ERealtimeNetMovementRole::Idle;
	ParkOtherMovement(Role == ERealtimeNetMovementRole::Follow);
	if (!Core.IsValid())
	{
		return;
	}
	Core->Fields.x = FRealtimeNetJson::ToStd(XField);
	Core->Fields.y = FRealtimeNetJson::ToStd(YField);
	Core->Fields.z = FRealtimeNetJson::ToStd(ZField);
	Core->Fields.yaw = FRealtimeNetJson::ToStd(YawField);
	Core->Fields.ack = FRealtimeNetJson::ToStd(AckField);
	Core->bHasZ = !ZField.IsEmpty();
	Core->Predictor.reset();
	Core->Interpolator.reset();
	if (Role == ERealtimeNetMovementRole::Predict)
	{
		rtnet::PredictorOptions Options;
		Options.max_pending = static_cast<std::size_t>(FMath::Max(1, MaxPendingInputs));
		Options.snap_distance = SnapDistance;
		Options.smoothing_time = SmoothingTime;
		Core->Applied = ToPose(CurrentLocation(), CurrentYaw());
		// A move is a displacement and a turn: deterministic, no clock, so a replay gives the same pose.
		Core->Predictor.emplace(
			Core->Applied, [](const rtnet::Pose& Pose, const rtnet::Pose& Move) { return rtnet::PoseMath::Add(Pose, Move); },
			Options, &rtnet::PoseMath::Distance);
	}
	else if (Role == ERealtimeNetMovementRole::Follow)
	{
		rtnet::InterpolatorOptions Options;
		Options.render_delay = RenderDelay;
		Options.max_extrapolation = MaxExtrapolation;
		Options.max_samples = static_cast<std::size_t>(FMath::Max(2, MaxSamples));
		Core->Interpolator.emplace(Options);
	}
	bSendPending = false;
}

void URealtimeNetMovementComponent::ParkOtherMovement(bool bPark)
{
	if (!bPark)
	{
		for (const TWeakObjectPtr<UMovementComponent>& Parked : ParkedMovements)
		{
			if (UMovementComponent* Mover = Parked.Get())
			{
				Mover->SetComponentTickEnabled(true);
			}
		}
		ParkedMovements.Reset();
		return;
	}
	if (ParkedMovements.Num() > 0)
	{
		return;
	}
	const AActor* OwnerActor = GetOwner();
	if (OwnerActor == nullptr)
	{
		return;
	}
	// A followed actor is moved from the state: its own movement (gravity, walking, input) would fight that.
	TArray<UMovementComponent*> Movers;
	OwnerActor->GetComponents(Movers);
	for (UMovementComponent* Mover : Movers)
	{
		if (Mover != this && Mover->IsComponentTickEnabled())
		{
			Mover->StopMovementImmediately();
			Mover->SetComponentTickEnabled(false);
			ParkedMovements.Add(Mover);
		}
	}
}

// --- What the state says --------------------------------------------------------------------------------

void URealtimeNetMovementComponent::HandleStateChanged(URealtimeNetRoom* ChangedRoom, int64 /*Version*/)
{
	const URealtimeNetClient* Client = ChangedRoom != nullptr ? ChangedRoom->GetClient() : nullptr;
	const rtnet::Client* CoreClient = Client != nullptr ? Client->GetCoreClient() : nullptr;
	if (CoreClient == nullptr || !Core.IsValid() || ChangedRoom != BoundRoom.Get())
	{
		return;
	}
	const rtnet::Value* Document = CoreClient->state_store().Document(FRealtimeNetJson::ToStd(ChangedRoom->GetName()));
	const std::optional<rtnet::PoseReading> Reading =
		Document != nullptr ? rtnet::ReadPose(*Document, Core->Path, Core->Fields, StateScale) : std::nullopt;
	if (!Reading.has_value())
	{
		if (Core->Interpolator.has_value())
		{
			Core->Interpolator->Remove(Core->Key);  // left the document: held until it comes back
		}
		return;
	}
	Core->bHasYaw = Reading->has_yaw;
	rtnet::Pose Pose = Reading->pose;
	if (!Core->bHasZ)
	{
		Pose.z = CurrentLocation().Z;  // a 2D document: the owner keeps its height
	}
	if (!Reading->has_yaw)
	{
		Pose.yaw = CurrentYaw();
	}
	if (Core->Predictor.has_value())
	{
		if (!Reading->ack.has_value())
		{
			return;  // not written by the predicting client yet: nothing to reconcile against
		}
		const rtnet::Reconciliation Result = Core->Predictor->Reconcile(Pose, *Reading->ack);
		if (Result.applied)
		{
			Core->LastCorrection = Result.error;
		}
	}
	else if (Core->Interpolator.has_value())
	{
		// Stamped with the arrival time on the client's clock: one clock for samples and drawing.
		Core->Interpolator->AddSample(Core->Key, Client->GetNow(), Pose);
	}
}

// --- Moving ---------------------------------------------------------------------------------------------

FVector URealtimeNetMovementComponent::CurrentLocation() const
{
	return UpdatedComponent != nullptr ? UpdatedComponent->GetComponentLocation() : FVector::ZeroVector;
}

double URealtimeNetMovementComponent::CurrentYaw() const
{
	return UpdatedComponent != nullptr ? UpdatedComponent->GetComponentRotation().Yaw : 0.0;
}

void URealtimeNetMovementComponent::MoveTo(const FVector& Location, const TOptional<double>& Yaw)
{
	if (UpdatedComponent == nullptr)
	{
		return;
	}
	FRotator Rotation = UpdatedComponent->GetComponentRotation();
	if (Yaw.IsSet())
	{
		Rotation.Yaw = Yaw.GetValue();
	}
	const FVector Delta = Location - CurrentLocation();
	if (Delta.Size() >= SnapDistance)
	{
		UpdatedComponent->SetWorldLocationAndRotation(Location, Rotation.Quaternion(), false, nullptr, ETeleportType::TeleportPhysics);
		return;
	}
	FHitResult Hit;
	SafeMoveUpdatedComponent(Delta, Rotation.Quaternion(), bSweep, Hit);
	if (Hit.IsValidBlockingHit())
	{
		SlideAlongSurface(Delta, 1.f - Hit.Time, Hit.Normal, Hit, true);
	}
}

int64 URealtimeNetMovementComponent::PredictMove(FVector Delta, float YawDelta)
{
	using namespace RealtimeNetMovementDetail;
	if (!IsPredicting() || !Core.IsValid() || !Core->Predictor.has_value() || UpdatedComponent == nullptr)
	{
		return 0;
	}
	const rtnet::Pose Before = ToPose(CurrentLocation(), CurrentYaw());
	FRotator Rotation = UpdatedComponent->GetComponentRotation();
	Rotation.Yaw += YawDelta;
	FHitResult Hit;
	SafeMoveUpdatedComponent(Delta, Rotation.Quaternion(), bSweep, Hit);
	if (Hit.IsValidBlockingHit())
	{
		SlideAlongSurface(Delta, 1.f - Hit.Time, Hit.Normal, Hit, true);
	}
	// The input is where the sweep let it go, so a replay reaches the same place without sweeping again.
	const rtnet::Pose After = ToPose(CurrentLocation(), CurrentYaw());
	const std::uint64_t Sequence = Core->Predictor->Predict(rtnet::PoseMath::Sub(After, Before));
	Core->Applied = After;
	bSendPending = true;
	if (SendInterval <= 0.f)
	{
		SendPrediction();
	}
	return static_cast<int64>(Sequence);
}

int32 URealtimeNetMovementComponent::GetPendingInputs() const
{
	return Core.IsValid() && Core->Predictor.has_value() ? static_cast<int32>(Core->Predictor->pending()) : 0;
}

float URealtimeNetMovementComponent::GetLastCorrection() const
{
	return Core.IsValid() ? static_cast<float>(Core->LastCorrection) : 0.f;
}

void URealtimeNetMovementComponent::TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction)
{
	using namespace RealtimeNetMovementDetail;
	Super::TickComponent(DeltaTime, TickType, ThisTickFunction);
	if (ShouldSkipUpdate(DeltaTime) || UpdatedComponent == nullptr)
	{
		return;
	}
	if (!Resolve())
	{
		if (Role != ERealtimeNetMovementRole::Idle)
		{
			Rebuild(ERealtimeNetMovementRole::Idle);
		}
		PreviousLocation = CurrentLocation();
		return;
	}
	// Possession and engine replication can change while playing (Auto).
	const ERealtimeNetMovementRole Wanted = WantedRole();
	if (Wanted != Role)
	{
		Rebuild(Wanted);
		HandleStateChanged(BoundRoom.Get(), 0);
	}
	const URealtimeNetClient* Client = BoundRoom->GetClient();
	if (Client == nullptr || Role == ERealtimeNetMovementRole::Idle || !Core.IsValid())
	{
		PreviousLocation = CurrentLocation();
		return;
	}

	if (Core->Predictor.has_value())
	{
		FRealtimeNetMovementCore& Bound = *Core;
		Bound.Predictor->SetCorrection(SnapDistance, SmoothingTime);
		// Moves made by something else since the last frame (CharacterMovement, input) are this player's inputs.
		const rtnet::Pose Now = ToPose(CurrentLocation(), CurrentYaw());
		const rtnet::Pose Moved = rtnet::PoseMath::Sub(Now, Bound.Applied);
		if (rtnet::PoseMath::Distance(Now, Bound.Applied) > Still || FMath::Abs(Moved.yaw) > Still)
		{
			Bound.Predictor->Predict(Moved);
			bSendPending = true;
		}
		Bound.Predictor->Tick(DeltaTime);
		// Where the prediction (with any fading correction) says the owner is.
		const rtnet::Pose Shown = Bound.Predictor->Display();
		if (rtnet::PoseMath::Distance(Shown, Now) > Still || FMath::Abs(rtnet::DeltaDegrees(Now.yaw, Shown.yaw)) > Still)
		{
			MoveTo(ToLocation(Shown), Bound.bHasYaw ? TOptional<double>(Shown.yaw) : TOptional<double>());
		}
		Bound.Applied = ToPose(CurrentLocation(), CurrentYaw());
		if (bSendPending && Client->GetNow() >= NextSendAt)
		{
			SendPrediction();
		}
	}
	else if (Core->Interpolator.has_value())
	{
		rtnet::InterpolatorOptions Options = Core->Interpolator->options();
		Options.render_delay = RenderDelay;
		Options.max_extrapolation = MaxExtrapolation;
		Core->Interpolator->SetOptions(Options);
		const rtnet::Interpolated<rtnet::Pose> Sample = Core->Interpolator->Sample(Core->Key, Client->GetNow());
		if (Sample.visible())
		{
			MoveTo(ToLocation(Sample.state), Core->bHasYaw ? TOptional<double>(Sample.state.yaw) : TOptional<double>());
		}
	}

	// Velocity for animation: how far the owner went this frame, whoever moved it.
	const FVector Location = CurrentLocation();
	Velocity = DeltaTime > 0.f ? (Location - PreviousLocation) / DeltaTime : FVector::ZeroVector;
	PreviousLocation = Location;
	UpdateComponentVelocity();
	for (const TWeakObjectPtr<UMovementComponent>& Parked : ParkedMovements)
	{
		if (UMovementComponent* Mover = Parked.Get())
		{
			Mover->Velocity = Velocity;  // what a Character's animation Blueprint reads (GetVelocity)
		}
	}
}

void URealtimeNetMovementComponent::SendPrediction()
{
	URealtimeNetRoom* Room = BoundRoom.Get();
	URealtimeNetClient* Client = Room != nullptr ? Room->GetClient() : nullptr;
	rtnet::Client* CoreClient = Client != nullptr ? Client->GetCoreClient() : nullptr;
	if (CoreClient == nullptr || !Core.IsValid() || !Core->Predictor.has_value())
	{
		return;
	}
	// Only while connected: queued while away, every interval's update would be replayed on resume.
	if (Client->GetConnectionState() != ERealtimeNetConnectionState::Connected)
	{
		return;
	}
	bSendPending = false;
	NextSendAt = Client->GetNow() + SendInterval;
	const bool bWithYaw = !YawField.IsEmpty();
	rtnet::Pose Pose = Core->Predictor->predicted();
	rtnet::PoseFields Fields = Core->Fields;
	if (!Core->bHasZ)
	{
		Fields.z.clear();
	}
	// Errors reach the client's On Error; a conflict makes the core reload the room, and the next send carries the
	// newest pose.
	CoreClient->UpdateState(FRealtimeNetJson::ToStd(Room->GetName()),
		rtnet::PosePatch(Core->Path, Fields, Pose, StateScale, bWithYaw, Core->Predictor->last_sequence()), Client->GetNow());
}
