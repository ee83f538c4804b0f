#include "RealtimeNetClient.h"

#include "GameplayTagContainer.h"
#include "HAL/PlatformTime.h"
#include "Misc/CommandLine.h"
#include "Misc/DateTime.h"
#include "Misc/Parse.h"
#include "ProfilingDebugging/CpuProfilerTrace.h"

#include "rtnet/Client.h"
#include "rtnet/Display.h"
#include "rtnet/Path.h"

#include "Protocol/RealtimeNetProtocolEvents.h"
#include "RealtimeNetCollectionWatch.h"
#include "RealtimeNetConvert.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetModule.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetSession.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetTextLibrary.h"

namespace RealtimeNetClientDetail
{
const TCHAR* const ShutDown = TEXT("the RealtimeNet client is stopped");

/** A failure of Connect before anything was started. */
FRealtimeNetError ConnectRefusal(const FString& Message)
{
	FRealtimeNetError Error;
	Error.Message = Message;
	Error.ErrorClass = ERealtimeNetErrorClass::Protocol;
	Error.Recovery = ERealtimeNetRecovery::GiveUp;
	Error.CallFailure = ERealtimeNetCallFailure::Local;
	return Error;
}

/** The Gameplay Tag an event type names, when the project registers it. */
FGameplayTag TagOf(const FString& TypeName)
{
	return TypeName.IsEmpty() ? FGameplayTag() : FGameplayTag::RequestGameplayTag(FName(*TypeName), /*ErrorIfNotFound*/ false);
}
}  // namespace RealtimeNetClientDetail

// --- Lifecycle ------------------------------------------------------------------------------------------

void URealtimeNetClient::Start(FName InClientName, const FString& InDevelopmentToken, const FString& InDevelopmentUrl)
{
	ClientName = InClientName;
	DevelopmentToken = InDevelopmentToken;
	DevelopmentUrl = InDevelopmentUrl;

	const URealtimeNetSettings* Settings = GetDefault<URealtimeNetSettings>();
	const int32 Seed = Settings->RandomSeed != 0 ? Settings->RandomSeed : static_cast<int32>(FPlatformTime::Cycles());
	bVerboseTrace = Settings->bVerboseTrace;

	// The session owns these closures (transport -> handlers), so `this` outlives every call to them. They only feed
	// the core; what it produced is broadcast by the next Pump. Not here: these run inside the engine's IWebSocket
	// callbacks, which the WebSockets manager fires while it iterates its own socket array, and a game handler that
	// connected or reconnected from there would add a socket to that array mid-iteration.
	FRealtimeNetTransportHandlers Handlers;
	Handlers.OnOpen = [this](uint64 Socket)
	{
		Session->Client->OnOpen(Socket, GetNow());
	};
	Handlers.OnMessage = [this](uint64 Socket, const rtnet::Value& Frame, SIZE_T Bytes)
	{
		Session->Client->OnMessage(Socket, Frame, Bytes, GetNow());
	};
	Handlers.OnMalformed = [this](uint64 Socket, SIZE_T Bytes)
	{
		Session->Client->OnMalformed(Socket, Bytes, GetNow());
	};
	Handlers.OnClosed = [this](uint64 Socket, int32 Code, const FString& Reason)
	{
		Session->Client->OnClosed(Socket, Code, FRealtimeNetJson::ToStd(Reason), GetNow());
	};
	Session = MakeShared<FRealtimeNetSession>(RealtimeNetConvert::MakeClientOptions(*Settings), MoveTemp(Handlers), Seed);
	if (Settings->IncomingTextLimitBytes > 0)
	{
		Session->Transport->SetTextMessageLimit(static_cast<uint64>(Settings->IncomingTextLimitBytes));
	}

	// Every notification (an empty filter matches all), after the core's own handling of it, which has already
	// produced its events: Enqueue takes those first, so the raw notification lands right after them.
	DispatchHandleId = Session->Client->dispatcher().Add(rtnet::DispatchFilter{}, [this](const rtnet::IncomingMessage& Message)
	{
		const FString Method = FRealtimeNetJson::ToUnreal(Message.method);
		TSharedPtr<FJsonObject> Params = FRealtimeNetJson::ToJsonObject(Message.params);
		const TSharedRef<FJsonObject> ParamsRef = Params.IsValid() ? Params.ToSharedRef() : MakeShared<FJsonObject>();
		Enqueue([this, Method, ParamsRef]()
		{
			OnNotification.Broadcast(Method, ParamsRef);
			if (ProtocolEvents != nullptr)
			{
				ProtocolEvents->Dispatch(Method, ParamsRef);
			}
		});
	}).id;

	ProtocolEvents = NewObject<URealtimeNetProtocolEvents>(this);
}

void URealtimeNetClient::Stop()
{
	if (Session.IsValid())
	{
		Session->Client->SetTraceHook(nullptr);
		Session->Client->Close(GetNow(), "client stopped");
		Session->Client->TakeEvents();
	}
	// Nothing is broadcast by a client that is going away; the transport unbinds and closes its sockets.
	Pending.Empty();
	NextFrame.Empty();
	Rooms.Empty();
	Watches.Empty();
	Session.Reset();
}

