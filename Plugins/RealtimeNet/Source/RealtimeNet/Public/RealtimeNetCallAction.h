// The one base of every call node, hand-written (RealtimeNetAsyncActions.h, RealtimeNetRoomActions.h) and generated
// (Protocol/RealtimeNetProtocolCalls.h): it sends the call through a URealtimeNetClient and ends the node exactly
// once, by one path, with errors classified by the core. A node adds only its factory and its two pins.
#pragma once

#include "CoreMinimal.h"
#include "Dom/JsonObject.h"
#include "Dom/JsonValue.h"
#include "Engine/CancellableAsyncAction.h"
#include "UObject/WeakObjectPtrTemplates.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetTypes.h"

#include "RealtimeNetCallAction.generated.h"

/**
 * What every call node shares. The factory names the method and the client (Init) and, for a node that sends a
 * params object as it is, the params (SetParams); Activate sends the call; the node then ends exactly once and
 * calls SetReadyToDestroy: OnSuccess (BroadcastSuccess), OnFailure (BroadcastFailure), or Cancel, which also
 * cancels the call in the client and fires nothing (a join already sent is then left if it succeeds late).
 * OnFailure means: refused before it was sent, answered with an error, timed out, lost with its socket, or answered
 * with a result that does not match the protocol; its Error's Call Failure tells those apart.
 *
 * The pins are the subclass's: OnSuccess and OnFailure of ONE delegate type (Result, Error), because the Blueprint
 * node (UK2Node_BaseAsyncTask) makes its data pins from the first delegate's signature only; a failure delegate
 * of another signature would fire with no Error pin. Members are named Request* so the factories' parameters (the
 * Blueprint pin names) shadow nothing.
 */
UCLASS(Abstract)
class REALTIMENET_API URealtimeNetCallActionBase : public UCancellableAsyncAction
{
	GENERATED_BODY()

public:
	virtual void Activate() override;
	virtual void Cancel() override;
	/** Still waiting for its answer (not ended, not cancelled). */
	virtual bool IsActive() const override;
	/** True unless cancelled. UCancellableAsyncAction's default asks for a game instance; outside one (an editor
	    utility, a commandlet) there is no subsystem either, and the failure pin must still say so. */
	virtual bool ShouldBroadcastDelegates() const override;

	/** The JSON-RPC method this node calls. */
	const FString& GetMethod() const { return RequestMethod; }

	/** The client's id of the call while it is in flight; 0 before Activate and once the node has ended. */
	int64 GetCallId() const { return CallId; }

protected:
	/** For the factories: the method, and the client that sends it (null: the world's, URealtimeNetSubsystem::
	    GetClientFor). Registers the node with the game instance (when there is one), so it outlives the Blueprint
	    frame that started it. A development-only node fails in Shipping builds without a call. */
	void Init(UObject* WorldContextObject, URealtimeNetClient* InClient, const FString& Method, bool bDevelopmentOnly = false);

	/** For nodes that send a params object as it is (the default StartCall): null Params sends none. A non-empty
	    ParamsError says the params did not encode: Activate then fails the node with -32602 and sends nothing. */
	void SetParams(const TSharedPtr<FJsonObject>& Params, const FString& ParamsError, const FRealtimeNetCallOptions& Options);

	/** Starts the call and returns its id (0 when refused: OnDone still runs, with the refusal, on a later tick).
	    The default sends the method with SetParams' params through URealtimeNetClient::CallJson. */
	virtual int64 StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone);

	/** Broadcasts the subclass's OnSuccess with the result (and an empty Error); false, with OutProblem, when the
	    result does not match what the node promises (the node then fails instead). */
	virtual bool BroadcastSuccess(const TSharedPtr<FJsonValue>& Result, FString& OutProblem);

	/** Broadcasts the subclass's OnFailure with Error (and an empty Result). */
	virtual void BroadcastFailure(const FRealtimeNetError& Error);

	/** Fails the node before any call was made: the params (Problem says how) would be refused with -32602. */
	void FailInvalidParams(const FString& Problem);

	/** For BroadcastSuccess: decodes the result into TResult (a generated struct with FromJson) and broadcasts it
	    with an empty Error. */
	template <typename TResult, typename TDelegate>
	static bool BroadcastDecoded(const TSharedPtr<FJsonValue>& Result, const TDelegate& Delegate, FString& OutProblem)
	{
		const TSharedPtr<FJsonObject>* Object = nullptr;
		if (!Result.IsValid() || Result->Type != EJson::Object || !Result->TryGetObject(Object) || Object == nullptr
			|| !Object->IsValid())
		{
			OutProblem = TEXT("the result is not a JSON object");
			return false;
		}
		TResult Decoded;
		if (!Decoded.FromJson(**Object, &OutProblem))
		{
			return false;
		}
		Delegate.Broadcast(Decoded, FRealtimeNetError());
		return true;
	}

private:
	/** The one way a node ends (success, failure, refusal): once, then SetReadyToDestroy. */
	void Finish(const FRealtimeNetCallResult& Result);
	void FailWith(const FRealtimeNetError& Error);

	TWeakObjectPtr<UObject> WorldContext;
	TWeakObjectPtr<URealtimeNetClient> RequestClient;
	FString RequestMethod;
	TSharedPtr<FJsonObject> RequestParams;
	FString RequestParamsError;
	FRealtimeNetCallOptions RequestOptions;
	int64 CallId = 0;
	bool bFinished = false;
	bool bCancelled = false;
	bool bRequestDevelopmentOnly = false;
};
