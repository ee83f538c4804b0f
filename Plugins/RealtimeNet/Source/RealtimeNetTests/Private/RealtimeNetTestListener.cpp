#include "RealtimeNetTestListener.h"

FString RealtimeNetStateName(ERealtimeNetConnectionState State)
{
	switch (State)
	{
	case ERealtimeNetConnectionState::Disconnected: return TEXT("Disconnected");
	case ERealtimeNetConnectionState::Connecting: return TEXT("Connecting");
	case ERealtimeNetConnectionState::Connected: return TEXT("Connected");
	case ERealtimeNetConnectionState::Reconnecting: return TEXT("Reconnecting");
	case ERealtimeNetConnectionState::Closing: return TEXT("Closing");
	case ERealtimeNetConnectionState::Closed: return TEXT("Closed");
	}
	return TEXT("?");
}

FString FRealtimeNetHeard::Describe() const
{
	const TCHAR* Side = bDynamic ? TEXT("dynamic") : TEXT("native");
	if (Kind == TEXT("state"))
	{
		return FString::Printf(TEXT("%s state %s<-%s (%s)"), Side, *RealtimeNetStateName(NewState),
			*RealtimeNetStateName(OldState), *Text);
	}
	if (Kind == TEXT("reconnecting"))
	{
		return FString::Printf(TEXT("%s reconnecting attempt %lld in %.3f s"), Side, Number, Seconds);
	}
	return FString::Printf(TEXT("%s %s room=%s text=%s data=%s number=%lld"), Side, *Kind, *Room, *Text, *Data, Number);
}

void URealtimeNetTestListener::Watch(URealtimeNetSubsystem* Subsystem)
{
	if (Subsystem == nullptr)
	{
		return;
	}
	Subsystem->OnConnectionStateChanged.AddDynamic(this, &URealtimeNetTestListener::HandleStateChanged);
	Subsystem->OnReconnecting.AddDynamic(this, &URealtimeNetTestListener::HandleReconnecting);
	Subsystem->OnRecovered.AddDynamic(this, &URealtimeNetTestListener::HandleRecovered);
	Subsystem->OnResynced.AddDynamic(this, &URealtimeNetTestListener::HandleResynced);
	Subsystem->OnError.AddDynamic(this, &URealtimeNetTestListener::HandleError);
	Subsystem->OnEvent.AddDynamic(this, &URealtimeNetTestListener::HandleEvent);
	Subsystem->OnPresenceChanged.AddDynamic(this, &URealtimeNetTestListener::HandlePresenceChanged);
	Subsystem->OnStateChanged.AddDynamic(this, &URealtimeNetTestListener::HandleStateVersion);

	// The native twins, recorded separately so a spec can compare the two sequences.
	Subsystem->OnConnectionStateChangedNative.AddWeakLambda(this,
		[this](ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState, const FString& Reason)
		{
			Record(false, TEXT("state"), FString(), Reason, 0, 0.f, FString(), NewState, OldState);
		});
	Subsystem->OnReconnectingNative.AddWeakLambda(this, [this](int32 Attempt, float NextDelaySeconds)
		{
			Record(false, TEXT("reconnecting"), FString(), FString(), Attempt, NextDelaySeconds);
		});
	Subsystem->OnRecoveredNative.AddWeakLambda(this, [this](int32 Replayed)
		{
			Record(false, TEXT("recovered"), FString(), FString(), Replayed);
		});
	Subsystem->OnResyncedNative.AddWeakLambda(this, [this](const FString& Room)
		{
			Record(false, TEXT("resynced"), Room, FString(), 0);
		});
	Subsystem->OnErrorNative.AddWeakLambda(this, [this](const FRealtimeNetError& Error)
		{
			Record(false, TEXT("error"), Error.Room, Error.Message, Error.Code);
		});
	Subsystem->OnEventNative.AddWeakLambda(this, [this](const FString& Room, const FString& From, const FString& DataJson)
		{
			Record(false, TEXT("event"), Room, From, 0, 0.f, DataJson);
		});
	Subsystem->OnPresenceChangedNative.AddWeakLambda(this, [this](const FString& Room)
		{
			Record(false, TEXT("presence"), Room, FString(), 0);
		});
	Subsystem->OnStateChangedNative.AddWeakLambda(this, [this](const FString& Room, int64 Version)
		{
			Record(false, TEXT("version"), Room, FString(), Version);
		});
}

TArray<FRealtimeNetHeard> URealtimeNetTestListener::Of(const TCHAR* Kind, bool bDynamic) const
{
	TArray<FRealtimeNetHeard> Found;
	for (const FRealtimeNetHeard& Item : Heard)
	{
		if (Item.bDynamic == bDynamic && Item.Kind == Kind)
		{
			Found.Add(Item);
		}
	}
	return Found;
}

