// RealtimeNetCore: the engine-independent C++17 client core (rtnet:: namespace). No Unreal header, no
// third-party library, no exceptions, no RTTI, no threads, clocks or global mutable state. The same
// sources build standalone with CMake (Plugins/RealtimeNet/CMakeLists.txt), where its tests run.
//
// Fields follow Epic's documented ModuleRules (PCHUsage, bEnableExceptions, bUseRTTI,
// bRequiresImplementModule, PublicIncludePaths). NOT YET COMPILED UNDER UNREAL: Unreal cannot be
// installed on the machines this was written on.
//
// bRequiresImplementModule = false, as Epic's own header-free modules do (Runtime/TraceLog,
// Runtime/Trace): IMPLEMENT_MODULE needs Modules/ModuleManager.h, which this module must not include.
// So RealtimeNetCore is not listed in RealtimeNet.uplugin's "Modules"; it is compiled and linked as a
// dependency of the RealtimeNet runtime module (PrivateDependencyModuleNames.Add("RealtimeNetCore")).
// To check on the first real Unreal build (modular/editor): that allocations crossing the DLL boundary
// (rtnet::Value built in RealtimeNet, freed in RealtimeNetCore) use the same allocator; if they do not,
// add a one-line Unreal-only RealtimeNetCoreModule.cpp with IMPLEMENT_MODULE instead.
using System.IO;
using UnrealBuildTool;

public class RealtimeNetCore : ModuleRules
{
	public RealtimeNetCore(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		bEnableExceptions = false;
		bUseRTTI = false;
		bRequiresImplementModule = false;

		// Headers are included as "rtnet/Value.h": the subfolder keeps their short names from colliding
		// with other modules' Public headers.
		PublicIncludePaths.Add(Path.Combine(ModuleDirectory, "Public"));

		// Standard C++17 only. No CppStandard override: the engine's default (C++20 in UE 5.3+) compiles
		// the same sources, which CI also builds as C++17 with g++ and clang++.
	}
}
