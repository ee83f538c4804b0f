// The gateway's half of a session, played inside a spec through a client's own core client
// (URealtimeNetClient::GetCoreClient): frames a gateway would send are handed to rtnet::Client exactly as the
// WebSocket transport hands them over (OnMessage with the socket generation in use), so everything above the
// socket -- the core, the client's and rooms' delegates, the async nodes, the widgets -- runs as in a game, with no
// server.
//
// The runtime module offers no transport double, so the client still opens a real socket, to an address
// where nothing answers. The engine reports that failure from its own ticker, a frame or more later, and the
// core then loses the scripted "connection" (1006) and reconnects with backoff. So: a spec scripts what must
// happen on a live connection synchronously, in one step, right after Open(); what it checks afterwards may
// include that loss (RealtimeNet.Client relies on it to see Reconnecting). The core queues what it produces
// until the client's next pump, which broadcasts it: delegates fire on the next frame, as in a game.
#pragma once

#include "CoreMinimal.h"

#include <string>

#include "rtnet/Value.h"

class URealtimeNetClient;
class URealtimeNetRoom;

class FRealtimeNetScriptedGateway
{
public:
	/** Where the subsystem's real socket goes: loopback port 9 (discard), where no WebSocket server answers. */
	static const TCHAR* const UnreachableUrl;

	explicit FRealtimeNetScriptedGateway(URealtimeNetClient& InClient);

	/** Connect(UnreachableUrl) and, on the socket the core just opened, the gateway's session.welcome.
	 *  False (with the reason in OutError) when the client refused to connect. */
	bool Open(FString& OutError, const FString& PlayerId = TEXT("scripted-player"), double HeartbeatInterval = 3600.0);

	/** session.welcome on the socket in use (after Connect, or a Connect node, opened one). */
	bool Welcome(const FString& PlayerId = TEXT("scripted-player"), double HeartbeatInterval = 3600.0);

	/** The id the core gives the next call. The core numbers calls 1, 2, 3... per client and never reuses an
	 *  id (rtnet::Client::StartCall), so this makes a probe call, cancels it, and returns its id + 1. Valid
	 *  until anything else starts a call: use it right before the call it predicts, in the same step. */
	int64 PeekNextCallId();

	/** A JSON-RPC result for call Id. */
	void Reply(int64 Id, rtnet::Value Result);

	/** A JSON-RPC error for call Id. */
	void ReplyError(int64 Id, int32 Code, const std::string& Message, rtnet::Value Data = rtnet::Value());

	/** A notification. */
	void Notify(const std::string& Method, rtnet::Value Params);

	/** Joins Room through the client and answers the join: stream "room:<Room>", epoch "e1", offset 0, the
	 *  given state version and document. Returns the call id (0 when the client refused the join); OutRoom gets
	 *  the room object. */
	int64 JoinRoom(const FString& Room, int64 StateVersion, rtnet::Value State, URealtimeNetRoom** OutRoom = nullptr);

	/** room.event for Room at Offset (epoch "e1") from From, with an optional type. */
	void RoomEvent(const FString& Room, int64 Offset, const std::string& From, rtnet::Value Data, const std::string& Type = std::string());

	/** state.delta for Room from one version to the next with Patch. */
	void StateDelta(const FString& Room, int64 From, int64 To, rtnet::Value Patch);

	/** presence.changed for Room: Event is "join", "leave" or "status"; LastSeen (Unix seconds) < 0 for none. */
	void PresenceChanged(const FString& Room, const std::string& Event, const FString& PlayerId, const std::string& Status,
		int32 Devices, double LastSeen = -1.0);

	/** The core's socket generation in use (0: none). */
	uint64 Socket() const;

	/** What the client's next frame would send, sent now (the core's Tick): a spec that must see a call on the wire
	    does it in the step that made the call, before the scripted socket's loss can be reported. */
	void SendNow();

	/** From now on, keeps every request and notification the client hands its transport (the core's trace hook),
	    so a spec can check what went on the wire. */
	void CaptureSent();

	/** The params of every captured outgoing Method, in the order they were sent. */
	TArray<rtnet::Value> SentParams(const std::string& Method) const;

private:
	TSharedRef<TArray<rtnet::Value>> Captured = MakeShared<TArray<rtnet::Value>>();

	void Deliver(const rtnet::Value& Frame);

	URealtimeNetClient& Client;
	int32 Sessions = 0;
};
