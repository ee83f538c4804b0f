// Hand-written cancellable async Blueprint nodes for the everyday calls. The generated Protocol/ nodes cover
// every method with typed structs; these take JSON text and need no struct. Each finishes exactly once
// (success, failure or Cancel) and then calls SetReadyToDestroy. Members are named Request* so the factories'
// parameters (the Blueprint pin names) shadow nothing.
#pragma once

#include "CoreMinimal.h"
#include "Engine/CancellableAsyncAction.h"

#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTypes.h"

#include "RealtimeNetAsyncActions.generated.h"

DECLARE_DYNAMIC_MULTICAST_DELEGATE(FRealtimeNetAsyncConnected);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FRealtimeNetAsyncJsonResult, const FString&, ResultJson);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FRealtimeNetAsyncFailure, const FRealtimeNetError&, Error);

/** Opens the session; succeeds once connected. Fails on an error the client cannot retry by itself (auth, fatal),
    or when it closes (backoff attempts used up, Disconnect); transient failures are retried with backoff while the
    node waits. Cancel stops waiting (the client keeps connecting: call Disconnect to stop it). */
UCLASS()
class REALTIMENET_API URealtimeNetConnectAction : public UCancellableAsyncAction
{
	GENERATED_BODY()

public:
	/** An empty Url uses Project Settings > RealtimeNet > Default Url. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Async",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "RealtimeNet Connect"))
	static URealtimeNetConnectAction* Connect(UObject* WorldContextObject, const FString& Url, const FString& Token);

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Async")
	FRealtimeNetAsyncConnected OnConnected;

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Async")
	FRealtimeNetAsyncFailure OnFailure;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	void HandleStateChanged(ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState, const FString& Reason);
	void HandleError(const FRealtimeNetError& Error);
	void Finish(bool bSucceeded, const FRealtimeNetError& Error);
	void Unbind();

	TWeakObjectPtr<UObject> WorldContext;
	TWeakObjectPtr<URealtimeNetSubsystem> Subsystem;
	FString RequestUrl;
	FString RequestToken;
	FDelegateHandle StateHandle;
	FDelegateHandle ErrorHandle;
	FRealtimeNetError LastRetriedError;
	bool bFinished = false;
};

/** Shared by the call nodes: OnSuccess with the result as JSON text, OnFailure with the classified error;
    Cancel forgets the call (URealtimeNetSubsystem::CancelCall). */
UCLASS(Abstract)
class REALTIMENET_API URealtimeNetCallActionBase : public UCancellableAsyncAction
{
	GENERATED_BODY()

public:
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Async")
	FRealtimeNetAsyncJsonResult OnSuccess;

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Async")
	FRealtimeNetAsyncFailure OnFailure;

	virtual void Activate() override;
	virtual void Cancel() override;

protected:
	/** For the factories: remembers the world and registers with its game instance, so the node outlives the
	    Blueprint frame that started it (and ShouldBroadcastDelegates is true). */
	void Init(UObject* WorldContextObject);
	/** Starts the call; returns its id (0 when refused: OnDone still runs, with the refusal). */
	virtual int64 StartCall(URealtimeNetSubsystem& System, FRealtimeNetCallCompleted OnDone);
	/** Fails the node before any call was made (no subsystem, bad arguments). */
	void FailNow(const FRealtimeNetError& Error);
	void HandleCompleted(const FRealtimeNetCallResult& Result);

private:
	TWeakObjectPtr<UObject> WorldContext;
	TWeakObjectPtr<URealtimeNetSubsystem> Subsystem;
	int64 CallId = 0;
	bool bFinished = false;
};

/** Any method, params as JSON object text (empty: no params). */
UCLASS()
class REALTIMENET_API URealtimeNetCallAction : public URealtimeNetCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Async",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "RealtimeNet Call"))
	static URealtimeNetCallAction* Call(UObject* WorldContextObject, const FString& Method, const FString& ParamsJson,
		const FRealtimeNetCallOptions& Options);

protected:
	virtual int64 StartCall(URealtimeNetSubsystem& System, FRealtimeNetCallCompleted OnDone) override;

private:
	FString RequestMethod;
	FString RequestParamsJson;
	FRealtimeNetCallOptions RequestOptions;
};

/** room.join; the result is RoomJoined as JSON text (room, stream, state_version, state, ...). */
UCLASS()
class REALTIMENET_API URealtimeNetJoinRoomAction : public URealtimeNetCallActionBase
{
	GENERATED_BODY()

public:
	/** StateEncoding: empty (merge patches) or "entities". */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Async",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "RealtimeNet Join Room"))
	static URealtimeNetJoinRoomAction* JoinRoom(UObject* WorldContextObject, const FString& Room, const FString& StateEncoding);

protected:
	virtual int64 StartCall(URealtimeNetSubsystem& System, FRealtimeNetCallCompleted OnDone) override;

private:
	FString RequestRoom;
	FString RequestStateEncoding;
};

/** state.update with an RFC 7396 merge patch (JSON object text) against the version held. */
UCLASS()
class REALTIMENET_API URealtimeNetUpdateStateAction : public URealtimeNetCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Async",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "RealtimeNet Update State"))
	static URealtimeNetUpdateStateAction* UpdateState(UObject* WorldContextObject, const FString& Room, const FString& PatchJson);

protected:
	virtual int64 StartCall(URealtimeNetSubsystem& System, FRealtimeNetCallCompleted OnDone) override;

private:
	FString RequestRoom;
	FString RequestPatchJson;
};

/** presence.set: this device's status and an optional custom payload (any JSON value as text, or empty). */
UCLASS()
class REALTIMENET_API URealtimeNetSetPresenceAction : public URealtimeNetCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Async",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "RealtimeNet Set Presence"))
	static URealtimeNetSetPresenceAction* SetPresence(UObject* WorldContextObject, ERealtimeNetPresenceStatus Status,
		const FString& CustomJson);

protected:
	virtual int64 StartCall(URealtimeNetSubsystem& System, FRealtimeNetCallCompleted OnDone) override;

private:
	ERealtimeNetPresenceStatus RequestStatus = ERealtimeNetPresenceStatus::Online;
	FString RequestCustomJson;
};
