// Where the functional specs find the gateway they test against: `rtnet serve` in fault-injection mode,
// started by `rtnet ue test` (Tools/realtimenet/ue/fault_gateway.py) or by hand.
//
// Read at run time (not when the specs are defined), so an editor that is already open can be pointed at a
// gateway afterwards (PythonScripts/run_functional_tests.py sets the environment variables in the editor's
// own process). The command line wins over the environment:
//
//   -RtnetHost=127.0.0.1 -RtnetPort=8765      or  -RtnetUrl=ws://127.0.0.1:8765/ws   (RTNET_TEST_HOST/_PORT/_URL)
//   -RtnetToken=<JWT>                          a player's token                      (RTNET_TEST_TOKEN)
//   -RtnetAdminToken=<JWT>                     another player's token carrying the   (RTNET_TEST_ADMIN_TOKEN)
//                                              faults.admin_claim (rtnet_admin=true) that fault.inject needs
//   -RtnetHistorySize=<n>                      the gateway's rooms.history_size      (RTNET_TEST_HISTORY_SIZE)
//                                              (default 1000, the gateway's default)
#pragma once

#include "CoreMinimal.h"

struct FRealtimeNetTestGateway
{
	FString Host;
	int32 Port = 0;
	/** ws://Host:Port/ws, or -RtnetUrl= as given. */
	FString Url;
	FString Token;
	FString AdminToken;
	/** Publications the gateway keeps per stream for session.resume: publishing more than this while a
	 *  client is away makes its resume answer `recovered: false`. */
	int32 HistorySize = 1000;
	/** Which of the required switches are missing, for the skip message. */
	TArray<FString> Missing;

	/** Reads the command line, then the RTNET_TEST_* environment variables. */
	static FRealtimeNetTestGateway Find();

	/** True when a URL and both tokens were given: the functional specs can run. */
	bool IsConfigured() const { return Missing.Num() == 0; }

	/** One line saying why the functional specs were skipped and how to run them. */
	FString SkipMessage() const;
};
