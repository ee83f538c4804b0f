#include "RealtimeNetJson.h"

#include "Containers/StringConv.h"
#include "Policies/CondensedJsonPrintPolicy.h"
#include "Serialization/JsonReader.h"
#include "Serialization/JsonSerializer.h"
#include "Serialization/JsonWriter.h"

#include <cmath>
#include <cstdint>
#include <utility>

namespace RealtimeNetJsonPrivate
{
using FCondensedWriter = TJsonWriter<TCHAR, TCondensedJsonPrintPolicy<TCHAR>>;

// 5.8 keys FJsonObject::Values by UE::FSharedString unless UE_JSONOBJECT_LEGACY_STRING_KEYS; older versions by FString.
inline std::string KeyToStd(const FString& Key)
{
	return FRealtimeNetJson::ToStd(Key);
}
#if defined(UE_JSONOBJECT_LEGACY_STRING_KEYS) && !UE_JSONOBJECT_LEGACY_STRING_KEYS
inline std::string KeyToStd(const UE::FSharedString& Key)
{
	return FRealtimeNetJson::ToStd(FString(Key.ToView()));
}
#endif

// An integer literal (optional '-', digits only) that fits in int64; anything else is read as a double.
// LexTryParseString<int64> is not enough: it is Atoi64, so "1.5" reads as 1 and overflow is not reported.
bool ParseExactInt(const FString& Text, int64& Out)
{
	const TCHAR* Char = *Text;
	const bool bNegative = *Char == TEXT('-');
	if (bNegative)
	{
		++Char;
	}
	if (*Char == TEXT('\0'))
	{
		return false;
	}
	uint64 Magnitude = 0;
	const uint64 Largest = static_cast<uint64>(TNumericLimits<int64>::Max());
	const uint64 Limit = bNegative ? Largest + 1 : Largest;
	for (; *Char != TEXT('\0'); ++Char)
	{
		if (*Char < TEXT('0') || *Char > TEXT('9'))
		{
			return false;
		}
		const uint64 Digit = uint64(*Char - TEXT('0'));
		if (Magnitude > (Limit - Digit) / 10)
		{
			return false;
		}
		Magnitude = Magnitude * 10 + Digit;
	}
	Out = bNegative ? int64(0 - Magnitude) : int64(Magnitude);
	return true;
}

rtnet::Value NumberToValue(const FJsonValue& Json)
{
	FString Text;
	int64 Integer = 0;
	// FJsonValueNumberString (what Parse produces) keeps the literal: decide int or double from it.
	if (Json.PreferStringRepresentation() && Json.TryGetString(Text) && ParseExactInt(Text, Integer))
	{
		return rtnet::Value(static_cast<std::int64_t>(Integer));
	}
	double Number = 0.0;
	if (!Json.TryGetNumber(Number))
	{
		return rtnet::Value();
	}
	// A game-built FJsonValueNumber is a double; integral values within 2^53 go out as integers, as the
	// gateway's "integer" schemas expect (5, not 5.0).
	constexpr double Exact = 9007199254740992.0;
	if (!Json.PreferStringRepresentation() && std::fabs(Number) <= Exact && std::trunc(Number) == Number)
	{
		return rtnet::Value(static_cast<std::int64_t>(Number));
	}
	return rtnet::Value(Number);
}

void WriteValue(FCondensedWriter& Writer, const FString* Identifier, const rtnet::Value& Value)
{
	switch (Value.type())
	{
	case rtnet::Value::Type::kNull:
		Identifier ? Writer.WriteNull(*Identifier) : Writer.WriteNull();
		return;
	case rtnet::Value::Type::kBool:
		Identifier ? Writer.WriteValue(*Identifier, *Value.AsBool()) : Writer.WriteValue(*Value.AsBool());
		return;
	case rtnet::Value::Type::kInt:
	{
		// std::int64_t is `long` on Linux and int64 `long long`: cast, or the writer's overloads are ambiguous.
		const int64 Integer = static_cast<int64>(*Value.AsInt());
		Identifier ? Writer.WriteValue(*Identifier, Integer) : Writer.WriteValue(Integer);
		return;
	}
	case rtnet::Value::Type::kDouble:
	{
		const double Number = Value.AsNumber().value_or(0.0);
		// JSON has no NaN or infinity; the gateway would refuse the whole frame (-32700).
		if (!std::isfinite(Number))
		{
			Identifier ? Writer.WriteNull(*Identifier) : Writer.WriteNull();
			return;
		}
		Identifier ? Writer.WriteValue(*Identifier, Number) : Writer.WriteValue(Number);
		return;
	}
	case rtnet::Value::Type::kString:
	{
		const FString Text = FRealtimeNetJson::ToUnreal(*Value.AsString());
		Identifier ? Writer.WriteValue(*Identifier, Text) : Writer.WriteValue(Text);
		return;
	}
	case rtnet::Value::Type::kArray:
		Identifier ? Writer.WriteArrayStart(*Identifier) : Writer.WriteArrayStart();
		for (const rtnet::Value& Item : *Value.AsArray())
		{
			WriteValue(Writer, nullptr, Item);
		}
		Writer.WriteArrayEnd();
		return;
	case rtnet::Value::Type::kObject:
		Identifier ? Writer.WriteObjectStart(*Identifier) : Writer.WriteObjectStart();
		for (const rtnet::Member& Member : *Value.AsObject())
		{
			const FString Name = FRealtimeNetJson::ToUnreal(Member.name);
			WriteValue(Writer, &Name, Member.value);
		}
		Writer.WriteObjectEnd();
		return;
	}
}
}  // namespace RealtimeNetJsonPrivate

