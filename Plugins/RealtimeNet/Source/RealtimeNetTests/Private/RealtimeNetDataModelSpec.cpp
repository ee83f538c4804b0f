// RealtimeNet.DataModel: the Blueprint data model. A payload (FJsonObjectWrapper, the engine's "Json Object") is read
// by path in one node per type and built by path; any USTRUCT converts to and from JSON (FJsonObjectConverter,
// int64 exact); the wildcard nodes (CustomThunk) work when called natively too (ProcessEvent, as C++ or Python call
// a UFunction), with the parameter type they declare; a room's state reads into a struct with Room State To Value.
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "UObject/Class.h"
#include "UObject/UnrealType.h"

#include "rtnet/Value.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetDataLibrary.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetRoom.h"
#include "RealtimeNetScriptedGateway.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetTestInstance.h"
#include "RealtimeNetTestTypes.h"

namespace RealtimeNetDataModel
{
	/** JSON text as a Blueprint Json Object. */
	FJsonObjectWrapper Json(const FString& Text)
	{
		FJsonObjectWrapper Result;
		URealtimeNetDataLibrary::TextToJson(Text, Result);
		return Result;
	}

	/** One call of a URealtimeNetDataLibrary UFunction as native callers make it: ProcessEvent on the class default
	    object with a parameter block laid out by the UFunction itself. */
	class FLibraryCall
	{
	public:
		explicit FLibraryCall(const TCHAR* Name)
			: Function(URealtimeNetDataLibrary::StaticClass()->FindFunctionByName(FName(Name)))
		{
			if (Function != nullptr)
			{
				Params = static_cast<uint8*>(FMemory::Malloc(FMath::Max<int32>(Function->ParmsSize, 1), Function->GetMinAlignment()));
				Function->InitializeStruct(Params);
			}
		}

		~FLibraryCall()
		{
			if (Function != nullptr)
			{
				Function->DestroyStruct(Params);
				FMemory::Free(Params);
			}
		}

		FLibraryCall(const FLibraryCall&) = delete;
		FLibraryCall& operator=(const FLibraryCall&) = delete;

		bool IsValid() const { return Function != nullptr; }

		/** The parameter's memory (null when the function has no such parameter). */
		template <typename T>
		T* Param(const TCHAR* Name) const
		{
			const FProperty* Property = Function != nullptr ? Function->FindPropertyByName(FName(Name)) : nullptr;
			return Property != nullptr ? Property->ContainerPtrToValuePtr<T>(Params) : nullptr;
		}

		void Call() const
		{
			URealtimeNetDataLibrary::StaticClass()->GetDefaultObject()->ProcessEvent(Function, Params);
		}

	private:
		UFunction* Function = nullptr;
		uint8* Params = nullptr;
	};
}  // namespace RealtimeNetDataModel

BEGIN_DEFINE_SPEC(FRealtimeNetDataModelSpec, "RealtimeNet.DataModel", REALTIMENET_SPEC_FLAGS)

	/** The FProperty of FRealtimeNetTestHolder::Player: what a Blueprint pin of the player struct type is. */
	FProperty* PlayerProperty() const
	{
		return FRealtimeNetTestHolder::StaticStruct()->FindPropertyByName(GET_MEMBER_NAME_CHECKED(FRealtimeNetTestHolder, Player));
	}

END_DEFINE_SPEC(FRealtimeNetDataModelSpec)

