// The connection state machine against a recording transport, with time and randomness injected.
#include <optional>
#include <string>
#include <vector>

#include "RecordingTransport.h"
#include "ReplayRandom.h"
#include "TestSupport.h"
#include "rtnet/Connection.h"
#include "rtnet/JsonRpc.h"
#include "rtnet/OutboundQueue.h"

namespace rtnet {
namespace {

using test::J;
using Kind = Event::Kind;

using FakeTransport = test::RecordingTransport;

Value Welcome(double heartbeat_interval = 10) {
  Value params = J(R"({"session_id":"s1","player_id":"p","resume_token":"t","server_time":0,
                       "protocol_version":"1.0","node_id":"n1"})");
  params.Set("heartbeat_interval", heartbeat_interval);
  return MakeNotification("session.welcome", params);
}

class ConnectionTest : public ::testing::Test {
 protected:
  ConnectionTest() : random_({0.5}), connection_(transport_, random_, Options()) {}

  static ConnectionOptions Options() {
    ConnectionOptions options;
    options.backoff = {1.0, 8.0, 3};  // base 1 s, cap 8 s, 3 attempts
    options.connect_timeout = 5;
    options.heartbeat_grace = 2;
    options.closing_timeout = 1;
    return options;
  }

  // Connects (unless an attempt is under way) and welcomes at `now`; the socket in use.
  std::uint64_t Establish(double now) {
    if (connection_.state() != State::kConnecting) {
      EXPECT_TRUE(connection_.Connect(now));
    }
    std::uint64_t socket = connection_.socket();
    connection_.OnOpen(socket, now);
    connection_.OnMessage(socket, Welcome(), now);
    EXPECT_EQ(connection_.state(), State::kConnected);
    return socket;
  }

  std::vector<Event> StateChanges() {
    std::vector<Event> changes;
    for (Event& event : connection_.TakeEvents()) {
      if (event.kind == Kind::kStateChanged) changes.push_back(std::move(event));
    }
    return changes;
  }

  FakeTransport transport_;
  test::ReplayRandom random_;
  Connection connection_;
};

TEST_F(ConnectionTest, ConnectsOnWelcomeAndReportsEveryTransition) {
  ASSERT_TRUE(connection_.Connect(0));
  EXPECT_EQ(connection_.state(), State::kConnecting);
  ASSERT_EQ(transport_.opened.size(), 1u);
  EXPECT_FALSE(connection_.Connect(0));  // already under way
  connection_.OnOpen(transport_.opened[0], 0.1);
  EXPECT_EQ(connection_.state(), State::kConnecting);  // open, but no session yet
  connection_.OnMessage(transport_.opened[0], Welcome(), 0.2);
  EXPECT_EQ(connection_.state(), State::kConnected);
  EXPECT_EQ(*connection_.welcome().Find("session_id"), Value("s1"));
  std::vector<Event> events = connection_.TakeEvents();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Kind::kStateChanged);
  EXPECT_EQ(events[0].from, State::kDisconnected);
  EXPECT_EQ(events[0].to, State::kConnecting);
  EXPECT_EQ(events[1].to, State::kConnected);
  EXPECT_EQ(events[1].reason, "welcome");
  EXPECT_EQ(events[2].kind, Kind::kNotification);
  EXPECT_EQ(events[2].method, "session.welcome");
}

