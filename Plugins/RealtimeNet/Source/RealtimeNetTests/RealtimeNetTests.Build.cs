// RealtimeNetTests: the plugin's Automation Specs (RealtimeNet.Json, .Client, .AsyncActions, .Presence, .Widgets,
// .Room, .TypedEvents, .DataModel, .Spawner, .PieIdentities) and the functional specs that talk to a live gateway
// in fault-injection mode (RealtimeNet.Functional; host, port and tokens from the command line, see
// RealtimeNetTestGateway.h).
//
// A "DeveloperTool" module (RealtimeNet.uplugin), as heroiclabs/nakama-unreal ships NakamaTests: it is built
// for the editor and development targets, never for Shipping. Every spec file is also guarded with
// WITH_DEV_AUTOMATION_TESTS. Compiled against the UE 5.5.2 headers by `rtnet ue compile-check`, never run: Unreal
// cannot be installed on the machines this was written on (docs/integration-testing.md says what was run instead).
using UnrealBuildTool;

public class RealtimeNetTests : ModuleRules
{
	public RealtimeNetTests(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"GameplayTags",
			"Json",
			"UMG",
			"Slate",
			"SlateCore",
			"RealtimeNet",
			"RealtimeNetUI",
			// The specs drive rtnet::Client (URealtimeNetClient::GetCoreClient) and build rtnet::Value.
			"RealtimeNetCore",
		});
	}
}
