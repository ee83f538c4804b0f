// rtnet::Value <-> Unreal JSON. The core never parses text; this is its only JSON edge inside Unreal.
#pragma once

#include "CoreMinimal.h"
#include "Dom/JsonObject.h"
#include "Dom/JsonValue.h"
#include "JsonObjectWrapper.h"

#include <string>
#include <string_view>

#include "rtnet/Value.h"

struct REALTIMENET_API FRealtimeNetJson
{
	/** Any FJsonValue; integers stay exact (numbers read with StoreNumbersAsStrings keep their text). */
	static rtnet::Value ToValue(const TSharedPtr<FJsonValue>& Json);
	static rtnet::Value ToValue(const TSharedRef<FJsonObject>& Object);

	/**
	 * A JSON number as an exact integer: a literal of digits (kept as text by StoreNumbersAsStrings) that fits
	 * in int64, or a game-built number whose value is integral and within 2^53. False for "1.5", "1e3" and
	 * anything out of range (TryGetNumber(int64&) would read those first two as 1).
	 */
	static bool ToExactInt(const FJsonValue& Json, int64& Out);

	/** Integers become FJsonValueNumberString, so FJsonObjectConverter reads int64 fields exactly. */
	static TSharedPtr<FJsonValue> ToJsonValue(const rtnet::Value& Value);
	/** Null when Value is not an object. */
	static TSharedPtr<FJsonObject> ToJsonObject(const rtnet::Value& Value);

	/** Condensed JSON text written straight from the Value (no FJsonValue tree): exact int64 on every engine version. */
	static FString Write(const rtnet::Value& Value);
	/** False when Text is not a JSON object or array (the engine reader refuses a scalar root). */
	static bool Parse(const FString& Text, rtnet::Value& Out);
	/** Any JSON value, scalars included (a presence payload, an event's data); false when Text is not JSON. */
	static bool ParseAny(const FString& Text, rtnet::Value& Out);

	/** A payload as Blueprints hold it: JsonObject set when Value is an object, JsonString always its exact text
	    (so a number, string or array payload survives too). */
	static FJsonObjectWrapper ToWrapper(const rtnet::Value& Value);
	/** The value a wrapper holds: its JsonObject when set, else its JsonString parsed (any JSON value; empty
	    text is null). False when neither holds JSON. */
	static bool FromWrapper(const FJsonObjectWrapper& Wrapper, rtnet::Value& Out);

	/** UTF-8 <-> TCHAR, for the core's std::string fields. */
	static std::string ToStd(const FString& Text);
	static FString ToUnreal(std::string_view Text);
};