TEST_F(ConnectionTest, FramesGoOutOnlyWhileConnectedAndAnswersArePassedOnInOrder) {
  std::uint64_t socket = Establish(0);
  connection_.TakeEvents();
  const Value request = MakeRequest(1, "sys.ping", J(R"({"client_time":0})"));
  ASSERT_TRUE(connection_.SendFrame(request));
  ASSERT_EQ(transport_.sent.size(), 1u);
  EXPECT_EQ(transport_.sent[0], std::make_pair(socket, request));
  EXPECT_FALSE(connection_.SendFrame(Value()));  // nothing to send
  // A batch holding an answer and a notification: both come out, in the frame's order.
  const Value answer = J(R"({"jsonrpc":"2.0","id":1,"result":{"server_time":1}})");
  connection_.OnMessage(socket, Value(Value::Array{answer, J(R"({"jsonrpc":"2.0","method":"room.event","params":{}})")}), 1.5);
  std::vector<Event> events = connection_.TakeEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kResponse);
  EXPECT_EQ(events[0].message, answer);
  EXPECT_EQ(events[1].kind, Kind::kNotification);
  EXPECT_EQ(events[1].method, "room.event");
  // Errors are answers too; what is neither a message nor an answer is dropped.
  const Value refused = J(R"({"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found"}})");
  connection_.OnMessage(socket, refused, 1.6);
  connection_.OnMessage(socket, J(R"({"jsonrpc":"2.0","id":3})"), 1.7);
  events = connection_.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kResponse);
  EXPECT_EQ(events[0].message, refused);

  connection_.OnClosed(socket, 1012, "service restart", 3);
  events = connection_.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].to, State::kReconnecting);
  EXPECT_EQ(events[0].reason, "closed 1012: service restart");
  EXPECT_EQ(events[0].close_class, CloseClass::kGoingAway);
  EXPECT_FALSE(connection_.SendFrame(request));  // not connected
  EXPECT_EQ(transport_.sent.size(), 1u);
}

TEST_F(ConnectionTest, ReconnectsAfterTheBackoffDelayThenGivesUp) {
  Establish(0);
  connection_.TakeEvents();
  connection_.OnClosed(connection_.socket(), 1006, "", 10);  // lost
  std::vector<Event> changes = StateChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].to, State::kReconnecting);
  EXPECT_EQ(changes[0].retry_in, 1.0);  // uniform(base, base)
  // The host reads when the next attempt comes (a countdown) from the connection, not from the event.
  std::optional<ReconnectSchedule> schedule = connection_.reconnect_schedule();
  ASSERT_TRUE(schedule.has_value());
  EXPECT_EQ(schedule->attempt, 1);
  EXPECT_EQ(schedule->at, 11.0);
  EXPECT_DOUBLE_EQ(schedule->RetryIn(10.4), 0.6);
  EXPECT_EQ(schedule->RetryIn(11.5), 0.0);
  EXPECT_FALSE(connection_.awaiting_token());
  connection_.Tick(10.9);
  EXPECT_EQ(connection_.state(), State::kReconnecting);
  connection_.Tick(11.0);
  EXPECT_EQ(connection_.state(), State::kConnecting);
  EXPECT_FALSE(connection_.reconnect_schedule().has_value());  // under way: nothing scheduled
  EXPECT_EQ(transport_.opened.size(), 2u);
  // The attempt fails to open; then two more, each after min(cap, uniform(1, 3 * previous)).
  connection_.OnClosed(connection_.socket(), 1006, "refused", 11.1);
  EXPECT_EQ(StateChanges().back().retry_in, 2.0);  // 1 + (3 - 1) * 0.5
  EXPECT_EQ(connection_.reconnect_schedule()->attempt, 2);
  EXPECT_EQ(connection_.reconnect_schedule()->at, 13.1);
  connection_.Tick(13.1);
  connection_.OnClosed(connection_.socket(), 1006, "refused", 13.2);
  EXPECT_EQ(StateChanges().back().retry_in, 3.5);  // 1 + (6 - 1) * 0.5
  connection_.Tick(16.7);
  connection_.OnClosed(connection_.socket(), 1006, "refused", 16.8);
  changes = StateChanges();
  EXPECT_EQ(connection_.state(), State::kClosed);
  EXPECT_NE(changes.back().reason.find("gave up after 3 attempts"), std::string::npos) << changes.back().reason;
  EXPECT_FALSE(connection_.reconnect_schedule().has_value());
}

