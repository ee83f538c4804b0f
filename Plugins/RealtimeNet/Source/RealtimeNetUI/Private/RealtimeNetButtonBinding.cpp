#include "RealtimeNetButtonBinding.h"

#include "Components/Widget.h"
#include "UObject/Class.h"
#include "UObject/UnrealType.h"

namespace RealtimeNetButtonBindingDetail
{
// UButton::OnClicked, then UCommonButtonBase::OnButtonBaseClicked.
const TCHAR* const ClickEvents[] = {TEXT("OnClicked"), TEXT("OnButtonBaseClicked")};
}  // namespace RealtimeNetButtonBindingDetail

bool FRealtimeNetButtonBinding::Bind(UWidget* Button, UObject* Target, FName NoArgHandler, FName OneArgHandler)
{
	Unbind();
	if (Button == nullptr || Target == nullptr)
	{
		return false;
	}
	for (const TCHAR* Name : RealtimeNetButtonBindingDetail::ClickEvents)
	{
		FMulticastDelegateProperty* Event = FindFProperty<FMulticastDelegateProperty>(Button->GetClass(), Name);
		const UFunction* Signature = Event != nullptr ? Event->SignatureFunction.Get() : nullptr;
		if (Signature == nullptr)
		{
			continue;
		}
		FName Handler;
		if (Signature->NumParms == 0)
		{
			Handler = NoArgHandler;
		}
		else if (Signature->NumParms == 1 && CastField<FObjectPropertyBase>(Signature->PropertyLink) != nullptr)
		{
			Handler = OneArgHandler;  // the clicked button: an object, as the handler's parameter is
		}
		if (Handler.IsNone() || Target->FindFunction(Handler) == nullptr)
		{
			continue;
		}
		Delegate.BindUFunction(Target, Handler);
		Event->AddDelegate(Delegate, Button);
		Property = Event;
		BoundButton = Button;
		return true;
	}
	return false;
}

void FRealtimeNetButtonBinding::Unbind()
{
	if (UWidget* Button = BoundButton.Get())
	{
		if (Property != nullptr)
		{
			Property->RemoveDelegate(Delegate, Button);
		}
	}
	BoundButton.Reset();
	Property = nullptr;
	Delegate.Unbind();
}