void URealtimeNetClient::Pump()
{
	TRACE_CPUPROFILER_EVENT_SCOPE(RealtimeNet_ClientPump);
	if (!Session.IsValid())
	{
		return;
	}
	Pending.Append(MoveTemp(NextFrame));
	NextFrame.Reset();
	const double Now = GetNow();
	Session->Transport->Tick(Now);
	Session->Client->Tick(Now);
	Flush();
}

void URealtimeNetClient::Enqueue(TFunction<void()> Work)
{
	TakeCoreEvents();
	Pending.Add(MoveTemp(Work));
}

void URealtimeNetClient::TakeCoreEvents()
{
	if (!Session.IsValid())
	{
		return;
	}
	for (rtnet::ClientEvent& Event : Session->Client->TakeEvents())
	{
		Pending.Add([this, Event = MoveTemp(Event)]() { Deliver(Event); });
	}
}

void URealtimeNetClient::Flush()
{
	if (bFlushing || !Session.IsValid())
	{
		return;  // a handler called into the client: the outer Flush picks up what it produced
	}
	bFlushing = true;
	// Handlers may produce more (a call from a completion, a Disconnect from an error); a few rounds drain it,
	// anything beyond waits for the next frame.
	for (int32 Round = 0; Round < 8 && Session.IsValid(); ++Round)
	{
		TakeCoreEvents();
		if (Pending.Num() == 0)
		{
			break;
		}
		TArray<TFunction<void()>> Work = MoveTemp(Pending);
		Pending.Reset();
		for (TFunction<void()>& Item : Work)
		{
			Item();
		}
	}
	bFlushing = false;
}

URealtimeNetRoom* URealtimeNetClient::RoomFor(const std::string& Room) const
{
	const TObjectPtr<URealtimeNetRoom>* Found = Rooms.Find(FRealtimeNetJson::ToUnreal(Room));
	return Found != nullptr ? Found->Get() : nullptr;
}