TEST_F(ConnectionTest, ASessionResetsTheBackoff) {
  Establish(0);
  connection_.OnClosed(connection_.socket(), 1011, "", 1);
  connection_.Tick(2);
  connection_.OnClosed(connection_.socket(), 1006, "", 2.5);  // second attempt: 2 s
  EXPECT_EQ(StateChanges().back().retry_in, 2.0);
  connection_.Tick(4.5);
  Establish(4.5);
  connection_.OnClosed(connection_.socket(), 1011, "", 5);
  EXPECT_EQ(StateChanges().back().retry_in, 1.0);  // from base again
}

TEST_F(ConnectionTest, StaleSocketCallbacksAreIgnored) {
  std::uint64_t old_socket = Establish(0);
  connection_.OnClosed(old_socket, 1001, "going away", 1);
  connection_.Tick(2);
  std::uint64_t new_socket = connection_.socket();
  ASSERT_NE(new_socket, old_socket);
  connection_.TakeEvents();
  // The old socket's late frames and close change nothing.
  connection_.OnMessage(old_socket, Welcome(), 2.1);
  connection_.OnClosed(old_socket, 1006, "", 2.2);
  EXPECT_TRUE(connection_.TakeEvents().empty());
  EXPECT_EQ(connection_.state(), State::kConnecting);
  connection_.OnMessage(new_socket, Welcome(), 2.3);
  EXPECT_EQ(connection_.state(), State::kConnected);
}

TEST_F(ConnectionTest, HeartbeatTimeoutAbandonsTheSocket) {
  std::uint64_t socket = Establish(0);  // heartbeat_interval 10, grace 2
  connection_.TakeEvents();
  connection_.OnHeard(socket, 5);
  EXPECT_EQ(connection_.NextDeadline(), 17.0);
  connection_.Tick(17);
  EXPECT_EQ(connection_.state(), State::kConnected);
  connection_.Tick(17.01);
  EXPECT_EQ(connection_.state(), State::kReconnecting);
  ASSERT_EQ(transport_.closed.size(), 1u);
  EXPECT_EQ(transport_.closed[0], std::make_pair(socket, 4010));
  EXPECT_EQ(connection_.socket(), 0u);
  connection_.OnClosed(socket, 4010, "", 17.1);  // the abandoned socket's own close: stale
  std::vector<Event> changes = StateChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].close_code, 4010);
  EXPECT_EQ(changes[0].close_class, CloseClass::kTransient);
}

TEST_F(ConnectionTest, ConnectTimeoutWithoutWelcome) {
  connection_.Connect(0);
  connection_.OnOpen(connection_.socket(), 1);
  connection_.Tick(5);
  EXPECT_EQ(connection_.state(), State::kReconnecting);
  EXPECT_EQ(StateChanges().back().reason, "closed 1006: connect timeout");
}

TEST_F(ConnectionTest, TokenExpiryWaitsForAFreshToken) {
  Establish(0);
  connection_.TakeEvents();
  connection_.OnClosed(connection_.socket(), 4001, "token expired", 1);
  std::vector<Event> events = connection_.TakeEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].to, State::kReconnecting);
  EXPECT_EQ(events[0].close_class, CloseClass::kAuth);
  EXPECT_EQ(events[1].kind, Kind::kTokenRequired);
  EXPECT_TRUE(connection_.awaiting_token());
  ASSERT_TRUE(connection_.reconnect_schedule().has_value());
  EXPECT_EQ(connection_.reconnect_schedule()->attempt, 1);
  EXPECT_FALSE(connection_.reconnect_schedule()->at.has_value());  // no time: a token
  EXPECT_EQ(connection_.reconnect_schedule()->RetryIn(1000), 0.0);
  connection_.Tick(1000);  // no token, no attempt
  EXPECT_EQ(connection_.state(), State::kReconnecting);
  EXPECT_FALSE(connection_.NextDeadline().has_value());
  connection_.TokenRefreshed(1001);
  EXPECT_EQ(connection_.state(), State::kConnecting);
  EXPECT_FALSE(connection_.awaiting_token());
  EXPECT_EQ(transport_.opened.size(), 2u);
}

