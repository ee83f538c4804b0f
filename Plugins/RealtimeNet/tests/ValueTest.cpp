// rtnet::Value: exact integers beside doubles compared numerically, objects kept in UTF-8 byte order,
// typed access that never aborts.
#include <cstdint>
#include <limits>

#include "TestSupport.h"

namespace rtnet {
namespace {

using test::J;

TEST(Value, NumbersCompareNumerically) {
  EXPECT_EQ(Value(5), Value(5.0));
  EXPECT_NE(Value(5), Value(5.5));
  EXPECT_NE(Value(1), Value(true));
  // 2^63 as a double is not any int64, and 2^53 + 1 is not the double 2^53.
  EXPECT_NE(Value(std::numeric_limits<std::int64_t>::max()), Value(9223372036854775808.0));
  EXPECT_NE(Value(std::int64_t{9007199254740993}), Value(9007199254740992.0));
  EXPECT_EQ(Value(std::int64_t{9007199254740992}), Value(9007199254740992.0));
}

TEST(Value, ObjectMemberOrderDoesNotMatter) {
  EXPECT_EQ(J(R"({"a":1,"b":{"x":[1,2],"y":null}})"), J(R"({"b":{"y":null,"x":[1,2.0]},"a":1.0})"));
  EXPECT_NE(J(R"({"a":1})"), J(R"({"a":1,"b":2})"));
  EXPECT_NE(J(R"([1,2])"), J(R"([2,1])"));
}

TEST(Value, MembersAreKeptInUtf8ByteOrder) {
  // "é" (C3 A9) sorts after "z", and "Z" before "a": code point order, not locale order.
  Value object = J(R"({"é":1,"z":2,"a":3,"Z":4})");
  std::string names;
  for (const Member& member : *object.AsObject()) names += member.name + ",";
  EXPECT_EQ(names, "Z,a,z,é,");
}

TEST(Value, SetFindErase) {
  Value object;
  EXPECT_EQ(object.Find("a"), nullptr);
  object.Set("b", 2);
  object.Set("a", "x");
  object.Set("b", 3);
  ASSERT_NE(object.Find("b"), nullptr);
  EXPECT_EQ(*object.Find("b"), Value(3));
  EXPECT_TRUE(object.Erase("a"));
  EXPECT_FALSE(object.Erase("a"));
  EXPECT_EQ(object, J(R"({"b":3})"));
}

TEST(Value, TypedAccessNeverAborts) {
  Value text("hi");
  EXPECT_EQ(text.AsInt(), nullptr);
  EXPECT_FALSE(text.AsNumber().has_value());
  EXPECT_EQ(text.AsObject(), nullptr);
  EXPECT_EQ(*Value(3).AsNumber(), 3.0);
}

}  // namespace
}  // namespace rtnet
