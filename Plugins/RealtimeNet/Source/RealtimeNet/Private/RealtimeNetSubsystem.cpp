#include "RealtimeNetSubsystem.h"

#include "Engine/Engine.h"
#include "Engine/GameInstance.h"
#include "Engine/World.h"
#include "HAL/PlatformTime.h"
#include "Misc/DateTime.h"
#include "ProfilingDebugging/CpuProfilerTrace.h"

#include "rtnet/Client.h"
#include "rtnet/Display.h"

#include "Protocol/RealtimeNetProtocolEvents.h"
#include "RealtimeNetConvert.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetModule.h"
#include "RealtimeNetSession.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetTextLibrary.h"

namespace RealtimeNetSubsystemDetail
{
const TCHAR* const ShutDown = TEXT("the RealtimeNet subsystem is shut down");

// Custom presence payloads may be any JSON value, but the engine reader refuses a scalar root: read it as
// the only item of an array.
bool ParseAnyJson(const FString& Text, rtnet::Value& Out)
{
	rtnet::Value Wrapped;
	if (!FRealtimeNetJson::Parse(TEXT("[") + Text + TEXT("]"), Wrapped))
	{
		return false;
	}
	const rtnet::Value::Array* Items = Wrapped.AsArray();
	if (Items == nullptr || Items->size() != 1)
	{
		return false;
	}
	Out = (*Items)[0];
	return true;
}
}  // namespace RealtimeNetSubsystemDetail

URealtimeNetSubsystem* URealtimeNetSubsystem::Get(const UObject* WorldContextObject)
{
	if (WorldContextObject == nullptr || GEngine == nullptr)
	{
		return nullptr;
	}
	const UWorld* World = GEngine->GetWorldFromContextObject(WorldContextObject, EGetWorldErrorMode::ReturnNull);
	return World != nullptr ? UGameInstance::GetSubsystem<URealtimeNetSubsystem>(World->GetGameInstance()) : nullptr;
}

bool URealtimeNetSubsystem::ShouldCreateSubsystem(UObject* Outer) const
{
	return !IsRunningDedicatedServer() && Super::ShouldCreateSubsystem(Outer);
}

void URealtimeNetSubsystem::Initialize(FSubsystemCollectionBase& Collection)
{
	Super::Initialize(Collection);

	const URealtimeNetSettings* Settings = GetDefault<URealtimeNetSettings>();
	const int32 Seed = Settings->RandomSeed != 0 ? Settings->RandomSeed : static_cast<int32>(FPlatformTime::Cycles());
	bVerboseTrace = Settings->bVerboseTrace;

	// The session owns these closures (transport -> handlers), so `this` outlives every call to them. They only
	// feed the core; what it produced is broadcast by the next HandleTick. Not here: these run inside the engine's
	// IWebSocket callbacks, which the WebSockets manager fires while it iterates its own socket array, and a game
	// handler that connected or reconnected from there would add a socket to that array mid-iteration.
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

	rtnet::Client& Client = *Session->Client;
	// Every notification (an empty filter matches all), after the core's own handling of it.
	DispatchHandleId = Client.dispatcher().Add(rtnet::DispatchFilter{}, [this](const rtnet::IncomingMessage& Message)
	{
		const FString Method = FRealtimeNetJson::ToUnreal(Message.method);
		TSharedPtr<FJsonObject> Params = FRealtimeNetJson::ToJsonObject(Message.params);
		const TSharedRef<FJsonObject> ParamsRef = Params.IsValid() ? Params.ToSharedRef() : MakeShared<FJsonObject>();
		FString Room;
		FString From;
		FString DataJson;
		const bool bRoomEvent = Message.method == "room.event";
		if (bRoomEvent)
		{
			Room = FRealtimeNetJson::ToUnreal(Message.room);
			if (const std::string* Sender = Message.params.FindString("from"))
			{
				From = FRealtimeNetJson::ToUnreal(*Sender);
			}
			if (const rtnet::Value* Data = Message.params.Find("data"))
			{
				DataJson = FRealtimeNetJson::Write(*Data);
			}
		}
		Deferred.Add([this, Method, ParamsRef, bRoomEvent, Room, From, DataJson]()
		{
			OnNotification.Broadcast(Method, ParamsRef);
			if (ProtocolEvents != nullptr)
			{
				ProtocolEvents->Dispatch(Method, ParamsRef);
			}
			if (bRoomEvent)
			{
				OnEventNative.Broadcast(Room, From, DataJson);
				OnEvent.Broadcast(Room, From, DataJson);
			}
		});
	}).id;
	StateListenerId = Client.state_store().AddListener([this](const rtnet::StateChange& Change)
	{
		const FString Room = FRealtimeNetJson::ToUnreal(Change.room);
		const int64 Version = static_cast<int64>(Change.to_version);
		Deferred.Add([this, Room, Version]()
		{
			OnStateChangedNative.Broadcast(Room, Version);
			OnStateChanged.Broadcast(Room, Version);
		});
	});

	ProtocolEvents = NewObject<URealtimeNetProtocolEvents>(this);

	// FTSTicker, not a tickable world object: it runs while the game is paused and between levels.
	TickHandle = FTSTicker::GetCoreTicker().AddTicker(
		FTickerDelegate::CreateUObject(this, &URealtimeNetSubsystem::HandleTick), 0.0f);

	if (Settings->bAutoConnect && !Settings->DefaultUrl.IsEmpty())
	{
		Connect(Settings->DefaultUrl, FString());
	}
}

