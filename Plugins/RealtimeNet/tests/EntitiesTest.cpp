// protocol/vectors/entities.json (decode cases and error cases, unchanged) plus base64, with
// expectations taken from the Python implementation (Tools/realtimenet/state/).
#include <string>

#include "TestSupport.h"
#include "rtnet/Entities.h"

namespace rtnet {
namespace {

using test::J;

EntitySchema SchemaOf(const Value& item) {
  EntitySchema schema;
  EXPECT_TRUE(schema.Load(*item.Find("schema"))) << test::Text(item, "name");
  return schema;
}

TEST(Entities, SharedDecodeVectors) {
  Value vectors = test::LoadVectors("entities.json");
  const Value* cases = vectors.Find("cases");
  ASSERT_TRUE(cases != nullptr && cases->IsArray());
  ASSERT_FALSE(cases->AsArray()->empty());
  for (const Value& item : *cases->AsArray()) {
    const Value* rest = item.Find("rest");
    EntityResult result = ApplyEntities(*item.Find("document"), SchemaOf(item), *item.Find("entities"),
                                        rest != nullptr ? *rest : Value());
    ASSERT_TRUE(result.ok()) << test::Text(item, "name") << ": " << ToString(result.error);
    EXPECT_EQ(result.document, *item.Find("expected")) << test::Text(item, "name");
  }
}

TEST(Entities, SharedErrorVectors) {
  Value vectors = test::LoadVectors("entities.json");
  const Value* errors = vectors.Find("errors");
  ASSERT_TRUE(errors != nullptr && errors->IsArray());
  ASSERT_FALSE(errors->AsArray()->empty());
  for (const Value& item : *errors->AsArray()) {
    EntityResult result = ApplyEntities(*item.Find("document"), SchemaOf(item), *item.Find("entities"));
    EXPECT_FALSE(result.ok()) << test::Text(item, "name");
    EXPECT_TRUE(result.document.IsNull());
  }
}

// The error vectors name their reason; each maps to one EntityError.
TEST(Entities, ErrorVectorsGiveTheirReason) {
  const std::pair<const char*, EntityError> expected[] = {
      {"member count differs (document not at from)", EntityError::kMemberCountDiffers},
      {"truncated varint", EntityError::kTruncatedVarint},
      {"truncated bit field", EntityError::kTruncatedBitField},
      {"trailing bytes", EntityError::kTrailingBytes},
      {"not base64", EntityError::kNotBase64},
      {"undeclared collection", EntityError::kUndeclaredCollection},
      {"varint longer than 64 bits", EntityError::kVarintTooLong},
  };
  Value vectors = test::LoadVectors("entities.json");
  for (const Value& item : *vectors.Find("errors")->AsArray()) {
    std::string name = test::Text(item, "name");
    auto it = std::find_if(std::begin(expected), std::end(expected), [&](const auto& e) { return name == e.first; });
    if (it == std::end(expected)) continue;  // a new vector: SharedErrorVectors still requires a refusal
    EXPECT_EQ(ApplyEntities(*item.Find("document"), SchemaOf(item), *item.Find("entities")).error, it->second) << name;
  }
}

// The worked example of docs/event-protocol.md.
TEST(Entities, DocsExample) {
  EntitySchema schema;
  ASSERT_TRUE(schema.Load(J(R"({"e":{"x":0.01,"rot":1}})")));
  Value document = J(R"({"e":{"a":{"x":1.5,"rot":90},"b":{"x":0.0,"rot":0}}})");
  EntityResult result = ApplyEntities(document, schema, J(R"({"e":"AgMGFgE="})"), J(R"({"e":{"c":{"x":2.0,"rot":5}}})"));
  ASSERT_TRUE(result.ok()) << ToString(result.error);
  EXPECT_EQ(result.document, J(R"({"e":{"a":{"x":1.61,"rot":90},"b":{"x":0.0,"rot":-1},"c":{"x":2.0,"rot":5}}})"));
  EXPECT_EQ(document, J(R"({"e":{"a":{"x":1.5,"rot":90},"b":{"x":0.0,"rot":0}}})"));  // untouched
}

TEST(Entities, RefusesChangesToMembersThatAreNotNumbersOrEntities) {
  EntitySchema schema;
  ASSERT_TRUE(schema.Declare("e", {{"x", 1}}));
  // N=1, member 0 changed, field x changed, delta +1 (zigzag 2): "AQEBAg==".
  EXPECT_EQ(ApplyEntities(J(R"({"e":{"a":{"x":"s"}}})"), schema, J(R"({"e":"AQEBAg=="})")).error,
            EntityError::kNoNumberToMove);
  EXPECT_EQ(ApplyEntities(J(R"({"e":{"a":{"x":true}}})"), schema, J(R"({"e":"AQEBAg=="})")).error,
            EntityError::kNoNumberToMove);
  EXPECT_EQ(ApplyEntities(J(R"({"e":{"a":7}})"), schema, J(R"({"e":"AQEBAg=="})")).error, EntityError::kNotAnEntity);
  EXPECT_EQ(ApplyEntities(J(R"({"e":{"a":{"x":1}}})"), schema, J(R"({"e":5})")).error, EntityError::kBadMessage);
  EntityResult moved = ApplyEntities(J(R"({"e":{"a":{"x":1}}})"), schema, J(R"({"e":"AQEBAg=="})"));
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(moved.document.Find("e")->Find("a")->Find("x")->IsInt());  // integer steps give integers
  EXPECT_EQ(*moved.document.Find("e")->Find("a")->Find("x"), Value(2));
}

TEST(Base64, AcceptsWhatPythonAccepts) {
  // Python 3.11: base64.b64decode(s, validate=True), accepted or refused.
  const std::pair<const char*, const char*> accepted[] = {
      {"", ""}, {"AAAA==", "\0\0\0"}, {"AAA=", "\0\0"}, {"AA==", "\0"}, {"AB==", "\0"}, {"AAAA=", "\0\0\0"}};
  const size_t sizes[] = {0, 3, 2, 1, 1, 3};
  std::string out;
  for (size_t i = 0; i < 6; ++i) {
    ASSERT_TRUE(DecodeBase64(accepted[i].first, out)) << accepted[i].first;
    EXPECT_EQ(out, std::string(accepted[i].second, sizes[i])) << accepted[i].first;
  }
  for (const char* refused : {"AAA", "AA=", "AAAAA", "A===", "AB=A", "QQ==QQ==", "AAA==", "=", "==", "!!!", "AA\nA"}) {
    EXPECT_FALSE(DecodeBase64(refused, out)) << refused;
  }
  ASSERT_TRUE(DecodeBase64("aGVsbG8gd29ybGQ=", out));
  EXPECT_EQ(out, "hello world");
}

}  // namespace
}  // namespace rtnet
