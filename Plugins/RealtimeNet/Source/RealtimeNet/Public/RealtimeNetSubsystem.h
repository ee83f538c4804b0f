// Where a game's RealtimeNet clients live: one URealtimeNetSubsystem per game instance owns them -- the game's own
// ("Default"), one per local player when split screen asks for it (URealtimeNetLocalPlayerSubsystem), and any a
// game makes for further connections -- and pumps them from FTSTicker, which keeps running while the game is
// paused and between levels. Dedicated servers get none unless Project Settings opt in.
#pragma once

#include "CoreMinimal.h"
#include "Containers/Ticker.h"
#include "Subsystems/GameInstanceSubsystem.h"

#include "RealtimeNetClient.h"

#include "RealtimeNetSubsystem.generated.h"

class APlayerController;
class ULocalPlayer;

UCLASS()
class REALTIMENET_API URealtimeNetSubsystem : public UGameInstanceSubsystem
{
	GENERATED_BODY()

public:
	/** The subsystem of the context object's game instance; null outside a game world (or on a server without it). */
	static URealtimeNetSubsystem* Get(const UObject* WorldContextObject);

	/** The client for a context: its local player's own client when split screen gives each player one (the
	    context is, or belongs to, a local player, a player controller, a pawn it possesses, or a component of
	    one of those), else the game's. Null without a subsystem. */
	static URealtimeNetClient* GetClientFor(const UObject* WorldContextObject);

	/** The RealtimeNet client for this world: the local player's when Player is given and split screen gives each
	    player a client, else the game's. Leave Player empty unless the game runs split screen. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection",
		meta = (WorldContext = "WorldContextObject", AdvancedDisplay = "Player", DisplayName = "Get RealtimeNet Client",
			Keywords = "network online client connection gateway"))
	static URealtimeNetClient* GetRealtimeNetClient(const UObject* WorldContextObject, APlayerController* Player = nullptr);

	/** Not on a dedicated server unless Project Settings > RealtimeNet > bCreateOnDedicatedServer says so: this is a
	    player's session with the gateway, and a server normally has no player (its backend talks to the gateway's
	    POST /api). Without it Get returns null and the async nodes fail saying so. */
	virtual bool ShouldCreateSubsystem(UObject* Outer) const override;
	virtual void Initialize(FSubsystemCollectionBase& Collection) override;
	virtual void Deinitialize() override;

	/** The game's client ("Default"). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	URealtimeNetClient* GetClient() const { return DefaultClient; }

	/** Another connection (a second gateway, a second identity), pumped with the others; an existing name returns
	    that client. In Play In Editor it takes the next free development identity. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection", meta = (Keywords = "second connection add"))
	URealtimeNetClient* CreateClient(FName ClientName);

	/** C++: the token provider of every client this subsystem has made and will make (each client asks it when its
	    session needs a new token: URealtimeNetClient::SetTokenProvider). Split screen with a token per player: set
	    one per client instead. */
	void SetTokenProvider(FRealtimeNetTokenProvider Provider);

	/** A client made by CreateClient (or "Default"); None when there is none by that name. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Connection")
	URealtimeNetClient* FindClient(FName ClientName) const;

	/** Closes and forgets a client made by CreateClient (the game's own stays). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection")
	void DestroyClient(URealtimeNetClient* Client);

	/** Every client, the game's first. */
	TArray<URealtimeNetClient*> GetClients() const;

private:
	bool HandleTick(float DeltaTime);
	URealtimeNetClient* MakeClient(FName ClientName);
	void ReleaseIdentity(URealtimeNetClient* Client);

	UPROPERTY()
	TObjectPtr<URealtimeNetClient> DefaultClient;

	/** Every client by name, the game's included. */
	UPROPERTY()
	TMap<FName, TObjectPtr<URealtimeNetClient>> Clients;

	/** Play In Editor: the development identity each client holds (URealtimeNetDevelopmentSettings). */
	TMap<FName, int32> Identities;
	FRealtimeNetTokenProvider TokenProvider;

	FTSTicker::FDelegateHandle TickHandle;
};
