// The module holds only automation tests: they register themselves through their static spec objects.
#include "Modules/ModuleManager.h"

IMPLEMENT_MODULE(FDefaultModuleImpl, RealtimeNetTests)
