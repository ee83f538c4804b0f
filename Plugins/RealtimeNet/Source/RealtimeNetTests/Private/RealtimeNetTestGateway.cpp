#include "RealtimeNetTestGateway.h"

#include "HAL/PlatformMisc.h"
#include "Misc/CString.h"
#include "Misc/CommandLine.h"
#include "Misc/Parse.h"

namespace RealtimeNetTestGateway
{
	/** -Switch=value from the command line (the whole token: JWTs hold '.', '-' and '_'). */
	static bool FromCommandLine(const TCHAR* Switch, FString& Out)
	{
		return FParse::Value(FCommandLine::Get(), Switch, Out, /*bShouldStopOnSeparator*/ false) && !Out.TrimStartAndEnd().IsEmpty();
	}

	/** The command line's value, else the environment variable's, else empty. */
	static FString Setting(const TCHAR* Switch, const TCHAR* Environment)
	{
		FString Value;
		if (FromCommandLine(Switch, Value))
		{
			return Value.TrimStartAndEnd();
		}
		return FPlatformMisc::GetEnvironmentVariable(Environment).TrimStartAndEnd();
	}
}

FRealtimeNetTestGateway FRealtimeNetTestGateway::Find()
{
	using namespace RealtimeNetTestGateway;

	FRealtimeNetTestGateway Gateway;
	Gateway.Host = Setting(TEXT("RtnetHost="), TEXT("RTNET_TEST_HOST"));
	const FString PortText = Setting(TEXT("RtnetPort="), TEXT("RTNET_TEST_PORT"));
	if (PortText.IsNumeric())
	{
		Gateway.Port = FCString::Atoi(*PortText);
	}
	FString ExplicitUrl;  // not `Url`: that would hide the member (C4458), static function or not
	if (FromCommandLine(TEXT("RtnetUrl="), ExplicitUrl))
	{
		Gateway.Url = ExplicitUrl.TrimStartAndEnd();  // an explicit URL on the command line wins
	}
	else if (!Gateway.Host.IsEmpty() && Gateway.Port > 0 && Gateway.Port < 65536)
	{
		Gateway.Url = FString::Printf(TEXT("ws://%s:%d/ws"), *Gateway.Host, Gateway.Port);
	}
	else
	{
		Gateway.Url = FPlatformMisc::GetEnvironmentVariable(TEXT("RTNET_TEST_URL")).TrimStartAndEnd();
	}
	Gateway.Token = Setting(TEXT("RtnetToken="), TEXT("RTNET_TEST_TOKEN"));
	Gateway.AdminToken = Setting(TEXT("RtnetAdminToken="), TEXT("RTNET_TEST_ADMIN_TOKEN"));
	const FString HistoryText = Setting(TEXT("RtnetHistorySize="), TEXT("RTNET_TEST_HISTORY_SIZE"));
	if (HistoryText.IsNumeric() && FCString::Atoi(*HistoryText) > 0)
	{
		Gateway.HistorySize = FCString::Atoi(*HistoryText);
	}

	if (Gateway.Url.IsEmpty())
	{
		Gateway.Missing.Add(TEXT("-RtnetHost= and -RtnetPort= (or -RtnetUrl=)"));
	}
	if (Gateway.Token.IsEmpty())
	{
		Gateway.Missing.Add(TEXT("-RtnetToken="));
	}
	if (Gateway.AdminToken.IsEmpty())
	{
		Gateway.Missing.Add(TEXT("-RtnetAdminToken="));
	}
	return Gateway;
}

FString FRealtimeNetTestGateway::SkipMessage() const
{
	return FString::Printf(
		TEXT("Skipped: no gateway to test against (missing %s). Run `rtnet ue test`, which starts `rtnet serve` ")
		TEXT("in fault-injection mode and passes its address and tokens, or see docs/integration-testing.md."),
		*FString::Join(Missing, TEXT(", ")));
}
