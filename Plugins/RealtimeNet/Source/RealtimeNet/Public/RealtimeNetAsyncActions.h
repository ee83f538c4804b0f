// Hand-written cancellable async Blueprint nodes: Connect, and the everyday calls taking JSON text (no struct
// needed). The call nodes share URealtimeNetCallActionBase (RealtimeNetCallAction.h) with the generated
// Protocol/ nodes, which cover every method with typed structs: one way to send, end and report a call. Each
// node finishes exactly once (success, failure or Cancel) and then calls SetReadyToDestroy. Members are named
// Request* so the factories' parameters (the Blueprint pin names) shadow nothing.
#pragma once

#include "CoreMinimal.h"
#include "Engine/CancellableAsyncAction.h"

#include "RealtimeNetCallAction.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTypes.h"

#include "RealtimeNetAsyncActions.generated.h"

// One delegate type per node for both pins: the Blueprint node makes its data pins from the first delegate's
// signature only (UK2Node_BaseAsyncTask), so a second signature's values would never reach the graph.
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FRealtimeNetAsyncConnectDone, const FRealtimeNetError&, Error);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FRealtimeNetAsyncJsonCallDone, const FString&, ResultJson, const FRealtimeNetError&,
	Error);

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

	/** Connected (Error is empty). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Async")
	FRealtimeNetAsyncConnectDone OnConnected;

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Async")
	FRealtimeNetAsyncConnectDone OnFailure;

	virtual void Activate() override;
	virtual void Cancel() override;
	/** Still waiting (not connected, failed or cancelled). */
	virtual bool IsActive() const override;
	/** True unless cancelled: not only inside a game instance (UCancellableAsyncAction's default), so the
	    failure pin fires where there is no subsystem. */
	virtual bool ShouldBroadcastDelegates() const override;

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
	bool bCancelled = false;
};

/** The hand-written call nodes: OnSuccess with the result as JSON text (integers exact), OnFailure with the error. */
UCLASS(Abstract)
class REALTIMENET_API URealtimeNetJsonCallActionBase : public URealtimeNetCallActionBase
{
	GENERATED_BODY()

public:
	/** The call succeeded: ResultJson (Error is empty). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Async")
	FRealtimeNetAsyncJsonCallDone OnSuccess;

	/** The call failed: Error (ResultJson is empty). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Async")
	FRealtimeNetAsyncJsonCallDone OnFailure;

protected:
	virtual bool BroadcastSuccess(const TSharedPtr<FJsonValue>& Result, FString& OutProblem) override;
	virtual void BroadcastFailure(const FRealtimeNetError& Error) override;
};

/** Any method, params as JSON object text (empty: no params). */
UCLASS()
class REALTIMENET_API URealtimeNetCallAction : public URealtimeNetJsonCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Async",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", DisplayName = "RealtimeNet Call"))
	static URealtimeNetCallAction* Call(UObject* WorldContextObject, const FString& Method, const FString& ParamsJson,
		const FRealtimeNetCallOptions& Options);
};

/** room.join; the result is RoomJoined as JSON text (room, stream, state_version, state, ...). */
UCLASS()
class REALTIMENET_API URealtimeNetJoinRoomAction : public URealtimeNetJsonCallActionBase
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
class REALTIMENET_API URealtimeNetUpdateStateAction : public URealtimeNetJsonCallActionBase
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
class REALTIMENET_API URealtimeNetSetPresenceAction : public URealtimeNetJsonCallActionBase
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
