#include "RealtimeNetCallAction.h"

#include "rtnet/Errors.h"

#include "RealtimeNetConvert.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetSubsystem.h"

namespace RealtimeNetCallActionDetail
{
/** A failure found on this side of the wire, classified by the core (rtnet::LocalCallError). */
FRealtimeNetError LocalError(rtnet::LocalFailure Failure, const FString& Method, const FString& Message)
{
	return RealtimeNetConvert::ToError(
		rtnet::LocalCallError(Failure, FRealtimeNetJson::ToStd(Method), FRealtimeNetJson::ToStd(Message)));
}
}  // namespace RealtimeNetCallActionDetail

void URealtimeNetCallActionBase::Init(UObject* WorldContextObject, URealtimeNetClient* InClient, const FString& Method,
	bool bDevelopmentOnly)
{
	WorldContext = WorldContextObject;
	RequestClient = InClient;
	RequestMethod = Method;
	bRequestDevelopmentOnly = bDevelopmentOnly;
	RegisterWithGameInstance(WorldContextObject);
}

void URealtimeNetCallActionBase::SetParams(const TSharedPtr<FJsonObject>& Params, const FString& ParamsError,
	const FRealtimeNetCallOptions& Options)
{
	RequestParams = Params;
	RequestParamsError = ParamsError;
	RequestOptions = Options;
}

void URealtimeNetCallActionBase::Activate()
{
#if UE_BUILD_SHIPPING
	if (bRequestDevelopmentOnly)
	{
		FailWith(RealtimeNetCallActionDetail::LocalError(rtnet::LocalFailure::kNoClient, RequestMethod,
			TEXT("a development-only call: not in Shipping builds")));
		return;
	}
#endif
	URealtimeNetClient* Target = RequestClient.IsValid() ? RequestClient.Get() : URealtimeNetSubsystem::GetClientFor(WorldContext.Get());
	if (Target == nullptr)
	{
		FailWith(RealtimeNetCallActionDetail::LocalError(rtnet::LocalFailure::kNoClient, RequestMethod,
			TEXT("no RealtimeNet client for this world")));
		return;
	}
	RequestClient = Target;
	const int64 Started =
		StartCall(*Target, FRealtimeNetCallCompleted::CreateUObject(this, &URealtimeNetCallActionBase::Finish));
	// A call that ended inside StartCall (bad params) has no id to keep.
	CallId = bFinished ? 0 : Started;
}

void URealtimeNetCallActionBase::Cancel()
{
	if (bFinished)
	{
		return;
	}
	// Ended first, so a cancellation the subsystem reports synchronously fires nothing.
	bFinished = true;
	bCancelled = true;
	const int64 Pending = CallId;
	CallId = 0;
	URealtimeNetClient* Target = RequestClient.Get();
	if (Target != nullptr && Pending != 0)
	{
		Target->CancelCall(Pending);  // its OnDone will not run
	}
	Super::Cancel();  // SetReadyToDestroy
}

bool URealtimeNetCallActionBase::IsActive() const
{
	return !bFinished;
}

bool URealtimeNetCallActionBase::ShouldBroadcastDelegates() const
{
	return !bCancelled;
}

int64 URealtimeNetCallActionBase::StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone)
{
	if (!RequestParamsError.IsEmpty())
	{
		FailInvalidParams(RequestParamsError);
		return 0;
	}
	return Client.CallJson(RequestMethod, RequestParams, RequestOptions, MoveTemp(OnDone));
}

bool URealtimeNetCallActionBase::BroadcastSuccess(const TSharedPtr<FJsonValue>& /*Result*/, FString& OutProblem)
{
	OutProblem = TEXT("the node has no success pin");
	return false;
}

void URealtimeNetCallActionBase::BroadcastFailure(const FRealtimeNetError& /*Error*/)
{
	// An abstract node has no pins; every concrete node overrides this.
}

void URealtimeNetCallActionBase::FailInvalidParams(const FString& Problem)
{
	FailWith(RealtimeNetCallActionDetail::LocalError(rtnet::LocalFailure::kInvalidParams, RequestMethod, Problem));
}

void URealtimeNetCallActionBase::FailWith(const FRealtimeNetError& Error)
{
	FRealtimeNetCallResult Failed;
	Failed.Error = Error;
	Finish(Failed);
}

void URealtimeNetCallActionBase::Finish(const FRealtimeNetCallResult& Result)
{
	if (bFinished)
	{
		return;
	}
	bFinished = true;
	CallId = 0;
	if (ShouldBroadcastDelegates())
	{
		FString Problem;
		if (!Result.bSuccess)
		{
			BroadcastFailure(Result.Error);
		}
		else if (!BroadcastSuccess(Result.Result, Problem))
		{
			BroadcastFailure(RealtimeNetCallActionDetail::LocalError(rtnet::LocalFailure::kResultMismatch, RequestMethod,
				FString::Printf(TEXT("the result of %s does not match the protocol: %s"), *RequestMethod, *Problem)));
		}
	}
	SetReadyToDestroy();
}
