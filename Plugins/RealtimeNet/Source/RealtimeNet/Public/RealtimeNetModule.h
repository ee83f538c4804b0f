// The RealtimeNet runtime module: its log category and the rtnet.* console commands.
#pragma once

#include "CoreMinimal.h"
#include "Modules/ModuleInterface.h"

class IConsoleObject;

REALTIMENET_API DECLARE_LOG_CATEGORY_EXTERN(LogRealtimeNet, Log, All);

class FRealtimeNetModule : public IModuleInterface
{
public:
	virtual void StartupModule() override;
	virtual void ShutdownModule() override;

private:
	/** Registered once per module, not per client: PIE runs several game instances side by side, and each
	    command reaches the client of the world it was typed in. */
	TArray<IConsoleObject*> ConsoleCommands;
};