void URealtimeNetClient::Deliver(const rtnet::ClientEvent& Event)
{
	using Kind = rtnet::ClientEvent::Kind;
	const FString Reason = FRealtimeNetJson::ToUnreal(Event.reason);
	switch (Event.kind)
	{
	case Kind::kStateChanged:
	{
		const ERealtimeNetConnectionState NewState = RealtimeNetConvert::ToUnreal(Event.to);
		const ERealtimeNetConnectionState OldState = RealtimeNetConvert::ToUnreal(Event.from);
		UE_LOG(LogRealtimeNet, Log, TEXT("[%s] %s -> %s (%s)"), *ClientName.ToString(), UTF8_TO_TCHAR(rtnet::ToString(Event.from)),
			UTF8_TO_TCHAR(rtnet::ToString(Event.to)), *Reason);
		OnConnectionStateChangedNative.Broadcast(NewState, OldState, Reason);
		OnConnectionStateChanged.Broadcast(NewState, OldState, Reason);
		return;
	}
	case Kind::kReconnecting:
		// GetReconnectCountdown reads the same schedule from the core at any time.
		OnReconnectingNative.Broadcast(Event.attempt, static_cast<float>(Event.retry_in));
		OnReconnecting.Broadcast(Event.attempt, static_cast<float>(Event.retry_in));
		return;
	case Kind::kSessionStarted:
		UE_LOG(LogRealtimeNet, Log, TEXT("[%s] session %s started (%s)"), *ClientName.ToString(),
			*FRealtimeNetJson::ToUnreal(Event.session_id), *Reason);
		return;
	case Kind::kRecovered:
		UE_LOG(LogRealtimeNet, Log, TEXT("[%s] session resumed: %lld publications replayed on %lld streams"),
			*ClientName.ToString(), static_cast<int64>(Event.replayed), static_cast<int64>(Event.streams));
		OnRecoveredNative.Broadcast(static_cast<int32>(Event.replayed));
		OnRecovered.Broadcast(static_cast<int32>(Event.replayed));
		return;
	case Kind::kResynced:
		UE_LOG(LogRealtimeNet, Log, TEXT("[%s] resynced %s (%s)"), *ClientName.ToString(),
			*FRealtimeNetJson::ToUnreal(Event.stream), *Reason);
		if (URealtimeNetRoom* Room = RoomFor(Event.room))
		{
			Room->HandleResynced(Reason);
		}
		return;
	case Kind::kError:
	{
		const FRealtimeNetError Error = RealtimeNetConvert::ToError(Event.error);
		UE_LOG(LogRealtimeNet, Warning, TEXT("[%s] error %d (%s): %s"), *ClientName.ToString(), Error.Code,
			UTF8_TO_TCHAR(rtnet::ToString(Event.error.error_class)), *Error.Message);
		OnErrorNative.Broadcast(Error);
		OnError.Broadcast(Error);
		return;
	}
	case Kind::kTokenRequired:
		// Also an OnError for close 4001 (Recovery = RefreshToken); Set Token reconnects and resumes.
		UE_LOG(LogRealtimeNet, Log, TEXT("[%s] waiting for a new token (Set Token): %s"), *ClientName.ToString(), *Reason);
		AskForToken(ERealtimeNetTokenNeed::Required, 0.f);
		return;
	case Kind::kTokenExpiring:
	{
		// Set Token sends auth.refresh: the core remembers that the token is expiring.
		const double SecondsLeft = FMath::Max(0.0, Event.deadline - FDateTime::UtcNow().ToUnixTimestampDecimal());
		UE_LOG(LogRealtimeNet, Log, TEXT("[%s] token expiring: Set Token within %.0f s"), *ClientName.ToString(), SecondsLeft);
		AskForToken(ERealtimeNetTokenNeed::Expiring, static_cast<float>(SecondsLeft));
		return;
	}
	case Kind::kDraining:
		UE_LOG(LogRealtimeNet, Log, TEXT("[%s] gateway node draining: moving within %.1f s"), *ClientName.ToString(), Event.deadline);
		return;
	case Kind::kRoomJoined:
		FindOrAddRoom(FRealtimeNetJson::ToUnreal(Event.room))->HandleJoined();
		return;
	case Kind::kRoomLeft:
	{
		const FString Name = FRealtimeNetJson::ToUnreal(Event.room);
		TObjectPtr<URealtimeNetRoom> Room;
		if (Rooms.RemoveAndCopyValue(Name, Room) && Room != nullptr)
		{
			Room->HandleLeft(Reason);
		}
		return;
	}
	case Kind::kPresenceChanged:
		if (URealtimeNetRoom* Room = RoomFor(Event.room))
		{
			const FRealtimeNetPresenceChange Change = RealtimeNetConvert::ToPresenceChange(Event, GetPlayerId());
			Room->HandlePresenceChanged(Change);
			OnRoomPresenceChangedNative.Broadcast(Room, Change);
		}
		return;
	case Kind::kRoomEvent:
		if (URealtimeNetRoom* Room = RoomFor(Event.room))
		{
			FRealtimeNetRoomEvent RoomEvent;
			RoomEvent.Room = Room->GetName();
			RoomEvent.TypeName = FRealtimeNetJson::ToUnreal(Event.type);
			RoomEvent.Type = RealtimeNetClientDetail::TagOf(RoomEvent.TypeName);
			RoomEvent.From = FRealtimeNetJson::ToUnreal(Event.sender);
			RoomEvent.Data = FRealtimeNetJson::ToWrapper(Event.data);
			RoomEvent.Offset = static_cast<int64>(Event.offset);
			Room->HandleEvent(RoomEvent);
		}
		return;
	case Kind::kDirectMessage:
	{
		const FString From = FRealtimeNetJson::ToUnreal(Event.sender);
		const FJsonObjectWrapper Data = FRealtimeNetJson::ToWrapper(Event.data);
		OnDirectMessageNative.Broadcast(From, Data);
		OnDirectMessage.Broadcast(From, Data);
		return;
	}
	case Kind::kRoomStateChanged:
		if (URealtimeNetRoom* Room = RoomFor(Event.room))
		{
			Room->HandleStateChanged(static_cast<int64>(Event.version));
		}
		return;
	case Kind::kCollectionChanged:
	{
		const TWeakObjectPtr<URealtimeNetCollectionWatch>* Watch = Watches.Find(Event.watch);
		if (Watch != nullptr && Watch->IsValid())
		{
			(*Watch)->Handle(RealtimeNetConvert::ToUnreal(Event.change), FRealtimeNetJson::ToUnreal(Event.key),
				FRealtimeNetJson::ToWrapper(Event.data));
		}
		return;
	}
	}
}

// --- Connection -----------------------------------------------------------------------------------------

void URealtimeNetClient::StartConnecting(const FString& Url, const FString& Token, ERealtimeNetConnectStart& Outcome,
	FRealtimeNetError& Error)
{
	Error = FRealtimeNetError();
	Outcome = Connect(Url, Token, &Error);
}

