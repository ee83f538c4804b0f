// The generated stream names (rtnet/Streams.h) against the description they come from: a wire stream's
// name is its kind's prefix followed by its key, as the gateway and the Python client build it.
#include <optional>
#include <string>

#include "TestSupport.h"
#include "rtnet/Streams.h"

namespace rtnet {
namespace {

TEST(Streams, NamesArePrefixPlusKeyAsDescribed) {
  std::optional<Value> description = standalone::ReadJsonFile(std::string(RTNET_REPO_ROOT) + "/protocol/openrpc.json");
  ASSERT_TRUE(description.has_value());
  const Value* streams = description->Find("x-streams");
  ASSERT_NE(streams, nullptr);
  int wire = 0;
  for (const Value& stream : *streams->AsArray()) {
    if (stream.Find("wire") == nullptr || !*stream.Find("wire")->AsBool()) continue;
    ++wire;
    const std::string kind = test::Text(stream, "kind");
    const std::string prefix = test::Text(stream, "prefix");
    if (kind == "room") {
      EXPECT_EQ(kRoomStreamPrefix, prefix);
      EXPECT_EQ(RoomStream("lobby"), prefix + "lobby");
    } else if (kind == "player") {
      EXPECT_EQ(kPlayerStreamPrefix, prefix);
      EXPECT_EQ(PlayerStream("alice"), prefix + "alice");
    } else {
      ADD_FAILURE() << "a wire stream kind this test does not know: " << kind;
    }
  }
  EXPECT_EQ(wire, 2);
  EXPECT_EQ(RoomStream("a:b"), "room:a:b");  // the key is taken as it is
}

}  // namespace
}  // namespace rtnet