rtnet::Value FRealtimeNetJson::ToValue(const TSharedPtr<FJsonValue>& Json)
{
	if (!Json.IsValid())
	{
		return rtnet::Value();
	}
	switch (Json->Type)
	{
	case EJson::Boolean:
	{
		bool bValue = false;
		Json->TryGetBool(bValue);
		return rtnet::Value(bValue);
	}
	case EJson::Number:
		return RealtimeNetJsonPrivate::NumberToValue(*Json);
	case EJson::String:
	{
		FString Text;
		Json->TryGetString(Text);
		return rtnet::Value(ToStd(Text));
	}
	case EJson::Array:
	{
		const TArray<TSharedPtr<FJsonValue>>* Items = nullptr;
		rtnet::Value::Array Array;
		if (Json->TryGetArray(Items) && Items != nullptr)
		{
			Array.reserve(static_cast<std::size_t>(Items->Num()));
			for (const TSharedPtr<FJsonValue>& Item : *Items)
			{
				Array.push_back(ToValue(Item));
			}
		}
		return rtnet::Value(std::move(Array));
	}
	case EJson::Object:
	{
		const TSharedPtr<FJsonObject>* Object = nullptr;
		if (Json->TryGetObject(Object) && Object != nullptr && Object->IsValid())
		{
			return ToValue(Object->ToSharedRef());
		}
		return rtnet::Value::MakeObject();
	}
	case EJson::None:
	case EJson::Null:
	default:
		return rtnet::Value();
	}
}

rtnet::Value FRealtimeNetJson::ToValue(const TSharedRef<FJsonObject>& Object)
{
	rtnet::Value Result = rtnet::Value::MakeObject();
	for (const auto& Pair : Object->Values)
	{
		Result.Set(RealtimeNetJsonPrivate::KeyToStd(Pair.Key), ToValue(Pair.Value));
	}
	return Result;
}

bool FRealtimeNetJson::ToExactInt(const FJsonValue& Json, int64& Out)
{
	if (Json.Type != EJson::Number)
	{
		return false;
	}
	const rtnet::Value Number = RealtimeNetJsonPrivate::NumberToValue(Json);
	if (const std::int64_t* Integer = Number.AsInt())
	{
		Out = static_cast<int64>(*Integer);
		return true;
	}
	return false;
}

