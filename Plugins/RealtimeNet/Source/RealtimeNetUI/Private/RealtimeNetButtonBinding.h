// Any button a designer puts in a RealtimeNet widget: UMG's UButton (OnClicked) or CommonUI's UCommonButtonBase
// (OnButtonBaseClicked), found by reflection so RealtimeNetUI does not depend on the CommonUI plugin. A button of
// another kind can call the widget's own function (Request Reconnect, ...) from its click event instead.
#pragma once

#include "CoreMinimal.h"
#include "UObject/Object.h"
#include "UObject/ScriptDelegateFwd.h"
#include "UObject/ScriptDelegates.h"
#include "UObject/WeakObjectPtr.h"

class FMulticastDelegateProperty;
class UWidget;

class FRealtimeNetButtonBinding
{
public:
	/** Binds Button's click to Target's UFUNCTION NoArgHandler (a click event without parameters) or OneArgHandler
	    (one taking the clicked button, as CommonUI's does). False when Button has no click event of either shape. */
	bool Bind(UWidget* Button, UObject* Target, FName NoArgHandler, FName OneArgHandler);

	/** Removes the binding (safe when nothing is bound). */
	void Unbind();

private:
	TWeakObjectPtr<UWidget> BoundButton;
	FMulticastDelegateProperty* Property = nullptr;
	FScriptDelegate Delegate;
};
