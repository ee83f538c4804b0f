// The Unreal module shell of RealtimeNetCore, compiled by Unreal only (CMake builds Private/*.cpp, not
// this folder). IMPLEMENT_MODULE gives the module Unreal's per-module operator new/delete, so in the
// editor's one-DLL-per-module build the core allocates from the same allocator as RealtimeNet, which
// builds and frees rtnet::Value and std::string across the boundary. Nothing else here: the core's own
// sources include no Unreal header.
#include "Modules/ModuleManager.h"

IMPLEMENT_MODULE(FDefaultModuleImpl, RealtimeNetCore)
