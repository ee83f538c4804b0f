// rtnet::Transport over the engine's IWebSocket: one IWebSocket per socket generation the core opens.
#pragma once

#include "CoreMinimal.h"
#include "Math/RandomStream.h"
#include "Templates/Function.h"
#include "Templates/SharedPointer.h"

#include <cstdint>
#include <string>

#include "rtnet/Transport.h"

class IWebSocket;

/** Where the transport reports what its sockets did, each with the generation the core gave the socket. */
struct FRealtimeNetTransportHandlers
{
	TFunction<void(uint64 Socket)> OnOpen;
	TFunction<void(uint64 Socket, const rtnet::Value& Frame, SIZE_T Bytes)> OnMessage;
	TFunction<void(uint64 Socket, SIZE_T Bytes)> OnMalformed;
	TFunction<void(uint64 Socket, int32 Code, const FString& Reason)> OnClosed;
};

/**
 * Engine callbacks capture a weak pointer to the transport and the socket's generation: a callback that
 * arrives after the transport is gone is dropped, and one from a socket the core gave up on is dropped here
 * (the core would ignore it anyway). Create it with MakeShared (callbacks need AsShared()).
 *
 * Debugging aids for rtnet.SimLatency / rtnet.SimLoss: frames (and opens and closes, to keep their order) are
 * delayed in a queue drained by Tick; text frames are dropped at random with a seeded FRandomStream.
 */
class FRealtimeNetWebSocketTransport final : public rtnet::Transport,
											 public TSharedFromThis<FRealtimeNetWebSocketTransport>
{
public:
	explicit FRealtimeNetWebSocketTransport(FRealtimeNetTransportHandlers InHandlers, int32 Seed);
	virtual ~FRealtimeNetWebSocketTransport() override;

	/** Where the next socket goes and with which bearer token. */
	void SetEndpoint(const FString& InUrl, const FString& InToken);
	void SetToken(const FString& InToken);
	/** 0: the engine's [WebSockets] TextMessageMemoryLimit. */
	void SetTextMessageLimit(uint64 Bytes);
	/** Delay added to each direction, seconds. */
	void SetSimulatedDelay(double Seconds);
	/** Chance (0..1) that a text frame is dropped, each direction. */
	void SetSimulatedLoss(double Ratio);
	/** Delivers delayed frames that are due. */
	void Tick(double Now);

	// rtnet::Transport (std:: types: they must match the core's signatures exactly).
	virtual void Open(std::uint64_t Socket) override;
	virtual void Send(std::uint64_t Socket, const rtnet::Value& Message) override;
	virtual void Close(std::uint64_t Socket, int Code, const std::string& Reason) override;

private:
	struct FSocket
	{
		TSharedPtr<IWebSocket> WebSocket;
		bool bConnected = false;
		/** Close() was called: the engine reports 1000 for our own closes, so the code we sent is reported instead. */
		bool bClosedLocally = false;
		int32 LocalCloseCode = 0;
		FString LocalCloseReason;

		/** Close() was called before it connected: the core was told it closed; everything later is dropped. */
		bool IsAbandoned() const { return bClosedLocally && !bConnected; }
	};

	enum class EDelayedKind : uint8
	{
		Open,
		Message,
		Closed
	};

	struct FDelayed
	{
		double Due = 0.0;
		EDelayedKind Kind = EDelayedKind::Message;
		uint64 Socket = 0;
		FString Text;
		int32 Code = 0;
	};

	void HandleConnected(uint64 Socket);
	void HandleMessage(uint64 Socket, const FString& Text);
	void HandleClosed(uint64 Socket, int32 Code, const FString& Reason);

	void Inbound(FDelayed Item);
	void Deliver(const FDelayed& Item);
	void SendNow(uint64 Socket, const FString& Text);
	bool ShouldDrop();
	static void UnbindAll(IWebSocket& WebSocket);

	FRealtimeNetTransportHandlers Handlers;
	TMap<uint64, FSocket> Sockets;
	FString Url;
	FString Token;
	uint64 TextMessageLimit = 0;
	double SimulatedDelay = 0.0;
	double SimulatedLoss = 0.0;
	FRandomStream LossStream;
	TArray<FDelayed> DelayedInbound;
	TArray<FDelayed> DelayedOutbound;
	bool bInsideConnect = false;
};
