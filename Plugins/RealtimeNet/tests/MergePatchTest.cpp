// protocol/vectors/merge_patch.json, every case, unchanged: the same file pytest runs.
#include "TestSupport.h"
#include "rtnet/MergePatch.h"

namespace rtnet {
namespace {

using test::J;

TEST(MergePatch, SharedApplyVectors) {
  Value vectors = test::LoadVectors("merge_patch.json");
  const Value* cases = vectors.Find("apply");
  ASSERT_TRUE(cases != nullptr && cases->IsArray());
  ASSERT_FALSE(cases->AsArray()->empty());
  for (const Value& item : *cases->AsArray()) {
    EXPECT_EQ(MergePatch(*item.Find("target"), *item.Find("patch")), *item.Find("result"))
        << test::Text(item, "comment");
  }
}

TEST(MergePatch, SharedComposeVectors) {
  Value vectors = test::LoadVectors("merge_patch.json");
  const Value* cases = vectors.Find("compose");
  ASSERT_TRUE(cases != nullptr && cases->IsArray());
  ASSERT_FALSE(cases->AsArray()->empty());
  // Documents to check the defining property on, beside the vectors' expected patch.
  const Value documents[] = {Value(), J("{}"), J(R"({"a":{"x":0,"z":9},"b":7,"c":[1]})"), J("[1]"), Value(3)};
  for (const Value& item : *cases->AsArray()) {
    const std::string name = test::Text(item, "comment");
    const Value& a = *item.Find("a");
    const Value& b = *item.Find("b");
    std::optional<Value> composed = Compose(a, b);
    ASSERT_EQ(composed.has_value(), *item.Find("composable")->AsBool()) << name;
    if (!composed) continue;
    EXPECT_EQ(*composed, *item.Find("composed")) << name;
    for (const Value& document : documents) {
      EXPECT_EQ(MergePatch(document, *composed), MergePatch(MergePatch(document, a), b)) << name;
    }
  }
}

TEST(MergePatch, InputsAreUntouched) {
  Value target = J(R"({"a":{"b":1}})");
  Value patch = J(R"({"a":{"b":null,"c":2}})");
  Value result = MergePatch(target, patch);
  EXPECT_EQ(result, J(R"({"a":{"c":2}})"));
  EXPECT_EQ(target, J(R"({"a":{"b":1}})"));
  EXPECT_EQ(patch, J(R"({"a":{"b":null,"c":2}})"));
}

TEST(MergePatch, NullSecondComposesToNull) {
  std::optional<Value> composed = Compose(J(R"({"a":1})"), Value());
  ASSERT_TRUE(composed.has_value());
  EXPECT_TRUE(composed->IsNull());
}

}  // namespace
}  // namespace rtnet
