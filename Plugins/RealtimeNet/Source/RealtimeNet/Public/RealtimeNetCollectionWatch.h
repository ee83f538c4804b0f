// The entries of a collection in a room's state ("players"), reported as they are added, changed and removed
// (rtnet::DiffCollection, in order with the room's other news). Made by URealtimeNetRoom::WatchCollection; the
// entity spawner component uses one.
#pragma once

#include "CoreMinimal.h"
#include "JsonObjectWrapper.h"
#include "UObject/Object.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetCollectionWatch.generated.h"

class URealtimeNetClient;
class URealtimeNetRoom;

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnRealtimeNetCollectionEntry, const FString&, Key, const FJsonObjectWrapper&, Value);
/** Native twin of all three: which change, the entry's key and its value (as it was, for Removed). */
DECLARE_MULTICAST_DELEGATE_ThreeParams(FOnRealtimeNetCollectionEntryNative, ERealtimeNetCollectionChange, const FString&,
	const FJsonObjectWrapper&);

UCLASS(BlueprintType)
class REALTIMENET_API URealtimeNetCollectionWatch : public UObject
{
	GENERATED_BODY()

public:
	/** Made by URealtimeNetRoom::WatchCollection. */
	void Bind(URealtimeNetRoom* InRoom, URealtimeNetClient* InClient, const FString& InPath, uint64 InWatchId);

	/** Delivered by the client, in order. */
	void Handle(ERealtimeNetCollectionChange Change, const FString& Key, const FJsonObjectWrapper& Value);

	/** No more reports. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|State")
	void Stop();

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	bool IsWatching() const { return WatchId != 0; }

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	FString GetPath() const { return Path; }

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State")
	URealtimeNetRoom* GetRoom() const;

	/** An entry appeared (for entries already there when the watch started, too). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|State")
	FOnRealtimeNetCollectionEntry OnAdded;

	/** An entry's value changed. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|State")
	FOnRealtimeNetCollectionEntry OnChanged;

	/** An entry went (also for every entry when the room is left); Value is what it was. */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|State")
	FOnRealtimeNetCollectionEntry OnRemoved;

	FOnRealtimeNetCollectionEntryNative OnEntryNative;

private:
	TWeakObjectPtr<URealtimeNetRoom> Room;
	TWeakObjectPtr<URealtimeNetClient> Client;
	FString Path;
	uint64 WatchId = 0;
};