ERealtimeNetConnectStart URealtimeNetClient::Connect(const FString& Url, const FString& Token, FRealtimeNetError* OutError)
{
	auto Refuse = [OutError](const FString& Why)
	{
		UE_LOG(LogRealtimeNet, Warning, TEXT("Connect: %s"), *Why);
		if (OutError != nullptr)
		{
			*OutError = RealtimeNetClientDetail::ConnectRefusal(Why);
		}
		return ERealtimeNetConnectStart::Failed;
	};
	if (!Session.IsValid())
	{
		return Refuse(RealtimeNetClientDetail::ShutDown);
	}
	const rtnet::State State = Session->Client->state();
	if (State != rtnet::State::kDisconnected && State != rtnet::State::kClosed)
	{
		return Refuse(FString::Printf(TEXT("already %s (Disconnect first)"), UTF8_TO_TCHAR(rtnet::ToString(State))));
	}
	FString Target = Url;
#if !UE_BUILD_SHIPPING
	// A test run, a local gateway: -RealtimeNetUrl=ws://127.0.0.1:8765/ws on the command line.
	if (Target.IsEmpty())
	{
		FParse::Value(FCommandLine::Get(), TEXT("RealtimeNetUrl="), Target, /*bShouldStopOnSeparator*/ false);
	}
#endif
	if (Target.IsEmpty())
	{
		Target = DevelopmentUrl;
	}
	if (Target.IsEmpty())
	{
		Target = GetDefault<URealtimeNetSettings>()->DefaultUrl;
	}
	if (Target.IsEmpty())
	{
		return Refuse(TEXT("no URL given and no Default Url in Project Settings > RealtimeNet"));
	}
	Session->Transport->SetEndpoint(Target, Token.IsEmpty() ? DevelopmentToken : Token);
	const bool bStarted = Session->Client->Connect(GetNow());
	Flush();
	return bStarted ? ERealtimeNetConnectStart::Started : Refuse(TEXT("the client did not start connecting"));
}

void URealtimeNetClient::Disconnect()
{
	if (Session.IsValid())
	{
		Session->Client->Close(GetNow(), "closed by the game");
		Flush();
	}
}

void URealtimeNetClient::Reconnect()
{
	if (Session.IsValid())
	{
		Session->Client->Reconnect(GetNow(), "reconnect requested");
		Flush();
	}
}

void URealtimeNetClient::SetToken(const FString& Token)
{
	if (!Session.IsValid())
	{
		return;
	}
	Session->Transport->SetToken(Token);
	// auth.refresh when the gateway said the token expires (a refusal reaches OnError), a reconnect after close
	// 4001, otherwise nothing more: the core knows which.
	Session->Client->UseToken(FRealtimeNetJson::ToStd(Token), GetNow());
	Flush();
}

void URealtimeNetClient::SetTokenProvider(FRealtimeNetTokenProvider Provider)
{
	TokenProvider = MoveTemp(Provider);
}

void URealtimeNetClient::AskForToken(ERealtimeNetTokenNeed Need, float SecondsLeft)
{
	OnTokenNeededNative.Broadcast(Need, SecondsLeft);
	OnTokenNeeded.Broadcast(Need, SecondsLeft);
	if (TokenProvider)
	{
		// The provider may answer much later (an HTTP round trip): by then the client may be gone.
		TWeakObjectPtr<URealtimeNetClient> Self(this);
		TokenProvider(Need, [Self](const FString& Token)
		{
			if (Token.IsEmpty())
			{
				UE_LOG(LogRealtimeNet, Warning, TEXT("the token provider gave an empty token: ignored"));
			}
			else if (URealtimeNetClient* Client = Self.Get())
			{
				Client->SetToken(Token);
			}
		});
	}
}

ERealtimeNetConnectionState URealtimeNetClient::GetConnectionState() const
{
	const rtnet::Client* Core = GetCoreClient();
	return Core != nullptr ? RealtimeNetConvert::ToUnreal(Core->state()) : ERealtimeNetConnectionState::Disconnected;
}

bool URealtimeNetClient::GetReconnectCountdown(int32& Attempt, float& SecondsLeft) const
{
	Attempt = 0;
	SecondsLeft = 0.f;
	const rtnet::Client* Core = GetCoreClient();
	const std::optional<rtnet::ReconnectSchedule> Schedule = Core != nullptr ? Core->reconnect_schedule() : std::nullopt;
	if (!Schedule.has_value())
	{
		return false;
	}
	Attempt = Schedule->attempt;
	SecondsLeft = static_cast<float>(Schedule->RetryIn(GetNow()));
	return true;
}

FString URealtimeNetClient::GetSessionId() const
{
	const rtnet::Client* Core = GetCoreClient();
	return Core != nullptr ? FRealtimeNetJson::ToUnreal(Core->session_id()) : FString();
}

FString URealtimeNetClient::GetPlayerId() const
{
	const rtnet::Client* Core = GetCoreClient();
	return Core != nullptr ? FRealtimeNetJson::ToUnreal(Core->player_id()) : FString();
}

