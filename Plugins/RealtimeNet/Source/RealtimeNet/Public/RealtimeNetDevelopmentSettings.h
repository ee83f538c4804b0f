// Editor Preferences > Plugins > RealtimeNet (this user): the development identities Play In Editor connects
// with. Saved per user and per project (config=EditorPerProjectUserSettings: Saved/Config/.../
// EditorPerProjectUserSettings.ini), never in the project's committed Config/, so no token is ever committed.
#pragma once

#include "CoreMinimal.h"
#include "Engine/DeveloperSettings.h"

#include "RealtimeNetDevelopmentSettings.generated.h"

/** One player a Play In Editor instance logs in as: a development token (e.g. `rtnet token --sub alice`). */
USTRUCT(BlueprintType)
struct REALTIMENET_API FRealtimeNetDevelopmentIdentity
{
	GENERATED_BODY()

	/** Who this is, for you (the token's sub is what the gateway sees). */
	UPROPERTY(EditAnywhere, Category = "RealtimeNet|Development")
	FString Label;

	/** A development JWT for this player. Kept in your per-user settings only; not readable from Blueprints. */
	UPROPERTY(EditAnywhere, Category = "RealtimeNet|Development", meta = (PasswordField = "true"))
	FString Token;
};

UCLASS(config = EditorPerProjectUserSettings, meta = (DisplayName = "RealtimeNet (this user)"))
class REALTIMENET_API URealtimeNetDevelopmentSettings : public UDeveloperSettings
{
	GENERATED_BODY()

public:
	URealtimeNetDevelopmentSettings();

	/** In Play In Editor, each client that connects without a token of its own takes the next free identity
	    below, so two PIE windows (or two split-screen players) never log in as the same player (which makes
	    the gateway close the first with 4502). */
	UPROPERTY(config, EditAnywhere, Category = "RealtimeNet|Play In Editor")
	bool bUseIdentitiesInPlayInEditor = true;

	/** The gateway Play In Editor connects to when Connect gets no URL; empty: Project Settings' Default Url. */
	UPROPERTY(config, EditAnywhere, Category = "RealtimeNet|Play In Editor")
	FString Url;

	/** One per PIE instance (and split-screen player), taken in the order the clients start. */
	UPROPERTY(config, EditAnywhere, Category = "RealtimeNet|Play In Editor", meta = (TitleProperty = "Label"))
	TArray<FRealtimeNetDevelopmentIdentity> Identities;

	/** Takes the first identity no running client holds; INDEX_NONE when every one is taken (or none is set). */
	int32 ClaimIdentity(FRealtimeNetDevelopmentIdentity& OutIdentity);

	/** Gives back an identity ClaimIdentity handed out (the client went away). */
	void ReleaseIdentity(int32 Index);

	/** How many identities are held now. */
	int32 GetClaimedCount() const { return Claimed.Num(); }

private:
	/** Indices held by running clients (all PIE instances run in one editor process). */
	TSet<int32> Claimed;
};
