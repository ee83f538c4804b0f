#include "RealtimeNetDataLibrary.h"

#include "Blueprint/BlueprintExceptionInfo.h"
#include "JsonObjectConverter.h"
#include "UObject/Script.h"
#include "UObject/UnrealType.h"

#include "rtnet/Path.h"

#include "RealtimeNetJson.h"
#include "RealtimeNetModule.h"
#include "RealtimeNetRoom.h"

#define LOCTEXT_NAMESPACE "RealtimeNetDataLibrary"

namespace RealtimeNetDataDetail
{
/** The value at Path of a wrapper's JSON; null when the wrapper holds none, Path does not parse, or nothing is there. */
const rtnet::Value* Find(const FJsonObjectWrapper& Json, const FString& Path, rtnet::Value& Holder)
{
	const std::optional<rtnet::Path> Parsed = rtnet::Path::Parse(FRealtimeNetJson::ToStd(Path));
	if (!Parsed.has_value() || !FRealtimeNetJson::FromWrapper(Json, Holder))
	{
		return nullptr;
	}
	return rtnet::FindAt(Holder, *Parsed);
}

/**
 * Steps over a wildcard (CustomStructureParam) parameter and gives its property and memory. From the Blueprint VM
 * (bytecode) the step sets MostRecentProperty; called natively (ProcessEvent: C++, Python, a spec) there is no
 * bytecode, the step reads the function's own parameter and sets only the address, so the property is the one the
 * chain pointed at. The wildcard parameters are all references, so the native step copies nothing into Result.
 */
void StepWildcard(FFrame& Stack, FProperty*& OutProperty, void*& OutMemory)
{
	FProperty* Declared = Stack.Code == nullptr ? CastField<FProperty>(Stack.PropertyChainForCompiledIn) : nullptr;
	Stack.MostRecentPropertyAddress = nullptr;
	Stack.MostRecentProperty = nullptr;
	Stack.StepCompiledIn<FProperty>(nullptr);
	OutProperty = Stack.MostRecentProperty != nullptr ? Stack.MostRecentProperty : Declared;
	OutMemory = Stack.MostRecentPropertyAddress;
}

void ThrowMissingWildcard(UObject* Context, FFrame& Stack, const TCHAR* Node)
{
	const FBlueprintExceptionInfo Info(EBlueprintExceptionType::AccessViolation,
		FText::Format(LOCTEXT("MissingValue", "{0}: connect the Value pin to a variable"), FText::FromString(Node)));
	FBlueprintCoreDelegates::ThrowScriptException(Context, Stack, Info);
}
}  // namespace RealtimeNetDataDetail

// --- Reading --------------------------------------------------------------------------------------------

bool URealtimeNetDataLibrary::GetJsonNumber(const FJsonObjectWrapper& Json, const FString& Path, double& Number)
{
	rtnet::Value Holder;
	const rtnet::Value* Found = RealtimeNetDataDetail::Find(Json, Path, Holder);
	const std::optional<double> Read = Found != nullptr ? Found->AsNumber() : std::nullopt;
	Number = Read.value_or(0.0);
	return Read.has_value();
}

bool URealtimeNetDataLibrary::GetJsonInteger(const FJsonObjectWrapper& Json, const FString& Path, int64& Integer)
{
	rtnet::Value Holder;
	const rtnet::Value* Found = RealtimeNetDataDetail::Find(Json, Path, Holder);
	const std::int64_t* Read = Found != nullptr ? Found->AsInt() : nullptr;
	Integer = Read != nullptr ? static_cast<int64>(*Read) : 0;
	return Read != nullptr;
}

bool URealtimeNetDataLibrary::GetJsonString(const FJsonObjectWrapper& Json, const FString& Path, FString& Text)
{
	rtnet::Value Holder;
	const rtnet::Value* Found = RealtimeNetDataDetail::Find(Json, Path, Holder);
	const std::string* Read = Found != nullptr ? Found->AsString() : nullptr;
	Text = Read != nullptr ? FRealtimeNetJson::ToUnreal(*Read) : FString();
	return Read != nullptr;
}

bool URealtimeNetDataLibrary::GetJsonBool(const FJsonObjectWrapper& Json, const FString& Path, bool& bValue)
{
	rtnet::Value Holder;
	const rtnet::Value* Found = RealtimeNetDataDetail::Find(Json, Path, Holder);
	const bool* Read = Found != nullptr ? Found->AsBool() : nullptr;
	bValue = Read != nullptr && *Read;
	return Read != nullptr;
}

bool URealtimeNetDataLibrary::GetJsonVector(const FJsonObjectWrapper& Json, const FString& Path, FVector& Vector)
{
	rtnet::Value Holder;
	const rtnet::Value* Found = RealtimeNetDataDetail::Find(Json, Path, Holder);
	const std::optional<rtnet::Vector3> Read = Found != nullptr ? rtnet::AsVector(*Found) : std::nullopt;
	Vector = Read.has_value() ? FVector(Read->x, Read->y, Read->z) : FVector::ZeroVector;
	return Read.has_value();
}

