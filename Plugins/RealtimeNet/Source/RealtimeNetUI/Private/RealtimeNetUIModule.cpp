#include "Modules/ModuleManager.h"

// Widget base classes only: nothing to start or stop.
IMPLEMENT_MODULE(FDefaultModuleImpl, RealtimeNetUI)
