#include "RealtimeNetWebSocketTransport.h"

#include "Containers/StringConv.h"
#include "HAL/PlatformTime.h"
#include "IWebSocket.h"
#include "Modules/ModuleManager.h"
#include "WebSocketsModule.h"

#include "RealtimeNetJson.h"
#include "RealtimeNetModule.h"

namespace RealtimeNetTransportPrivate
{
// RFC 6455 reserves these for reporting: they must never be sent in a close frame.
bool IsReservedCloseCode(int32 Code)
{
	return Code == 1005 || Code == 1006 || Code == 1015;
}
}  // namespace RealtimeNetTransportPrivate

FRealtimeNetWebSocketTransport::FRealtimeNetWebSocketTransport(FRealtimeNetTransportHandlers InHandlers, int32 Seed)
	: Handlers(MoveTemp(InHandlers))
	, LossStream(Seed)
{
}

FRealtimeNetWebSocketTransport::~FRealtimeNetWebSocketTransport()
{
	// Nothing may call back into a transport that is going away: unbind first, then close what is open or still
	// opening (both backends keep a Close() made while connecting and apply it once connected; a socket left
	// unclosed would connect later and hold a gateway connection that nothing reads).
	for (TPair<uint64, FSocket>& Pair : Sockets)
	{
		if (Pair.Value.WebSocket.IsValid())
		{
			UnbindAll(*Pair.Value.WebSocket);
			if (!Pair.Value.bClosedLocally)
			{
				Pair.Value.WebSocket->Close(1001, TEXT("going away"));
			}
		}
	}
	Sockets.Empty();
}

void FRealtimeNetWebSocketTransport::SetEndpoint(const FString& InUrl, const FString& InToken)
{
	Url = InUrl;
	Token = InToken;
}

void FRealtimeNetWebSocketTransport::SetToken(const FString& InToken)
{
	Token = InToken;
}

void FRealtimeNetWebSocketTransport::SetTextMessageLimit(uint64 Bytes)
{
	TextMessageLimit = Bytes;
}

void FRealtimeNetWebSocketTransport::SetSimulatedDelay(double Seconds)
{
	SimulatedDelay = FMath::Max(0.0, Seconds);
}

void FRealtimeNetWebSocketTransport::SetSimulatedLoss(double Ratio)
{
	SimulatedLoss = FMath::Clamp(Ratio, 0.0, 1.0);
}

void FRealtimeNetWebSocketTransport::Open(std::uint64_t InSocket)
{
	const uint64 Socket = static_cast<uint64>(InSocket);
	// FWebSocketsModule::Get() does not load the module; LoadModuleChecked does, and returns it.
	FWebSocketsModule& Module = FModuleManager::LoadModuleChecked<FWebSocketsModule>(TEXT("WebSockets"));
	TMap<FString, FString> Headers;
	if (!Token.IsEmpty())
	{
		Headers.Add(TEXT("Authorization"), TEXT("Bearer ") + Token);
	}
	TSharedRef<IWebSocket> WebSocket = Module.CreateWebSocket(Url, FString(), Headers);

	// Every handler is bound before Connect(): Connect() samples which ones are bound, once.
	// Not named WeakThis: that is TSharedFromThis's own (private) member, and hiding it is C4458.
	const TWeakPtr<FRealtimeNetWebSocketTransport> WeakTransport = AsShared();
	WebSocket->OnConnected().AddLambda([WeakTransport, Socket]()
	{
		if (const TSharedPtr<FRealtimeNetWebSocketTransport> This = WeakTransport.Pin())
		{
			This->HandleConnected(Socket);
		}
	});
	WebSocket->OnConnectionError().AddLambda([WeakTransport, Socket](const FString& Error)
	{
		if (const TSharedPtr<FRealtimeNetWebSocketTransport> This = WeakTransport.Pin())
		{
			This->HandleClosed(Socket, 1006, Error);  // never opened: the core's "lost without a close frame"
		}
	});
	WebSocket->OnClosed().AddLambda([WeakTransport, Socket](int32 StatusCode, const FString& Reason, bool /*bWasClean*/)
	{
		if (const TSharedPtr<FRealtimeNetWebSocketTransport> This = WeakTransport.Pin())
		{
			This->HandleClosed(Socket, StatusCode, Reason);
		}
	});
	// OnMessage, not OnRawMessage: whole reassembled text messages, once each.
	WebSocket->OnMessage().AddLambda([WeakTransport, Socket](const FString& Text)
	{
		if (const TSharedPtr<FRealtimeNetWebSocketTransport> This = WeakTransport.Pin())
		{
			This->HandleMessage(Socket, Text);
		}
	});
	if (TextMessageLimit > 0)
	{
		WebSocket->SetTextMessageMemoryLimit(TextMessageLimit);
	}

	FSocket& Entry = Sockets.Add(Socket);
	Entry.WebSocket = WebSocket;
	// Last: a URL refused by the engine's domain allow-list calls OnConnectionError inside Connect(). That is
	// queued for the next Tick, so the core (which is inside Client::Connect now) hears it after it returned.
	bInsideConnect = true;
	WebSocket->Connect();
	bInsideConnect = false;
}