TEST_F(ConnectionTest, FatalAndNormalCodesStop) {
  Establish(0);
  connection_.OnClosed(connection_.socket(), 4502, "session replaced by another login", 1);
  EXPECT_EQ(connection_.state(), State::kClosed);
  EXPECT_EQ(StateChanges().back().close_class, CloseClass::kFatal);
  Establish(2);  // Connect() leaves kClosed
  connection_.OnClosed(connection_.socket(), 1000, "normal closure", 3);
  EXPECT_EQ(connection_.state(), State::kClosed);
  connection_.Tick(100);
  EXPECT_EQ(transport_.opened.size(), 2u);
}

TEST_F(ConnectionTest, RateLimitedAndProtocolCodesReconnectWithBackoff) {
  Establish(0);
  connection_.OnClosed(connection_.socket(), 4008, "rate limited", 1);
  EXPECT_EQ(StateChanges().back().close_class, CloseClass::kRateLimited);
  EXPECT_EQ(connection_.state(), State::kReconnecting);
  connection_.Tick(2);
  Establish(2);
  connection_.OnClosed(connection_.socket(), 1009, "message too big", 3);
  EXPECT_EQ(StateChanges().back().close_class, CloseClass::kProtocol);
  EXPECT_EQ(connection_.state(), State::kReconnecting);
}

TEST_F(ConnectionTest, CloseHandshakeAndItsTimeout) {
  std::uint64_t socket = Establish(0);
  connection_.TakeEvents();
  connection_.Close(1);
  EXPECT_EQ(connection_.state(), State::kClosing);
  EXPECT_EQ(transport_.closed.back(), std::make_pair(socket, 1000));
  std::vector<Event> events = connection_.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].to, State::kClosing);
  EXPECT_EQ(events[0].close_code, 1000);
  connection_.OnClosed(socket, 1000, "", 1.2);
  EXPECT_EQ(connection_.state(), State::kClosed);

  socket = Establish(2);
  connection_.Close(3);
  connection_.Tick(4);  // closing_timeout 1: the peer never answered
  EXPECT_EQ(connection_.state(), State::kClosed);
  EXPECT_EQ(StateChanges().back().reason, "close timeout");
  connection_.Close(5);  // closing a closed connection changes nothing
  EXPECT_TRUE(connection_.TakeEvents().empty());
}

TEST_F(ConnectionTest, CloseWhileReconnectingEndsAtOnce) {
  Establish(0);
  connection_.OnClosed(connection_.socket(), 1006, "", 1);
  connection_.Close(1.5);
  EXPECT_EQ(connection_.state(), State::kClosed);
  connection_.Tick(100);
  EXPECT_EQ(transport_.opened.size(), 1u);
}

// A transport that calls back from inside Open: the machine has finished its transition first.
struct FailingTransport : FakeTransport {
  Connection* connection = nullptr;
  void Open(std::uint64_t socket) override {
    FakeTransport::Open(socket);
    connection->OnClosed(socket, 1006, "no route", 0);
  }
};

TEST(ConnectionReentrancy, TransportMayCallBackSynchronously) {
  FailingTransport transport;
  test::ReplayRandom random({0.0});
  ConnectionOptions options;
  options.backoff = {1.0, 8.0, 2};
  Connection connection(transport, random, options);
  transport.connection = &connection;
  connection.Connect(0);
  EXPECT_EQ(connection.state(), State::kReconnecting);
  connection.Tick(1);
  connection.Tick(2);
  EXPECT_EQ(connection.state(), State::kClosed);
  EXPECT_EQ(transport.opened.size(), 3u);  // the first attempt and max_attempts (2) retries
}

