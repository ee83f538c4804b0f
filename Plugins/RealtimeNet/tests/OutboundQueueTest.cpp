// The outbound queue: lanes, coalescing, batching under a byte cap, overflow, the disconnect rule,
// metrics, and the JSON size bound against a real serialiser.
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "rtnet/JsonRpc.h"
#include "rtnet/OutboundQueue.h"

namespace rtnet {
namespace {

using test::J;

Value Call(std::int64_t id, const char* method = "room.publish") { return MakeRequest(id, method, J(R"({"a":1})")); }
Value Note(const char* method, Value params = J("{}")) { return MakeNotification(method, std::move(params)); }
Value StateUpdate(std::int64_t id, std::int64_t base, std::int64_t hp) {
  return MakeRequest(id, "state.update",
                     Value::MakeObject({{"room", "r"}, {"base_version", base},
                                        {"patch", Value::MakeObject({{"hp", hp}})}}));
}

SendOptions On(Lane lane, std::string key = "", bool resendable = false) {
  SendOptions options;
  options.lane = lane;
  options.coalesce_key = std::move(key);
  options.resendable = resendable;
  return options;
}

std::vector<std::int64_t> Ids(const Value& frame) {
  std::vector<std::int64_t> ids;
  for (const Value* item : FrameItems(frame)) {
    const Value* id = item->Find("id");
    ids.push_back(id != nullptr && id->IsInt() ? *id->AsInt() : -1);
  }
  return ids;
}

TEST(JsonSizeBound, ExactForEverythingButDoubles) {
  const char* texts[] = {
      "null", "true", "false", "0", "-1", "9223372036854775807", "-9223372036854775808", R"("")",
      R"("a\"b\\c\n\t\r\b\f")", R"("\u0001\u001f")", R"("héllo wörld")", "[]", "{}", R"([1,[2,[3,{}]],"x"])",
      R"({"jsonrpc":"2.0","id":7,"method":"state.update","params":{"room":"r","patch":{"k":[true,null]}}})",
  };
  for (const char* text : texts) {
    Value value = J(text);
    EXPECT_EQ(JsonSizeBound(value), standalone::ToJson(value).size()) << text;
  }
  for (double d : {0.5, -1.25e-300, 1.7976931348623157e308, -2.2250738585072014e-308, 0.1 + 0.2, 123456.789}) {
    EXPECT_GE(JsonSizeBound(Value(d)), standalone::ToJson(Value(d)).size()) << d;
    EXPECT_EQ(JsonSizeBound(Value(d)), 24u);
  }
  EXPECT_EQ(JsonSizeBound(Value(std::numeric_limits<std::int64_t>::min())), 20u);
}

TEST(OutboundQueue, DrainsLanesByPriorityFifoWithinEach) {
  OutboundQueue queue;
  ASSERT_TRUE(queue.Enqueue(Call(1), On(Lane::kLow)).ok());
  ASSERT_TRUE(queue.Enqueue(Call(2), On(Lane::kNormal)).ok());
  ASSERT_TRUE(queue.Enqueue(Call(3), On(Lane::kCritical)).ok());
  ASSERT_TRUE(queue.Enqueue(Call(4), On(Lane::kNormal)).ok());
  ASSERT_TRUE(queue.Enqueue(Call(5), On(Lane::kCritical)).ok());
  EXPECT_EQ(queue.depth(Lane::kCritical), 2u);
  EXPECT_EQ(queue.metrics().depth[1], 2u);
  Batch batch = queue.TakeBatch();
  ASSERT_TRUE(batch.frame.IsArray());
  EXPECT_EQ(Ids(batch.frame), (std::vector<std::int64_t>{3, 5, 2, 4, 1}));
  EXPECT_EQ(batch.tickets.size(), 5u);
  EXPECT_EQ(batch.bytes, standalone::ToJson(batch.frame).size());
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(queue.TakeBatch().empty());
  EXPECT_EQ(queue.metrics().sent_batches, 1u);
  EXPECT_EQ(queue.metrics().sent_messages, 5u);
  EXPECT_EQ(queue.metrics().sent_bytes, batch.bytes);
  EXPECT_EQ(queue.metrics().bytes, (std::array<std::size_t, kLaneCount>{0, 0, 0}));
}

TEST(OutboundQueue, OneMessageIsSentAsItselfNotAsABatch) {
  OutboundQueue queue;
  queue.Enqueue(Note("presence.set", J(R"({"status":"away"})")));
  Batch batch = queue.TakeBatch();
  EXPECT_TRUE(batch.frame.IsObject());
  EXPECT_EQ(batch.frame, Note("presence.set", J(R"({"status":"away"})")));
  EXPECT_EQ(batch.bytes, standalone::ToJson(batch.frame).size());
}

TEST(OutboundQueue, StateUpdatesCoalesceByKeyKeepingTheirPlace) {
  OutboundQueue queue;
  queue.Enqueue(StateUpdate(1, 5, 10), On(Lane::kNormal, "state:r"));
  queue.Enqueue(Call(2), On(Lane::kNormal));
  queue.Enqueue(StateUpdate(3, 5, 20), On(Lane::kNormal, "state:q"));
  EnqueueResult newer = queue.Enqueue(StateUpdate(4, 5, 30), On(Lane::kNormal, "state:r"));
  EXPECT_EQ(newer.status, EnqueueStatus::kCoalesced);
  EXPECT_EQ(queue.depth(Lane::kNormal), 3u);
  EXPECT_EQ(queue.metrics().coalesced, 1u);
  std::vector<Unsent> replaced = queue.TakeUnsent();
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_EQ(replaced[0].reason, Unsent::Reason::kCoalesced);
  EXPECT_EQ(replaced[0].id, 1);  // the caller fails call 1 as superseded
  Batch batch = queue.TakeBatch();
  EXPECT_EQ(Ids(batch.frame), (std::vector<std::int64_t>{4, 2, 3}));
  EXPECT_EQ(batch.tickets.front(), newer.ticket);
  // Same key in another lane is another queue.
  queue.Enqueue(Call(5), On(Lane::kLow, "k"));
  EXPECT_EQ(queue.Enqueue(Call(6), On(Lane::kNormal, "k")).status, EnqueueStatus::kQueued);
}

TEST(OutboundQueue, BatchesStayUnderTheByteCapAndTheMessageCap) {
  const std::size_t one = JsonSizeBound(Call(10));
  OutboundOptions options;
  options.max_batch_bytes = 2 + 3 * one + 2;  // three messages and their two commas, exactly
  OutboundQueue queue(options);
  for (std::int64_t id = 10; id < 17; ++id) ASSERT_TRUE(queue.Enqueue(Call(id)).ok());
  std::vector<std::int64_t> sent;
  int frames = 0;
  while (!queue.empty()) {
    Batch batch = queue.TakeBatch();
    ASSERT_FALSE(batch.empty());
    ++frames;
    EXPECT_LE(batch.bytes, options.max_batch_bytes);
    EXPECT_LE(standalone::ToJson(batch.frame).size(), options.max_batch_bytes);
    for (std::int64_t id : Ids(batch.frame)) sent.push_back(id);
  }
  EXPECT_EQ(frames, 3);  // 3 + 3 + 1
  EXPECT_EQ(sent, (std::vector<std::int64_t>{10, 11, 12, 13, 14, 15, 16}));

  OutboundOptions counted;
  counted.max_batch_messages = 2;
  OutboundQueue small(counted);
  for (std::int64_t id = 1; id <= 3; ++id) small.Enqueue(Call(id));
  EXPECT_EQ(Ids(small.TakeBatch().frame).size(), 2u);
  EXPECT_EQ(Ids(small.TakeBatch().frame).size(), 1u);
}

TEST(OutboundQueue, ALaneKeepsItsOrderButLowerLanesFillTheRest) {
  OutboundOptions options;
  Value big = MakeRequest(1, "sys.echo", Value::MakeObject({{"data", std::string(300, 'x')}}));
  options.max_batch_bytes = JsonSizeBound(big) + 20;  // less than big + call 2
  ASSERT_LT(options.max_batch_bytes, JsonSizeBound(big) + JsonSizeBound(Call(2)) + 3);
  ASSERT_GE(options.max_batch_bytes, 2 * JsonSizeBound(Call(2)) + 3);
  OutboundQueue queue(options);
  queue.Enqueue(Call(2), On(Lane::kNormal));
  queue.Enqueue(big, On(Lane::kNormal));
  queue.Enqueue(Call(3), On(Lane::kNormal));
  queue.Enqueue(Call(4), On(Lane::kLow));
  // The big one does not fit after call 2; call 3 must not overtake it; the low lane fills in.
  EXPECT_EQ(Ids(queue.TakeBatch().frame), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(Ids(queue.TakeBatch().frame), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(Ids(queue.TakeBatch().frame), (std::vector<std::int64_t>{3}));
}

TEST(OutboundQueue, RefusesWhatCouldNeverBeSentOrIsNotJsonRpc) {
  OutboundOptions options;
  options.max_batch_bytes = 64;
  OutboundQueue queue(options);
  Value big = MakeRequest(1, "sys.echo", Value::MakeObject({{"data", std::string(100, 'x')}}));
  EXPECT_EQ(queue.Enqueue(big).status, EnqueueStatus::kRejectedTooBig);
  EXPECT_EQ(queue.Enqueue(J(R"({"jsonrpc":"2.0","id":1,"result":{}})")).status, EnqueueStatus::kRejectedInvalid);
  EXPECT_EQ(queue.Enqueue(J("[]")).status, EnqueueStatus::kRejectedInvalid);
  EXPECT_EQ(queue.Enqueue(J(R"({"method":"x"})")).status, EnqueueStatus::kRejectedInvalid);
  EXPECT_EQ(queue.metrics().rejected, 4u);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.Enqueue(big).ticket, 0u);
}

TEST(OutboundQueue, OverflowPolicyPerLane) {
  OutboundOptions options;
  options.lanes[0] = {2, 1u << 20, OverflowPolicy::kReject};
  options.lanes[1] = {2, 1u << 20, OverflowPolicy::kReject};
  options.lanes[2] = {2, 1u << 20, OverflowPolicy::kDropOldest};
  OutboundQueue queue(options);
  // Critical fails loudly: refused at once, counted.
  queue.Enqueue(Call(1), On(Lane::kCritical));
  queue.Enqueue(Call(2), On(Lane::kCritical));
  EnqueueResult loud = queue.Enqueue(Call(3), On(Lane::kCritical));
  EXPECT_EQ(loud.status, EnqueueStatus::kRejectedFull);
  EXPECT_FALSE(loud.ok());
  EXPECT_EQ(queue.metrics().critical_rejected, 1u);
  // Normal refuses too, but it is not the loud kind.
  queue.Enqueue(Call(4));
  queue.Enqueue(Call(5));
  EXPECT_EQ(queue.Enqueue(Call(6)).status, EnqueueStatus::kRejectedFull);
  EXPECT_EQ(queue.metrics().critical_rejected, 1u);
  // A coalescing message never overflows: it replaces.
  queue.Enqueue(Call(7), On(Lane::kLow, "pos"));
  queue.Enqueue(Call(8), On(Lane::kLow));
  EXPECT_EQ(queue.Enqueue(Call(9), On(Lane::kLow, "pos")).status, EnqueueStatus::kCoalesced);
  // Low drops its oldest.
  EXPECT_EQ(queue.Enqueue(Call(10), On(Lane::kLow)).status, EnqueueStatus::kQueuedDroppedOldest);
  EXPECT_EQ(queue.metrics().dropped, 1u);
  std::vector<Unsent> unsent = queue.TakeUnsent();
  ASSERT_EQ(unsent.size(), 2u);
  EXPECT_EQ(unsent[0].reason, Unsent::Reason::kCoalesced);
  EXPECT_EQ(unsent[0].id, 7);
  EXPECT_EQ(unsent[1].reason, Unsent::Reason::kDroppedOldest);
  EXPECT_EQ(unsent[1].id, 9);  // the coalesced one kept the oldest place
  EXPECT_EQ(unsent[1].lane, Lane::kLow);
  EXPECT_EQ(Ids(queue.TakeBatch().frame), (std::vector<std::int64_t>{1, 2, 4, 5, 8, 10}));
}

TEST(OutboundQueue, LaneByteLimitDropsAsManyAsNeeded) {
  const std::size_t one = JsonSizeBound(Call(1));
  OutboundOptions options;
  options.lanes[2] = {100, 3 * one, OverflowPolicy::kDropOldest};
  OutboundQueue queue(options);
  for (std::int64_t id = 1; id <= 3; ++id) queue.Enqueue(Call(id), On(Lane::kLow));
  EXPECT_EQ(queue.metrics().bytes[2], 3 * one);
  Value bigger = MakeRequest(4, "room.publish", Value::MakeObject({{"data", std::string(one, 'x')}}));
  ASSERT_LE(JsonSizeBound(bigger), 3 * one);
  EXPECT_EQ(queue.Enqueue(bigger, On(Lane::kLow)).status, EnqueueStatus::kQueuedDroppedOldest);
  EXPECT_GE(queue.metrics().dropped, 2u);
  EXPECT_LE(queue.metrics().bytes[2], 3 * one);
  Value huge = MakeRequest(5, "room.publish", Value::MakeObject({{"data", std::string(4 * one, 'x')}}));
  EXPECT_EQ(queue.Enqueue(huge, On(Lane::kLow)).status, EnqueueStatus::kRejectedFull);  // can never fit the lane
}

TEST(OutboundQueue, DisconnectFailsCallsKeepsStateUpdatesAndResendables) {
  OutboundQueue queue;
  queue.Enqueue(Call(1), On(Lane::kCritical));
  queue.Enqueue(StateUpdate(2, 3, 10), On(Lane::kNormal, "state:r"));
  queue.Enqueue(Call(3), On(Lane::kNormal, "", true));
  queue.Enqueue(Note("presence.set"), On(Lane::kLow));
  queue.Enqueue(Call(4), On(Lane::kLow));
  queue.OnDisconnected();
  EXPECT_FALSE(queue.connected());
  std::vector<Unsent> failed = queue.TakeUnsent();
  ASSERT_EQ(failed.size(), 3u);
  for (const Unsent& unsent : failed) EXPECT_EQ(unsent.reason, Unsent::Reason::kDisconnected);
  EXPECT_EQ(failed[0].id, 1);
  EXPECT_EQ(failed[1].id, std::nullopt);  // the notification
  EXPECT_EQ(failed[2].id, 4);
  EXPECT_EQ(queue.metrics().failed_disconnected, 3u);
  EXPECT_TRUE(queue.TakeBatch().empty());  // nothing is sent while disconnected
  // While disconnected: plain calls are refused, state updates still coalesce.
  EXPECT_EQ(queue.Enqueue(Call(5)).status, EnqueueStatus::kRejectedDisconnected);
  EXPECT_EQ(queue.Enqueue(StateUpdate(6, 3, 20), On(Lane::kNormal, "state:r")).status, EnqueueStatus::kCoalesced);
  EXPECT_TRUE(queue.Enqueue(Call(7), On(Lane::kLow, "", true)).ok());
  // After the resume, kept messages go out in order, the newest state update only.
  queue.Resume();
  EXPECT_EQ(Ids(queue.TakeBatch().frame), (std::vector<std::int64_t>{6, 3, 7}));
}

TEST(OutboundQueue, ResumeMayRewriteOrDropKeptMessages) {
  OutboundQueue queue;
  queue.Enqueue(StateUpdate(1, 3, 10), On(Lane::kNormal, "state:r"));
  queue.Enqueue(Call(2), On(Lane::kNormal, "", true));
  queue.Enqueue(Call(3), On(Lane::kLow, "", true));
  queue.OnDisconnected();
  std::int64_t next_id = 100;
  queue.Resume([&](Value& message) {
    if (*message.Find("id")->AsInt() == 3) return false;
    message.Set("id", next_id++);  // a host that numbers its calls per socket
    return true;
  });
  std::vector<Unsent> dropped = queue.TakeUnsent();
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].id, 3);
  Batch batch = queue.TakeBatch();
  EXPECT_EQ(Ids(batch.frame), (std::vector<std::int64_t>{100, 101}));
  EXPECT_EQ(batch.bytes, standalone::ToJson(batch.frame).size());
}