void URealtimeNetSubsystem::Deinitialize()
{
	if (TickHandle.IsValid())
	{
		FTSTicker::GetCoreTicker().RemoveTicker(TickHandle);
		TickHandle.Reset();
	}
	if (Session.IsValid())
	{
		Session->Client->SetTraceHook(nullptr);
		Session->Client->Close(GetNow(), "game instance shutting down");
		Session->Client->TakeEvents();
	}
	// Nothing is broadcast to a game instance that is going away; the transport unbinds and closes its sockets.
	Deferred.Empty();
	NextTick.Empty();
	Session.Reset();
	Super::Deinitialize();
}

bool URealtimeNetSubsystem::HandleTick(float /*DeltaTime*/)
{
	TRACE_CPUPROFILER_EVENT_SCOPE(RealtimeNet_Tick);
	if (!Session.IsValid())
	{
		return true;
	}
	Deferred.Append(MoveTemp(NextTick));
	NextTick.Reset();
	const double Now = GetNow();
	Session->Transport->Tick(Now);
	Session->Client->Tick(Now);
	Flush();
	return true;  // keep ticking
}

void URealtimeNetSubsystem::Flush()
{
	if (bFlushing || !Session.IsValid())
	{
		return;  // a handler called into the client: the outer Flush picks up what it produced
	}
	bFlushing = true;
	// Handlers may produce more (a call from a completion, a Disconnect from an error); a few rounds drain it,
	// anything beyond waits for the next tick.
	for (int32 Round = 0; Round < 8 && Session.IsValid(); ++Round)
	{
		const std::vector<rtnet::ClientEvent> Events = Session->Client->TakeEvents();
		TArray<TFunction<void()>> Work = MoveTemp(Deferred);
		Deferred.Reset();
		if (Events.empty() && Work.Num() == 0)
		{
			break;
		}
		// Events first: a join's kRoomJoined reaches the game before the join call's completion.
		for (const rtnet::ClientEvent& Event : Events)
		{
			BroadcastEvent(Event);
		}
		for (TFunction<void()>& Item : Work)
		{
			Item();
		}
	}
	bFlushing = false;
}