bool URealtimeNetDataLibrary::GetJsonKeys(const FJsonObjectWrapper& Json, const FString& Path, TArray<FString>& Keys)
{
	Keys.Reset();
	rtnet::Value Holder;
	const rtnet::Value* Found = RealtimeNetDataDetail::Find(Json, Path, Holder);
	if (Found == nullptr || !(Found->IsObject() || Found->IsArray()))
	{
		return false;
	}
	for (const std::string& Key : rtnet::KeysAt(*Found, rtnet::Path()))
	{
		Keys.Add(FRealtimeNetJson::ToUnreal(Key));
	}
	return true;
}

bool URealtimeNetDataLibrary::GetJsonAt(const FJsonObjectWrapper& Json, const FString& Path, FJsonObjectWrapper& Value)
{
	rtnet::Value Holder;
	const rtnet::Value* Found = RealtimeNetDataDetail::Find(Json, Path, Holder);
	Value = Found != nullptr ? FRealtimeNetJson::ToWrapper(*Found) : FJsonObjectWrapper();
	return Found != nullptr;
}

bool URealtimeNetDataLibrary::ReadInto(const rtnet::Value& Source, const FString& Path, FProperty* Property, void* Memory)
{
	const std::optional<rtnet::Path> Parsed = rtnet::Path::Parse(FRealtimeNetJson::ToStd(Path));
	const rtnet::Value* Found = Parsed.has_value() ? rtnet::FindAt(Source, *Parsed) : nullptr;
	if (Found == nullptr || Found->IsNull() || Property == nullptr || Memory == nullptr)
	{
		return false;
	}
	// Integers travel as FJsonValueNumberString: an int64 member is read exactly.
	return FJsonObjectConverter::JsonValueToUProperty(FRealtimeNetJson::ToJsonValue(*Found), Property, Memory);
}

bool URealtimeNetDataLibrary::WriteFrom(FProperty* Property, const void* Memory, rtnet::Value& Out)
{
	if (Property == nullptr || Memory == nullptr)
	{
		return false;
	}
	const TSharedPtr<FJsonValue> Json = FJsonObjectConverter::UPropertyToJsonValue(Property, Memory);
	if (!Json.IsValid())
	{
		return false;
	}
	Out = FRealtimeNetJson::ToValue(Json);
	return true;
}

DEFINE_FUNCTION(URealtimeNetDataLibrary::execJsonToValue)
{
	P_GET_STRUCT_REF(FJsonObjectWrapper, Json);
	P_GET_PROPERTY(FStrProperty, Path);
	FProperty* ValueProperty = nullptr;
	void* ValueMemory = nullptr;
	RealtimeNetDataDetail::StepWildcard(Stack, ValueProperty, ValueMemory);
	P_FINISH;
	if (ValueProperty == nullptr || ValueMemory == nullptr)
	{
		RealtimeNetDataDetail::ThrowMissingWildcard(P_THIS, Stack, TEXT("Json To Value"));
		*static_cast<bool*>(RESULT_PARAM) = false;
		return;
	}
	bool bRead = false;
	P_NATIVE_BEGIN;
	rtnet::Value Source;
	bRead = FRealtimeNetJson::FromWrapper(Json, Source) && ReadInto(Source, Path, ValueProperty, ValueMemory);
	P_NATIVE_END;
	*static_cast<bool*>(RESULT_PARAM) = bRead;
}

DEFINE_FUNCTION(URealtimeNetDataLibrary::execRoomStateToValue)
{
	P_GET_OBJECT(URealtimeNetRoom, Room);
	P_GET_PROPERTY(FStrProperty, Path);
	FProperty* ValueProperty = nullptr;
	void* ValueMemory = nullptr;
	RealtimeNetDataDetail::StepWildcard(Stack, ValueProperty, ValueMemory);
	P_FINISH;
	if (ValueProperty == nullptr || ValueMemory == nullptr)
	{
		RealtimeNetDataDetail::ThrowMissingWildcard(P_THIS, Stack, TEXT("Room State To Value"));
		*static_cast<bool*>(RESULT_PARAM) = false;
		return;
	}
	bool bRead = false;
	P_NATIVE_BEGIN;
	const rtnet::Value* Found = Room != nullptr ? Room->FindState(Path) : nullptr;
	bRead = Found != nullptr && ReadInto(*Found, FString(), ValueProperty, ValueMemory);
	P_NATIVE_END;
	*static_cast<bool*>(RESULT_PARAM) = bRead;
}

// --- Building -------------------------------------------------------------------------------------------

FJsonObjectWrapper URealtimeNetDataLibrary::MakeJson()
{
	return FRealtimeNetJson::ToWrapper(rtnet::Value::MakeObject());
}

