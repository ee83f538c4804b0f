// RealtimeNet: the Unreal runtime layer over RealtimeNetCore (subsystem, IWebSocket transport, Blueprint API,
// settings, console commands, movement component). Engine modules only; no vendored native library.
using UnrealBuildTool;

public class RealtimeNet : ModuleRules
{
	public RealtimeNet(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		// Public: the subsystem's and JSON adapter's headers use FJsonObject, UDeveloperSettings and rtnet::Value.
		// (The generated Protocol bindings read and write every member by its wire name, not through
		// FJsonObjectConverter, so JsonUtilities is not needed.)
		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"DeveloperSettings",
			"Json",
			"RealtimeNetCore",
		});

		// Private: only the transport touches IWebSocket.
		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"WebSockets",
		});
	}
}
