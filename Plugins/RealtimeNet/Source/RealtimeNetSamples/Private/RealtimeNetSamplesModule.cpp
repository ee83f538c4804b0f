#include "Modules/ModuleManager.h"

// Sample gameplay classes only: nothing to start or stop.
IMPLEMENT_MODULE(FDefaultModuleImpl, RealtimeNetSamples)
