#include "RealtimeNetScriptedGateway.h"

#include "Misc/DateTime.h"

#include "rtnet/Client.h"
#include "rtnet/Streams.h"

#include "RealtimeNetJson.h"
#include "RealtimeNetSubsystem.h"

const TCHAR* const FRealtimeNetScriptedGateway::UnreachableUrl = TEXT("ws://127.0.0.1:9/ws");

FRealtimeNetScriptedGateway::FRealtimeNetScriptedGateway(URealtimeNetSubsystem& InSubsystem)
	: Subsystem(InSubsystem)
{
}

bool FRealtimeNetScriptedGateway::Open(FString& OutError, const FString& PlayerId, double HeartbeatInterval)
{
	if (Subsystem.GetCoreClient() == nullptr)
	{
		OutError = TEXT("the subsystem has no core client");
		return false;
	}
	if (!Subsystem.Connect(UnreachableUrl, TEXT("scripted-token")))
	{
		OutError = FString::Printf(TEXT("Connect refused in state %d"), static_cast<int32>(Subsystem.GetConnectionState()));
		return false;
	}
	if (!Welcome(PlayerId, HeartbeatInterval))
	{
		OutError = TEXT("no socket to deliver session.welcome on");
		return false;
	}
	return true;
}

bool FRealtimeNetScriptedGateway::Welcome(const FString& PlayerId, double HeartbeatInterval)
{
	rtnet::Client* Core = Subsystem.GetCoreClient();
	if (Core == nullptr || Socket() == 0)
	{
		return false;
	}
	++Sessions;
	Core->OnOpen(Socket(), Subsystem.GetNow());
	const std::string Session = "scripted-session-" + std::to_string(Sessions);
	Notify("session.welcome", rtnet::Value::MakeObject({
		{"session_id", Session},
		{"player_id", FRealtimeNetJson::ToStd(PlayerId)},
		{"resume_token", "scripted-resume-" + std::to_string(Sessions)},
		{"heartbeat_interval", HeartbeatInterval},
		{"server_time", static_cast<std::int64_t>(FDateTime::UtcNow().ToUnixTimestamp()) * 1000},
	}));
	return true;
}

int64 FRealtimeNetScriptedGateway::PeekNextCallId()
{
	FRealtimeNetCallOptions Options;
	Options.bResendable = true;  // queued (never refused) whatever the connection state: the id is always taken
	const int64 Probe = Subsystem.CallJson(TEXT("sys.ping"), nullptr, Options, FRealtimeNetCallCompleted());
	Subsystem.CancelCall(Probe);
	return Probe + 1;
}

void FRealtimeNetScriptedGateway::Reply(int64 Id, rtnet::Value Result)
{
	Deliver(rtnet::Value::MakeObject({{"jsonrpc", "2.0"}, {"id", Id}, {"result", MoveTemp(Result)}}));
}

void FRealtimeNetScriptedGateway::ReplyError(int64 Id, int32 Code, const std::string& Message, rtnet::Value Data)
{
	rtnet::Value Error = rtnet::Value::MakeObject({{"code", Code}, {"message", Message}});
	if (!Data.IsNull())
	{
		Error.Set("data", MoveTemp(Data));
	}
	Deliver(rtnet::Value::MakeObject({{"jsonrpc", "2.0"}, {"id", Id}, {"error", MoveTemp(Error)}}));
}

void FRealtimeNetScriptedGateway::Notify(const std::string& Method, rtnet::Value Params)
{
	Deliver(rtnet::Value::MakeObject({{"jsonrpc", "2.0"}, {"method", Method}, {"params", MoveTemp(Params)}}));
}

int64 FRealtimeNetScriptedGateway::JoinRoom(const FString& Room, int64 StateVersion, rtnet::Value State)
{
	const int64 Id = Subsystem.JoinRoom(Room, FString(), FRealtimeNetCallCompleted());
	if (Id == 0)
	{
		return 0;
	}
	const std::string Name = FRealtimeNetJson::ToStd(Room);
	Reply(Id, rtnet::Value::MakeObject({
		{"room", Name},
		{"stream", rtnet::RoomStream(Name)},
		{"epoch", "e1"},
		{"offset", 0},
		{"state_version", StateVersion},
		{"state", MoveTemp(State)},
	}));
	return Id;
}

void FRealtimeNetScriptedGateway::PresenceChanged(const FString& Room, const std::string& Event, const FString& PlayerId,
	const std::string& Status, int32 Devices, double LastSeen)
{
	rtnet::Value Presence = rtnet::Value::MakeObject({
		{"player_id", FRealtimeNetJson::ToStd(PlayerId)},
		{"status", Status},
		{"devices", Devices},
	});
	Presence.Set("last_seen", LastSeen >= 0.0 ? rtnet::Value(LastSeen) : rtnet::Value());
	Notify("presence.changed", rtnet::Value::MakeObject({
		{"room", FRealtimeNetJson::ToStd(Room)},
		{"event", Event},
		{"presence", MoveTemp(Presence)},
	}));
}

uint64 FRealtimeNetScriptedGateway::Socket() const
{
	rtnet::Client* Core = Subsystem.GetCoreClient();
	return Core != nullptr ? static_cast<uint64>(Core->connection().socket()) : 0;
}

void FRealtimeNetScriptedGateway::Deliver(const rtnet::Value& Frame)
{
	rtnet::Client* Core = Subsystem.GetCoreClient();
	if (Core == nullptr)
	{
		return;
	}
	// The wire size feeds the core's bandwidth figures, as the transport's would.
	const SIZE_T Bytes = static_cast<SIZE_T>(FRealtimeNetJson::ToStd(FRealtimeNetJson::Write(Frame)).size());
	Core->OnMessage(Socket(), Frame, Bytes, Subsystem.GetNow());
}
