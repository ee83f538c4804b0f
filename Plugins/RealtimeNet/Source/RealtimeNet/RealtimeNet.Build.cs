// RealtimeNet: the Unreal runtime layer over RealtimeNetCore (subsystem and clients, IWebSocket transport, room
// objects, Blueprint data model, settings, console commands, movement and spawner components, the string table).
// Engine modules only; no vendored native library.
using UnrealBuildTool;

public class RealtimeNet : ModuleRules
{
	public RealtimeNet(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		// Public: the headers use FJsonObject, FJsonObjectWrapper and FJsonObjectConverter (Json, JsonUtilities),
		// UDeveloperSettings, FGameplayTag (room event types) and rtnet::Value.
		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"DeveloperSettings",
			"GameplayTags",
			"Json",
			"JsonUtilities",
			"RealtimeNetCore",
		});

		// Private: only the transport touches IWebSocket.
		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"WebSockets",
		});
	}
}
