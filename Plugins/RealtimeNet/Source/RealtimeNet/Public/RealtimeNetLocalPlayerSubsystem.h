// Split screen: with Project Settings > RealtimeNet > Client Per Local Player, every local player gets a
// RealtimeNet client of its own (its own connection and player id); the first local player uses the game's.
// URealtimeNetSubsystem::GetClientFor finds it from anything the player owns.
#pragma once

#include "CoreMinimal.h"
#include "Subsystems/LocalPlayerSubsystem.h"

#include "RealtimeNetLocalPlayerSubsystem.generated.h"

class URealtimeNetClient;

UCLASS()
class REALTIMENET_API URealtimeNetLocalPlayerSubsystem : public ULocalPlayerSubsystem
{
	GENERATED_BODY()

public:
	virtual bool ShouldCreateSubsystem(UObject* Outer) const override;
	virtual void Initialize(FSubsystemCollectionBase& Collection) override;
	virtual void Deinitialize() override;

	/** This local player's client. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	URealtimeNetClient* GetClient() const { return Client; }

private:
	UPROPERTY()
	TObjectPtr<URealtimeNetClient> Client;

	/** Made for this player (not the game's, which the first player shares): destroyed with it. */
	bool bOwnsClient = false;
};
