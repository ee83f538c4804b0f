// RealtimeNetEditor: editor-only helpers that editor Python calls (widget Blueprints and their widget trees).
using UnrealBuildTool;

public class RealtimeNetEditor : ModuleRules
{
	public RealtimeNetEditor(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"UMG",
		});

		// UMGEditor: UWidgetBlueprint and UWidgetBlueprintFactory; AssetTools: IAssetTools::CreateAsset;
		// UnrealEd: UFactory, which the widget factory derives from, and FBlueprintEditorUtils.
		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"UMGEditor",
			"UnrealEd",
			"AssetTools",
		});
	}
}