void FRealtimeNetWebSocketTransport::Send(std::uint64_t InSocket, const rtnet::Value& Message)
{
	const uint64 Socket = static_cast<uint64>(InSocket);
	const FSocket* Entry = Sockets.Find(Socket);
	if (Entry == nullptr || !Entry->bConnected || Entry->bClosedLocally)
	{
		return;  // the core only sends on the socket in use; anything else is stale
	}
	// The core sized the frame under OutboundOptions::max_batch_bytes, so it fits the engine's text frame limit.
	FString Text = FRealtimeNetJson::Write(Message);
	if (ShouldDrop())
	{
		UE_LOG(LogRealtimeNet, Verbose, TEXT("rtnet.SimLoss dropped an outgoing frame (%d chars)"), Text.Len());
		return;
	}
	if (SimulatedDelay > 0.0 || DelayedOutbound.Num() > 0)
	{
		FDelayed Item;
		Item.Due = FPlatformTime::Seconds() + SimulatedDelay;
		Item.Kind = EDelayedKind::Message;
		Item.Socket = Socket;
		Item.Text = MoveTemp(Text);
		DelayedOutbound.Add(MoveTemp(Item));
		return;
	}
	SendNow(Socket, Text);
}

void FRealtimeNetWebSocketTransport::Close(std::uint64_t InSocket, int Code, const std::string& Reason)
{
	const uint64 Socket = static_cast<uint64>(InSocket);
	FSocket* Entry = Sockets.Find(Socket);
	if (Entry == nullptr || Entry->bClosedLocally)
	{
		return;  // a second Close() would only log an engine warning
	}
	const FString ReasonText = FRealtimeNetJson::ToUnreal(Reason);
	Entry->bClosedLocally = true;
	Entry->LocalCloseCode = Code;
	Entry->LocalCloseReason = ReasonText;
	const int32 WireCode = RealtimeNetTransportPrivate::IsReservedCloseCode(Code) ? 1000 : Code;
	const TSharedPtr<IWebSocket> WebSocket = Entry->WebSocket;
	if (!Entry->bConnected)
	{
		// Still opening: abandoned. Tell the core now (on the next Tick, never inside its own Close call). The
		// Close() below is kept by the engine and applied once the socket connects (Lws and WinHttp alike).
		FDelayed Closed;
		Closed.Due = FPlatformTime::Seconds();
		Closed.Kind = EDelayedKind::Closed;
		Closed.Socket = Socket;
		Closed.Text = ReasonText;
		Closed.Code = Code;
		DelayedInbound.Add(MoveTemp(Closed));
	}
	if (WebSocket.IsValid())
	{
		WebSocket->Close(WireCode, ReasonText);
	}
}

void FRealtimeNetWebSocketTransport::Tick(double Now)
{
	// Items are taken out before they are delivered: delivering calls into the core, which may send or close.
	while (DelayedOutbound.Num() > 0 && DelayedOutbound[0].Due <= Now)
	{
		const FDelayed Item = MoveTemp(DelayedOutbound[0]);
		DelayedOutbound.RemoveAt(0);
		SendNow(Item.Socket, Item.Text);
	}
	while (DelayedInbound.Num() > 0 && DelayedInbound[0].Due <= Now)
	{
		const FDelayed Item = MoveTemp(DelayedInbound[0]);
		DelayedInbound.RemoveAt(0);
		Deliver(Item);
	}
}

