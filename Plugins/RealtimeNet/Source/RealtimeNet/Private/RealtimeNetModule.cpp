#include "RealtimeNetModule.h"

#include "Engine/World.h"
#include "HAL/IConsoleManager.h"
#include "Misc/CString.h"
#include "Modules/ModuleManager.h"
#include "WebSocketsModule.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetText.h"

DEFINE_LOG_CATEGORY(LogRealtimeNet);

namespace RealtimeNetConsole
{
/** The game's client of the world the command was typed in (each PIE window has its own). */
URealtimeNetClient* ClientFor(UWorld* World)
{
	URealtimeNetClient* Client = World != nullptr ? URealtimeNetSubsystem::GetClientFor(World) : nullptr;
	if (Client == nullptr)
	{
		UE_LOG(LogRealtimeNet, Warning, TEXT("rtnet: no RealtimeNet client for this world (start Play first)"));
	}
	return Client;
}

void Status(const TArray<FString>& /*Args*/, UWorld* World)
{
	if (URealtimeNetClient* Client = ClientFor(World))
	{
		UE_LOG(LogRealtimeNet, Display, TEXT("%s"), *Client->DescribeStatus());
	}
}

void Reconnect(const TArray<FString>& /*Args*/, UWorld* World)
{
	if (URealtimeNetClient* Client = ClientFor(World))
	{
		Client->Reconnect();
	}
}

void Trace(const TArray<FString>& Args, UWorld* World)
{
	if (URealtimeNetClient* Client = ClientFor(World))
	{
		// No argument toggles.
		const bool bEnable = Args.Num() > 0 ? (Args[0] == TEXT("on") || Args[0] == TEXT("1")) : !Client->IsTraceEnabled();
		Client->SetTraceEnabled(bEnable);
		UE_LOG(LogRealtimeNet, Display, TEXT("rtnet.Trace %s"), bEnable ? TEXT("on") : TEXT("off"));
	}
}

void SimLatency(const TArray<FString>& Args, UWorld* World)
{
	if (URealtimeNetClient* Client = ClientFor(World))
	{
		const float Ms = Args.Num() > 0 ? FCString::Atof(*Args[0]) : 0.f;
		Client->SetSimulatedLatency(Ms);
		UE_LOG(LogRealtimeNet, Display, TEXT("rtnet.SimLatency %.0f ms (half each way)"), Ms);
	}
}

void SimLoss(const TArray<FString>& Args, UWorld* World)
{
	if (URealtimeNetClient* Client = ClientFor(World))
	{
		const float Percent = Args.Num() > 0 ? FCString::Atof(*Args[0]) : 0.f;
		Client->SetSimulatedLoss(Percent);
		UE_LOG(LogRealtimeNet, Display, TEXT("rtnet.SimLoss %.1f %%"), Percent);
	}
}

void DumpState(const TArray<FString>& Args, UWorld* World)
{
	if (URealtimeNetClient* Client = ClientFor(World))
	{
		UE_LOG(LogRealtimeNet, Display, TEXT("%s"), *Client->DumpState(Args.Num() > 0 ? Args[0] : FString()));
	}
}
}  // namespace RealtimeNetConsole

void FRealtimeNetModule::StartupModule()
{
	// FWebSocketsModule::Get() does not load the module; load it before any client opens a socket.
	FModuleManager::LoadModuleChecked<FWebSocketsModule>(TEXT("WebSockets"));
	// What players read (FText) comes from this string table.
	RealtimeNetText::RegisterStringTable();

#if !UE_BUILD_SHIPPING
	struct FCommand
	{
		const TCHAR* Name;
		const TCHAR* Help;
		void (*Function)(const TArray<FString>&, UWorld*);
	};
	const FCommand Commands[] = {
		{TEXT("rtnet.Status"), TEXT("Connection state, session, rooms, RTT / jitter / loss / quality, queue depths."),
			&RealtimeNetConsole::Status},
		{TEXT("rtnet.Reconnect"), TEXT("A new socket now, keeping the session."), &RealtimeNetConsole::Reconnect},
		{TEXT("rtnet.Trace"), TEXT("rtnet.Trace [on|off]: log every message in and out (no argument toggles)."),
			&RealtimeNetConsole::Trace},
		{TEXT("rtnet.SimLatency"), TEXT("rtnet.SimLatency <ms>: add this much round-trip latency (0: off)."),
			&RealtimeNetConsole::SimLatency},
		{TEXT("rtnet.SimLoss"), TEXT("rtnet.SimLoss <percent>: drop this share of frames each way (0: off)."),
			&RealtimeNetConsole::SimLoss},
		{TEXT("rtnet.DumpState"), TEXT("rtnet.DumpState [room]: the state documents held, with versions."),
			&RealtimeNetConsole::DumpState},
	};
	for (const FCommand& Command : Commands)
	{
		ConsoleCommands.Add(IConsoleManager::Get().RegisterConsoleCommand(Command.Name, Command.Help,
			FConsoleCommandWithWorldAndArgsDelegate::CreateStatic(Command.Function), ECVF_Default));
	}
#endif
}

void FRealtimeNetModule::ShutdownModule()
{
	for (IConsoleObject* Command : ConsoleCommands)
	{
		if (Command != nullptr)
		{
			IConsoleManager::Get().UnregisterConsoleObject(Command);
		}
	}
	ConsoleCommands.Empty();
}

IMPLEMENT_MODULE(FRealtimeNetModule, RealtimeNet)
