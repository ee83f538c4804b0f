#include "RealtimeNetAsyncActions.h"

#include "rtnet/Errors.h"

#include "RealtimeNetConvert.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetSubsystem.h"

namespace RealtimeNetAsyncDetail
{
/** Empty text: no object (null params); otherwise it must be a JSON object. */
bool ParseObject(const FString& Text, TSharedPtr<FJsonObject>& Out)
{
	Out.Reset();
	if (Text.TrimStartAndEnd().IsEmpty())
	{
		return true;
	}
	rtnet::Value Value;
	if (!FRealtimeNetJson::Parse(Text, Value) || !Value.IsObject())
	{
		return false;
	}
	Out = FRealtimeNetJson::ToJsonObject(Value);  // integers stay exact (FJsonValueNumberString)
	return true;
}
}  // namespace RealtimeNetAsyncDetail

// --- Connect --------------------------------------------------------------------------------------------

URealtimeNetConnectAction* URealtimeNetConnectAction::Connect(UObject* WorldContextObject, const FString& Url,
	const FString& Token, URealtimeNetClient* Client)
{
	URealtimeNetConnectAction* Action = NewObject<URealtimeNetConnectAction>();
	Action->WorldContext = WorldContextObject;
	Action->RequestClient = Client;
	Action->RequestUrl = Url;
	Action->RequestToken = Token;
	// Registered (when there is a game instance), the node outlives the Blueprint frame that started it.
	Action->RegisterWithGameInstance(WorldContextObject);
	return Action;
}

void URealtimeNetConnectAction::Activate()
{
	URealtimeNetClient* Target =
		RequestClient.IsValid() ? RequestClient.Get() : URealtimeNetSubsystem::GetClientFor(WorldContext.Get());
	if (Target == nullptr)
	{
		// Classified as the call nodes' (URealtimeNetCallActionBase) is, by the core.
		Finish(false, RealtimeNetConvert::ToError(
			rtnet::LocalCallError(rtnet::LocalFailure::kNoClient, std::string(), "no RealtimeNet client for this world")));
		return;
	}
	RequestClient = Target;
	StateHandle = Target->OnConnectionStateChangedNative.AddUObject(this, &URealtimeNetConnectAction::HandleStateChanged);
	ErrorHandle = Target->OnErrorNative.AddUObject(this, &URealtimeNetConnectAction::HandleError);
	FRealtimeNetError Refused;
	if (Target->Connect(RequestUrl, RequestToken, &Refused) == ERealtimeNetConnectStart::Failed)
	{
		// Already connected: done. Connecting or reconnecting: the bound handlers will hear how it ends.
		const ERealtimeNetConnectionState State = Target->GetConnectionState();
		if (State == ERealtimeNetConnectionState::Connected)
		{
			Finish(true, FRealtimeNetError());
		}
		else if (State != ERealtimeNetConnectionState::Connecting && State != ERealtimeNetConnectionState::Reconnecting)
		{
			Finish(false, Refused);
		}
	}
}

void URealtimeNetConnectAction::Cancel()
{
	if (bFinished)
	{
		return;
	}
	bFinished = true;
	bCancelled = true;
	Unbind();
	Super::Cancel();  // SetReadyToDestroy
}

bool URealtimeNetConnectAction::IsActive() const
{
	return !bFinished;
}

bool URealtimeNetConnectAction::ShouldBroadcastDelegates() const
{
	return !bCancelled;
}

void URealtimeNetConnectAction::HandleStateChanged(ERealtimeNetConnectionState NewState,
	ERealtimeNetConnectionState /*OldState*/, const FString& Reason)
{
	if (NewState == ERealtimeNetConnectionState::Connected)
	{
		Finish(true, FRealtimeNetError());
	}
	else if (NewState == ERealtimeNetConnectionState::Closed)
	{
		// The client gave up (or was told to stop): report the last failure that led there, if any.
		FRealtimeNetError Error = LastRetriedError;
		Error.Message = Error.Message.IsEmpty() ? Reason : FString::Printf(TEXT("%s (%s)"), *Reason, *Error.Message);
		Error.Recovery = ERealtimeNetRecovery::GiveUp;
		Finish(false, Error);
	}
}

void URealtimeNetConnectAction::HandleError(const FRealtimeNetError& Error)
{
	if (Error.Recovery == ERealtimeNetRecovery::Retry)
	{
		// The client reconnects with backoff by itself: keep waiting for Connected, or Closed once it gives up.
		LastRetriedError = Error;
		return;
	}
	Finish(false, Error);  // a new token is needed, or the gateway said stop
}

void URealtimeNetConnectAction::Finish(bool bSucceeded, const FRealtimeNetError& Error)
{
	if (bFinished)
	{
		return;
	}
	bFinished = true;
	Unbind();
	if (ShouldBroadcastDelegates())
	{
		if (bSucceeded)
		{
			OnConnected.Broadcast(FRealtimeNetError());
		}
		else
		{
			OnFailure.Broadcast(Error);
		}
	}
	SetReadyToDestroy();
}

void URealtimeNetConnectAction::Unbind()
{
	if (URealtimeNetClient* Target = RequestClient.Get())
	{
		Target->OnConnectionStateChangedNative.Remove(StateHandle);
		Target->OnErrorNative.Remove(ErrorHandle);
	}
	StateHandle.Reset();
	ErrorHandle.Reset();
}

// --- Calls ----------------------------------------------------------------------------------------------

bool URealtimeNetJsonCallActionBase::BroadcastSuccess(const TSharedPtr<FJsonValue>& Result, FString& /*OutProblem*/)
{
	OnSuccess.Broadcast(FRealtimeNetJson::Write(FRealtimeNetJson::ToValue(Result)), FRealtimeNetError());
	return true;  // any JSON is a result here
}

void URealtimeNetJsonCallActionBase::BroadcastFailure(const FRealtimeNetError& Error)
{
	OnFailure.Broadcast(FString(), Error);
}

URealtimeNetCallAction* URealtimeNetCallAction::Call(UObject* WorldContextObject, const FString& Method,
	const FString& ParamsJson, const FRealtimeNetCallOptions& Options, URealtimeNetClient* Client)
{
	URealtimeNetCallAction* Action = NewObject<URealtimeNetCallAction>();
	Action->Init(WorldContextObject, Client, Method);
	TSharedPtr<FJsonObject> Params;
	const bool bParsed = RealtimeNetAsyncDetail::ParseObject(ParamsJson, Params);
	Action->SetParams(Params, bParsed ? FString() : FString(TEXT("ParamsJson is not a JSON object")), Options);
	return Action;
}

URealtimeNetSetPresenceAction* URealtimeNetSetPresenceAction::SetPresence(UObject* WorldContextObject,
	ERealtimeNetPresenceStatus Status, const FString& CustomJson, URealtimeNetClient* Client)
{
	URealtimeNetSetPresenceAction* Action = NewObject<URealtimeNetSetPresenceAction>();
	Action->Init(WorldContextObject, Client, TEXT("presence.set"));
	Action->RequestStatus = Status;
	Action->RequestCustomJson = CustomJson;
	return Action;
}

int64 URealtimeNetSetPresenceAction::StartCall(URealtimeNetClient& Client, FRealtimeNetCallCompleted OnDone)
{
	return Client.SetPresence(RequestStatus, RequestCustomJson, MoveTemp(OnDone));
}
