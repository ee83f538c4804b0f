// RealtimeNet.Json: FRealtimeNetJson, the adapter between Unreal's Json module and rtnet::Value. Every frame
// in and out goes through it, so what it loses the whole plugin loses: integers beyond 2^53 (stream
// offsets, state versions, ids), member names, non-ASCII text.
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Dom/JsonObject.h"
#include "Dom/JsonValue.h"
#include "RealtimeNetJson.h"
#include "rtnet/Value.h"

#include <cstdint>
#include <limits>
#include <string>

BEGIN_DEFINE_SPEC(FRealtimeNetJsonSpec, "RealtimeNet.Json", REALTIMENET_SPEC_FLAGS)

	/** rtnet::Value equality (numeric: 5 == 5.0, member order ignored), with both sides in the message. */
	bool TestValue(const TCHAR* What, const rtnet::Value& Actual, const rtnet::Value& Expected)
	{
		if (Actual == Expected)
		{
			return true;
		}
		AddError(FString::Printf(TEXT("%s: expected %s, got %s"), What,
			UTF8_TO_TCHAR(rtnet::Describe(Expected).c_str()), UTF8_TO_TCHAR(rtnet::Describe(Actual).c_str())));
		return false;
	}

	/** Text -> Value -> text -> Value: the second parse must give the first value back. */
	bool TestTextRoundTrip(const TCHAR* What, const FString& Text, rtnet::Value& OutParsed)
	{
		if (!TestTrue(*FString::Printf(TEXT("%s parses"), What), FRealtimeNetJson::Parse(Text, OutParsed)))
		{
			return false;
		}
		rtnet::Value Again;
		const FString Written = FRealtimeNetJson::Write(OutParsed);
		if (!TestTrue(*FString::Printf(TEXT("%s: what Write produced parses (%s)"), What, *Written),
				FRealtimeNetJson::Parse(Written, Again)))
		{
			return false;
		}
		return TestValue(What, Again, OutParsed);
	}

	/** Value -> FJsonValue -> Value. */
	bool TestTreeRoundTrip(const TCHAR* What, const rtnet::Value& Original)
	{
		const TSharedPtr<FJsonValue> Tree = FRealtimeNetJson::ToJsonValue(Original);
		if (!TestTrue(*FString::Printf(TEXT("%s: ToJsonValue gives a value"), What), Tree.IsValid()))
		{
			return false;
		}
		return TestValue(What, FRealtimeNetJson::ToValue(Tree), Original);
	}

END_DEFINE_SPEC(FRealtimeNetJsonSpec)

