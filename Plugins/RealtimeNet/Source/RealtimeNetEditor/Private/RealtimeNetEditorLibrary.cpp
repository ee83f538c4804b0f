#include "RealtimeNetEditorLibrary.h"

#include "AssetToolsModule.h"
#include "IAssetTools.h"
#include "Modules/ModuleManager.h"
#include "WidgetBlueprint.h"
#include "WidgetBlueprintFactory.h"

DEFINE_LOG_CATEGORY_STATIC(LogRealtimeNetEditor, Log, All);

UWidgetBlueprint* URealtimeNetEditorLibrary::CreateWidgetBlueprint(TSubclassOf<UUserWidget> ParentClass,
	const FString& PackagePath, const FString& AssetName)
{
	if (ParentClass.Get() == nullptr)
	{
		UE_LOG(LogRealtimeNetEditor, Error, TEXT("CreateWidgetBlueprint: no parent class for %s/%s"), *PackagePath, *AssetName);
		return nullptr;
	}
	UWidgetBlueprintFactory* Factory = NewObject<UWidgetBlueprintFactory>();
	Factory->ParentClass = ParentClass;
	IAssetTools& AssetTools = FModuleManager::LoadModuleChecked<FAssetToolsModule>(TEXT("AssetTools")).Get();
	UObject* Asset = AssetTools.CreateAsset(AssetName, PackagePath, UWidgetBlueprint::StaticClass(), Factory);
	UWidgetBlueprint* Blueprint = Cast<UWidgetBlueprint>(Asset);
	if (Blueprint == nullptr)
	{
		UE_LOG(LogRealtimeNetEditor, Error, TEXT("CreateWidgetBlueprint: could not create %s/%s (does it exist already?)"),
			*PackagePath, *AssetName);
	}
	return Blueprint;
}
