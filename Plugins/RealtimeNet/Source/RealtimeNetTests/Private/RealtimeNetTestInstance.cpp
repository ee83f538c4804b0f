#include "RealtimeNetTestInstance.h"

#include "Engine/Engine.h"
#include "Engine/GameInstance.h"
#include "Engine/World.h"
#include "UObject/UObjectGlobals.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetSubsystem.h"

FRealtimeNetTestInstance::FRealtimeNetTestInstance()
{
	if (GEngine == nullptr)
	{
		return;
	}
	GameInstance = NewObject<UGameInstance>(GEngine);
	GameInstance->AddToRoot();  // specs span frames; garbage collection runs between them
	GameInstance->InitializeStandalone();
	World = GameInstance->GetWorld();
	Subsystem = GameInstance->GetSubsystem<URealtimeNetSubsystem>();
}

URealtimeNetClient* FRealtimeNetTestInstance::GetClient() const
{
	return Subsystem != nullptr ? Subsystem->GetClient() : nullptr;
}

FRealtimeNetTestInstance::~FRealtimeNetTestInstance()
{
	if (GameInstance == nullptr)
	{
		return;
	}
	GameInstance->Shutdown();  // deinitializes the subsystems: the client closes its socket, the ticker goes
	if (World != nullptr && GEngine != nullptr)
	{
		GEngine->DestroyWorldContext(World);
		World->DestroyWorld(false);
	}
	GameInstance->RemoveFromRoot();
	Subsystem = nullptr;
	World = nullptr;
	GameInstance = nullptr;
}

FRealtimeNetTestSettings::FRealtimeNetTestSettings()
	: Settings(GetMutableDefault<URealtimeNetSettings>())
{
	DefaultUrl = Settings->DefaultUrl;
	bAutoConnect = Settings->bAutoConnect;
	ConnectTimeout = Settings->ConnectTimeout;
	HeartbeatGrace = Settings->HeartbeatGrace;
	BackoffBase = Settings->BackoffBase;
	BackoffCap = Settings->BackoffCap;
	BackoffMaxAttempts = Settings->BackoffMaxAttempts;
	CallTimeout = Settings->CallTimeout;
	PingInterval = Settings->PingInterval;
	TraceCapacity = Settings->TraceCapacity;
	RandomSeed = Settings->RandomSeed;
	ExcellentLimits = Settings->ExcellentLimits;
	GoodLimits = Settings->GoodLimits;
	FairLimits = Settings->FairLimits;
	PoorLimits = Settings->PoorLimits;
	RttWindow = Settings->RttWindow;
	OutlierMinSamples = Settings->OutlierMinSamples;
	SmoothedRttGain = Settings->SmoothedRttGain;

	Settings->bAutoConnect = false;
	Settings->RandomSeed = 20240601;
	Settings->ConnectTimeout = 5.f;
	Settings->CallTimeout = 5.f;
	Settings->BackoffBase = 0.2f;
	Settings->BackoffCap = 0.5f;
	Settings->BackoffMaxAttempts = 0;
	Settings->TraceCapacity = 64;
	// rtnet::NetworkMetricsOptions' grades (RTT ms, jitter ms, loss %), which RealtimeNet.Widgets expects.
	auto Limits = [](float RttMs, float JitterMs, float LossPercent)
	{
		FRealtimeNetQualityLimits Result;
		Result.RttMs = RttMs;
		Result.JitterMs = JitterMs;
		Result.LossPercent = LossPercent;
		return Result;
	};
	Settings->ExcellentLimits = Limits(50.f, 10.f, 0.5f);
	Settings->GoodLimits = Limits(100.f, 20.f, 1.f);
	Settings->FairLimits = Limits(200.f, 50.f, 3.f);
	Settings->PoorLimits = Limits(400.f, 100.f, 10.f);
}

FRealtimeNetTestSettings::~FRealtimeNetTestSettings()
{
	Settings->DefaultUrl = DefaultUrl;
	Settings->bAutoConnect = bAutoConnect;
	Settings->ConnectTimeout = ConnectTimeout;
	Settings->HeartbeatGrace = HeartbeatGrace;
	Settings->BackoffBase = BackoffBase;
	Settings->BackoffCap = BackoffCap;
	Settings->BackoffMaxAttempts = BackoffMaxAttempts;
	Settings->CallTimeout = CallTimeout;
	Settings->PingInterval = PingInterval;
	Settings->TraceCapacity = TraceCapacity;
	Settings->RandomSeed = RandomSeed;
	Settings->ExcellentLimits = ExcellentLimits;
	Settings->GoodLimits = GoodLimits;
	Settings->FairLimits = FairLimits;
	Settings->PoorLimits = PoorLimits;
	Settings->RttWindow = RttWindow;
	Settings->OutlierMinSamples = OutlierMinSamples;
	Settings->SmoothedRttGain = SmoothedRttGain;
}