FRealtimeNetNetworkStats URealtimeNetClient::GetNetworkStats() const
{
	FRealtimeNetNetworkStats Stats;
	const rtnet::Client* Core = GetCoreClient();
	if (Core == nullptr)
	{
		return Stats;
	}
	const double Now = GetNow();
	const rtnet::NetworkMetrics& Metrics = Core->metrics();
	Stats.RttMs = static_cast<float>(Metrics.smoothed_rtt().value_or(0.0) * 1000.0);
	Stats.JitterMs = static_cast<float>(Metrics.jitter() * 1000.0);
	Stats.LossPercent = static_cast<float>(Metrics.loss_ratio() * 100.0);
	if (const std::optional<rtnet::Percentiles> Percentiles = Metrics.RttPercentiles())
	{
		Stats.RttP95Ms = static_cast<float>(Percentiles->p95 * 1000.0);
	}
	Stats.BandwidthInKBps = static_cast<float>(Metrics.BandwidthIn(Now) / 1000.0);
	Stats.BandwidthOutKBps = static_cast<float>(Metrics.BandwidthOut(Now) / 1000.0);
	Stats.ClockOffsetMs = static_cast<float>(Metrics.clock_offset().value_or(0.0) * 1000.0);
	Stats.Quality = RealtimeNetConvert::ToUnreal(Metrics.Quality());
	Stats.QualityBars = rtnet::QualityBars(Metrics.Quality());
	Stats.QueueCritical = static_cast<int32>(Core->queue().depth(rtnet::Lane::kCritical));
	Stats.QueueNormal = static_cast<int32>(Core->queue().depth(rtnet::Lane::kNormal));
	Stats.QueueLow = static_cast<int32>(Core->queue().depth(rtnet::Lane::kLow));
	Stats.PendingCalls = static_cast<int32>(Core->pending_calls());
	Stats.DuplicatesDropped = static_cast<int64>(Core->duplicates_dropped());
	return Stats;
}

// --- Rooms ----------------------------------------------------------------------------------------------

URealtimeNetRoom* URealtimeNetClient::FindRoom(const FString& Room) const
{
	const TObjectPtr<URealtimeNetRoom>* Found = Rooms.Find(Room);
	return Found != nullptr ? Found->Get() : nullptr;
}

TArray<URealtimeNetRoom*> URealtimeNetClient::GetRooms() const
{
	TArray<URealtimeNetRoom*> Result;
	Result.Reserve(Rooms.Num());
	for (const TPair<FString, TObjectPtr<URealtimeNetRoom>>& Entry : Rooms)
	{
		Result.Add(Entry.Value.Get());
	}
	return Result;
}

URealtimeNetRoom* URealtimeNetClient::FindOrAddRoom(const FString& Room)
{
	if (URealtimeNetRoom* Found = FindRoom(Room))
	{
		return Found;
	}
	URealtimeNetRoom* Made = NewObject<URealtimeNetRoom>(this);
	Made->Bind(this, Room);
	Rooms.Add(Room, Made);
	return Made;
}

void URealtimeNetClient::DropRoomIfNotJoined(const FString& Room)
{
	const rtnet::Client* Core = GetCoreClient();
	const std::string Name = FRealtimeNetJson::ToStd(Room);
	if (Core != nullptr && (Core->InRoom(Name) || Core->IsJoining(Name)))
	{
		return;  // a member after all, or joining again
	}
	Rooms.Remove(Room);
}

TArray<FRealtimeNetPresenceRow> URealtimeNetClient::GetPresence(const FString& Room) const
{
	TArray<FRealtimeNetPresenceRow> Rows;
	const rtnet::Client* Core = GetCoreClient();
	const rtnet::PresenceList* List = Core != nullptr ? Core->Presence(FRealtimeNetJson::ToStd(Room)) : nullptr;
	if (List == nullptr)
	{
		return Rows;
	}
	// "Last seen" is wall-clock (Unix seconds), unlike the monotonic `now` the core is ticked with.
	const double WallClockNow = FDateTime::UtcNow().ToUnixTimestampDecimal();
	Rows.Reserve(static_cast<int32>(List->rows().size()));
	for (const rtnet::PresenceEntry& Entry : List->rows())
	{
		Rows.Add(RealtimeNetConvert::ToRow(Entry, WallClockNow, *Core));
	}
	return Rows;
}

uint64 URealtimeNetClient::WatchCollection(URealtimeNetCollectionWatch* Watch, const FString& Room, const rtnet::Path& Path)
{
	if (!Session.IsValid() || Watch == nullptr)
	{
		return 0;
	}
	// The entries already held are reported at the next Flush, once the caller has bound the watch's events.
	const uint64 WatchId = Session->Client->WatchCollection(FRealtimeNetJson::ToStd(Room), Path);
	Watches.Add(WatchId, Watch);
	return WatchId;
}

void URealtimeNetClient::Unwatch(uint64 WatchId)
{
	Watches.Remove(WatchId);
	if (Session.IsValid() && WatchId != 0)
	{
		Session->Client->Unwatch(WatchId);
	}
}

// --- Calls ----------------------------------------------------------------------------------------------

