// RealtimeNetSamples: what the sample content needs beyond Blueprints (RealtimeNet > Create Sample Content, the editor
// script realtimenet_editor/sample_content.py): the player controller that connects, joins the sample room, starts
// the entity spawners on the room object and shows the lobby HUD. A game that does not use the samples can remove
// this module (and its entry in RealtimeNet.uplugin); nothing else depends on it.
using UnrealBuildTool;

public class RealtimeNetSamples : ModuleRules
{
	public RealtimeNetSamples(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		// Public: the controller's header derives from APlayerController (Engine) and uses FRealtimeNetError and the
		// connection state enum (RealtimeNet).
		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"RealtimeNet",
		});

		// Private: CreateWidget and UUserWidget (the HUD) only in the .cpp.
		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"UMG",
		});
	}
}
