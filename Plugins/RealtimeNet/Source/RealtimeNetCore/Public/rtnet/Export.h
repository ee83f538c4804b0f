// Symbol visibility of the core when Unreal builds it as its own module (one shared library per module
// in editor builds, where unexported symbols are hidden): UBT defines REALTIMENETCORE_API as the
// export/import attribute for this module and every module that depends on it. The standalone CMake
// build defines nothing, so RTNET_API is empty there.
#pragma once

#if defined(REALTIMENETCORE_API)
#define RTNET_API REALTIMENETCORE_API
#if defined(_MSC_VER)
// Exported classes hold standard-library members (C4251) and derive from none exported (C4275):
// harmless here, as the core and its users are built by the same toolchain with the same library.
#pragma warning(disable : 4251 4275)
#endif
#else
#define RTNET_API
#endif
