// A room as a game holds it: Join Room returns one, and everything about that room arrives on it -- its events
// (typed), state changes, presence, reloads and leaving -- in the order the gateway sent them (the core keeps
// that order; see rtnet::ClientEvent). Its state is read where the core keeps it, by path ("players/p1/hp").
// Publish, Update State and Leave are async nodes that take the room (RealtimeNetRoomActions.h).
#pragma once

#include "CoreMinimal.h"
#include "JsonObjectWrapper.h"
#include "UObject/Object.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetRoom.generated.h"

class URealtimeNetClient;
class URealtimeNetCollectionWatch;
namespace rtnet
{
class Value;
}

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetRoomEvent, URealtimeNetRoom*, Room, const FRealtimeNetRoomEvent&, Event);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetRoomEventNative, URealtimeNetRoom*, const FRealtimeNetRoomEvent&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetRoomStateChanged, URealtimeNetRoom*, Room, int64, Version);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetRoomStateChangedNative, URealtimeNetRoom*, int64);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetRoomPresenceChanged, URealtimeNetRoom*, Room,
	const FRealtimeNetPresenceChange&, Change);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetRoomPresenceChangedNative, URealtimeNetRoom*, const FRealtimeNetPresenceChange&);

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetRoomNews, URealtimeNetRoom*, Room, const FString&, Reason);
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetRoomNewsNative, URealtimeNetRoom*, const FString&);

UCLASS(BlueprintType)
class REALTIMENET_API URealtimeNetRoom : public UObject
{
	GENERATED_BODY()

public:
	/** Made by URealtimeNetClient::JoinRoom. */
	void Bind(URealtimeNetClient* InClient, const FString& InName);

	// --- Delivered by the client, in order --------------------------------------------------------------

	void HandleJoined();
	void HandleEvent(const FRealtimeNetRoomEvent& Event);
	void HandleStateChanged(int64 Version);
	void HandlePresenceChanged(const FRealtimeNetPresenceChange& Change);
	void HandleResynced(const FString& Reason);
	void HandleLeft(const FString& Reason);

	// --- What it is -----------------------------------------------------------------------------------

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Rooms")
	FString GetName() const { return Name; }

	/** True from the join's success until the room is left (or the client closes). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Rooms")
	bool IsJoined() const { return bJoined; }

	/** The connection this room belongs to. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Rooms")
	URealtimeNetClient* GetClient() const;

	// --- State: read where the core keeps it ------------------------------------------------------------

	/** The version of the state document held; 0 when none. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	int64 GetStateVersion() const;

	/** The number at Path ("players/p1/hp"); false when absent or not a number. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "read get path field float value hp score"))
	bool GetStateNumber(const FString& Path, double& Number) const;

	/** The integer at Path (64-bit exact); false when absent or not an integer. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "read get path field int count"))
	bool GetStateInteger(const FString& Path, int64& Integer) const;

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "read get path field text name"))
	bool GetStateString(const FString& Path, FString& Text) const;

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "read get path field flag"))
	bool GetStateBool(const FString& Path, bool& bValue) const;

	/** {x, y, z?} or [x, y, z?] at Path, as a vector (state units: no scaling). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "read get path position location"))
	bool GetStateVector(const FString& Path, FVector& Vector) const;

	/** The member names (or array indices) at Path: the entities of a collection ("players"). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "read list entities members ids"))
	bool GetStateKeys(const FString& Path, TArray<FString>& Keys) const;

	/** The value at Path as JSON (any value; Json To Value turns it into a struct). Empty Path: the whole document. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "read subtree document json"))
	bool GetStateJson(const FString& Path, FJsonObjectWrapper& Json) const;

	/** Reports every entry of the collection at Path (added, changed, removed), starting with what is there now:
	    what a spawner needs. The watch lasts until Stop (or this room object goes). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|State", meta = (Keywords = "watch spawn entities players added removed"))
	URealtimeNetCollectionWatch* WatchCollection(const FString& Path);

	/** The value at Path in the core's document; null when absent or Path does not parse (C++). */
	const rtnet::Value* FindState(const FString& Path) const;

	// --- Presence -------------------------------------------------------------------------------------

	/** The room's players in display order (online, away, offline), with display names. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Presence", meta = (Keywords = "players members list who"))
	TArray<FRealtimeNetPresenceRow> GetPresence() const;

	/** Reloads Get Presence: with no PlayerIds every member (done after each join), with PlayerIds adds those. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence", meta = (AutoCreateRefTerm = "PlayerIds"))
	void RefreshPresence(const TArray<FString>& PlayerIds);

	// --- Events (each also has a native twin, On...Native) ----------------------------------------------

	/** A room event, once, in order: wait for one type with Wait For Room Event, or switch on Event.Type here. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Rooms")
	FOnRealtimeNetRoomEvent OnEvent;
	FOnRealtimeNetRoomEventNative OnEventNative;

	/** The state document moved to Version (read it with the Get State nodes: they return the newest). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|State")
	FOnRealtimeNetRoomStateChanged OnStateChanged;
	FOnRealtimeNetRoomStateChangedNative OnStateChangedNative;

	/** Get Presence changed: a player joined, left or changed status, or the list was reloaded. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Presence")
	FOnRealtimeNetRoomPresenceChanged OnPresenceChanged;
	FOnRealtimeNetRoomPresenceChangedNative OnPresenceChangedNative;

	/** The room was reloaded from a snapshot or re-joined: events in between were missed; read the state again. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Rooms")
	FOnRealtimeNetRoomNews OnResynced;
	FOnRealtimeNetRoomNewsNative OnResyncedNative;

	/** The room was left (Leave, Disconnect, or the gateway refused a re-join): nothing more comes. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Rooms")
	FOnRealtimeNetRoomNews OnLeft;
	FOnRealtimeNetRoomNewsNative OnLeftNative;

	/** Called by URealtimeNetCollectionWatch::Stop. */
	void ForgetWatch(URealtimeNetCollectionWatch* Watch);

private:
	TWeakObjectPtr<URealtimeNetClient> Client;
	FString Name;
	bool bJoined = false;

	/** The watches made here: kept alive while they watch, even when nothing else holds them. */
	UPROPERTY()
	TArray<TObjectPtr<URealtimeNetCollectionWatch>> Watches;
};
