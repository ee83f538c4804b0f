// The Blueprint data model: event payloads, state subtrees and patches are FJsonObjectWrapper (the engine's "Json
// Object" struct), read by path in one node ("players/p1/hp", rtnet::Path: names separated by '/', array indices),
// built by path, and converted to and from any USTRUCT (FJsonObjectConverter) with wildcard nodes. A room's own
// state is read on the room object (URealtimeNetRoom::GetStateNumber, ...), and as a struct with Room State To Value.
#pragma once

#include "CoreMinimal.h"
#include "JsonObjectWrapper.h"
#include "Kismet/BlueprintFunctionLibrary.h"

#include "RealtimeNetDataLibrary.generated.h"

class URealtimeNetRoom;
namespace rtnet
{
class Value;
}

UCLASS()
class REALTIMENET_API URealtimeNetDataLibrary : public UBlueprintFunctionLibrary
{
	GENERATED_BODY()

public:
	// --- Reading --------------------------------------------------------------------------------------

	/** The number at Path ("damage", "players/p1/hp"); false when absent or not a number. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json read get path field float payload"))
	static bool GetJsonNumber(const FJsonObjectWrapper& Json, const FString& Path, double& Number);

	/** The integer at Path (64-bit exact); false when absent or not an integer. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json read get path field int payload"))
	static bool GetJsonInteger(const FJsonObjectWrapper& Json, const FString& Path, int64& Integer);

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json read get path field text payload"))
	static bool GetJsonString(const FJsonObjectWrapper& Json, const FString& Path, FString& Text);

	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json read get path field flag payload"))
	static bool GetJsonBool(const FJsonObjectWrapper& Json, const FString& Path, bool& bValue);

	/** {x, y, z?} or [x, y, z?] at Path. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json read get path position payload"))
	static bool GetJsonVector(const FJsonObjectWrapper& Json, const FString& Path, FVector& Vector);

	/** The member names (or array indices) at Path. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json read keys members list payload"))
	static bool GetJsonKeys(const FJsonObjectWrapper& Json, const FString& Path, TArray<FString>& Keys);

	/** The value at Path as JSON of its own (an empty Path: all of it). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json read subtree payload"))
	static bool GetJsonAt(const FJsonObjectWrapper& Json, const FString& Path, FJsonObjectWrapper& Value);

	/** The value at Path into any variable: a struct (members by name, first letter in either case), a number, a
	    string, a bool, an array. Connect the Value pin to what you want filled. False when absent or it does not fit. */
	UFUNCTION(BlueprintCallable, CustomThunk, Category = "RealtimeNet|State",
		meta = (CustomStructureParam = "Value", Keywords = "json struct read convert payload break"))
	static bool JsonToValue(const FJsonObjectWrapper& Json, const FString& Path, int32& Value);
	DECLARE_FUNCTION(execJsonToValue);

	/** The room's state at Path into any variable (see Json To Value): "players/p1" into your player struct. */
	UFUNCTION(BlueprintCallable, CustomThunk, Category = "RealtimeNet|State",
		meta = (CustomStructureParam = "Value", Keywords = "state struct read convert"))
	static bool RoomStateToValue(URealtimeNetRoom* Room, const FString& Path, int32& Value);
	DECLARE_FUNCTION(execRoomStateToValue);

	// --- Building -------------------------------------------------------------------------------------

	/** An empty JSON object, to build a payload or a patch with the Set Json nodes. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json new empty object payload patch"))
	static FJsonObjectWrapper MakeJson();

	/** Json with Value (any variable: a struct, a number, a string, a bool, an array) at Path, making the objects on
	    the way; Json itself is left as it was. */
	UFUNCTION(BlueprintCallable, CustomThunk, Category = "RealtimeNet|State",
		meta = (CustomStructureParam = "Value", Keywords = "json set write struct patch payload make"))
	static FJsonObjectWrapper SetJsonValue(const FJsonObjectWrapper& Json, const FString& Path, const int32& Value);
	DECLARE_FUNCTION(execSetJsonValue);

	/** Json with Value (JSON of its own) at Path. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json set nest patch payload"))
	static FJsonObjectWrapper SetJsonAt(const FJsonObjectWrapper& Json, const FString& Path, const FJsonObjectWrapper& Value);

	/** Json with null at Path: in an Update State patch, a null member removes it from the room's state. */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json remove delete clear patch"))
	static FJsonObjectWrapper SetJsonNull(const FJsonObjectWrapper& Json, const FString& Path);

	/** Any variable as JSON (a struct becomes an object, members named with a lower-case first letter). */
	UFUNCTION(BlueprintCallable, CustomThunk, Category = "RealtimeNet|State",
		meta = (CustomStructureParam = "Value", Keywords = "json struct convert make payload"))
	static FJsonObjectWrapper ValueToJson(const int32& Value);
	DECLARE_FUNCTION(execValueToJson);

	// --- Text -----------------------------------------------------------------------------------------

	/** Compact JSON text (integers exact). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|State", meta = (Keywords = "json text string print"))
	static FString JsonToText(const FJsonObjectWrapper& Json);

	/** Parses JSON text (any value); false when it is not JSON. */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|State", meta = (Keywords = "json parse text string"))
	static bool TextToJson(const FString& Text, FJsonObjectWrapper& Json);

	// --- C++: the same conversions without the Blueprint VM -------------------------------------------------

	/** Reads the value at Path of Source into a property's memory (FJsonObjectConverter::JsonValueToUProperty). */
	static bool ReadInto(const rtnet::Value& Source, const FString& Path, FProperty* Property, void* Memory);
	/** A property's value as JSON (FJsonObjectConverter::UPropertyToJsonValue); null value when it cannot be written. */
	static bool WriteFrom(FProperty* Property, const void* Memory, rtnet::Value& Out);
	/** Json with Value set at Path (rtnet::SetAt); Json unchanged (and false) when Path does not parse. */
	static bool SetAt(const FJsonObjectWrapper& Json, const FString& Path, const rtnet::Value& Value, FJsonObjectWrapper& Out);
};
