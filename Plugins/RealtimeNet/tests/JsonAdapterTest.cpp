// The standalone JSON adapter (nlohmann-json <-> rtnet::Value) that rtnet-headless and the tests parse with.
#include "TestSupport.h"

namespace rtnet {
namespace {

using test::J;

TEST(JsonAdapter, RoundTripsAndKeepsIntegersExact) {
  Value value = J(R"({"big":9007199254740993,"f":0.1,"s":"a\"b","n":null,"l":[true,false]})");
  ASSERT_TRUE(value.Find("big")->IsInt());
  EXPECT_EQ(*value.Find("big")->AsInt(), 9007199254740993);
  EXPECT_EQ(standalone::ToJson(value), R"({"big":9007199254740993,"f":0.1,"l":[true,false],"n":null,"s":"a\"b"})");
  EXPECT_FALSE(standalone::ParseJson("{").has_value());
  EXPECT_FALSE(standalone::ParseJson("[1,]").has_value());
}

}  // namespace
}  // namespace rtnet