TArray<FString> URealtimeNetTestListener::EventData(const FString& Room) const
{
	TArray<FString> Data;
	for (const FRealtimeNetHeard& Item : Heard)
	{
		if (!Item.bDynamic && Item.Kind == TEXT("event") && Item.Room == Room)
		{
			Data.Add(Item.Data);
		}
	}
	return Data;
}

int32 URealtimeNetTestListener::Count(const TCHAR* Kind, const FString& Room) const
{
	int32 Total = 0;
	for (const FRealtimeNetHeard& Item : Heard)
	{
		if (!Item.bDynamic && Item.Kind == Kind && (Room.IsEmpty() || Item.Room == Room))
		{
			++Total;
		}
	}
	return Total;
}

void URealtimeNetTestListener::Listen(URealtimeNetConnectAction* Action)
{
	Action->OnConnected.AddDynamic(this, &URealtimeNetTestListener::HandleNodeConnected);
	Action->OnFailure.AddDynamic(this, &URealtimeNetTestListener::HandleNodeFailure);
}

void URealtimeNetTestListener::Listen(URealtimeNetJsonCallActionBase* Action)
{
	Action->OnSuccess.AddDynamic(this, &URealtimeNetTestListener::HandleNodeResult);
	Action->OnFailure.AddDynamic(this, &URealtimeNetTestListener::HandleNodeJsonFailure);
}

void URealtimeNetTestListener::Listen(URealtimeNetSysEchoAction* Action)
{
	Action->OnSuccess.AddDynamic(this, &URealtimeNetTestListener::HandleNodeEcho);
	Action->OnFailure.AddDynamic(this, &URealtimeNetTestListener::HandleNodeEchoFailure);
}

void URealtimeNetTestListener::HandleStateChanged(ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState,
	const FString& Reason)
{
	Record(true, TEXT("state"), FString(), Reason, 0, 0.f, FString(), NewState, OldState);
}

void URealtimeNetTestListener::HandleReconnecting(int32 Attempt, float NextDelaySeconds)
{
	Record(true, TEXT("reconnecting"), FString(), FString(), Attempt, NextDelaySeconds);
}

void URealtimeNetTestListener::HandleRecovered(int32 Replayed)
{
	Record(true, TEXT("recovered"), FString(), FString(), Replayed);
}

void URealtimeNetTestListener::HandleResynced(const FString& Room)
{
	Record(true, TEXT("resynced"), Room, FString(), 0);
}

void URealtimeNetTestListener::HandleError(const FRealtimeNetError& Error)
{
	Record(true, TEXT("error"), Error.Room, Error.Message, Error.Code);
}

void URealtimeNetTestListener::HandleEvent(const FString& Room, const FString& From, const FString& DataJson)
{
	Record(true, TEXT("event"), Room, From, 0, 0.f, DataJson);
}

void URealtimeNetTestListener::HandlePresenceChanged(const FString& Room)
{
	Record(true, TEXT("presence"), Room, FString(), 0);
}

void URealtimeNetTestListener::HandleStateVersion(const FString& Room, int64 Version)
{
	Record(true, TEXT("version"), Room, FString(), Version);
}

void URealtimeNetTestListener::HandleNodeConnected(const FRealtimeNetError& Error)
{
	++Successes;
	Pins.Add(Error.Message.IsEmpty() ? TEXT("success") : TEXT("success+error"));
}

void URealtimeNetTestListener::HandleNodeResult(const FString& ResultJson, const FRealtimeNetError& Error)
{
	++Successes;
	Pins.Add(Error.Message.IsEmpty() ? TEXT("success") : TEXT("success+error"));
	LastResultJson = ResultJson;
}

void URealtimeNetTestListener::HandleNodeJsonFailure(const FString& /*ResultJson*/, const FRealtimeNetError& Error)
{
	HandleNodeFailure(Error);
}

void URealtimeNetTestListener::HandleNodeEcho(const FRealtimeNetEcho& Result, const FRealtimeNetError& Error)
{
	++Successes;
	Pins.Add(Error.Message.IsEmpty() ? TEXT("success") : TEXT("success+error"));
	LastResultJson = Result.DataJson;
}

void URealtimeNetTestListener::HandleNodeEchoFailure(const FRealtimeNetEcho& /*Result*/, const FRealtimeNetError& Error)
{
	HandleNodeFailure(Error);
}

void URealtimeNetTestListener::HandleNodeFailure(const FRealtimeNetError& Error)
{
	++Failures;
	Pins.Add(TEXT("failure"));
	LastError = Error;
}

void URealtimeNetTestListener::Record(bool bDynamic, const TCHAR* Kind, const FString& Room, const FString& Text, int64 Number,
	float Seconds, const FString& Data, ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState)
{
	FRealtimeNetHeard Item;
	Item.bDynamic = bDynamic;
	Item.Kind = Kind;
	Item.Room = Room;
	Item.Text = Text;
	Item.Number = Number;
	Item.Seconds = Seconds;
	Item.Data = Data;
	Item.NewState = NewState;
	Item.OldState = OldState;
	Heard.Add(MoveTemp(Item));
}
