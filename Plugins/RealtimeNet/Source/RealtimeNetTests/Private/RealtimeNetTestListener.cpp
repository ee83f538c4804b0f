#include "RealtimeNetTestListener.h"

#include "RealtimeNetCollectionWatch.h"
#include "RealtimeNetDataLibrary.h"

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

void URealtimeNetTestListener::Watch(URealtimeNetClient* Client)
{
	if (Client == nullptr)
	{
		return;
	}
	Client->OnConnectionStateChanged.AddDynamic(this, &URealtimeNetTestListener::HandleStateChanged);
	Client->OnReconnecting.AddDynamic(this, &URealtimeNetTestListener::HandleReconnecting);
	Client->OnRecovered.AddDynamic(this, &URealtimeNetTestListener::HandleRecovered);
	Client->OnError.AddDynamic(this, &URealtimeNetTestListener::HandleError);

	// The native twins, recorded separately so a spec can compare the two sequences.
	Client->OnConnectionStateChangedNative.AddWeakLambda(this,
		[this](ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState, const FString& Reason)
		{
			Record(false, TEXT("state"), FString(), Reason, 0, 0.f, FString(), FString(), NewState, OldState);
		});
	Client->OnReconnectingNative.AddWeakLambda(this, [this](int32 Attempt, float NextDelaySeconds)
		{
			Record(false, TEXT("reconnecting"), FString(), FString(), Attempt, NextDelaySeconds);
		});
	Client->OnRecoveredNative.AddWeakLambda(this, [this](int32 Replayed)
		{
			Record(false, TEXT("recovered"), FString(), FString(), Replayed);
		});
	Client->OnErrorNative.AddWeakLambda(this, [this](const FRealtimeNetError& Error)
		{
			Record(false, TEXT("error"), Error.Room, Error.Message, Error.Code);
		});
}

void URealtimeNetTestListener::WatchRoom(URealtimeNetRoom* Room)
{
	if (Room == nullptr)
	{
		return;
	}
	Room->OnEvent.AddDynamic(this, &URealtimeNetTestListener::HandleRoomEvent);
	Room->OnPresenceChanged.AddDynamic(this, &URealtimeNetTestListener::HandleRoomPresence);
	Room->OnStateChanged.AddDynamic(this, &URealtimeNetTestListener::HandleRoomVersion);
	Room->OnResynced.AddDynamic(this, &URealtimeNetTestListener::HandleRoomResynced);
	Room->OnLeft.AddDynamic(this, &URealtimeNetTestListener::HandleRoomLeft);
	Room->OnEventNative.AddWeakLambda(this, [this](URealtimeNetRoom* From, const FRealtimeNetRoomEvent& Event)
		{
			Record(false, TEXT("event"), From->GetName(), Event.From, Event.Offset, 0.f,
				URealtimeNetDataLibrary::JsonToText(Event.Data), Event.TypeName);
		});
	Room->OnPresenceChangedNative.AddWeakLambda(this, [this](URealtimeNetRoom* From, const FRealtimeNetPresenceChange& Change)
		{
			Record(false, TEXT("presence"), From->GetName(), Change.PlayerId, static_cast<int64>(Change.News), 0.f,
				Change.Text.ToString(), Change.DisplayName);
		});
	Room->OnStateChangedNative.AddWeakLambda(this, [this](URealtimeNetRoom* From, int64 Version)
		{
			Record(false, TEXT("version"), From->GetName(), FString(), Version);
		});
	Room->OnResyncedNative.AddWeakLambda(this, [this](URealtimeNetRoom* From, const FString& Reason)
		{
			Record(false, TEXT("resynced"), From->GetName(), Reason, 0);
		});
	Room->OnLeftNative.AddWeakLambda(this, [this](URealtimeNetRoom* From, const FString& Reason)
		{
			Record(false, TEXT("left"), From->GetName(), Reason, 0);
		});
}

void URealtimeNetTestListener::WatchEntries(URealtimeNetCollectionWatch* Watch)
{
	if (Watch == nullptr)
	{
		return;
	}
	Watch->OnAdded.AddDynamic(this, &URealtimeNetTestListener::HandleEntryAdded);
	Watch->OnChanged.AddDynamic(this, &URealtimeNetTestListener::HandleEntryChanged);
	Watch->OnRemoved.AddDynamic(this, &URealtimeNetTestListener::HandleEntryRemoved);
	const FString Room = Watch->GetRoom() != nullptr ? Watch->GetRoom()->GetName() : FString();
	Watch->OnEntryNative.AddWeakLambda(this,
		[this, Room](ERealtimeNetCollectionChange Change, const FString& Key, const FJsonObjectWrapper& Value)
		{
			Record(false, TEXT("entry"), Room, Key, static_cast<int64>(Change), 0.f, URealtimeNetDataLibrary::JsonToText(Value));
		});
}

TArray<FString> URealtimeNetTestListener::Sequence(const FString& Room) const
{
	TArray<FString> Lines;
	for (const FRealtimeNetHeard& Item : Heard)
	{
		if (Item.bDynamic || Item.Room != Room)
		{
			continue;
		}
		if (Item.Kind == TEXT("event"))
		{
			Lines.Add(FString::Printf(TEXT("event %lld"), Item.Number));
		}
		else if (Item.Kind == TEXT("version"))
		{
			Lines.Add(FString::Printf(TEXT("version %lld"), Item.Number));
		}
		else if (Item.Kind == TEXT("presence"))
		{
			Lines.Add(Item.Text.IsEmpty() ? FString(TEXT("presence reload")) : TEXT("presence ") + Item.Text);
		}
		else if (Item.Kind == TEXT("entry"))
		{
			const TCHAR* Changes[] = {TEXT("added"), TEXT("changed"), TEXT("removed")};
			Lines.Add(FString::Printf(TEXT("%s %s"), Changes[FMath::Clamp<int64>(Item.Number, 0, 2)], *Item.Text));
		}
		else
		{
			Lines.Add(Item.Kind);
		}
	}
	return Lines;
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
	Record(true, TEXT("state"), FString(), Reason, 0, 0.f, FString(), FString(), NewState, OldState);
}

