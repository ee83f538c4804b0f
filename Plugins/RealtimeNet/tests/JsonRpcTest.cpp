#include "TestSupport.h"
#include "rtnet/Codes.h"
#include "rtnet/JsonRpc.h"

namespace rtnet {
namespace {

using test::J;
using Status = CallOutcome::Status;

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

TEST(CallTracker, ResolvesResultsAndErrorsByIdOnce) {
  CallTracker calls;
  std::int64_t ping = calls.Start("sys.ping", 0.0, 5.0);
  std::int64_t echo = calls.Start("sys.echo", 0.0, 5.0);
  EXPECT_EQ(ping, 1);
  EXPECT_EQ(echo, 2);
  std::optional<CallOutcome> done = calls.Resolve(J(R"({"jsonrpc":"2.0","id":2,"result":{"data":1}})"));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->id, 2);
  EXPECT_EQ(done->method, "sys.echo");
  EXPECT_EQ(done->status, Status::kResult);
  EXPECT_EQ(done->result, J(R"({"data":1})"));
  EXPECT_FALSE(calls.Resolve(J(R"({"jsonrpc":"2.0","id":2,"result":1})")).has_value());  // answered already
  EXPECT_FALSE(calls.Resolve(J(R"({"jsonrpc":"2.0","id":"1","result":1})")).has_value());  // not our id type
  EXPECT_FALSE(calls.Resolve(J(R"({"jsonrpc":"2.0","method":"x","id":1})")).has_value());  // a request
  done = calls.Resolve(J(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}})"));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, Status::kError);
  EXPECT_EQ(done->error.code, -32601);
  EXPECT_EQ(calls.pending(), 0u);
}

TEST(CallTracker, TimesOutByDeadlineInIdOrder) {
  CallTracker calls;
  calls.Start("a", 10.0, 2.0);   // deadline 12
  calls.Start("b", 10.5, 1.0);   // deadline 11.5
  calls.Start("c", 10.0, 0.0);   // no timeout
  EXPECT_EQ(calls.NextDeadline(), 11.5);
  EXPECT_TRUE(calls.Expire(11.4).empty());
  std::vector<CallOutcome> expired = calls.Expire(12.0);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].method, "a");
  EXPECT_EQ(expired[1].method, "b");
  EXPECT_EQ(expired[0].status, Status::kTimeout);
  EXPECT_TRUE(calls.Expire(1e9).empty());
  EXPECT_EQ(calls.pending(), 1u);
  EXPECT_FALSE(calls.NextDeadline().has_value());
  // A late answer to a timed-out call matches nothing.
  EXPECT_FALSE(calls.Resolve(J(R"({"jsonrpc":"2.0","id":1,"result":1})")).has_value());
}

TEST(CallTracker, CancelAllCarriesTheReasonAndIdsAreNeverReused) {
  CallTracker calls;
  calls.Start("a", 0, 1);
  calls.Start("b", 0, 1);
  std::vector<CallOutcome> cancelled = calls.CancelAll("closed 1012: service restart");
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[1].status, Status::kCancelled);
  EXPECT_EQ(cancelled[1].reason, "closed 1012: service restart");
  EXPECT_EQ(calls.pending(), 0u);
  EXPECT_EQ(calls.Start("c", 0, 1), 3);
}

}  // namespace
}  // namespace rtnet
