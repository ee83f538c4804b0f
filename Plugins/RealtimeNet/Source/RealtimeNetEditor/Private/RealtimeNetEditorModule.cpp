#include "Modules/ModuleManager.h"

// Blueprint function libraries only: nothing to start or stop.
IMPLEMENT_MODULE(FDefaultModuleImpl, RealtimeNetEditor)
