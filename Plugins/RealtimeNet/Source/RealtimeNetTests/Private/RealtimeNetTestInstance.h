// Fixtures shared by the specs: a game instance of its own per client, and a scoped change of the plugin's
// settings.
#pragma once

#include "CoreMinimal.h"

#include "RealtimeNetSettings.h"

class UGameInstance;
class URealtimeNetClient;
class URealtimeNetSubsystem;
class UWorld;

/**
 * A standalone game instance (UGameInstance::InitializeStandalone: a world context, a dummy world, Init(),
 * which creates the game-instance subsystems), so each spec gets a fresh URealtimeNetSubsystem exactly as a
 * game does, and two of them in one spec are two independent clients. The destructor shuts it down
 * (Deinitialize closes the subsystem's socket) and destroys the world.
 */
class FRealtimeNetTestInstance
{
public:
	FRealtimeNetTestInstance();
	~FRealtimeNetTestInstance();

	FRealtimeNetTestInstance(const FRealtimeNetTestInstance&) = delete;
	FRealtimeNetTestInstance& operator=(const FRealtimeNetTestInstance&) = delete;

	/** Null when the subsystem was not created (then the spec fails with a message saying so). */
	URealtimeNetSubsystem* GetSubsystem() const { return Subsystem; }
	/** The game's client ("Default"); null without a subsystem. */
	URealtimeNetClient* GetClient() const;
	UGameInstance* GetGameInstance() const { return GameInstance; }
	UWorld* GetWorld() const { return World; }

private:
	UGameInstance* GameInstance = nullptr;  // rooted while this lives
	UWorld* World = nullptr;
	URealtimeNetSubsystem* Subsystem = nullptr;
};

/**
 * Changes URealtimeNetSettings for one spec and restores every field it may change when destroyed. The
 * subsystem reads the settings when its game instance starts, so create the instance after changing them.
 * The constructor also sets what every spec wants: no auto-connect, a fixed random seed (repeatable
 * backoff), short timeouts so a failing spec fails in seconds, and the core's default quality limits (a
 * project may have changed them in Config/DefaultGame.ini).
 */
class FRealtimeNetTestSettings
{
public:
	FRealtimeNetTestSettings();
	~FRealtimeNetTestSettings();

	FRealtimeNetTestSettings(const FRealtimeNetTestSettings&) = delete;
	FRealtimeNetTestSettings& operator=(const FRealtimeNetTestSettings&) = delete;

	URealtimeNetSettings* operator->() const { return Settings; }

private:
	URealtimeNetSettings* Settings = nullptr;

	FString DefaultUrl;
	bool bAutoConnect = false;
	float ConnectTimeout = 0.f;
	float HeartbeatGrace = 0.f;
	float BackoffBase = 0.f;
	float BackoffCap = 0.f;
	int32 BackoffMaxAttempts = 0;
	float CallTimeout = 0.f;
	float PingInterval = 0.f;
	int32 TraceCapacity = 0;
	int32 RandomSeed = 0;
	FRealtimeNetQualityLimits ExcellentLimits;
	FRealtimeNetQualityLimits GoodLimits;
	FRealtimeNetQualityLimits FairLimits;
	FRealtimeNetQualityLimits PoorLimits;
	int32 RttWindow = 0;
	int32 OutlierMinSamples = 0;
	float SmoothedRttGain = 0.f;
};
