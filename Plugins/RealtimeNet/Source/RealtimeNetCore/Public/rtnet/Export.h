// Symbol visibility of the core when Unreal builds it as its own module (one shared library per module
// in editor builds, where unexported symbols are hidden): UBT defines REALTIMENETCORE_API as the
// export/import attribute for this module and every module that depends on it. The standalone CMake
// build defines nothing, so RTNET_API is empty there.
#pragma once

#if defined(REALTIMENETCORE_API)
#if defined(__UNREAL__)
// UBT defines REALTIMENETCORE_API as DLLEXPORT or DLLIMPORT, which the engine's platform header defines. A
// build with precompiled headers has included it before any of ours; one without (bUsePCHFiles = false,
// or a file compiled on its own) has not, and every RTNET_API would be an unknown name. (__UNREAL__ is
// UBT's; the CMake build that emulates the export macro defines it as the attribute itself.)
#include "HAL/Platform.h"
#endif
#define RTNET_API REALTIMENETCORE_API
#if defined(_MSC_VER)
// Exported classes hold standard-library members (C4251) and derive from none exported (C4275):
// harmless here, as the core and its users are built by the same toolchain with the same library.
#pragma warning(disable : 4251 4275)
#endif
#else
#define RTNET_API
#endif