void URealtimeNetSubsystem::BroadcastEvent(const rtnet::ClientEvent& Event)
{
	using Kind = rtnet::ClientEvent::Kind;
	const FString Room = FRealtimeNetJson::ToUnreal(Event.room);
	const FString Reason = FRealtimeNetJson::ToUnreal(Event.reason);
	switch (Event.kind)
	{
	case Kind::kStateChanged:
	{
		const ERealtimeNetConnectionState NewState = RealtimeNetConvert::ToUnreal(Event.to);
		const ERealtimeNetConnectionState OldState = RealtimeNetConvert::ToUnreal(Event.from);
		UE_LOG(LogRealtimeNet, Log, TEXT("%s -> %s (%s)"), *URealtimeNetTextLibrary::ConnectionStateText(OldState),
			*URealtimeNetTextLibrary::ConnectionStateText(NewState), *Reason);
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
		UE_LOG(LogRealtimeNet, Log, TEXT("session %s started (%s)"), *FRealtimeNetJson::ToUnreal(Event.session_id), *Reason);
		return;
	case Kind::kRecovered:
		UE_LOG(LogRealtimeNet, Log, TEXT("session resumed: %lld publications replayed on %lld streams"),
			static_cast<int64>(Event.replayed), static_cast<int64>(Event.streams));
		OnRecoveredNative.Broadcast(static_cast<int32>(Event.replayed));
		OnRecovered.Broadcast(static_cast<int32>(Event.replayed));
		return;
	case Kind::kResynced:
		// Room is empty for the player's direct-message stream.
		UE_LOG(LogRealtimeNet, Log, TEXT("resynced %s (%s)"), *FRealtimeNetJson::ToUnreal(Event.stream), *Reason);
		OnResyncedNative.Broadcast(Room);
		OnResynced.Broadcast(Room);
		return;
	case Kind::kError:
	{
		const FRealtimeNetError Error = RealtimeNetConvert::ToError(Event.error);
		UE_LOG(LogRealtimeNet, Warning, TEXT("error %d (%s): %s"), Error.Code,
			UTF8_TO_TCHAR(rtnet::ToString(Event.error.error_class)), *Error.Message);
		OnErrorNative.Broadcast(Error);
		OnError.Broadcast(Error);
		return;
	}
	case Kind::kTokenRequired:
		// Also an OnError for close 4001 (Recovery = RefreshToken); SetToken reconnects and resumes.
		UE_LOG(LogRealtimeNet, Log, TEXT("waiting for a new token (SetToken): %s"), *Reason);
		AskForToken(ERealtimeNetTokenNeed::Required, 0.f);
		return;
	case Kind::kTokenExpiring:
	{
		// SetToken sends auth.refresh: the core remembers that the token is expiring.
		const double SecondsLeft = FMath::Max(0.0, Event.deadline - FDateTime::UtcNow().ToUnixTimestampDecimal());
		UE_LOG(LogRealtimeNet, Log, TEXT("token expiring: SetToken within %.0f s"), SecondsLeft);
		AskForToken(ERealtimeNetTokenNeed::Expiring, static_cast<float>(SecondsLeft));
		return;
	}
	case Kind::kDraining:
		UE_LOG(LogRealtimeNet, Log, TEXT("gateway node draining: moving within %.1f s"), Event.deadline);
		return;
	case Kind::kRoomJoined:
	case Kind::kRoomLeft:
		// A room's presence list appears and disappears with the membership.
		OnPresenceChangedNative.Broadcast(Room);
		OnPresenceChanged.Broadcast(Room);
		return;
	case Kind::kPresenceChanged:
		OnPresenceChangedNative.Broadcast(Room);
		OnPresenceChanged.Broadcast(Room);
		if (!Event.text.empty())  // a presence.changed, not a reload (presence.query)
		{
			OnPresenceNewsNative.Broadcast(Room, FRealtimeNetJson::ToUnreal(Event.player), FRealtimeNetJson::ToUnreal(Event.text));
		}
		return;
	}
}

// --- Connection -----------------------------------------------------------------------------------------

bool URealtimeNetSubsystem::Connect(const FString& Url, const FString& Token)
{
	if (!Session.IsValid())
	{
		return false;
	}
	const rtnet::State State = Session->Client->state();
	if (State != rtnet::State::kDisconnected && State != rtnet::State::kClosed)
	{
		UE_LOG(LogRealtimeNet, Warning, TEXT("Connect ignored: already %s (Disconnect first)"), UTF8_TO_TCHAR(rtnet::ToString(State)));
		return false;
	}
	const FString Target = Url.IsEmpty() ? GetDefault<URealtimeNetSettings>()->DefaultUrl : Url;
	if (Target.IsEmpty())
	{
		UE_LOG(LogRealtimeNet, Warning, TEXT("Connect: no URL given and no DefaultUrl in Project Settings > RealtimeNet"));
		return false;
	}
	Session->Transport->SetEndpoint(Target, Token);
	const bool bStarted = Session->Client->Connect(GetNow());
	Flush();
	return bStarted;
}

void URealtimeNetSubsystem::Disconnect()
{
	if (Session.IsValid())
	{
		Session->Client->Close(GetNow(), "closed by the game");
		Flush();
	}
}

void URealtimeNetSubsystem::Reconnect()
{
	if (Session.IsValid())
	{
		Session->Client->Reconnect(GetNow(), "reconnect requested");
		Flush();
	}
}

void URealtimeNetSubsystem::SetToken(const FString& Token)
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

void URealtimeNetSubsystem::SetTokenProvider(FRealtimeNetTokenProvider Provider)
{
	TokenProvider = MoveTemp(Provider);
}

void URealtimeNetSubsystem::AskForToken(ERealtimeNetTokenNeed Need, float SecondsLeft)
{
	OnTokenNeededNative.Broadcast(Need, SecondsLeft);
	OnTokenNeeded.Broadcast(Need, SecondsLeft);
	if (TokenProvider)
	{
		// The provider may answer much later (an HTTP round trip): by then the subsystem may be gone.
		TWeakObjectPtr<URealtimeNetSubsystem> Self(this);
		TokenProvider(Need, [Self](const FString& Token)
		{
			if (Token.IsEmpty())
			{
				UE_LOG(LogRealtimeNet, Warning, TEXT("the token provider gave an empty token: ignored"));
			}
			else if (URealtimeNetSubsystem* Subsystem = Self.Get())
			{
				Subsystem->SetToken(Token);
			}
		});
	}
}

ERealtimeNetConnectionState URealtimeNetSubsystem::GetConnectionState() const
{
	const rtnet::Client* Client = GetCoreClient();
	return Client != nullptr ? RealtimeNetConvert::ToUnreal(Client->state()) : ERealtimeNetConnectionState::Disconnected;
}

bool URealtimeNetSubsystem::GetReconnectCountdown(int32& Attempt, float& SecondsLeft) const
{
	Attempt = 0;
	SecondsLeft = 0.f;
	const rtnet::Client* Client = GetCoreClient();
	const std::optional<rtnet::ReconnectSchedule> Schedule = Client != nullptr ? Client->reconnect_schedule() : std::nullopt;
	if (!Schedule.has_value())
	{
		return false;
	}
	Attempt = Schedule->attempt;
	SecondsLeft = static_cast<float>(Schedule->RetryIn(GetNow()));
	return true;
}

FString URealtimeNetSubsystem::GetSessionId() const
{
	const rtnet::Client* Client = GetCoreClient();
	return Client != nullptr ? FRealtimeNetJson::ToUnreal(Client->session_id()) : FString();
}

FString URealtimeNetSubsystem::GetPlayerId() const
{
	const rtnet::Client* Client = GetCoreClient();
	return Client != nullptr ? FRealtimeNetJson::ToUnreal(Client->player_id()) : FString();
}

// --- What the UI reads ----------------------------------------------------------------------------------

FRealtimeNetNetworkStats URealtimeNetSubsystem::GetNetworkStats() const
{
	FRealtimeNetNetworkStats Stats;
	const rtnet::Client* Client = GetCoreClient();
	if (Client == nullptr)
	{
		return Stats;
	}
	const double Now = GetNow();
	const rtnet::NetworkMetrics& Metrics = Client->metrics();
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
	Stats.QueueCritical = static_cast<int32>(Client->queue().depth(rtnet::Lane::kCritical));
	Stats.QueueNormal = static_cast<int32>(Client->queue().depth(rtnet::Lane::kNormal));
	Stats.QueueLow = static_cast<int32>(Client->queue().depth(rtnet::Lane::kLow));
	Stats.PendingCalls = static_cast<int32>(Client->pending_calls());
	Stats.DuplicatesDropped = static_cast<int64>(Client->duplicates_dropped());
	return Stats;
}

TArray<FRealtimeNetPresenceRow> URealtimeNetSubsystem::GetPresence(const FString& Room) const
{
	TArray<FRealtimeNetPresenceRow> Rows;
	const rtnet::Client* Client = GetCoreClient();
	const rtnet::PresenceList* List = Client != nullptr ? Client->Presence(FRealtimeNetJson::ToStd(Room)) : nullptr;
	if (List == nullptr)
	{
		return Rows;
	}
	// "Last seen" is wall-clock (Unix seconds), unlike the monotonic `now` the core is ticked with.
	const double WallClockNow = FDateTime::UtcNow().ToUnixTimestampDecimal();
	Rows.Reserve(static_cast<int32>(List->rows().size()));
	for (const rtnet::PresenceEntry& Entry : List->rows())
	{
		Rows.Add(RealtimeNetConvert::ToRow(Entry, WallClockNow));
	}
	return Rows;
}

FString URealtimeNetSubsystem::GetStateJson(const FString& Room) const
{
	const rtnet::Client* Client = GetCoreClient();
	const rtnet::Value* Document =
		Client != nullptr ? Client->state_store().Document(FRealtimeNetJson::ToStd(Room)) : nullptr;
	return Document != nullptr ? FRealtimeNetJson::Write(*Document) : FString();
}

int64 URealtimeNetSubsystem::GetStateVersion(const FString& Room) const
{
	const rtnet::Client* Client = GetCoreClient();
	return Client != nullptr
		? static_cast<int64>(Client->state_store().Version(FRealtimeNetJson::ToStd(Room)).value_or(0))
		: 0;
}

TArray<FRealtimeNetTraceRow> URealtimeNetSubsystem::GetRecentTrace() const
{
	TArray<FRealtimeNetTraceRow> Rows;
	if (const rtnet::Client* Client = GetCoreClient())
	{
		for (const rtnet::TraceEntry& Entry : Client->RecentTrace())
		{
			Rows.Add(RealtimeNetConvert::ToRow(Entry));
		}
	}
	return Rows;
}

TArray<FString> URealtimeNetSubsystem::GetRooms() const
{
	TArray<FString> Rooms;
	if (const rtnet::Client* Client = GetCoreClient())
	{
		for (const std::string& Room : Client->Rooms())
		{
			Rooms.Add(FRealtimeNetJson::ToUnreal(Room));
		}
	}
	return Rooms;
}

// --- Calls ----------------------------------------------------------------------------------------------

int64 URealtimeNetSubsystem::CallJson(const FString& Method, const TSharedPtr<FJsonObject>& Params,
	const FRealtimeNetCallOptions& Options, FRealtimeNetCallCompleted OnDone)
{
	if (!Session.IsValid())
	{
		DeferRefusal(OnDone, Method, RealtimeNetSubsystemDetail::ShutDown);
		return 0;
	}
	rtnet::Client& Client = *Session->Client;
	const double Now = GetNow();
	rtnet::Value ParamsValue = Params.IsValid() ? FRealtimeNetJson::ToValue(Params.ToSharedRef()) : rtnet::Value();
	rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };

	const std::string* Room = ParamsValue.FindString("room");
	const std::string* Status = ParamsValue.FindString("status");
	const std::optional<rtnet::PresenceStatus> PresenceStatus =
		Status != nullptr ? rtnet::ParsePresenceStatus(*Status) : std::nullopt;
	rtnet::CallTicket Ticket;
	// These three carry client-side bookkeeping (room membership for re-joins); anything malformed goes out
	// as a plain call and the gateway answers -32602.
	if (Method == TEXT("room.join") && Room != nullptr)
	{
		rtnet::JoinOptions Join;
		Join.timeout = Options.Timeout;
		if (const std::string* Encoding = ParamsValue.FindString("state_encoding"))
		{
			Join.state_encoding = *Encoding;
		}
		Ticket = Client.JoinRoom(*Room, Now, Join, MoveTemp(Done));
	}
	else if (Method == TEXT("room.leave") && Room != nullptr)
	{
		Ticket = Client.LeaveRoom(*Room, Now, MoveTemp(Done));
	}
	else if (Method == TEXT("presence.set") && PresenceStatus.has_value())
	{
		const rtnet::Value* Custom = ParamsValue.Find("custom");
		Ticket = Client.SetPresence(*PresenceStatus, Custom != nullptr ? *Custom : rtnet::Value(), Now, MoveTemp(Done));
	}
	else
	{
		Ticket = Client.Call(FRealtimeNetJson::ToStd(Method), MoveTemp(ParamsValue), Now,
			RealtimeNetConvert::ToCore(Options), MoveTemp(Done));
	}
	return TicketId(Ticket, OnDone, Method);
}