TEST(OutboundQueue, InjectedSizerDecides) {
  OutboundOptions options;
  options.max_batch_bytes = 10;
  OutboundQueue queue(options, [](const Value&) { return std::size_t{4}; });
  for (std::int64_t id = 1; id <= 3; ++id) queue.Enqueue(Call(id));
  // Two messages: 4 + 4 + "[" "]" "," = 11 > 10, so one per frame.
  Batch first = queue.TakeBatch();
  EXPECT_EQ(first.bytes, 4u);
  EXPECT_EQ(first.tickets.size(), 1u);
}

TEST(OutboundQueue, MetricsTrackDepthBytesAndCounters) {
  OutboundQueue queue;
  queue.Enqueue(Call(1), On(Lane::kCritical));
  queue.Enqueue(Call(2), On(Lane::kLow, "k"));
  queue.Enqueue(Call(3), On(Lane::kLow, "k"));
  const QueueMetrics& metrics = queue.metrics();
  EXPECT_EQ(metrics.enqueued, 3u);
  EXPECT_EQ(metrics.coalesced, 1u);
  EXPECT_EQ(metrics.depth, (std::array<std::size_t, kLaneCount>{1, 0, 1}));
  EXPECT_EQ(metrics.bytes[0], JsonSizeBound(Call(1)));
  EXPECT_EQ(metrics.bytes[2], JsonSizeBound(Call(3)));
  queue.TakeBatch();
  EXPECT_EQ(metrics.depth, (std::array<std::size_t, kLaneCount>{0, 0, 0}));
  EXPECT_STREQ(ToString(Lane::kCritical), "critical");
  EXPECT_STREQ(ToString(EnqueueStatus::kRejectedDisconnected), "rejected_disconnected");
  EXPECT_STREQ(ToString(Unsent::Reason::kDroppedOldest), "dropped_oldest");
}