TEST_F(ConnectionTest, AQueuedBatchGoesOutAsOneFrameAndItsAnswersComeBackOneByOne) {
  std::uint64_t socket = Establish(0);
  connection_.TakeEvents();
  OutboundQueue queue;
  SendOptions critical;
  critical.lane = Lane::kCritical;
  ASSERT_TRUE(queue.Enqueue(MakeRequest(7, "room.publish", J(R"({"room":"r","data":1})"))).ok());
  ASSERT_TRUE(queue.Enqueue(MakeRequest(8, "sys.ping", J(R"({"client_time":1})")), critical).ok());
  ASSERT_TRUE(queue.Enqueue(MakeNotification("presence.set", J(R"({"status":"online"})"))).ok());
  EXPECT_TRUE(transport_.sent.empty());  // nothing leaves before the host flushes
  Batch batch = queue.TakeBatch();
  ASSERT_TRUE(connection_.SendFrame(batch.frame));
  ASSERT_EQ(transport_.sent.size(), 1u);  // one frame
  ASSERT_TRUE(transport_.sent[0].second.IsArray());
  EXPECT_EQ(transport_.sent[0].second.AsArray()->size(), 3u);
  EXPECT_EQ(*transport_.sent[0].second.AsArray()->at(0).Find("id"), Value(8));  // critical first
  // The gateway answers the batch with a batch (notifications get no answer), in its own order.
  Value answers = J(R"([{"jsonrpc":"2.0","id":8,"result":{"server_time":5,"client_time":1}},
                        {"jsonrpc":"2.0","id":7,"error":{"code":-32002,"message":"Forbidden"}}])");
  connection_.OnMessage(socket, answers, 1.1);
  std::vector<Event> events = connection_.TakeEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kResponse);
  EXPECT_EQ(events[0].message, answers.AsArray()->at(0));
  EXPECT_EQ(events[1].kind, Kind::kResponse);
  EXPECT_EQ(ErrorOf(events[1].message)->code, -32002);
  // A lost socket: what is queued waits (the queue's disconnect rule), nothing goes out until connected.
  ASSERT_TRUE(queue.Enqueue(MakeRequest(9, "state.update", J(R"({"room":"r","base_version":3,"patch":{}})"))).ok());
  connection_.OnClosed(socket, 1006, "", 2);
  queue.OnDisconnected();
  EXPECT_FALSE(connection_.SendFrame(queue.TakeBatch().frame));
  EXPECT_EQ(transport_.sent.size(), 1u);
}

}  // namespace
}  // namespace rtnet

namespace rtnet {
namespace {

TEST_F(ConnectionTest, ReconnectMovesToANewSocketAtOnceAndCountsAttempts) {
  std::uint64_t first = Establish(0);
  connection_.TakeEvents();
  ASSERT_TRUE(connection_.Reconnect(1, "server draining"));
  EXPECT_EQ(transport_.closed.back(), std::make_pair(first, 1001));
  ASSERT_EQ(transport_.opened.size(), 2u);  // no backoff delay
  std::vector<Event> changes = StateChanges();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].to, State::kReconnecting);
  EXPECT_EQ(changes[0].attempt, 1);
  EXPECT_EQ(changes[0].close_code, 1001);
  EXPECT_EQ(changes[1].to, State::kConnecting);
  connection_.OnClosed(first, 1001, "", 1.1);  // the old socket's close is stale
  EXPECT_EQ(connection_.state(), State::kConnecting);

  // Lost twice without a session in between: the attempt number grows with the backoff.
  connection_.OnClosed(connection_.socket(), 1006, "", 2);
  connection_.Tick(10);
  connection_.OnClosed(connection_.socket(), 1006, "", 11);
  changes = StateChanges();
  std::vector<int> attempts;
  for (const Event& change : changes) {
    if (change.to == State::kReconnecting) attempts.push_back(change.attempt);
  }
  EXPECT_EQ(attempts, (std::vector<int>{1, 2}));
  connection_.Close(12);
  EXPECT_EQ(connection_.state(), State::kClosed);
  EXPECT_TRUE(connection_.Reconnect(13, "button"));  // from closed: a fresh connect
  EXPECT_EQ(connection_.state(), State::kConnecting);
}

}  // namespace
}  // namespace rtnet
