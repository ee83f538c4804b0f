// Editor helpers for the plugin's editor Python (Content/Python/realtimenet_editor: widgets.py, sample_content.py),
// for what the editor's Python API cannot reach by itself: a Widget Blueprint's widget tree.
//   unreal.RealtimeNetEditorLibrary.create_widget_blueprint(parent_class, package_path, asset_name)
//   unreal.RealtimeNetEditorLibrary.find_or_add_widget(blueprint, widget_class, widget_name, parent)
//   unreal.RealtimeNetEditorLibrary.get_root_widget(blueprint)
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"
#include "Kismet/BlueprintFunctionLibrary.h"
#include "Templates/SubclassOf.h"

#include "RealtimeNetEditorLibrary.generated.h"

class UPanelWidget;
class UWidget;
class UWidgetBlueprint;

UCLASS()
class REALTIMENETEDITOR_API URealtimeNetEditorLibrary : public UBlueprintFunctionLibrary
{
	GENERATED_BODY()

public:
	/** A new Widget Blueprint deriving from ParentClass at PackagePath/AssetName (e.g. "/Game/RealtimeNet/UI",
	    "WBP_RealtimeNetInspector"), through UWidgetBlueprintFactory and IAssetTools, unsaved. Null (and a log line)
	    when ParentClass is missing or the asset cannot be created; check that it does not exist first. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Editor")
	static UWidgetBlueprint* CreateWidgetBlueprint(TSubclassOf<UUserWidget> ParentClass, const FString& PackagePath,
		const FString& AssetName);

	/** The widget named WidgetName in Blueprint's widget tree (the designer's Hierarchy), added when there is none, as
	    dragging it from the Palette does: a new WidgetClass (a UMG widget, or a Widget Blueprint's class) placed in
	    Parent, a panel of the same tree, or made the root when Parent is None and the tree has no root yet. Set its
	    properties and its Slot's afterwards, then compile the Blueprint. Null (and a log line) when it cannot be
	    placed: WidgetName is taken by a widget of another class, Parent is not a panel of this tree or takes no more
	    children, or the tree has a root already and no Parent was given. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Editor")
	static UWidget* FindOrAddWidget(UWidgetBlueprint* Blueprint, TSubclassOf<UWidget> WidgetClass, FName WidgetName,
		UPanelWidget* Parent);

	/** The root of Blueprint's widget tree; None while the tree is empty (a Widget Blueprint nobody has designed). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Editor")
	static UWidget* GetRootWidget(UWidgetBlueprint* Blueprint);
};
