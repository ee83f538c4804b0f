// RealtimeNetCore: the engine-independent C++17 client core (rtnet:: namespace). No Unreal header, no
// third-party library, no exceptions, no RTTI, no threads, clocks or global mutable state. The same
// sources build standalone with CMake (Plugins/RealtimeNet/CMakeLists.txt), where its tests run.
//
// Fields follow Epic's documented ModuleRules (PCHUsage, bEnableExceptions, bUseRTTI,
// PublicIncludePaths). Compiled against the UE 5.5.2 headers by `rtnet ue compile-check` (make ue-check),
// never linked under Unreal: it cannot be installed on the machines this was written on.
//
// Private/Unreal/RealtimeNetCoreModule.cpp (Unreal only; CMake does not compile that folder) is the module
// shell: IMPLEMENT_MODULE carries Unreal's per-module operator new/delete (Modules/ModuleManager.h,
// docs/unreal-api-notes.md), so memory built in RealtimeNet and freed in the core (or the other way) uses
// one allocator in the editor's modular build, and the module can be listed in RealtimeNet.uplugin (a
// listed module without IMPLEMENT_MODULE fails to load). It needs Core for that one file; the core's
// sources include no Unreal header.
using System.IO;
using UnrealBuildTool;

public class RealtimeNetCore : ModuleRules
{
	public RealtimeNetCore(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		bEnableExceptions = false;
		bUseRTTI = false;
		PrivateDependencyModuleNames.Add("Core");  // the module shell only (Modules/ModuleManager.h)
		// Each .cpp its own translation unit, exactly as the CMake build that tests it compiles them (unity
		// files would let file-local helpers of different sources meet).
		bUseUnity = false;

		// Headers are included as "rtnet/Value.h": the subfolder keeps their short names from colliding
		// with other modules' Public headers.
		PublicIncludePaths.Add(Path.Combine(ModuleDirectory, "Public"));

		// Standard C++17 only. No CppStandard override: the engine's default (C++20 in UE 5.3+) compiles
		// the same sources, which CI also builds as C++17 with g++ and clang++ and as C++20 with clang++ 19
		// against libc++ (scripts/cpp-test.sh, cpp-cxx20).
	}
}