int64 URealtimeNetSubsystem::JoinRoom(const FString& Room, const FString& StateEncoding, FRealtimeNetCallCompleted OnDone)
{
	TSharedPtr<FJsonObject> Params = MakeShared<FJsonObject>();
	Params->SetStringField(TEXT("room"), Room);
	if (!StateEncoding.IsEmpty())
	{
		Params->SetStringField(TEXT("state_encoding"), StateEncoding);
	}
	return CallJson(TEXT("room.join"), Params, FRealtimeNetCallOptions(), MoveTemp(OnDone));
}

int64 URealtimeNetSubsystem::LeaveRoom(const FString& Room, FRealtimeNetCallCompleted OnDone)
{
	TSharedPtr<FJsonObject> Params = MakeShared<FJsonObject>();
	Params->SetStringField(TEXT("room"), Room);
	return CallJson(TEXT("room.leave"), Params, FRealtimeNetCallOptions(), MoveTemp(OnDone));
}

int64 URealtimeNetSubsystem::UpdateState(const FString& Room, const TSharedPtr<FJsonObject>& Patch,
	FRealtimeNetCallCompleted OnDone)
{
	if (!Session.IsValid() || !Patch.IsValid())
	{
		DeferRefusal(OnDone, TEXT("state.update"),
			Patch.IsValid() ? RealtimeNetSubsystemDetail::ShutDown : TEXT("the patch must be a JSON object"));
		return 0;
	}
	rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };
	const rtnet::CallTicket Ticket = Session->Client->UpdateState(FRealtimeNetJson::ToStd(Room),
		FRealtimeNetJson::ToValue(Patch.ToSharedRef()), GetNow(), rtnet::CallOptions{}, MoveTemp(Done));
	return TicketId(Ticket, OnDone, TEXT("state.update"));
}

