// rtnet/GatewayDefaults.h (generated from the gateway's configuration): the client's defaults stay
// within what a gateway with its defaults accepts, so an untouched client never provokes a close.
#include "TestSupport.h"
#include "rtnet/Client.h"
#include "rtnet/GatewayDefaults.h"
#include "rtnet/OutboundQueue.h"

namespace rtnet {
namespace {

namespace gw = gateway_defaults;

TEST(GatewayDefaultsTest, NoFrameTheClientBuildsIsLargerThanTheGatewayAccepts) {
  const ClientOptions defaults;
  // The gateway closes with 1009 above server.max_message_bytes; a client that then reconnects and
  // flushes the same queue would close again.
  EXPECT_LE(defaults.outbound.max_batch_bytes, gw::kMaxMessageBytes);
  EXPECT_LE(defaults.outbound.max_batch_messages, gw::kMaxBatchSize);
}

TEST(GatewayDefaultsTest, AMessageTooBigForTheGatewayIsRefusedOnTheClient) {
  OutboundQueue queue;  // default options
  Value big = Value::MakeObject({{"data", std::string(gw::kMaxMessageBytes, 'x')}});
  EXPECT_EQ(queue.Enqueue(MakeRequest(1, "sys.echo", std::move(big))).status, EnqueueStatus::kRejectedTooBig);
  // Many small messages are split into frames that each fit.
  for (int i = 0; i < 200; ++i) {
    Value params = Value::MakeObject({{"data", std::string(2000, 'y')}});
    ASSERT_TRUE(queue.Enqueue(MakeRequest(100 + i, "sys.echo", std::move(params))).ok());
  }
  std::size_t frames = 0;
  for (Batch batch = queue.TakeBatch(); !batch.empty(); batch = queue.TakeBatch()) {
    EXPECT_LE(batch.bytes, gw::kMaxMessageBytes);
    EXPECT_LE(batch.tickets.size(), gw::kMaxBatchSize);
    ++frames;
  }
  EXPECT_GE(frames, 200u * 2000u / gw::kMaxMessageBytes);
}

TEST(GatewayDefaultsTest, PingsKeepTheGatewaysHeartbeatFed) {
  const ClientOptions defaults;
  // The gateway pings after heartbeat_interval of silence and closes (4010) heartbeat_timeout later:
  // the client's own pings must come well inside that.
  EXPECT_GT(defaults.ping_interval, 0.0);
  EXPECT_LT(defaults.ping_interval, gw::kHeartbeatInterval);
}

}  // namespace
}  // namespace rtnet
