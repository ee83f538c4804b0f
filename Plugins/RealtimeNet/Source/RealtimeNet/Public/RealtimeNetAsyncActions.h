// Hand-written cancellable async Blueprint nodes that are not about one room: Connect, Call (any method, JSON text)
// and Set Presence. The room nodes (Join Room, Leave, Publish, Update State, Wait For Room Event) are in
// RealtimeNetRoomActions.h. The call nodes share URealtimeNetCallActionBase (RealtimeNetCallAction.h) with the
// generated Protocol/ nodes: one way to send, end and report a call. Each node finishes exactly once (success,
// failure or Cancel) and then calls SetReadyToDestroy. Members are named Request* so the factories' parameters
// (the Blueprint pin names) shadow nothing.
#pragma once

#include "CoreMinimal.h"
#include "Engine/CancellableAsyncAction.h"

#include "RealtimeNetCallAction.h"
#include "RealtimeNetClient.h"
#include "RealtimeNetTypes.h"

#include "RealtimeNetAsyncActions.generated.h"

// One delegate type per node for both pins: the Blueprint node makes its data pins from the first delegate's
// signature only (UK2Node_BaseAsyncTask), so a second signature's values would never reach the graph.
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FRealtimeNetAsyncConnectDone, const FRealtimeNetError&, Error);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FRealtimeNetAsyncJsonCallDone, const FString&, ResultJson, const FRealtimeNetError&,
	Error);

/** Opens the session and waits: On Connected once connected, On Failure when it will not be (a refused token, a
    fatal close, the backoff attempts used up, Disconnect, or nothing could be started: already connected elsewhere,
    no URL). Transient failures are retried with backoff while the node waits. Cancel stops waiting (the client
    keeps connecting: Disconnect stops it). */
UCLASS()
class REALTIMENET_API URealtimeNetConnectAction : public UCancellableAsyncAction
{
	GENERATED_BODY()

public:
	/** An empty Url uses -RealtimeNetUrl= (not in Shipping), the Play In Editor identity's URL, then Project
	    Settings' Default Url; an empty Token the Play In Editor identity's. Client: None uses the world's. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", AdvancedDisplay = "Client",
			DisplayName = "Connect", Keywords = "connect login open session online start"))
	static URealtimeNetConnectAction* Connect(UObject* WorldContextObject, const FString& Url, const FString& Token,
		URealtimeNetClient* Client = nullptr);

	/** Connected (Error is empty). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
	FRealtimeNetAsyncConnectDone OnConnected;

	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
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
	TWeakObjectPtr<URealtimeNetClient> RequestClient;
	FString RequestUrl;
	FString RequestToken;
	FDelegateHandle StateHandle;
	FDelegateHandle ErrorHandle;
	FRealtimeNetError LastRetriedError;
	bool bFinished = false;
	bool bCancelled = false;
};

/** The hand-written call nodes with a JSON result: OnSuccess with the result as JSON text (integers exact),
    OnFailure with the error. */
UCLASS(Abstract)
class REALTIMENET_API URealtimeNetJsonCallActionBase : public URealtimeNetCallActionBase
{
	GENERATED_BODY()

public:
	/** The call succeeded: ResultJson (Error is empty). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
	FRealtimeNetAsyncJsonCallDone OnSuccess;

	/** The call failed: Error (ResultJson is empty). */
	UPROPERTY(BlueprintAssignable, Category = "RealtimeNet|Connection")
	FRealtimeNetAsyncJsonCallDone OnFailure;

protected:
	virtual bool BroadcastSuccess(const TSharedPtr<FJsonValue>& Result, FString& OutProblem) override;
	virtual void BroadcastFailure(const FRealtimeNetError& Error) override;
};

/** Any method by name, params as JSON object text (empty: no params): for a game's own gateway methods. */
UCLASS()
class REALTIMENET_API URealtimeNetCallAction : public URealtimeNetJsonCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Connection",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", AutoCreateRefTerm = "Options",
			AdvancedDisplay = "Options,Client", DisplayName = "Call Method", Keywords = "rpc call method custom request"))
	static URealtimeNetCallAction* Call(UObject* WorldContextObject, const FString& Method, const FString& ParamsJson,
		const FRealtimeNetCallOptions& Options, URealtimeNetClient* Client = nullptr);
};

/** presence.set: this device's status and an optional custom payload (any JSON value as text, or empty; its
    "name" member, by default, is the display name others see). */
UCLASS()
class REALTIMENET_API URealtimeNetSetPresenceAction : public URealtimeNetJsonCallActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence",
		meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContextObject", AdvancedDisplay = "Client",
			DisplayName = "Set Presence", Keywords = "status away online busy name"))
	static URealtimeNetSetPresenceAction* SetPresence(UObject* WorldContextObject, ERealtimeNetPresenceStatus Status,
		const FString& CustomJson, URealtimeNetClient* Client = nullptr);

protected:
	virtual int64 StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone) override;

private:
	ERealtimeNetPresenceStatus RequestStatus = ERealtimeNetPresenceStatus::Online;
	FString RequestCustomJson;
};