bool URealtimeNetDataLibrary::SetAt(const FJsonObjectWrapper& Json, const FString& Path, const rtnet::Value& Value,
	FJsonObjectWrapper& Out)
{
	const std::optional<rtnet::Path> Parsed = rtnet::Path::Parse(FRealtimeNetJson::ToStd(Path));
	rtnet::Value Document;
	if (!Parsed.has_value() || !FRealtimeNetJson::FromWrapper(Json, Document))
	{
		Out = Json;
		return false;
	}
	rtnet::SetAt(Document, *Parsed, Value);
	Out = FRealtimeNetJson::ToWrapper(Document);
	return true;
}

DEFINE_FUNCTION(URealtimeNetDataLibrary::execSetJsonValue)
{
	P_GET_STRUCT_REF(FJsonObjectWrapper, Json);
	P_GET_PROPERTY(FStrProperty, Path);
	FProperty* ValueProperty = nullptr;
	void* ValueMemory = nullptr;
	RealtimeNetDataDetail::StepWildcard(Stack, ValueProperty, ValueMemory);
	P_FINISH;
	FJsonObjectWrapper Result = Json;
	if (ValueProperty == nullptr || ValueMemory == nullptr)
	{
		RealtimeNetDataDetail::ThrowMissingWildcard(P_THIS, Stack, TEXT("Set Json Value"));
		*static_cast<FJsonObjectWrapper*>(RESULT_PARAM) = Result;
		return;
	}
	P_NATIVE_BEGIN;
	rtnet::Value Written;
	if (WriteFrom(ValueProperty, ValueMemory, Written))
	{
		SetAt(Json, Path, Written, Result);
	}
	P_NATIVE_END;
	*static_cast<FJsonObjectWrapper*>(RESULT_PARAM) = Result;
}

FJsonObjectWrapper URealtimeNetDataLibrary::SetJsonAt(const FJsonObjectWrapper& Json, const FString& Path,
	const FJsonObjectWrapper& Value)
{
	rtnet::Value Inner;
	FJsonObjectWrapper Result = Json;
	if (FRealtimeNetJson::FromWrapper(Value, Inner))
	{
		SetAt(Json, Path, Inner, Result);
	}
	return Result;
}

FJsonObjectWrapper URealtimeNetDataLibrary::SetJsonNull(const FJsonObjectWrapper& Json, const FString& Path)
{
	FJsonObjectWrapper Result = Json;
	SetAt(Json, Path, rtnet::Value(), Result);
	return Result;
}

DEFINE_FUNCTION(URealtimeNetDataLibrary::execValueToJson)
{
	FProperty* ValueProperty = nullptr;
	void* ValueMemory = nullptr;
	RealtimeNetDataDetail::StepWildcard(Stack, ValueProperty, ValueMemory);
	P_FINISH;
	FJsonObjectWrapper Result;
	if (ValueProperty == nullptr || ValueMemory == nullptr)
	{
		RealtimeNetDataDetail::ThrowMissingWildcard(P_THIS, Stack, TEXT("Value To Json"));
		*static_cast<FJsonObjectWrapper*>(RESULT_PARAM) = Result;
		return;
	}
	P_NATIVE_BEGIN;
	rtnet::Value Written;
	if (WriteFrom(ValueProperty, ValueMemory, Written))
	{
		Result = FRealtimeNetJson::ToWrapper(Written);
	}
	P_NATIVE_END;
	*static_cast<FJsonObjectWrapper*>(RESULT_PARAM) = Result;
}

// --- The stubs UHT needs for the CustomThunk functions (the Blueprint VM calls the exec* thunks) ---------------

bool URealtimeNetDataLibrary::JsonToValue(const FJsonObjectWrapper& /*Json*/, const FString& /*Path*/, int32& /*Value*/)
{
	checkNoEntry();
	return false;
}

bool URealtimeNetDataLibrary::RoomStateToValue(URealtimeNetRoom* /*Room*/, const FString& /*Path*/, int32& /*Value*/)
{
	checkNoEntry();
	return false;
}

FJsonObjectWrapper URealtimeNetDataLibrary::SetJsonValue(const FJsonObjectWrapper& /*Json*/, const FString& /*Path*/,
	const int32& /*Value*/)
{
	checkNoEntry();
	return FJsonObjectWrapper();
}

FJsonObjectWrapper URealtimeNetDataLibrary::ValueToJson(const int32& /*Value*/)
{
	checkNoEntry();
	return FJsonObjectWrapper();
}

// --- Text -----------------------------------------------------------------------------------------------

FString URealtimeNetDataLibrary::JsonToText(const FJsonObjectWrapper& Json)
{
	rtnet::Value Value;
	return FRealtimeNetJson::FromWrapper(Json, Value) ? FRealtimeNetJson::Write(Value) : FString();
}

bool URealtimeNetDataLibrary::TextToJson(const FString& Text, FJsonObjectWrapper& Json)
{
	rtnet::Value Value;
	if (!FRealtimeNetJson::ParseAny(Text, Value))
	{
		Json = FJsonObjectWrapper();
		return false;
	}
	Json = FRealtimeNetJson::ToWrapper(Value);
	return true;
}

#undef LOCTEXT_NAMESPACE
