// RealtimeNetUI: UUserWidget base classes (BindWidgetOptional) that designers skin; they bind to the subsystem.
using UnrealBuildTool;

public class RealtimeNetUI : ModuleRules
{
	public RealtimeNetUI(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"UMG",
			"Json",
			"RealtimeNet",
		});

		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"Slate",
			"SlateCore",
		});
	}
}
