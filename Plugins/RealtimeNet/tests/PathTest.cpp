// rtnet/Path.h: how a path is written, what it finds in a document, and the merge patch that writes there.
#include <optional>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "rtnet/MergePatch.h"
#include "rtnet/Path.h"

namespace rtnet {
namespace {

using test::J;

Path P(const std::string& text) {
  std::optional<Path> path = Path::Parse(text);
  EXPECT_TRUE(path.has_value()) << text;
  return path.value_or(Path());
}

TEST(PathTest, NamesAreSeparatedBySlashesWithTheJsonPointerEscapes) {
  EXPECT_EQ(P("players/p1/hp").segments(), (std::vector<std::string>{"players", "p1", "hp"}));
  EXPECT_EQ(P("/players/p1/hp"), P("players/p1/hp"));  // a leading '/' is allowed
  EXPECT_TRUE(P("").empty());
  EXPECT_TRUE(P("/").empty());
  EXPECT_EQ(P("a~1b/c~0d").segments(), (std::vector<std::string>{"a/b", "c~d"}));
  EXPECT_EQ(P("a//b").segments(), (std::vector<std::string>{"a", "", "b"}));  // an empty name is a name
  EXPECT_FALSE(Path::Parse("a~2").has_value());
  EXPECT_FALSE(Path::Parse("a~").has_value());
  EXPECT_EQ(P("a~1b/c~0d").ToString(), "a~1b/c~0d");  // ToString escapes so Parse gives it back
  EXPECT_EQ(P("players").Child("p/1").ToString(), "players/p~11");
}

TEST(PathTest, FindsMembersAndArrayElements) {
  const Value doc = J(R"({"players":{"p1":{"hp":75,"name":"Ann","alive":true,"pos":{"x":1,"y":2.5}}},
                          "items":["sword",{"id":7}],"n":null})");
  EXPECT_EQ(FindAt(doc, Path()), &doc);
  EXPECT_EQ(*FindAt(doc, P("players/p1/hp")), Value(75));
  EXPECT_EQ(*FindAt(doc, P("items/1/id")), Value(7));
  EXPECT_EQ(FindAt(doc, P("items/2")), nullptr);
  EXPECT_EQ(FindAt(doc, P("items/01")), nullptr);  // no leading zeros
  EXPECT_EQ(FindAt(doc, P("items/-1")), nullptr);
  EXPECT_EQ(FindAt(doc, P("players/p2/hp")), nullptr);
  EXPECT_EQ(FindAt(doc, P("players/p1/hp/more")), nullptr);  // no step into a number
  EXPECT_TRUE(FindAt(doc, P("n"))->IsNull());

  EXPECT_EQ(NumberAt(doc, P("players/p1/hp")), 75.0);
  EXPECT_EQ(NumberAt(doc, P("players/p1/pos/y")), 2.5);
  EXPECT_EQ(NumberAt(doc, P("players/p1/name")), std::nullopt);
  EXPECT_EQ(IntAt(doc, P("players/p1/hp")), 75);
  EXPECT_EQ(IntAt(doc, P("players/p1/pos/y")), std::nullopt);  // a double is not truncated
  ASSERT_NE(StringAt(doc, P("players/p1/name")), nullptr);
  EXPECT_EQ(*StringAt(doc, P("players/p1/name")), "Ann");
  EXPECT_EQ(StringAt(doc, P("players/p1/hp")), nullptr);
  EXPECT_EQ(BoolAt(doc, P("players/p1/alive")), true);
  EXPECT_EQ(BoolAt(doc, P("players/p1/hp")), std::nullopt);
}

TEST(PathTest, IntegersStayExact) {
  const Value doc = J(R"({"big":9007199254740993})");
  EXPECT_EQ(IntAt(doc, P("big")), 9007199254740993LL);
}

TEST(PathTest, VectorsAreObjectsWithXYAndOptionalZOrArraysOfTwoOrThree) {
  const Value doc = J(R"({"a":{"x":1,"y":2,"z":3},"b":{"x":1,"y":2},"c":[4,5,6],"d":[4,5],
                          "e":{"x":1},"f":[1],"g":[1,2,"3"],"h":{"x":1,"y":2,"z":"up"}})");
  auto vec = [&doc](const char* path) { return VectorAt(doc, P(path)); };
  ASSERT_TRUE(vec("a"));
  EXPECT_EQ(vec("a")->z, 3);
  ASSERT_TRUE(vec("b"));
  EXPECT_EQ(vec("b")->z, 0);
  ASSERT_TRUE(vec("c"));
  EXPECT_EQ(vec("c")->x, 4);
  EXPECT_EQ(vec("c")->z, 6);
  ASSERT_TRUE(vec("d"));
  EXPECT_EQ(vec("d")->y, 5);
  for (const char* bad : {"e", "f", "g", "h", "missing"}) EXPECT_FALSE(vec(bad)) << bad;
}

TEST(PathTest, KeysAreMemberNamesInByteOrderOrArrayIndices) {
  const Value doc = J(R"({"players":{"p2":{},"p1":{},"Z":{}},"items":[1,2,3],"n":5})");
  EXPECT_EQ(KeysAt(doc, P("players")), (std::vector<std::string>{"Z", "p1", "p2"}));
  EXPECT_EQ(KeysAt(doc, P("items")), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(KeysAt(doc, P("n")).empty());
  EXPECT_TRUE(KeysAt(doc, P("missing")).empty());
  EXPECT_EQ(KeysAt(doc, Path()), (std::vector<std::string>{"items", "n", "players"}));
}

TEST(PathTest, PatchAtWritesOnlyThatPlace) {
  Value doc = J(R"({"players":{"p1":{"hp":75,"name":"Ann"},"p2":{"hp":10}}})");
  EXPECT_EQ(PatchAt(P("players/p1/hp"), 50), J(R"({"players":{"p1":{"hp":50}}})"));
  doc = MergePatch(doc, PatchAt(P("players/p1/hp"), 50));
  EXPECT_EQ(doc, J(R"({"players":{"p1":{"hp":50,"name":"Ann"},"p2":{"hp":10}}})"));
  doc = MergePatch(doc, PatchAt(P("players/p2"), Value()));  // null removes
  EXPECT_EQ(doc, J(R"({"players":{"p1":{"hp":50,"name":"Ann"}}})"));
  EXPECT_EQ(PatchAt(Path(), J(R"({"a":1})")), J(R"({"a":1})"));
}

TEST(PathTest, SetAtBuildsObjectsOnTheWayAndReplacesArrayElementsInPlace) {
  Value doc = Value::MakeObject();
  SetAt(doc, P("players/p1/hp"), 50);
  SetAt(doc, P("players/p1/name"), "Ann");
  SetAt(doc, P("round"), 2);
  EXPECT_EQ(doc, J(R"({"players":{"p1":{"hp":50,"name":"Ann"}},"round":2})"));
  SetAt(doc, P("round/number"), 3);  // a number on the way becomes an object
  EXPECT_EQ(*FindAt(doc, P("round")), J(R"({"number":3})"));
  Value list = J(R"({"items":[1,{"a":1},3]})");
  SetAt(list, P("items/1/a"), 2);
  SetAt(list, P("items/2"), "three");
  EXPECT_EQ(list, J(R"({"items":[1,{"a":2},"three"]})"));
  SetAt(list, P("items/7"), true);  // out of range: the array becomes an object with member "7"
  EXPECT_EQ(*FindAt(list, P("items/7")), Value(true));
  SetAt(list, Path(), 5);
  EXPECT_EQ(list, Value(5));
}

}  // namespace
}  // namespace rtnet