int64 URealtimeNetClient::CallJson(const FString& Method, const TSharedPtr<FJsonObject>& Params,
	const FRealtimeNetCallOptions& Options, FRealtimeNetCallCompleted OnDone)
{
	if (!Session.IsValid())
	{
		DeferRefusal(OnDone, Method, RealtimeNetClientDetail::ShutDown);
		return 0;
	}
	rtnet::Value ParamsValue = Params.IsValid() ? FRealtimeNetJson::ToValue(Params.ToSharedRef()) : rtnet::Value();
	const std::string* Room = ParamsValue.FindString("room");
	const std::string* Status = ParamsValue.FindString("status");
	const std::optional<rtnet::PresenceStatus> PresenceStatus =
		Status != nullptr ? rtnet::ParsePresenceStatus(*Status) : std::nullopt;
	// These carry client-side bookkeeping (membership, versions, typed events); anything malformed goes out as a
	// plain call and the gateway answers -32602.
	if (Method == TEXT("room.join") && Room != nullptr)
	{
		const std::string* Encoding = ParamsValue.FindString("state_encoding");
		return JoinRoom(FRealtimeNetJson::ToUnreal(*Room), Encoding != nullptr ? FRealtimeNetJson::ToUnreal(*Encoding) : FString(),
			MoveTemp(OnDone));
	}
	if (Method == TEXT("room.leave") && Room != nullptr)
	{
		return LeaveRoom(FRealtimeNetJson::ToUnreal(*Room), MoveTemp(OnDone));
	}
	if (Method == TEXT("presence.set") && PresenceStatus.has_value())
	{
		const rtnet::Value* Custom = ParamsValue.Find("custom");
		rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };
		const rtnet::CallTicket Ticket = Session->Client->SetPresence(*PresenceStatus, Custom != nullptr ? *Custom : rtnet::Value(),
			GetNow(), MoveTemp(Done));
		return TicketId(Ticket, OnDone, Method);
	}
	rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };
	const rtnet::CallTicket Ticket = Session->Client->Call(FRealtimeNetJson::ToStd(Method), MoveTemp(ParamsValue), GetNow(),
		RealtimeNetConvert::ToCore(Options), MoveTemp(Done));
	return TicketId(Ticket, OnDone, Method);
}

int64 URealtimeNetClient::JoinRoom(const FString& Room, const FString& StateEncoding, FRealtimeNetCallCompleted OnDone,
	URealtimeNetRoom** OutRoom)
{
	if (OutRoom != nullptr)
	{
		*OutRoom = nullptr;
	}
	if (!Session.IsValid())
	{
		DeferRefusal(OnDone, TEXT("room.join"), RealtimeNetClientDetail::ShutDown);
		return 0;
	}
	// Made now: the room's events may come before the join's answer (the gateway follows the stream first).
	URealtimeNetRoom* Made = FindOrAddRoom(Room);
	if (OutRoom != nullptr)
	{
		*OutRoom = Made;
	}
	rtnet::JoinOptions Join;
	Join.state_encoding = FRealtimeNetJson::ToStd(StateEncoding);
	rtnet::CallCallback Done = [this, OnDone, Room](const rtnet::CallOutcome& Outcome)
	{
		JoinCalls.Remove(static_cast<int64>(Outcome.id));
		CompleteLater(OnDone, Outcome);
		if (Outcome.status != rtnet::CallOutcome::Status::kResult)
		{
			Enqueue([this, Room]() { DropRoomIfNotJoined(Room); });
		}
	};
	const rtnet::CallTicket Ticket = Session->Client->JoinRoom(FRealtimeNetJson::ToStd(Room), GetNow(), Join, MoveTemp(Done));
	if (!Ticket.ok())
	{
		DropRoomIfNotJoined(Room);
	}
	else
	{
		JoinCalls.Add(static_cast<int64>(Ticket.id), Room);
	}
	return TicketId(Ticket, OnDone, TEXT("room.join"));
}

int64 URealtimeNetClient::LeaveRoom(const FString& Room, FRealtimeNetCallCompleted OnDone)
{
	if (!Session.IsValid())
	{
		DeferRefusal(OnDone, TEXT("room.leave"), RealtimeNetClientDetail::ShutDown);
		return 0;
	}
	rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };
	const rtnet::CallTicket Ticket = Session->Client->LeaveRoom(FRealtimeNetJson::ToStd(Room), GetNow(), MoveTemp(Done));
	return TicketId(Ticket, OnDone, TEXT("room.leave"));
}

int64 URealtimeNetClient::UpdateState(const FString& Room, const rtnet::Value& Patch, FRealtimeNetCallCompleted OnDone)
{
	if (!Session.IsValid() || !Patch.IsObject())
	{
		DeferRefusal(OnDone, TEXT("state.update"),
			Session.IsValid() ? TEXT("the patch must be a JSON object") : RealtimeNetClientDetail::ShutDown);
		return 0;
	}
	rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };
	const rtnet::CallTicket Ticket =
		Session->Client->UpdateState(FRealtimeNetJson::ToStd(Room), Patch, GetNow(), rtnet::CallOptions{}, MoveTemp(Done));
	return TicketId(Ticket, OnDone, TEXT("state.update"));
}

