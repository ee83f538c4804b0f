// JSON-RPC 2.0 envelopes: what a message is, what a frame holds, an error's parts, building requests.
#include "TestSupport.h"
#include "rtnet/Codes.h"
#include "rtnet/JsonRpc.h"

namespace rtnet {
namespace {

using test::J;

TEST(JsonRpc, ClassifiesMessages) {
  EXPECT_EQ(Classify(J(R"({"jsonrpc":"2.0","id":1,"method":"sys.ping","params":{}})")), MessageKind::kRequest);
  EXPECT_EQ(Classify(J(R"({"jsonrpc":"2.0","id":"a","method":"sys.ping"})")), MessageKind::kRequest);
  EXPECT_EQ(Classify(J(R"({"jsonrpc":"2.0","method":"room.event","params":{"room":"r"}})")),
            MessageKind::kNotification);
  EXPECT_EQ(Classify(J(R"({"jsonrpc":"2.0","id":1,"result":null})")), MessageKind::kResult);
  EXPECT_EQ(Classify(J(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})")),
            MessageKind::kError);
}

TEST(JsonRpc, RefusesWhatTheSpecificationRefuses) {
  const char* invalid[] = {
      R"([])",
      R"("text")",
      R"({"id":1,"result":1})",                                       // no jsonrpc
      R"({"jsonrpc":"1.0","id":1,"result":1})",                       // wrong version
      R"({"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}})",  // both
      R"({"jsonrpc":"2.0","id":1})",                                  // neither
      R"({"jsonrpc":"2.0","result":1})",                              // no id
      R"({"jsonrpc":"2.0","id":{},"result":1})",                      // id not a scalar
      R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})",
      R"({"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}})",
      R"({"jsonrpc":"2.0","id":1,"error":{"code":1}})",
      R"({"jsonrpc":"2.0","method":5})",
      R"({"jsonrpc":"2.0","method":"m","params":3})",                 // params by-position or by-name only
      R"({"jsonrpc":"2.0","id":[1],"method":"m"})",
  };
  for (const char* text : invalid) EXPECT_EQ(Classify(J(text)), MessageKind::kInvalid) << text;
}

TEST(JsonRpc, FrameItems) {
  Value batch = J(R"([{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","method":"n"},7])");
  std::vector<const Value*> items = FrameItems(batch);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(Classify(*items[0]), MessageKind::kResult);
  EXPECT_EQ(Classify(*items[1]), MessageKind::kNotification);
  EXPECT_EQ(Classify(*items[2]), MessageKind::kInvalid);
  EXPECT_EQ(FrameItems(J(R"({"jsonrpc":"2.0","method":"n"})")).size(), 1u);
  EXPECT_TRUE(FrameItems(J("[]")).empty());
  EXPECT_TRUE(FrameItems(J("3")).empty());
}

TEST(JsonRpc, BuildsRequestsAndNotifications) {
  EXPECT_EQ(MakeRequest(7, "sys.echo", J(R"({"data":1})")),
            J(R"({"jsonrpc":"2.0","id":7,"method":"sys.echo","params":{"data":1}})"));
  EXPECT_EQ(MakeNotification("a.b", Value()), J(R"({"jsonrpc":"2.0","method":"a.b"})"));
  EXPECT_EQ(Classify(MakeRequest(1, "m", Value())), MessageKind::kRequest);
}

TEST(JsonRpc, ErrorOfReadsCodeMessageAndData) {
  std::optional<RpcError> error =
      ErrorOf(J(R"({"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"Rate limited","data":{"retry_after":1.5}}})"));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, static_cast<int>(ErrorCode::kRateLimited));
  EXPECT_EQ(error->message, "Rate limited");
  EXPECT_EQ(error->data, J(R"({"retry_after":1.5})"));
  EXPECT_FALSE(ErrorOf(J(R"({"jsonrpc":"2.0","id":3,"result":1})")).has_value());
}

}  // namespace
}  // namespace rtnet