void FRealtimeNetDataModelSpec::Define()
{
	using RealtimeNetDataModel::Json;

	Describe(TEXT("reading by path"), [this]()
	{
		It(TEXT("one node per type reads a payload's field: number, integer, string, bool, vector, keys, subtree"), [this]()
		{
			const FJsonObjectWrapper Payload = Json(TEXT(
				"{\"players\":{\"p1\":{\"hp\":75,\"name\":\"Ann\",\"alive\":true,\"pos\":[1,2,3]}},\"big\":9007199254740993,\"list\":[\"a\",\"b\"]}"));
			double Hp = 0.0;
			TestTrue(TEXT("Get Json Number"), URealtimeNetDataLibrary::GetJsonNumber(Payload, TEXT("players/p1/hp"), Hp) && Hp == 75.0);
			int64 Big = 0;
			TestTrue(TEXT("Get Json Integer, exact"), URealtimeNetDataLibrary::GetJsonInteger(Payload, TEXT("big"), Big) && Big == 9007199254740993LL);
			FString Name;
			TestTrue(TEXT("Get Json String"), URealtimeNetDataLibrary::GetJsonString(Payload, TEXT("players/p1/name"), Name));
			TestSameText(*this, TEXT("name"), Name, TEXT("Ann"));
			bool bAlive = false;
			TestTrue(TEXT("Get Json Bool"), URealtimeNetDataLibrary::GetJsonBool(Payload, TEXT("players/p1/alive"), bAlive) && bAlive);
			FVector Position;
			TestTrue(TEXT("Get Json Vector"), URealtimeNetDataLibrary::GetJsonVector(Payload, TEXT("players/p1/pos"), Position)
				&& Position.Equals(FVector(1.0, 2.0, 3.0)));
			TArray<FString> Keys;
			TestTrue(TEXT("Get Json Keys of an array: its indices"), URealtimeNetDataLibrary::GetJsonKeys(Payload, TEXT("list"), Keys));
			TestSameText(*this, TEXT("indices"), FString::Join(Keys, TEXT(",")), TEXT("0,1"));
			FString Second;
			TestTrue(TEXT("an array element by index"), URealtimeNetDataLibrary::GetJsonString(Payload, TEXT("list/1"), Second));
			TestSameText(*this, TEXT("list/1"), Second, TEXT("b"));
			FJsonObjectWrapper Player;
			TestTrue(TEXT("Get Json At"), URealtimeNetDataLibrary::GetJsonAt(Payload, TEXT("players/p1"), Player));
			TestSameText(*this, TEXT("the subtree, as text"), URealtimeNetDataLibrary::JsonToText(Player),
				TEXT("{\"alive\":true,\"hp\":75,\"name\":\"Ann\",\"pos\":[1,2,3]}"));
			TestFalse(TEXT("absent"), URealtimeNetDataLibrary::GetJsonNumber(Payload, TEXT("players/p2/hp"), Hp));
			TestFalse(TEXT("another type"), URealtimeNetDataLibrary::GetJsonBool(Payload, TEXT("players/p1/hp"), bAlive));
		});

		It(TEXT("a payload that is not an object (a number, a string, an array) survives as Json"), [this]()
		{
			const FJsonObjectWrapper Number = FRealtimeNetJson::ToWrapper(rtnet::Value(42));
			TestSameText(*this, TEXT("as text"), URealtimeNetDataLibrary::JsonToText(Number), TEXT("42"));
			int64 Read = 0;
			TestTrue(TEXT("read at the empty path"), URealtimeNetDataLibrary::GetJsonInteger(Number, FString(), Read) && Read == 42);
			FJsonObjectWrapper Text;
			TestTrue(TEXT("Text To Json takes a scalar"), URealtimeNetDataLibrary::TextToJson(TEXT("\"hello\""), Text));
			FString Hello;
			TestTrue(TEXT("and reads it back"), URealtimeNetDataLibrary::GetJsonString(Text, FString(), Hello) && Hello == TEXT("hello"));
			FJsonObjectWrapper Bad;
			TestFalse(TEXT("not JSON"), URealtimeNetDataLibrary::TextToJson(TEXT("{nope"), Bad));
		});
	});

	Describe(TEXT("building by path"), [this]()
	{
		It(TEXT("Make Json and Set Json build a payload by path; Set Json Null writes the null that removes a member"), [this]()
		{
			FJsonObjectWrapper Patch = URealtimeNetDataLibrary::MakeJson();
			TestSameText(*this, TEXT("Make Json"), URealtimeNetDataLibrary::JsonToText(Patch), TEXT("{}"));
			Patch = URealtimeNetDataLibrary::SetJsonAt(Patch, TEXT("players/p1"), Json(TEXT("{\"hp\":50}")));
			FJsonObjectWrapper WithScore;
			TestTrue(TEXT("Set At"), URealtimeNetDataLibrary::SetAt(Patch, TEXT("players/p1/score"), rtnet::Value(9007199254740993LL), WithScore));
			Patch = URealtimeNetDataLibrary::SetJsonNull(WithScore, TEXT("players/p2"));
			TestSameText(*this, TEXT("the patch"), URealtimeNetDataLibrary::JsonToText(Patch),
				TEXT("{\"players\":{\"p1\":{\"hp\":50,\"score\":9007199254740993},\"p2\":null}}"));
			FJsonObjectWrapper Unchanged;
			TestFalse(TEXT("a path that does not parse changes nothing"), URealtimeNetDataLibrary::SetAt(Patch, TEXT("a//b"), rtnet::Value(1), Unchanged));
			TestSameText(*this, TEXT("unchanged"), URealtimeNetDataLibrary::JsonToText(Unchanged), URealtimeNetDataLibrary::JsonToText(Patch));
		});
	});

	Describe(TEXT("structs"), [this]()
	{
		It(TEXT("a JSON object reads into any USTRUCT: members by name in either case, vectors, arrays, int64 exact"), [this]()
		{
			rtnet::Value State;
			if (!TestTrue(TEXT("parse"), FRealtimeNetJson::Parse(TEXT(
				"{\"players\":{\"p1\":{\"name\":\"Ann\",\"Hp\":75,\"position\":{\"x\":1,\"y\":2,\"z\":3},\"items\":[\"sword\",\"shield\"],\"score\":9007199254740993}}}"),
				State)))
			{
				return;
			}
			FRealtimeNetTestHolder Holder;
			TestTrue(TEXT("Read Into"), URealtimeNetDataLibrary::ReadInto(State, TEXT("players/p1"), PlayerProperty(), &Holder.Player));
			TestSameText(*this, TEXT("Name"), Holder.Player.Name, TEXT("Ann"));
			TestEqual(TEXT("Hp"), Holder.Player.Hp, 75);
			TestTrue(TEXT("Position"), Holder.Player.Position.Equals(FVector(1.0, 2.0, 3.0)));
			TestSameText(*this, TEXT("Items"), FString::Join(Holder.Player.Items, TEXT(",")), TEXT("sword,shield"));
			TestEqual(TEXT("Score, exact beyond 2^53"), Holder.Player.Score, 9007199254740993LL);
			FRealtimeNetTestHolder Untouched;
			TestFalse(TEXT("absent: false"), URealtimeNetDataLibrary::ReadInto(State, TEXT("players/p9"), PlayerProperty(), &Untouched.Player));
		});

		It(TEXT("any USTRUCT writes as a JSON object, members with a lower-case first letter, int64 exact"), [this]()
		{
			FRealtimeNetTestHolder Holder;
			Holder.Player.Name = TEXT("Bob");
			Holder.Player.Hp = 30;
			Holder.Player.Position = FVector(4.0, 5.0, 6.0);
			Holder.Player.Items = {TEXT("bow")};
			Holder.Player.Score = 9007199254740993LL;
			rtnet::Value Written;
			if (!TestTrue(TEXT("Write From"), URealtimeNetDataLibrary::WriteFrom(PlayerProperty(), &Holder.Player, Written)))
			{
				return;
			}
			const std::string* Name = Written.FindString("name");
			TestTrue(TEXT("name"), Name != nullptr && *Name == "Bob");
			const rtnet::Value* Hp = Written.Find("hp");
			TestTrue(TEXT("hp"), Hp != nullptr && Hp->AsNumber().value_or(0.0) == 30.0);
			const rtnet::Value* X = Written.Find("position") != nullptr ? Written.Find("position")->Find("x") : nullptr;
			TestTrue(TEXT("position/x"), X != nullptr && X->AsNumber().value_or(0.0) == 4.0);
			const rtnet::Value* Score = Written.Find("score");
			TestTrue(*FString::Printf(TEXT("score exact: %s"), *FRealtimeNetJson::Write(Written)),
				Score != nullptr && Score->IsInt() && *Score->AsInt() == 9007199254740993LL);
			// And back: what was written reads into an equal struct.
			FRealtimeNetTestHolder Again;
			TestTrue(TEXT("round trip"), URealtimeNetDataLibrary::ReadInto(Written, FString(), PlayerProperty(), &Again.Player)
				&& Again.Player.Name == Holder.Player.Name && Again.Player.Score == Holder.Player.Score
				&& Again.Player.Position.Equals(Holder.Player.Position));
		});
	});

	Describe(TEXT("wildcard nodes called natively"), [this]()
	{
		It(TEXT("Json To Value, Set Json Value and Value To Json work through ProcessEvent with their declared pin type"), [this]()
		{
			RealtimeNetDataModel::FLibraryCall ToValue(TEXT("JsonToValue"));
			if (!TestTrue(TEXT("JsonToValue is a UFunction"), ToValue.IsValid()))
			{
				return;
			}
			*ToValue.Param<FJsonObjectWrapper>(TEXT("Json")) = Json(TEXT("{\"players\":{\"p1\":{\"hp\":75}}}"));
			*ToValue.Param<FString>(TEXT("Path")) = TEXT("players/p1/hp");
			ToValue.Call();
			TestTrue(TEXT("Json To Value returned true"), *ToValue.Param<bool>(TEXT("ReturnValue")));
			TestEqual(TEXT("into an integer"), *ToValue.Param<int32>(TEXT("Value")), 75);

			RealtimeNetDataModel::FLibraryCall SetValue(TEXT("SetJsonValue"));
			if (!TestTrue(TEXT("SetJsonValue is a UFunction"), SetValue.IsValid()))
			{
				return;
			}
			*SetValue.Param<FJsonObjectWrapper>(TEXT("Json")) = Json(TEXT("{\"a\":1}"));
			*SetValue.Param<FString>(TEXT("Path")) = TEXT("players/p1/hp");
			*SetValue.Param<int32>(TEXT("Value")) = 12;
			SetValue.Call();
			TestSameText(*this, TEXT("Set Json Value"), URealtimeNetDataLibrary::JsonToText(*SetValue.Param<FJsonObjectWrapper>(TEXT("ReturnValue"))),
				TEXT("{\"a\":1,\"players\":{\"p1\":{\"hp\":12}}}"));

			RealtimeNetDataModel::FLibraryCall ToJson(TEXT("ValueToJson"));
			if (!TestTrue(TEXT("ValueToJson is a UFunction"), ToJson.IsValid()))
			{
				return;
			}
			*ToJson.Param<int32>(TEXT("Value")) = 7;
			ToJson.Call();
			TestSameText(*this, TEXT("Value To Json"), URealtimeNetDataLibrary::JsonToText(*ToJson.Param<FJsonObjectWrapper>(TEXT("ReturnValue"))),
				TEXT("7"));
		});

		It(TEXT("the wildcard nodes are declared with a wildcard pin (CustomStructureParam = Value)"), [this]()
		{
			for (const TCHAR* Name : {TEXT("JsonToValue"), TEXT("RoomStateToValue"), TEXT("SetJsonValue"), TEXT("ValueToJson")})
			{
				const UFunction* Function = URealtimeNetDataLibrary::StaticClass()->FindFunctionByName(FName(Name));
				if (!TestNotNull(*FString::Printf(TEXT("%s"), Name), Function))
				{
					continue;
				}
#if WITH_METADATA
				TestSameText(*this, *FString::Printf(TEXT("%s CustomStructureParam"), Name),
					Function->GetMetaData(TEXT("CustomStructureParam")), TEXT("Value"));
#endif
				TestTrue(*FString::Printf(TEXT("%s is native"), Name), Function->HasAnyFunctionFlags(FUNC_Native));
			}
		});
	});

	Describe(TEXT("room state"), [this]()
	{
		It(TEXT("Room State To Value reads a room's state at a path (through ProcessEvent, into an integer)"), [this]()
		{
			FRealtimeNetTestSettings Settings;
			Settings->BackoffBase = 30.f;
			Settings->BackoffCap = 30.f;
			FRealtimeNetTestInstance Instance;
			if (!TestNotNull(TEXT("client"), Instance.GetClient()))
			{
				return;
			}
			FRealtimeNetScriptedGateway Gateway(*Instance.GetClient());
			FString Error;
			URealtimeNetRoom* Room = nullptr;
			if (!TestTrue(TEXT("scripted session"), Gateway.Open(Error))
				|| Gateway.JoinRoom(TEXT("lobby"), 1, rtnet::Value::MakeObject({{"round", 3}}), &Room) == 0 || !TestNotNull(TEXT("room"), Room))
			{
				return;
			}
			// The room object becomes a member on the client's next frame; deliver it now.
			Instance.GetClient()->Pump();
			RealtimeNetDataModel::FLibraryCall Read(TEXT("RoomStateToValue"));
			if (!TestTrue(TEXT("RoomStateToValue is a UFunction"), Read.IsValid()))
			{
				return;
			}
			*Read.Param<URealtimeNetRoom*>(TEXT("Room")) = Room;
			*Read.Param<FString>(TEXT("Path")) = TEXT("round");
			Read.Call();
			TestTrue(TEXT("returned true"), *Read.Param<bool>(TEXT("ReturnValue")));
			TestEqual(TEXT("round"), *Read.Param<int32>(TEXT("Value")), 3);
		});
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