int64 URealtimeNetSubsystem::SetPresence(ERealtimeNetPresenceStatus Status, const FString& CustomJson,
	FRealtimeNetCallCompleted OnDone)
{
	if (!Session.IsValid())
	{
		DeferRefusal(OnDone, TEXT("presence.set"), RealtimeNetSubsystemDetail::ShutDown);
		return 0;
	}
	rtnet::Value Custom;
	if (!CustomJson.IsEmpty() && !RealtimeNetSubsystemDetail::ParseAnyJson(CustomJson, Custom))
	{
		DeferRefusal(OnDone, TEXT("presence.set"), TEXT("CustomJson is not valid JSON"));
		return 0;
	}
	rtnet::CallCallback Done = [this, OnDone](const rtnet::CallOutcome& Outcome) { CompleteLater(OnDone, Outcome); };
	const rtnet::CallTicket Ticket =
		Session->Client->SetPresence(RealtimeNetConvert::ToCore(Status), MoveTemp(Custom), GetNow(), MoveTemp(Done));
	return TicketId(Ticket, OnDone, TEXT("presence.set"));
}

void URealtimeNetSubsystem::RefreshPresence(const FString& Room, const TArray<FString>& PlayerIds)
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

bool URealtimeNetSubsystem::CancelCall(int64 CallId)
{
	return Session.IsValid() && CallId != 0 && Session->Client->CancelCall(static_cast<std::int64_t>(CallId));
}

