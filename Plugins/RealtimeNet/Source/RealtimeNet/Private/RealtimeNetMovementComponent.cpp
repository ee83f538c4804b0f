#include "RealtimeNetMovementComponent.h"

#include "GameFramework/Actor.h"
#include "GameFramework/Pawn.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rtnet/Client.h"
#include "rtnet/Prediction.h"

#include "RealtimeNetJson.h"
#include "RealtimeNetSubsystem.h"

namespace RealtimeNetMovementDetail
{
// rtnet::VectorMath<FVector> would not do: its Zero() is FVector{}, and FVector's default constructor leaves
// the components uninitialised.
struct FVectorMath
{
	static FVector Zero() { return FVector::ZeroVector; }
	static FVector Add(const FVector& A, const FVector& B) { return A + B; }
	static FVector Sub(const FVector& A, const FVector& B) { return A - B; }
	static FVector Scale(const FVector& A, double K) { return A * K; }
	static FVector Lerp(const FVector& A, const FVector& B, double T) { return A + (B - A) * T; }
};

using FPredictor = rtnet::Predictor<FVector, FVector, FVectorMath>;
using FInterpolator = rtnet::Interpolator<FVector, FVectorMath>;

const rtnet::Value* Resolve(const rtnet::Value* Document, const std::vector<std::string>& Path)
{
	const rtnet::Value* Node = Document;
	for (const std::string& Name : Path)
	{
		if (Node == nullptr)
		{
			return nullptr;
		}
		Node = Node->Find(Name);
	}
	return Node;
}
}  // namespace RealtimeNetMovementDetail

struct FRealtimeNetMovementCore
{
	std::vector<std::string> Path;
	std::string Key;
	std::string X;
	std::string Y;
	std::string Z;
	std::string Ack;
	std::optional<RealtimeNetMovementDetail::FPredictor> Predictor;
	std::optional<RealtimeNetMovementDetail::FInterpolator> Interpolator;
	double LastCorrection = 0.0;
};

URealtimeNetMovementComponent::URealtimeNetMovementComponent()
{
	PrimaryComponentTick.bCanEverTick = true;
	PrimaryComponentTick.bStartWithTickEnabled = true;
}

void URealtimeNetMovementComponent::BeginPlay()
{
	Super::BeginPlay();
	BuildCore();
	if (URealtimeNetSubsystem* System = URealtimeNetSubsystem::Get(this))
	{
		Subsystem = System;
		StateHandle = System->OnStateChangedNative.AddUObject(this, &URealtimeNetMovementComponent::HandleStateChanged);
		HandleStateChanged(Room, System->GetStateVersion(Room));  // a document already held
	}
}

void URealtimeNetMovementComponent::EndPlay(const EEndPlayReason::Type EndPlayReason)
{
	if (URealtimeNetSubsystem* System = Subsystem.Get())
	{
		System->OnStateChangedNative.Remove(StateHandle);
	}
	StateHandle.Reset();
	Core.Reset();
	Super::EndPlay(EndPlayReason);
}

bool URealtimeNetMovementComponent::WantsLocal() const
{
	if (Mode != ERealtimeNetMovementMode::Auto)
	{
		return Mode == ERealtimeNetMovementMode::Local;
	}
	const APawn* Pawn = Cast<APawn>(GetOwner());
	return Pawn != nullptr && Pawn->IsLocallyControlled();
}

void URealtimeNetMovementComponent::BuildCore()
{
	using namespace RealtimeNetMovementDetail;
	Core = MakeShared<FRealtimeNetMovementCore>();
	TArray<FString> Parts;
	StatePath.ParseIntoArray(Parts, TEXT("/"), /*InCullEmpty*/ true);
	for (const FString& Part : Parts)
	{
		Core->Path.push_back(FRealtimeNetJson::ToStd(Part));
	}
	Core->Key = FRealtimeNetJson::ToStd(StatePath);
	Core->X = FRealtimeNetJson::ToStd(XField);
	Core->Y = FRealtimeNetJson::ToStd(YField);
	Core->Z = FRealtimeNetJson::ToStd(ZField);
	Core->Ack = FRealtimeNetJson::ToStd(AckField);
	if (WantsLocal())
	{
		rtnet::PredictorOptions Options;
		Options.max_pending = static_cast<std::size_t>(FMath::Max(1, MaxPendingInputs));
		Options.snap_distance = SnapDistance;
		Options.smoothing_time = SmoothingTime;
		const AActor* Owner = GetOwner();
		const FVector Start = Owner != nullptr ? Owner->GetActorLocation() : FVector::ZeroVector;
		// The step the gateway's document reflects: a move is a displacement (deterministic, no clock).
		Core->Predictor.emplace(
			Start, [](const FVector& State, const FVector& Move) { return State + Move; }, Options,
			[](const FVector& A, const FVector& B) { return FVector::Dist(A, B); });
	}
	else
	{
		rtnet::InterpolatorOptions Options;
		Options.render_delay = RenderDelay;
		Options.max_extrapolation = MaxExtrapolation;
		Options.max_samples = static_cast<std::size_t>(FMath::Max(2, MaxSamples));
		Core->Interpolator.emplace(Options);
	}
	bSendPending = false;
}

int64 URealtimeNetMovementComponent::PredictMove(FVector Delta)
{
	if (!IsPredicting())
	{
		return 0;
	}
	const std::uint64_t Sequence = Core->Predictor->Predict(Delta);
	bSendPending = true;
	if (SendInterval <= 0.f)
	{
		SendPrediction();
	}
	return static_cast<int64>(Sequence);
}