TEST(OutboundQueueTest, AWithdrawnMessageIsNeverSentAndNotReportedUnsent) {
  OutboundQueue queue;
  const EnqueueResult first = queue.Enqueue(MakeRequest(1, "a", Value()));
  const EnqueueResult second = queue.Enqueue(MakeRequest(2, "b", Value()), SendOptions{Lane::kLow, "", false});
  EXPECT_TRUE(queue.Withdraw(second.ticket));
  EXPECT_FALSE(queue.Withdraw(second.ticket));
  EXPECT_FALSE(queue.Withdraw(999));
  EXPECT_EQ(queue.depth(Lane::kLow), 0u);
  EXPECT_EQ(queue.metrics().bytes[static_cast<std::size_t>(Lane::kLow)], 0u);
  Batch batch = queue.TakeBatch();
  ASSERT_EQ(batch.tickets, std::vector<std::uint64_t>{first.ticket});
  EXPECT_FALSE(queue.Withdraw(first.ticket));  // handed out: the queue's no longer
  EXPECT_TRUE(queue.TakeUnsent().empty());
}

}  // namespace
}  // namespace rtnet

namespace rtnet {
namespace {

TEST(OutboundQueueProperty, EveryAcceptedMessageLeavesExactlyOnceAndMetricsAddUp) {
  std::uint64_t seed = 7;
  auto next = [&seed](std::uint64_t bound) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % bound;
  };
  OutboundOptions options;
  options.max_batch_bytes = 400;
  options.max_batch_messages = 5;
  options.lanes[0] = {6, 1u << 20, OverflowPolicy::kReject};
  options.lanes[1] = {6, 1u << 20, OverflowPolicy::kReject};
  options.lanes[2] = {4, 1u << 20, OverflowPolicy::kDropOldest};
  OutboundQueue queue(options);
  std::map<std::uint64_t, int> accepted;  // ticket -> times it left (sent or unsent)
  std::int64_t id = 1;
  for (int step = 0; step < 5000; ++step) {
    const std::uint64_t action = next(10);
    if (action < 6) {
      SendOptions send;
      send.lane = static_cast<Lane>(next(3));
      if (next(3) == 0) send.coalesce_key = "k" + std::to_string(next(3));
      send.resendable = next(4) == 0;
      Value message = next(2) == 0 ? MakeRequest(id++, "room.publish", Value::MakeObject({{"data", std::string(next(120), 'x')}}))
                                   : MakeNotification("presence.set", Value::MakeObject({{"status", "online"}}));
      EnqueueResult result = queue.Enqueue(std::move(message), send);
      if (result.ok()) accepted[result.ticket] = 0;
    } else if (action < 8) {
      Batch batch = queue.TakeBatch();
      ASSERT_LE(batch.bytes, options.max_batch_bytes);
      ASSERT_LE(batch.tickets.size(), options.max_batch_messages);
      if (!batch.empty()) {
        ASSERT_EQ(batch.bytes, standalone::ToJson(batch.frame).size());
      }
      for (std::uint64_t ticket : batch.tickets) ++accepted[ticket];
    } else if (action == 8) {
      queue.OnDisconnected();
    } else {
      queue.Resume();
    }
    for (const Unsent& unsent : queue.TakeUnsent()) ++accepted[unsent.ticket];
    std::size_t depth = 0;
    for (std::size_t lane = 0; lane < kLaneCount; ++lane) {
      depth += queue.metrics().depth[lane];
      ASSERT_LE(queue.metrics().depth[lane], options.lanes[lane].max_messages);
    }
    ASSERT_EQ(depth, queue.size());
  }
  queue.Resume();
  while (!queue.empty()) {
    for (std::uint64_t ticket : queue.TakeBatch().tickets) ++accepted[ticket];
  }
  for (const Unsent& unsent : queue.TakeUnsent()) ++accepted[unsent.ticket];
  for (const auto& entry : accepted) ASSERT_EQ(entry.second, 1) << "ticket " << entry.first;
  const QueueMetrics& m = queue.metrics();
  EXPECT_EQ(m.enqueued, accepted.size());
  EXPECT_EQ(m.sent_messages + m.coalesced + m.dropped + m.failed_disconnected, accepted.size());
  EXPECT_EQ(m.bytes, (std::array<std::size_t, kLaneCount>{0, 0, 0}));
}

}  // namespace
}  // namespace rtnet