FRealtimeNetCallResult URealtimeNetSubsystem::MakeResult(const rtnet::CallOutcome& Outcome) const
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
	case rtnet::CallOutcome::Status::kCancelled:
		Result.bCancelled = Outcome.status == rtnet::CallOutcome::Status::kCancelled;
		Result.Error = RealtimeNetConvert::ToError(rtnet::CallError(Outcome));
		break;
	}
	return Result;
}

void URealtimeNetSubsystem::CompleteLater(const FRealtimeNetCallCompleted& OnDone, const rtnet::CallOutcome& Outcome)
{
	const FRealtimeNetCallResult Result = MakeResult(Outcome);
	Deferred.Add([OnDone, Result]() { OnDone.ExecuteIfBound(Result); });
}

int64 URealtimeNetSubsystem::TicketId(const rtnet::CallTicket& Ticket, const FRealtimeNetCallCompleted& OnDone,
	const FString& Method)
{
	if (!Ticket.ok())
	{
		DeferRefusal(OnDone, Method, FString::Printf(TEXT("refused: %s"), UTF8_TO_TCHAR(rtnet::ToString(Ticket.status))));
		return 0;
	}
	return static_cast<int64>(Ticket.id);
}

void URealtimeNetSubsystem::DeferRefusal(const FRealtimeNetCallCompleted& OnDone, const FString& Method, const FString& Why)
{
	rtnet::CallOutcome Refused;
	Refused.status = rtnet::CallOutcome::Status::kCancelled;
	Refused.method = FRealtimeNetJson::ToStd(Method);
	Refused.reason = FRealtimeNetJson::ToStd(Why);
	const FRealtimeNetCallResult Result = MakeResult(Refused);
	NextTick.Add([OnDone, Result]() { OnDone.ExecuteIfBound(Result); });
}