void FRealtimeNetJsonSpec::Define()
{
	// 2^53 + 1: the first integer a double cannot hold. Offsets and versions are int64 on the wire.
	static constexpr int64 BeyondDouble = 9007199254740993LL;

	Describe(TEXT("64-bit integers"), [this]()
	{
		It(TEXT("parses an integer beyond 2^53 exactly and writes it back digit for digit"), [this]()
		{
			rtnet::Value Parsed;
			if (!TestTrue(TEXT("parses"), FRealtimeNetJson::Parse(TEXT("{\"offset\":9007199254740993}"), Parsed)))
			{
				return;
			}
			const rtnet::Value* Offset = Parsed.Find("offset");
			if (!TestTrue(TEXT("offset is an exact integer"), Offset != nullptr && Offset->IsInt()))
			{
				return;
			}
			TestEqual(TEXT("offset"), static_cast<int64>(*Offset->AsInt()), BeyondDouble);
			TestSameText(*this, TEXT("written"), FRealtimeNetJson::Write(Parsed), FString(TEXT("{\"offset\":9007199254740993}")));
		});

		It(TEXT("keeps the int64 extremes exact"), [this]()
		{
			const rtnet::Value Extremes = rtnet::Value::MakeObject({
				{"max", std::numeric_limits<std::int64_t>::max()},
				{"min", std::numeric_limits<std::int64_t>::min()},
			});
			TestSameText(*this, TEXT("written"), FRealtimeNetJson::Write(Extremes),
				FString(TEXT("{\"max\":9223372036854775807,\"min\":-9223372036854775808}")));
			rtnet::Value Parsed;
			TestTextRoundTrip(TEXT("extremes"), FRealtimeNetJson::Write(Extremes), Parsed);
			TestValue(TEXT("extremes"), Parsed, Extremes);
		});

		It(TEXT("keeps an integer beyond 2^53 exact through an FJsonValue tree"), [this]()
		{
			TestTreeRoundTrip(TEXT("version"), rtnet::Value::MakeObject({{"version", BeyondDouble}}));

			// A tree built by game code with the number kept as text (what FJsonSerializer gives with
			// EFlags::StoreNumbersAsStrings) must reach the core as the same exact integer.
			const TSharedRef<FJsonObject> Object = MakeShared<FJsonObject>();
			Object->SetField(TEXT("version"), MakeShared<FJsonValueNumberString>(TEXT("9007199254740993")));
			const rtnet::Value FromTree = FRealtimeNetJson::ToValue(Object);
			const rtnet::Value* Version = FromTree.Find("version");
			if (TestTrue(TEXT("version is an exact integer"), Version != nullptr && Version->IsInt()))
			{
				TestEqual(TEXT("version"), static_cast<int64>(*Version->AsInt()), BeyondDouble);
			}
		});

		It(TEXT("keeps fractions as doubles"), [this]()
		{
			rtnet::Value Parsed;
			if (TestTextRoundTrip(TEXT("fraction"), TEXT("{\"x\":0.1,\"y\":-2.5e-3,\"z\":1e300}"), Parsed))
			{
				const rtnet::Value* X = Parsed.Find("x");
				TestTrue(TEXT("x is a double"), X != nullptr && X->type() == rtnet::Value::Type::kDouble);
				TestValue(TEXT("y"), *Parsed.Find("y"), rtnet::Value(-2.5e-3));
			}
		});
	});

	Describe(TEXT("objects and arrays"), [this]()
	{
		It(TEXT("round-trips nested objects, arrays, booleans and nulls"), [this]()
		{
			const FString Text = TEXT("{\"room\":\"lobby\",\"state\":{\"players\":{\"p1\":{\"x\":1,\"tags\":[\"a\",null,true,{\"k\":[]}]}},")
				TEXT("\"empty\":{}},\"list\":[[1,2],[],[{}]],\"flag\":false,\"nothing\":null}");
			rtnet::Value Parsed;
			if (!TestTextRoundTrip(TEXT("nested"), Text, Parsed))
			{
				return;
			}
			const rtnet::Value Expected = rtnet::Value::MakeObject({
				{"room", "lobby"},
				{"state", rtnet::Value::MakeObject({
					{"players", rtnet::Value::MakeObject({
						{"p1", rtnet::Value::MakeObject({
							{"x", 1},
							{"tags", rtnet::Value::Array{"a", nullptr, true,
								rtnet::Value::MakeObject({{"k", rtnet::Value::Array{}}})}},
						})},
					})},
					{"empty", rtnet::Value::MakeObject()},
				})},
				{"list", rtnet::Value::Array{rtnet::Value::Array{1, 2}, rtnet::Value::Array{},
					rtnet::Value::Array{rtnet::Value::MakeObject()}}},
				{"flag", false},
				{"nothing", nullptr},
			});
			TestValue(TEXT("nested"), Parsed, Expected);
			TestTreeRoundTrip(TEXT("nested through FJsonValue"), Expected);

			// A null member survives (a merge patch's null means "delete", so it must not vanish).
			const rtnet::Value* Nothing = Parsed.Find("nothing");
			TestTrue(TEXT("a null member is kept"), Nothing != nullptr && Nothing->IsNull());
		});

		It(TEXT("writes condensed JSON with members in byte order"), [this]()
		{
			rtnet::Value Parsed;
			if (TestTrue(TEXT("parses"), FRealtimeNetJson::Parse(TEXT("{ \"b\" : [ 1 , 2 ] ,\n \"a\" : { \"d\" : true , \"c\" : null } }"), Parsed)))
			{
				TestSameText(*this, TEXT("written"), FRealtimeNetJson::Write(Parsed), FString(TEXT("{\"a\":{\"c\":null,\"d\":true},\"b\":[1,2]}")));
			}
		});

		It(TEXT("converts an object to an FJsonObject game code can read, and refuses a non-object"), [this]()
		{
			const rtnet::Value Params = rtnet::Value::MakeObject({{"room", "lobby"}, {"offset", 7}, {"data", rtnet::Value::MakeObject({{"hp", 90}})}});
			const TSharedPtr<FJsonObject> Object = FRealtimeNetJson::ToJsonObject(Params);
			if (TestTrue(TEXT("an object converts"), Object.IsValid()))
			{
				TestSameText(*this, TEXT("room"), Object->GetStringField(TEXT("room")), FString(TEXT("lobby")));
				TestEqual(TEXT("offset"), static_cast<int32>(Object->GetNumberField(TEXT("offset"))), 7);
				TestTrue(TEXT("data is an object"), Object->HasField(TEXT("data")));
			}
			TestFalse(TEXT("a number is not an object"), FRealtimeNetJson::ToJsonObject(rtnet::Value(5)).IsValid());
			TestFalse(TEXT("an array is not an object"), FRealtimeNetJson::ToJsonObject(rtnet::Value(rtnet::Value::Array{1})).IsValid());
			TestFalse(TEXT("null is not an object"), FRealtimeNetJson::ToJsonObject(rtnet::Value()).IsValid());
		});

		It(TEXT("reads an FJsonObject built by game code"), [this]()
		{
			const TSharedRef<FJsonObject> Patch = MakeShared<FJsonObject>();
			Patch->SetStringField(TEXT("name"), TEXT("blue team"));
			Patch->SetNumberField(TEXT("score"), 12);
			Patch->SetBoolField(TEXT("ready"), true);
			Patch->SetField(TEXT("removed"), MakeShared<FJsonValueNull>());
			const TSharedRef<FJsonObject> Inner = MakeShared<FJsonObject>();
			TArray<TSharedPtr<FJsonValue>> Items;
			Items.Add(MakeShared<FJsonValueNumber>(1.5));
			Items.Add(MakeShared<FJsonValueString>(TEXT("x")));
			Inner->SetArrayField(TEXT("items"), Items);
			Patch->SetObjectField(TEXT("inner"), Inner);

			TestValue(TEXT("patch"), FRealtimeNetJson::ToValue(Patch), rtnet::Value::MakeObject({
				{"name", "blue team"},
				{"score", 12},
				{"ready", true},
				{"removed", nullptr},
				{"inner", rtnet::Value::MakeObject({{"items", rtnet::Value::Array{1.5, "x"}}})},
			}));
		});
	});

	Describe(TEXT("text"), [this]()
	{
		// UTF-8 bytes spelled out, so the test does not depend on the source file's encoding.
		static const std::string Unicode = std::string("h") + "\xC3\xA9" + "llo " + "\xE2\x9C\x93" + " " + "\xF0\x9F\x98\x80" + " " + "\xE6\x97\xA5\xE6\x9C\xAC";

		It(TEXT("decodes escaped unicode, surrogate pairs included, to UTF-8"), [this]()
		{
			rtnet::Value Parsed;
			if (TestTrue(TEXT("parses"), FRealtimeNetJson::Parse(
					TEXT("{\"s\":\"h\\u00e9llo \\u2713 \\ud83d\\ude00 \\u65e5\\u672c\"}"), Parsed)))
			{
				TestValue(TEXT("s"), Parsed, rtnet::Value::MakeObject({{"s", Unicode}}));
			}
		});

		It(TEXT("round-trips unicode, quotes, backslashes and control characters"), [this]()
		{
			const rtnet::Value Original = rtnet::Value::MakeObject({
				{"s", Unicode},
				{"q", "say \"hi\" \\ back"},
				{"c", "tab\tnew\nline"},
				{Unicode, "unicode member name"},
			});
			rtnet::Value Parsed;
			if (TestTextRoundTrip(TEXT("unicode"), FRealtimeNetJson::Write(Original), Parsed))
			{
				TestValue(TEXT("unicode"), Parsed, Original);
			}
			TestTreeRoundTrip(TEXT("unicode through FJsonValue"), Original);
		});

		It(TEXT("refuses malformed text"), [this]()
		{
			const TCHAR* Malformed[] = {
				TEXT(""),
				TEXT("not json"),
				TEXT("{\"a\":"),
				TEXT("{\"jsonrpc\":\"2.0\",\"method\":\"room.event\",\"params\":{\"room\":"),  // the gateway's fault-mode garbage frame
				TEXT("{\"a\" 1}"),
				TEXT("[1,2"),
				TEXT("{'a':1}"),
			};
			for (const TCHAR* Text : Malformed)
			{
				rtnet::Value Parsed;
				TestFalse(*FString::Printf(TEXT("refuses <%s>"), Text), FRealtimeNetJson::Parse(Text, Parsed));
			}
		});
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
