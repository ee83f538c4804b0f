// Editor helpers for editor Python (PythonScripts/create_widget_blueprints.py):
// unreal.RealtimeNetEditorLibrary.create_widget_blueprint(parent_class, package_path, asset_name).
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"
#include "Kismet/BlueprintFunctionLibrary.h"
#include "Templates/SubclassOf.h"

#include "RealtimeNetEditorLibrary.generated.h"

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
};
