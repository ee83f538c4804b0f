#include "RealtimeNetScriptedGateway.h"

#include "Misc/DateTime.h"

#include "rtnet/Client.h"
#include "rtnet/Streams.h"

#include "RealtimeNetJson.h"
#include "RealtimeNetClient.h"
#include "RealtimeNetRoom.h"

const TCHAR* const FRealtimeNetScriptedGateway::UnreachableUrl = TEXT("ws://127.0.0.1:9/ws");

FRealtimeNetScriptedGateway::FRealtimeNetScriptedGateway(URealtimeNetClient& InClient)
	: Client(InClient)
{
}

bool FRealtimeNetScriptedGateway::Open(FString& OutError, const FString& PlayerId, double HeartbeatInterval)
{
	if (Client.GetCoreClient() == nullptr)
	{
		OutError = TEXT("the subsystem has no core client");
		return false;
	}
	if (Client.Connect(UnreachableUrl, TEXT("scripted-token")) != ERealtimeNetConnectStart::Started)
	{
		OutError = FString::Printf(TEXT("Connect refused in state %d"), static_cast<int32>(Client.GetConnectionState()));
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
	rtnet::Client* Core = Client.GetCoreClient();
	if (Core == nullptr || Socket() == 0)
	{
		return false;
	}
	++Sessions;
	Core->OnOpen(Socket(), Client.GetNow());
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
	const int64 Probe = Client.CallJson(TEXT("sys.ping"), nullptr, Options, FRealtimeNetCallCompleted());
	Client.CancelCall(Probe);
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

int64 FRealtimeNetScriptedGateway::JoinRoom(const FString& Room, int64 StateVersion, rtnet::Value State, URealtimeNetRoom** OutRoom)
{
	const int64 Id = Client.JoinRoom(Room, FString(), FRealtimeNetCallCompleted(), OutRoom);
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

void FRealtimeNetScriptedGateway::RoomEvent(const FString& Room, int64 Offset, const std::string& From, rtnet::Value Data,
	const std::string& Type)
{
	rtnet::Value Params = rtnet::Value::MakeObject({
		{"room", FRealtimeNetJson::ToStd(Room)}, {"epoch", "e1"}, {"offset", Offset}, {"from", From}, {"data", MoveTemp(Data)}});
	if (!Type.empty())
	{
		Params.Set("type", Type);
	}
	Notify("room.event", MoveTemp(Params));
}

void FRealtimeNetScriptedGateway::StateDelta(const FString& Room, int64 From, int64 To, rtnet::Value Patch)
{
	Notify("state.delta", rtnet::Value::MakeObject({
		{"room", FRealtimeNetJson::ToStd(Room)}, {"from", From}, {"to", To}, {"patch", MoveTemp(Patch)}}));
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
	rtnet::Client* Core = Client.GetCoreClient();
	return Core != nullptr ? static_cast<uint64>(Core->connection().socket()) : 0;
}

void FRealtimeNetScriptedGateway::Deliver(const rtnet::Value& Frame)
{
	rtnet::Client* Core = Client.GetCoreClient();
	if (Core == nullptr)
	{
		return;
	}
	// The wire size feeds the core's bandwidth figures, as the transport's would.
	const SIZE_T Bytes = static_cast<SIZE_T>(FRealtimeNetJson::ToStd(FRealtimeNetJson::Write(Frame)).size());
	Core->OnMessage(Socket(), Frame, Bytes, Client.GetNow());
}

void FRealtimeNetScriptedGateway::CaptureSent()
{
	rtnet::Client* Core = Client.GetCoreClient();
	if (Core == nullptr)
	{
		return;
	}
	TSharedRef<TArray<rtnet::Value>> Into = Captured;
	Core->SetTraceHook([Into](const rtnet::TraceEntry& Entry, const rtnet::Value& Message)
	{
		if (Entry.outgoing && !Entry.method.empty())
		{
			Into->Add(Message);
		}
	});
}

TArray<rtnet::Value> FRealtimeNetScriptedGateway::SentParams(const std::string& Method) const
{
	TArray<rtnet::Value> Found;
	for (const rtnet::Value& Message : *Captured)
	{
		const std::string* Name = Message.FindString("method");
		if (Name != nullptr && *Name == Method)
		{
			const rtnet::Value* Params = Message.Find("params");
			Found.Add(Params != nullptr ? *Params : rtnet::Value());
		}
	}
	return Found;
}

void FRealtimeNetScriptedGateway::SendNow()
{
	if (rtnet::Client* Core = Client.GetCoreClient())
	{
		Core->Tick(Client.GetNow());
	}
}