rtnet::Client* URealtimeNetSubsystem::GetCoreClient()
{
	return Session.IsValid() ? Session->Client.Get() : nullptr;
}

const rtnet::Client* URealtimeNetSubsystem::GetCoreClient() const
{
	return Session.IsValid() ? Session->Client.Get() : nullptr;
}

double URealtimeNetSubsystem::GetNow() const
{
	return FPlatformTime::Seconds();
}

// --- Debug ----------------------------------------------------------------------------------------------

void URealtimeNetSubsystem::SetTraceEnabled(bool bEnabled)
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
	Session->Client->SetTraceHook([bVerbose](const rtnet::TraceEntry& Entry, const rtnet::Value& Message)
	{
		const FString Line = URealtimeNetTextLibrary::TraceRowText(RealtimeNetConvert::ToRow(Entry));
		if (bVerbose)
		{
			UE_LOG(LogRealtimeNet, Display, TEXT("%s %s"), *Line, *FRealtimeNetJson::Write(Message));
		}
		else
		{
			UE_LOG(LogRealtimeNet, Display, TEXT("%s"), *Line);
		}
	});
}

void URealtimeNetSubsystem::SetSimulatedLatency(float Ms)
{
	if (Session.IsValid())
	{
		Session->Transport->SetSimulatedDelay(FMath::Max(0.f, Ms) / 2000.0);
	}
}

void URealtimeNetSubsystem::SetSimulatedLoss(float Percent)
{
	if (Session.IsValid())
	{
		Session->Transport->SetSimulatedLoss(FMath::Clamp(Percent, 0.f, 100.f) / 100.0);
	}
}

FString URealtimeNetSubsystem::DumpState(const FString& Room) const
{
	const rtnet::Client* Client = GetCoreClient();
	if (Client == nullptr)
	{
		return TEXT("no client");
	}
	const rtnet::StateStore& Store = Client->state_store();
	std::vector<std::string> Rooms = Room.IsEmpty() ? Store.Rooms() : std::vector<std::string>{FRealtimeNetJson::ToStd(Room)};
	FString Out;
	for (const std::string& Name : Rooms)
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

FString URealtimeNetSubsystem::DescribeStatus() const
{
	const rtnet::Client* Client = GetCoreClient();
	if (Client == nullptr)
	{
		return TEXT("no client");
	}
	FString Rooms;
	for (const FString& Room : GetRooms())
	{
		Rooms += (Rooms.IsEmpty() ? TEXT("") : TEXT(", ")) + Room;
	}
	const FRealtimeNetNetworkStats Stats = GetNetworkStats();
	return FString::Printf(TEXT("%s  session %s  player %s  rooms [%s]\n%s\n%s  malformed %lld"),
		*URealtimeNetTextLibrary::ConnectionStateText(GetConnectionState()), *GetSessionId(), *GetPlayerId(), *Rooms,
		*URealtimeNetTextLibrary::LinkText(Stats), *URealtimeNetTextLibrary::QueueText(Stats),
		static_cast<int64>(Client->malformed_frames()));
}