TSharedPtr<FJsonValue> FRealtimeNetJson::ToJsonValue(const rtnet::Value& Value)
{
	switch (Value.type())
	{
	case rtnet::Value::Type::kBool:
		return MakeShared<FJsonValueBoolean>(*Value.AsBool());
	case rtnet::Value::Type::kInt:
		return MakeShared<FJsonValueNumberString>(FString::Printf(TEXT("%lld"), static_cast<int64>(*Value.AsInt())));
	case rtnet::Value::Type::kDouble:
		return MakeShared<FJsonValueNumber>(Value.AsNumber().value_or(0.0));
	case rtnet::Value::Type::kString:
		return MakeShared<FJsonValueString>(ToUnreal(*Value.AsString()));
	case rtnet::Value::Type::kArray:
	{
		TArray<TSharedPtr<FJsonValue>> Items;
		Items.Reserve(static_cast<int32>(Value.AsArray()->size()));
		for (const rtnet::Value& Item : *Value.AsArray())
		{
			Items.Add(ToJsonValue(Item));
		}
		return MakeShared<FJsonValueArray>(Items);
	}
	case rtnet::Value::Type::kObject:
		return MakeShared<FJsonValueObject>(ToJsonObject(Value));
	case rtnet::Value::Type::kNull:
	default:
		return MakeShared<FJsonValueNull>();
	}
}

TSharedPtr<FJsonObject> FRealtimeNetJson::ToJsonObject(const rtnet::Value& Value)
{
	const rtnet::Value::Object* Members = Value.AsObject();
	if (Members == nullptr)
	{
		return nullptr;
	}
	TSharedPtr<FJsonObject> Object = MakeShared<FJsonObject>();
	for (const rtnet::Member& Member : *Members)
	{
		Object->SetField(ToUnreal(Member.name), ToJsonValue(Member.value));
	}
	return Object;
}

FString FRealtimeNetJson::Write(const rtnet::Value& Value)
{
	FString Text;
	TSharedRef<RealtimeNetJsonPrivate::FCondensedWriter> Writer =
		TJsonWriterFactory<TCHAR, TCondensedJsonPrintPolicy<TCHAR>>::Create(&Text);
	RealtimeNetJsonPrivate::WriteValue(*Writer, nullptr, Value);
	Writer->Close();  // the FString is filled on Close
	return Text;
}

bool FRealtimeNetJson::Parse(const FString& Text, rtnet::Value& Out)
{
	TSharedRef<TJsonReader<TCHAR>> Reader = TJsonReaderFactory<TCHAR>::Create(Text);
	TSharedPtr<FJsonValue> Root;
	if (!FJsonSerializer::Deserialize(Reader, Root, FJsonSerializer::EFlags::StoreNumbersAsStrings) || !Root.IsValid())
	{
		return false;
	}
	Out = ToValue(Root);
	return true;
}

std::string FRealtimeNetJson::ToStd(const FString& Text)
{
	if (Text.IsEmpty())
	{
		return std::string();
	}
	const FTCHARToUTF8 Utf8(*Text, Text.Len());
	// Get() is ANSICHAR or UTF8CHAR depending on the engine version; both are UTF-8 bytes.
	return std::string(reinterpret_cast<const char*>(Utf8.Get()), static_cast<std::size_t>(Utf8.Length()));
}

FString FRealtimeNetJson::ToUnreal(std::string_view Text)
{
	if (Text.empty())
	{
		return FString();
	}
	const FUTF8ToTCHAR Converted(Text.data(), static_cast<int32>(Text.size()));
	return FString(Converted.Length(), Converted.Get());
}

bool FRealtimeNetJson::ParseAny(const FString& Text, rtnet::Value& Out)
{
	// The engine reader refuses a scalar root: read it as the only item of an array.
	rtnet::Value Wrapped;
	if (!Parse(TEXT("[") + Text + TEXT("]"), Wrapped))
	{
		return false;
	}
	const rtnet::Value::Array* Items = Wrapped.AsArray();
	if (Items == nullptr || Items->size() != 1)
	{
		return false;
	}
	Out = (*Items)[0];
	return true;
}

FJsonObjectWrapper FRealtimeNetJson::ToWrapper(const rtnet::Value& Value)
{
	FJsonObjectWrapper Wrapper;
	Wrapper.JsonString = Write(Value);
	Wrapper.JsonObject = ToJsonObject(Value);  // null unless an object
	return Wrapper;
}

bool FRealtimeNetJson::FromWrapper(const FJsonObjectWrapper& Wrapper, rtnet::Value& Out)
{
	if (Wrapper.JsonObject.IsValid())
	{
		Out = ToValue(Wrapper.JsonObject.ToSharedRef());
		return true;
	}
	if (Wrapper.JsonString.TrimStartAndEnd().IsEmpty())
	{
		Out = rtnet::Value();
		return true;
	}
	return ParseAny(Wrapper.JsonString, Out);
}