int64 URealtimeNetClient::Publish(const FString& Room, const FString& TypeName, const rtnet::Value& Data,
	FRealtimeNetCallCompleted OnDone)
{
	if (!Session.IsValid())
	{
		DeferRefusal(OnDone, TEXT("room.publish"), RealtimeNetClientDetail::ShutDown);
		return 0;
	}
	rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };
	const rtnet::CallTicket Ticket = Session->Client->Publish(FRealtimeNetJson::ToStd(Room), FRealtimeNetJson::ToStd(TypeName),
		Data, GetNow(), rtnet::CallOptions{}, MoveTemp(Done));
	if (!Ticket.ok() && Ticket.status == rtnet::EnqueueStatus::kRejectedInvalid)
	{
		DeferRefusal(OnDone, TEXT("room.publish"),
			FString::Printf(TEXT("\"%s\" is not an event type: dot-separated names of letters, digits, _ : - (at most 128)"),
				*TypeName));
		return 0;
	}
	return TicketId(Ticket, OnDone, TEXT("room.publish"));
}

int64 URealtimeNetClient::SetPresence(ERealtimeNetPresenceStatus Status, const FString& CustomJson,
	FRealtimeNetCallCompleted OnDone)
{
	if (!Session.IsValid())
	{
		DeferRefusal(OnDone, TEXT("presence.set"), RealtimeNetClientDetail::ShutDown);
		return 0;
	}
	rtnet::Value Custom;
	if (!CustomJson.IsEmpty() && !FRealtimeNetJson::ParseAny(CustomJson, Custom))
	{
		DeferRefusal(OnDone, TEXT("presence.set"), TEXT("CustomJson is not valid JSON"));
		return 0;
	}
	rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };
	const rtnet::CallTicket Ticket =
		Session->Client->SetPresence(RealtimeNetConvert::ToCore(Status), MoveTemp(Custom), GetNow(), MoveTemp(Done));
	return TicketId(Ticket, OnDone, TEXT("presence.set"));
}

void URealtimeNetClient::RefreshPresence(const FString& Room, const TArray<FString>& PlayerIds)
{
	if (!Session.IsValid())
	{
		return;
	}
	if (PlayerIds.Num() == 0)
	{
		Session->Client->QueryPresence(FRealtimeNetJson::ToStd(Room), GetNow());  // every member of the room
		return;
	}
	std::vector<std::string> Players;
	Players.reserve(PlayerIds.Num());
	for (const FString& Player : PlayerIds)
	{
		Players.push_back(FRealtimeNetJson::ToStd(Player));
	}
	Session->Client->QueryPresence(FRealtimeNetJson::ToStd(Room), Players, GetNow());
}

bool URealtimeNetClient::CancelCall(int64 CallId)
{
	if (!Session.IsValid() || CallId == 0 || !Session->Client->CancelCall(static_cast<std::int64_t>(CallId)))
	{
		return false;
	}
	// A cancelled join: the core leaves the room again should it succeed late, and its room object goes now.
	FString Room;
	if (JoinCalls.RemoveAndCopyValue(CallId, Room))
	{
		DropRoomIfNotJoined(Room);
	}
	return true;
}

FRealtimeNetCallResult URealtimeNetClient::MakeResult(const rtnet::CallOutcome& Outcome) const
{
	FRealtimeNetCallResult Result;
	switch (Outcome.status)
	{
	case rtnet::CallOutcome::Status::kResult:
		Result.bSuccess = true;
		Result.Result = FRealtimeNetJson::ToJsonValue(Outcome.result);
		break;
	case rtnet::CallOutcome::Status::kError:
		Result.Error = RealtimeNetConvert::ToError(rtnet::ClassifyRpcError(Outcome.error, Outcome.method));
		if (!Outcome.error.data.IsNull())
		{
			Result.Error.DataJson = FRealtimeNetJson::Write(Outcome.error.data);
		}
		break;
	case rtnet::CallOutcome::Status::kTimeout:
	case rtnet::CallOutcome::Status::kDisconnected:
	case rtnet::CallOutcome::Status::kCancelled:
		Result.bCancelled = Outcome.status != rtnet::CallOutcome::Status::kTimeout;
		Result.Error = RealtimeNetConvert::ToError(rtnet::CallError(Outcome));
		break;
	}
	return Result;
}

void URealtimeNetClient::CompleteLater(const FRealtimeNetCallCompleted& OnDone, const rtnet::CallOutcome& Outcome)
{
	const FRealtimeNetCallResult Result = MakeResult(Outcome);
	Enqueue([OnDone, Result]() { OnDone.ExecuteIfBound(Result); });
}

int64 URealtimeNetClient::TicketId(const rtnet::CallTicket& Ticket, const FRealtimeNetCallCompleted& OnDone,
	const FString& Method)
{
	if (!Ticket.ok())
	{
		DeferRefusal(OnDone, Method, FString::Printf(TEXT("refused: %s"), UTF8_TO_TCHAR(rtnet::ToString(Ticket.status))));
		return 0;
	}
	return static_cast<int64>(Ticket.id);
}

