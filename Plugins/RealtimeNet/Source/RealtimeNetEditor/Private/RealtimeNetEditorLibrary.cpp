#include "RealtimeNetEditorLibrary.h"

#include "AssetToolsModule.h"
#include "Blueprint/WidgetTree.h"
#include "Components/PanelWidget.h"
#include "Components/Widget.h"
#include "IAssetTools.h"
#include "Kismet2/BlueprintEditorUtils.h"
#include "Modules/ModuleManager.h"
#include "UObject/UObjectGlobals.h"
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

UWidget* URealtimeNetEditorLibrary::FindOrAddWidget(UWidgetBlueprint* Blueprint, TSubclassOf<UWidget> WidgetClass,
	FName WidgetName, UPanelWidget* Parent)
{
	UWidgetTree* Tree = Blueprint != nullptr ? Blueprint->WidgetTree.Get() : nullptr;
	UClass* Class = WidgetClass.Get();
	if (Tree == nullptr || Class == nullptr || WidgetName.IsNone())
	{
		UE_LOG(LogRealtimeNetEditor, Error, TEXT("FindOrAddWidget: needs a Widget Blueprint, a widget class and a name (%s)"),
			*WidgetName.ToString());
		return nullptr;
	}
	if (UWidget* Existing = Tree->FindWidget(WidgetName))
	{
		if (!Existing->IsA(Class))
		{
			UE_LOG(LogRealtimeNetEditor, Error, TEXT("FindOrAddWidget: %s in %s is a %s, not a %s"), *WidgetName.ToString(),
				*Blueprint->GetName(), *Existing->GetClass()->GetName(), *Class->GetName());
			return nullptr;
		}
		return Existing;
	}
	if (Class->HasAnyClassFlags(CLASS_Abstract | CLASS_Deprecated))
	{
		UE_LOG(LogRealtimeNetEditor, Error, TEXT("FindOrAddWidget: %s is abstract or deprecated"), *Class->GetName());
		return nullptr;
	}
	// NewObject would replace any object of that name in the tree (a slot, say): refuse instead.
	if (StaticFindObject(UObject::StaticClass(), Tree, *WidgetName.ToString()) != nullptr)
	{
		UE_LOG(LogRealtimeNetEditor, Error, TEXT("FindOrAddWidget: the name %s is taken in %s"), *WidgetName.ToString(),
			*Blueprint->GetName());
		return nullptr;
	}
	if (Parent != nullptr)
	{
		if (Tree->FindWidget(Parent->GetFName()) != Parent || !Parent->CanAddMoreChildren())
		{
			UE_LOG(LogRealtimeNetEditor, Error, TEXT("FindOrAddWidget: %s is not a panel of %s that takes another child"),
				*Parent->GetName(), *Blueprint->GetName());
			return nullptr;
		}
	}
	else if (Tree->RootWidget != nullptr)
	{
		UE_LOG(LogRealtimeNetEditor, Error, TEXT("FindOrAddWidget: %s has a root (%s) already: give %s a parent"),
			*Blueprint->GetName(), *Tree->RootWidget->GetName(), *WidgetName.ToString());
		return nullptr;
	}
	Tree->SetFlags(RF_Transactional);
	Tree->Modify();
	// What the Palette does (FWidgetTemplateClass::CreateNamed): construct in the tree, then the palette defaults.
	UWidget* Widget = Tree->ConstructWidget<UWidget>(Class, WidgetName);
	Widget->CreatedFromPalette();
	if (Parent != nullptr)
	{
		Parent->AddChild(Widget);
	}
	else
	{
		Tree->RootWidget = Widget;
	}
	FBlueprintEditorUtils::MarkBlueprintAsStructurallyModified(Blueprint);
	return Widget;
}

UWidget* URealtimeNetEditorLibrary::GetRootWidget(UWidgetBlueprint* Blueprint)
{
	return Blueprint != nullptr && Blueprint->WidgetTree != nullptr ? Blueprint->WidgetTree->RootWidget.Get() : nullptr;
}