bool URealtimeNetMovementComponent::IsPredicting() const
{
	return Core.IsValid() && Core->Predictor.has_value();
}

int32 URealtimeNetMovementComponent::GetPendingInputs() const
{
	return IsPredicting() ? static_cast<int32>(Core->Predictor->pending()) : 0;
}

float URealtimeNetMovementComponent::GetLastCorrection() const
{
	return Core.IsValid() ? static_cast<float>(Core->LastCorrection) : 0.f;
}

void URealtimeNetMovementComponent::TickComponent(float DeltaTime, ELevelTick TickType,
	FActorComponentTickFunction* ThisTickFunction)
{
	Super::TickComponent(DeltaTime, TickType, ThisTickFunction);
	AActor* Owner = GetOwner();
	URealtimeNetSubsystem* System = Subsystem.Get();
	if (Owner == nullptr || System == nullptr || !Core.IsValid())
	{
		return;
	}
	// Possession can change after BeginPlay (Auto mode).
	if (WantsLocal() != IsPredicting())
	{
		BuildCore();
		HandleStateChanged(Room, System->GetStateVersion(Room));
	}
	if (IsPredicting())
	{
		Core->Predictor->Tick(DeltaTime);
		if (bSendPending && System->GetNow() >= NextSendAt)
		{
			SendPrediction();
		}
		Owner->SetActorLocation(Core->Predictor->Display(), false, nullptr, ETeleportType::None);
	}
	else if (Core->Interpolator.has_value())
	{
		const rtnet::Interpolated<FVector> Sample = Core->Interpolator->Sample(Core->Key, System->GetNow());
		if (Sample.visible())
		{
			Owner->SetActorLocation(Sample.state, false, nullptr, ETeleportType::TeleportPhysics);
		}
	}
}

void URealtimeNetMovementComponent::HandleStateChanged(const FString& ChangedRoom, int64 /*Version*/)
{
	URealtimeNetSubsystem* System = Subsystem.Get();
	const rtnet::Client* Client = System != nullptr ? System->GetCoreClient() : nullptr;
	if (Client == nullptr || !Core.IsValid() || ChangedRoom != Room)
	{
		return;
	}
	const rtnet::Value* Object = RealtimeNetMovementDetail::Resolve(
		Client->state_store().Document(FRealtimeNetJson::ToStd(Room)), Core->Path);
	if (Object == nullptr)
	{
		if (Core->Interpolator.has_value())
		{
			Core->Interpolator->Remove(Core->Key);  // left the document: hidden until it comes back
		}
		return;
	}
	const rtnet::Value* X = Object->Find(Core->X);
	const rtnet::Value* Y = Object->Find(Core->Y);
	const rtnet::Value* Z = Object->Find(Core->Z);
	if (X == nullptr || Y == nullptr || Z == nullptr || !X->IsNumber() || !Y->IsNumber() || !Z->IsNumber())
	{
		return;
	}
	const FVector Position = FVector(*X->AsNumber(), *Y->AsNumber(), *Z->AsNumber()) * StateScale;
	if (IsPredicting())
	{
		const rtnet::Value* Ack = Object->Find(Core->Ack);
		if (Ack == nullptr || !Ack->IsInt() || *Ack->AsInt() < 0)
		{
			return;  // nothing to reconcile against yet
		}
		const rtnet::Reconciliation Result =
			Core->Predictor->Reconcile(Position, static_cast<std::uint64_t>(*Ack->AsInt()));
		if (Result.applied)
		{
			Core->LastCorrection = Result.error;
		}
	}
	else if (Core->Interpolator.has_value())
	{
		// Stamped with the arrival time on the client's clock: one clock for samples and rendering.
		Core->Interpolator->AddSample(Core->Key, System->GetNow(), Position);
	}
}

void URealtimeNetMovementComponent::SendPrediction()
{
	URealtimeNetSubsystem* System = Subsystem.Get();
	rtnet::Client* Client = System != nullptr ? System->GetCoreClient() : nullptr;
	if (Client == nullptr || !Core.IsValid() || !Core->Predictor.has_value() || Core->Path.empty())
	{
		return;
	}
	// Only while connected: queued while away, every interval's update would be replayed on resume.
	if (System->GetConnectionState() != ERealtimeNetConnectionState::Connected)
	{
		return;
	}
	bSendPending = false;
	NextSendAt = System->GetNow() + SendInterval;
	const FVector State = Core->Predictor->predicted() / StateScale;
	rtnet::Value Patch = rtnet::Value::MakeObject({
		{Core->X, State.X},
		{Core->Y, State.Y},
		{Core->Z, State.Z},
		{Core->Ack, static_cast<std::int64_t>(Core->Predictor->last_sequence())},
	});
	// Nested at the path: {"players": {"p1": {...}}} (a merge patch touches only that subtree).
	for (auto Name = Core->Path.rbegin(); Name != Core->Path.rend(); ++Name)
	{
		Patch = rtnet::Value::MakeObject({{*Name, std::move(Patch)}});
	}
	// Errors reach OnError; a conflict makes the core reload the room, and the next send carries the newest state.
	Client->UpdateState(FRealtimeNetJson::ToStd(Room), std::move(Patch), System->GetNow());
}