void URealtimeNetClient::DeferRefusal(const FRealtimeNetCallCompleted& OnDone, const FString& Method, const FString& Why)
{
	rtnet::CallOutcome Refused;
	Refused.status = rtnet::CallOutcome::Status::kCancelled;
	Refused.method = FRealtimeNetJson::ToStd(Method);
	Refused.reason = FRealtimeNetJson::ToStd(Why);
	const FRealtimeNetCallResult Result = MakeResult(Refused);
	NextFrame.Add([OnDone, Result]() { OnDone.ExecuteIfBound(Result); });
}

rtnet::Client* URealtimeNetClient::GetCoreClient()
{
	return Session.IsValid() ? Session->Client.Get() : nullptr;
}

const rtnet::Client* URealtimeNetClient::GetCoreClient() const
{
	return Session.IsValid() ? Session->Client.Get() : nullptr;
}

double URealtimeNetClient::GetNow() const
{
	return FPlatformTime::Seconds();
}

// --- Debug ----------------------------------------------------------------------------------------------

void URealtimeNetClient::SetTraceEnabled(bool bEnabled)
{
	bTraceEnabled = bEnabled;
	if (!Session.IsValid())
	{
		return;
	}
	if (!bEnabled)
	{
		Session->Client->SetTraceHook(nullptr);
		return;
	}
	const bool bVerbose = bVerboseTrace;
	const FString Prefix = ClientName.ToString();
	Session->Client->SetTraceHook([bVerbose, Prefix](const rtnet::TraceEntry& Entry, const rtnet::Value& Message)
	{
		const FString Line = URealtimeNetTextLibrary::TraceRowText(RealtimeNetConvert::ToRow(Entry)).ToString();
		if (bVerbose && Entry.method != "session.resume" && Entry.method != "auth.refresh")
		{
			// Whole messages, except the two that carry credentials.
			UE_LOG(LogRealtimeNet, Display, TEXT("[%s] %s %s"), *Prefix, *Line, *FRealtimeNetJson::Write(Message));
		}
		else
		{
			UE_LOG(LogRealtimeNet, Display, TEXT("[%s] %s"), *Prefix, *Line);
		}
	});
}

void URealtimeNetClient::SetSimulatedLatency(float Ms)
{
#if !UE_BUILD_SHIPPING
	if (Session.IsValid())
	{
		Session->Transport->SetSimulatedDelay(FMath::Max(0.f, Ms) / 2000.0);
	}
#endif
}

void URealtimeNetClient::SetSimulatedLoss(float Percent)
{
#if !UE_BUILD_SHIPPING
	if (Session.IsValid())
	{
		Session->Transport->SetSimulatedLoss(FMath::Clamp(Percent, 0.f, 100.f) / 100.0);
	}
#endif
}

TArray<FRealtimeNetTraceRow> URealtimeNetClient::GetRecentTrace() const
{
	TArray<FRealtimeNetTraceRow> Rows;
	if (const rtnet::Client* Core = GetCoreClient())
	{
		for (const rtnet::TraceEntry& Entry : Core->RecentTrace())
		{
			Rows.Add(RealtimeNetConvert::ToRow(Entry));
		}
	}
	return Rows;
}

FString URealtimeNetClient::DumpState(const FString& Room) const
{
	const rtnet::Client* Core = GetCoreClient();
	if (Core == nullptr)
	{
		return TEXT("no client");
	}
	const rtnet::StateStore& Store = Core->state_store();
	std::vector<std::string> Names = Room.IsEmpty() ? Store.Rooms() : std::vector<std::string>{FRealtimeNetJson::ToStd(Room)};
	FString Out;
	for (const std::string& Name : Names)
	{
		const rtnet::Value* Document = Store.Document(Name);
		if (Document == nullptr)
		{
			Out += FString::Printf(TEXT("%s: not held\n"), *FRealtimeNetJson::ToUnreal(Name));
			continue;
		}
		Out += FString::Printf(TEXT("%s v%lld %s\n"), *FRealtimeNetJson::ToUnreal(Name),
			static_cast<int64>(Store.Version(Name).value_or(0)), *FRealtimeNetJson::Write(*Document));
	}
	return Out.IsEmpty() ? FString(TEXT("no room state held")) : Out;
}

FString URealtimeNetClient::DescribeStatus() const
{
	const rtnet::Client* Core = GetCoreClient();
	if (Core == nullptr)
	{
		return TEXT("no client");
	}
	FString RoomNames;
	for (const std::string& Room : Core->Rooms())
	{
		RoomNames += (RoomNames.IsEmpty() ? TEXT("") : TEXT(", ")) + FRealtimeNetJson::ToUnreal(Room);
	}
	const FRealtimeNetNetworkStats Stats = GetNetworkStats();
	return FString::Printf(TEXT("[%s] %s  session %s  player %s  rooms [%s]\n%s\n%s  malformed %lld"), *ClientName.ToString(),
		UTF8_TO_TCHAR(rtnet::ToString(Core->state())), *GetSessionId(), *GetPlayerId(), *RoomNames,
		*URealtimeNetTextLibrary::LinkText(Stats).ToString(), *URealtimeNetTextLibrary::QueueText(Stats).ToString(),
		static_cast<int64>(Core->malformed_frames()));
}
