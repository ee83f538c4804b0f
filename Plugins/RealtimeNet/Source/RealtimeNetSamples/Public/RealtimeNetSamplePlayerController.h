// The sample's player controller: RealtimeNet > Create Sample Content makes BP_RealtimeNetSamplePlayerController from
// it, with an Entity Spawner component added in the Blueprint. On BeginPlay a local player's controller shows
// HudClass, connects (unless its client already is), joins RoomName, and starts the controller's Entity Spawner
// components on the room object the join returned, so every other player of the room gets an actor that moves with
// its entity. The same steps as Blueprint nodes are docs/blueprint-api.md's "first five minutes": Event BeginPlay ->
// Create Widget -> Add to Viewport; Connect -> Join Room -> Start Spawning (Room, "players").
#pragma once

#include "CoreMinimal.h"
#include "GameFramework/PlayerController.h"
#include "Templates/SubclassOf.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetSamplePlayerController.generated.h"

class URealtimeNetClient;
class URealtimeNetRoom;
class UUserWidget;
struct FRealtimeNetCallResult;

UCLASS(Blueprintable)
class REALTIMENETSAMPLES_API ARealtimeNetSamplePlayerController : public APlayerController
{
	GENERATED_BODY()

public:
	/** The room to join: "arena-1" is where `make demo` and `rtnet bots --room arena-1` put their bots. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Rooms")
	FString RoomName = TEXT("arena-1");

	/** Join with the compact entity encoding (state.entities), which a room of many moving players wants. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Rooms")
	bool bCompactEntities = true;

	/** The gateway. Empty: -RealtimeNetUrl= on the command line, the Play In Editor identity's URL, then Project
	    Settings' Default Url (URealtimeNetClient::StartConnecting). The token is always the Play In Editor identity's
	    (Editor Preferences > RealtimeNet (this user)): a token never goes into an asset. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Connection")
	FString Url;

	/** Shown on the local player's screen at BeginPlay (the sample's lobby HUD); None shows nothing. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|UI")
	TSubclassOf<UUserWidget> HudClass;

	/** The room joined; None before the join succeeds. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Rooms")
	URealtimeNetRoom* GetJoinedRoom() const;

	/** The HUD made from HudClass; None when there is none. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|UI")
	UUserWidget* GetHud() const;

	/** The room was joined and the spawners started on it: the place for what a game adds (bind the room's events). */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Rooms")
	void OnRoomJoined(URealtimeNetRoom* Room);

	/** Connecting could not start, or the join failed (Error says why). The next time the client connects, the
	    controller joins again. */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Rooms")
	void OnJoinFailed(const FRealtimeNetError& Error);

protected:
	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type EndPlayReason) override;

private:
	void HandleConnectionStateChanged(ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState,
		const FString& Reason);
	/** Joins RoomName unless it is joined or a join is in flight. */
	void Join();
	void HandleJoinDone(const FRealtimeNetCallResult& Result);
	void HandleJoined(URealtimeNetRoom* Room);
	void Fail(const FRealtimeNetError& Error);

	TWeakObjectPtr<URealtimeNetClient> Client;
	FDelegateHandle StateHandle;
	/** The join in flight; 0 when none. */
	int64 JoinCall = 0;

	UPROPERTY(Transient)
	TObjectPtr<URealtimeNetRoom> JoinedRoom;

	UPROPERTY(Transient)
	TObjectPtr<UUserWidget> Hud;
};