void URealtimeNetTestListener::HandleReconnecting(int32 Attempt, float NextDelaySeconds)
{
	Record(true, TEXT("reconnecting"), FString(), FString(), Attempt, NextDelaySeconds);
}

void URealtimeNetTestListener::HandleRecovered(int32 Replayed)
{
	Record(true, TEXT("recovered"), FString(), FString(), Replayed);
}

void URealtimeNetTestListener::HandleError(const FRealtimeNetError& Error)
{
	Record(true, TEXT("error"), Error.Room, Error.Message, Error.Code);
}

void URealtimeNetTestListener::HandleRoomEvent(URealtimeNetRoom* Room, const FRealtimeNetRoomEvent& Event)
{
	Record(true, TEXT("event"), Room->GetName(), Event.From, Event.Offset, 0.f, URealtimeNetDataLibrary::JsonToText(Event.Data),
		Event.TypeName);
}

void URealtimeNetTestListener::HandleRoomPresence(URealtimeNetRoom* Room, const FRealtimeNetPresenceChange& Change)
{
	Record(true, TEXT("presence"), Room->GetName(), Change.PlayerId, static_cast<int64>(Change.News), 0.f, Change.Text.ToString(),
		Change.DisplayName);
}

void URealtimeNetTestListener::HandleRoomVersion(URealtimeNetRoom* Room, int64 Version)
{
	Record(true, TEXT("version"), Room->GetName(), FString(), Version);
}

void URealtimeNetTestListener::HandleRoomResynced(URealtimeNetRoom* Room, const FString& Reason)
{
	Record(true, TEXT("resynced"), Room->GetName(), Reason, 0);
}

void URealtimeNetTestListener::HandleRoomLeft(URealtimeNetRoom* Room, const FString& Reason)
{
	Record(true, TEXT("left"), Room->GetName(), Reason, 0);
}

void URealtimeNetTestListener::HandleEntryAdded(const FString& Key, const FJsonObjectWrapper& Value)
{
	Record(true, TEXT("entry"), FString(), Key, static_cast<int64>(ERealtimeNetCollectionChange::Added), 0.f,
		URealtimeNetDataLibrary::JsonToText(Value));
}

void URealtimeNetTestListener::HandleEntryChanged(const FString& Key, const FJsonObjectWrapper& Value)
{
	Record(true, TEXT("entry"), FString(), Key, static_cast<int64>(ERealtimeNetCollectionChange::Changed), 0.f,
		URealtimeNetDataLibrary::JsonToText(Value));
}

void URealtimeNetTestListener::HandleEntryRemoved(const FString& Key, const FJsonObjectWrapper& Value)
{
	Record(true, TEXT("entry"), FString(), Key, static_cast<int64>(ERealtimeNetCollectionChange::Removed), 0.f,
		URealtimeNetDataLibrary::JsonToText(Value));
}

void URealtimeNetTestListener::Listen(URealtimeNetRoomCallActionBase* Action)
{
	Action->OnSuccess.AddDynamic(this, &URealtimeNetTestListener::HandleNodeRoom);
	Action->OnFailure.AddDynamic(this, &URealtimeNetTestListener::HandleNodeRoomFailure);
}

void URealtimeNetTestListener::Listen(URealtimeNetWaitForRoomEventAction* Action)
{
	Action->OnEvent.AddDynamic(this, &URealtimeNetTestListener::HandleWaitedEvent);
	Action->OnRoomLeft.AddDynamic(this, &URealtimeNetTestListener::HandleWaitedLeft);
}

void URealtimeNetTestListener::HandleNodeRoom(URealtimeNetRoom* Room, const FRealtimeNetError& Error)
{
	++Successes;
	Pins.Add(Error.Message.IsEmpty() ? TEXT("success") : TEXT("success+error"));
	LastRoom = Room;
}

void URealtimeNetTestListener::HandleNodeRoomFailure(URealtimeNetRoom* Room, const FRealtimeNetError& Error)
{
	LastRoom = Room;
	HandleNodeFailure(Error);
}

void URealtimeNetTestListener::HandleWaitedEvent(const FRealtimeNetRoomEvent& Event)
{
	Waited.Add(Event);
}

void URealtimeNetTestListener::HandleWaitedLeft(const FRealtimeNetRoomEvent& /*Event*/)
{
	++WaitedLeft;
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
	float Seconds, const FString& Data, const FString& Type, ERealtimeNetConnectionState NewState, ERealtimeNetConnectionState OldState)
{
	FRealtimeNetHeard Item;
	Item.bDynamic = bDynamic;
	Item.Kind = Kind;
	Item.Room = Room;
	Item.Text = Text;
	Item.Number = Number;
	Item.Seconds = Seconds;
	Item.Data = Data;
	Item.Type = Type;
	Item.NewState = NewState;
	Item.OldState = OldState;
	Heard.Add(MoveTemp(Item));
}