void FRealtimeNetWebSocketTransport::HandleConnected(uint64 Socket)
{
	FSocket* Entry = Sockets.Find(Socket);
	if (Entry == nullptr)
	{
		return;
	}
	if (Entry->IsAbandoned())
	{
		return;  // Close() already asked for while it was opening: the engine closes it now (a second Close only warns)
	}
	Entry->bConnected = true;
	FDelayed Item;
	Item.Kind = EDelayedKind::Open;
	Item.Socket = Socket;
	Inbound(MoveTemp(Item));
}

void FRealtimeNetWebSocketTransport::HandleMessage(uint64 Socket, const FString& Text)
{
	const FSocket* Entry = Sockets.Find(Socket);
	if (Entry == nullptr || Entry->IsAbandoned())
	{
		return;
	}
	if (ShouldDrop())
	{
		UE_LOG(LogRealtimeNet, Verbose, TEXT("rtnet.SimLoss dropped an incoming frame (%d chars)"), Text.Len());
		return;
	}
	FDelayed Item;
	Item.Kind = EDelayedKind::Message;
	Item.Socket = Socket;
	Item.Text = Text;
	Inbound(MoveTemp(Item));
}

void FRealtimeNetWebSocketTransport::HandleClosed(uint64 Socket, int32 Code, const FString& Reason)
{
	FSocket Entry;
	if (!Sockets.RemoveAndCopyValue(Socket, Entry))
	{
		return;
	}
	if (Entry.IsAbandoned())
	{
		return;  // the core already heard that it closed
	}
	FDelayed Item;
	Item.Kind = EDelayedKind::Closed;
	Item.Socket = Socket;
	Item.Code = Entry.bClosedLocally ? Entry.LocalCloseCode : Code;
	Item.Text = Entry.bClosedLocally ? Entry.LocalCloseReason : Reason;
	Inbound(MoveTemp(Item));
}

void FRealtimeNetWebSocketTransport::Inbound(FDelayed Item)
{
	// Behind anything already delayed, even with the delay turned off since: order is kept.
	if (SimulatedDelay > 0.0 || DelayedInbound.Num() > 0 || bInsideConnect)
	{
		Item.Due = FPlatformTime::Seconds() + SimulatedDelay;
		DelayedInbound.Add(MoveTemp(Item));
		return;
	}
	Deliver(Item);
}

void FRealtimeNetWebSocketTransport::Deliver(const FDelayed& Item)
{
	switch (Item.Kind)
	{
	case EDelayedKind::Open:
		if (Handlers.OnOpen)
		{
			Handlers.OnOpen(Item.Socket);
		}
		return;
	case EDelayedKind::Message:
	{
		// The wire size, for the core's bandwidth figures.
		const SIZE_T Bytes = static_cast<SIZE_T>(FTCHARToUTF8(*Item.Text, Item.Text.Len()).Length());
		rtnet::Value Frame;
		if (FRealtimeNetJson::Parse(Item.Text, Frame))
		{
			if (Handlers.OnMessage)
			{
				Handlers.OnMessage(Item.Socket, Frame, Bytes);
			}
		}
		else if (Handlers.OnMalformed)
		{
			Handlers.OnMalformed(Item.Socket, Bytes);
		}
		return;
	}
	case EDelayedKind::Closed:
		if (Handlers.OnClosed)
		{
			Handlers.OnClosed(Item.Socket, Item.Code, Item.Text);
		}
		return;
	}
}

void FRealtimeNetWebSocketTransport::SendNow(uint64 Socket, const FString& Text)
{
	const FSocket* Entry = Sockets.Find(Socket);
	if (Entry != nullptr && Entry->bConnected && !Entry->bClosedLocally && Entry->WebSocket.IsValid())
	{
		Entry->WebSocket->Send(Text);
	}
}

bool FRealtimeNetWebSocketTransport::ShouldDrop()
{
	return SimulatedLoss > 0.0 && LossStream.GetFraction() < SimulatedLoss;
}

void FRealtimeNetWebSocketTransport::UnbindAll(IWebSocket& WebSocket)
{
	WebSocket.OnConnected().Clear();
	WebSocket.OnConnectionError().Clear();
	WebSocket.OnClosed().Clear();
	WebSocket.OnMessage().Clear();
}
