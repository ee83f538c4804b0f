// rtnet/Collection.h: which entries of a collection were added, changed or removed between two documents.
#include <string>
#include <vector>

#include "TestSupport.h"
#include "rtnet/Collection.h"

namespace rtnet {
namespace {

using test::J;

std::vector<std::string> Lines(const std::vector<CollectionChange>& changes) {
  std::vector<std::string> lines;
  for (const CollectionChange& change : changes) {
    lines.push_back(std::string(ToString(change.kind)) + " " + change.key + " " + Describe(change.value));
  }
  return lines;
}

const Path kPlayers = *Path::Parse("players");

TEST(CollectionTest, EntriesAddedChangedAndRemovedInKeyOrder) {
  const Value before = J(R"({"players":{"a":{"x":1},"b":{"x":2},"c":{"x":3}},"round":1})");
  const Value after = J(R"({"players":{"b":{"x":2},"c":{"x":4},"d":{"x":5}},"round":2})");
  EXPECT_EQ(Lines(DiffCollection(&before, &after, kPlayers)),
            (std::vector<std::string>{"removed a {\"x\":1}", "changed c {\"x\":4}", "added d {\"x\":5}"}));
}

TEST(CollectionTest, UnchangedEntriesAndOtherPartsOfTheDocumentAreNotReported) {
  const Value before = J(R"({"players":{"a":{"x":1,"y":2}},"round":1})");
  const Value after = J(R"({"players":{"a":{"y":2,"x":1.0}},"round":2})");  // equal values (1 == 1.0)
  EXPECT_TRUE(DiffCollection(&before, &after, kPlayers).empty());
}

TEST(CollectionTest, NoDocumentOrNoCollectionCountsAsEmpty) {
  const Value doc = J(R"({"players":{"a":1,"b":2}})");
  EXPECT_EQ(Lines(DiffCollection(nullptr, &doc, kPlayers)), (std::vector<std::string>{"added a 1", "added b 2"}));
  EXPECT_EQ(Lines(DiffCollection(&doc, nullptr, kPlayers)), (std::vector<std::string>{"removed a 1", "removed b 2"}));
  const Value without = J(R"({"round":1})");
  EXPECT_EQ(DiffCollection(&without, &doc, kPlayers).size(), 2u);
  const Value scalar = J(R"({"players":7})");
  EXPECT_EQ(Lines(DiffCollection(&doc, &scalar, kPlayers)), (std::vector<std::string>{"removed a 1", "removed b 2"}));
  EXPECT_TRUE(DiffCollection(nullptr, nullptr, kPlayers).empty());
}

TEST(CollectionTest, ArraysAreKeyedByIndexInNumericOrder) {
  Value::Array eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back(i);
  const Value before = Value::MakeObject({{"players", Value(eleven)}});
  eleven[10] = 99;
  eleven.push_back(11);
  const Value after = Value::MakeObject({{"players", Value(eleven)}});
  EXPECT_EQ(Lines(DiffCollection(&before, &after, kPlayers)),
            (std::vector<std::string>{"changed 10 99", "added 11 11"}));  // 10 before 11, not "10" < "2"
}

TEST(CollectionTest, AnObjectThatBecomesAnArrayIsReplacedWhole) {
  const Value before = J(R"({"players":{"0":"a"}})");
  const Value after = J(R"({"players":["a"]})");
  EXPECT_EQ(Lines(DiffCollection(&before, &after, kPlayers)),
            (std::vector<std::string>{"removed 0 \"a\"", "added 0 \"a\""}));
}

TEST(CollectionTest, NestedCollectionsAndTheWholeDocument) {
  const Value before = J(R"({"teams":{"red":{"members":{"ann":1}}}})");
  const Value after = J(R"({"teams":{"red":{"members":{"ann":1,"bob":2}}}})");
  EXPECT_EQ(Lines(DiffCollection(&before, &after, *Path::Parse("teams/red/members"))),
            (std::vector<std::string>{"added bob 2"}));
  EXPECT_EQ(Lines(DiffCollection(&before, &after, Path())),
            (std::vector<std::string>{"changed teams {\"red\":{\"members\":{\"ann\":1,\"bob\":2}}}"}));
}

}  // namespace
}  // namespace rtnet
