// What one URealtimeNetSubsystem owns of the core: randomness, the transport and the client, in the order the
// client needs them to outlive it.
#pragma once

#include "CoreMinimal.h"
#include "Math/RandomStream.h"
#include "Templates/UniquePtr.h"

#include "rtnet/Backoff.h"
#include "rtnet/Client.h"

#include "RealtimeNetWebSocketTransport.h"

/** rtnet::Random over FRandomStream (seeded from the settings, or from the clock). */
class FRealtimeNetRandom final : public rtnet::Random
{
public:
	explicit FRealtimeNetRandom(int32 Seed) : Stream(Seed) {}
	/** [0, 1), as the core expects (GetFraction never returns 1). */
	virtual double Next() override { return Stream.GetFraction(); }

private:
	FRandomStream Stream;
};

struct FRealtimeNetSession
{
	FRealtimeNetSession(const rtnet::ClientOptions& Options, FRealtimeNetTransportHandlers Handlers, int32 Seed)
		: Random(Seed)
		, Transport(MakeShared<FRealtimeNetWebSocketTransport>(MoveTemp(Handlers), Seed ^ 0x5eed))
		, Client(MakeUnique<rtnet::Client>(*Transport, Random, Options))
	{
	}

	FRealtimeNetRandom Random;
	TSharedRef<FRealtimeNetWebSocketTransport> Transport;
	/** Declared last, so destroyed first: it holds the transport and the random source by reference. */
	TUniquePtr<rtnet::Client> Client;
};
