// The composed client against a recording transport: sessions, resume with replay de-duplication,
// snapshot reloads, re-joins, call queueing and retries, errors, presence, draining, trace.
#include <optional>
#include <string>
#include <vector>

#include "RecordingTransport.h"
#include "ReplayRandom.h"
#include "TestSupport.h"
#include "rtnet/Client.h"
#include "rtnet/Path.h"

namespace rtnet {
namespace {

using test::J;
using Kind = ClientEvent::Kind;

using FakeTransport = test::RecordingTransport;

Value Welcome(const std::string& session, const std::string& token) {
  return MakeNotification("session.welcome",
                          J(R"({"session_id":")" + session + R"(","player_id":"alice","resume_token":")" + token +
                            R"(","heartbeat_interval":10,"server_time":0,"protocol_version":"1.0","node_id":"n1"})"));
}

Value Result(std::int64_t id, Value result) {
  return Value::MakeObject({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

Value Error(std::int64_t id, int code, const std::string& message, Value data = Value()) {
  Value error = Value::MakeObject({{"code", code}, {"message", message}});
  if (!data.IsNull()) error.Set("data", std::move(data));
  return Value::MakeObject({{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}});
}

Value RoomEvent(const std::string& room, std::int64_t offset, Value data, const std::string& epoch = "e1") {
  return MakeNotification("room.event", Value::MakeObject({{"room", room},
                                                           {"epoch", epoch},
                                                           {"offset", offset},
                                                           {"from", "bob"},
                                                           {"data", std::move(data)}}));
}

Value Joined(const std::string& room, std::int64_t offset, std::int64_t version, Value state) {
  return Value::MakeObject({{"room", room},
                            {"stream", "room:" + room},
                            {"epoch", "e1"},
                            {"offset", offset},
                            {"state_version", version},
                            {"state", std::move(state)}});
}

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() : random_({0.5}), client_(transport_, random_, Options()) {
    client_.dispatcher().On("room.event", [this](const IncomingMessage& message) {
      events_seen_.push_back(*message.params.Find("data"));
    });
  }

  static ClientOptions Options() {
    ClientOptions options;
    options.connection.backoff = {1.0, 8.0, 5};
    options.connection.connect_timeout = 5;
    options.ping_interval = 0;  // pings are tested on their own
    options.load_presence_on_join = false;  // and so is the members query after a join
    options.call_timeout = 30;
    return options;
  }

  /// The messages sent on `socket` since `from` (batches flattened).
  std::vector<Value> SentOn(std::uint64_t socket, std::size_t from = 0) {
    std::vector<Value> messages;
    for (std::size_t i = from; i < transport_.sent.size(); ++i) {
      if (transport_.sent[i].first != socket) continue;
      for (const Value* item : FrameItems(transport_.sent[i].second)) messages.push_back(*item);
    }
    return messages;
  }

  /// The request ids and methods of SentOn.
  static std::vector<std::string> Methods(const std::vector<Value>& messages) {
    std::vector<std::string> methods;
    for (const Value& message : messages) methods.push_back(test::Text(message, "method"));
    return methods;
  }

  static std::int64_t IdOf(const Value& message) { return *message.Find("id")->AsInt(); }

  void Deliver(const Value& frame, double now) { client_.OnMessage(client_.connection().socket(), frame, 100, now); }

  /// Connects and welcomes; the socket.
  std::uint64_t Establish(double now, const std::string& session = "s1", const std::string& token = "t1") {
    if (client_.state() != State::kConnecting) {
      EXPECT_TRUE(client_.Connect(now));
    }
    std::uint64_t socket = client_.connection().socket();
    client_.OnOpen(socket, now);
    client_.OnMessage(socket, Welcome(session, token), 200, now);
    return socket;
  }

  std::vector<Kind> Kinds(const std::vector<ClientEvent>& events) {
    std::vector<Kind> kinds;
    for (const ClientEvent& event : events) kinds.push_back(event.kind);
    return kinds;
  }

  static const ClientEvent* First(const std::vector<ClientEvent>& events, Kind kind) {
    for (const ClientEvent& event : events) {
      if (event.kind == kind) return &event;
    }
    return nullptr;
  }

  void Join(const std::string& room, std::int64_t offset, double now) {
    std::size_t mark = transport_.sent.size();
    ASSERT_TRUE(client_.JoinRoom(room, now).ok());
    client_.Tick(now);
    std::vector<Value> sent = SentOn(client_.connection().socket(), mark);
    ASSERT_EQ(Methods(sent), std::vector<std::string>{"room.join"});
    Deliver(Result(IdOf(sent[0]), Joined(room, offset, 1, J(R"({"hp":10})"))), now);
  }

  FakeTransport transport_;
  test::ReplayRandom random_;
  Client client_;
  std::vector<Value> events_seen_;
};

TEST_F(ClientTest, CallsMadeBeforeTheSessionAreSentInOneBatchOnceWelcomed) {
  std::vector<CallOutcome> outcomes;
  auto record = [&outcomes](const CallOutcome& outcome) { outcomes.push_back(outcome); };
  ASSERT_TRUE(client_.Call("sys.echo", J(R"({"a":1})"), 0, {}, record).ok());
  ASSERT_TRUE(client_.Call("sys.echo", J(R"({"a":2})"), 0, {}, record).ok());
  CallOptions at_once;
  at_once.resendable = false;
  EXPECT_EQ(client_.Call("sys.echo", Value(), 0, at_once).status, EnqueueStatus::kRejectedDisconnected);

  std::uint64_t socket = Establish(0.1);
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_NE(First(events, Kind::kSessionStarted), nullptr);
  EXPECT_EQ(First(events, Kind::kSessionStarted)->session_id, "s1");
  EXPECT_TRUE(transport_.sent.empty());  // nothing leaves before the tick
  client_.Tick(0.2);
  ASSERT_EQ(transport_.sent.size(), 1u);
  ASSERT_TRUE(transport_.sent[0].second.IsArray());  // one frame: a JSON-RPC batch
  std::vector<Value> sent = SentOn(socket);
  EXPECT_EQ(Methods(sent), (std::vector<std::string>{"sys.echo", "sys.echo"}));
  Deliver(J(R"([{"jsonrpc":"2.0","id":)" + std::to_string(IdOf(sent[1])) + R"(,"result":{"a":2}},
                {"jsonrpc":"2.0","id":)" + std::to_string(IdOf(sent[0])) + R"(,"result":{"a":1}}])"),
          0.3);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].result, J(R"({"a":2})"));
  EXPECT_EQ(outcomes[1].result, J(R"({"a":1})"));
  EXPECT_EQ(client_.pending_calls(), 0u);
}

TEST_F(ClientTest, ResumeReplaysMissedEventsOnceAndInOrder) {
  std::uint64_t first = Establish(0);
  Join("lobby", 4, 0);
  Deliver(RoomEvent("lobby", 5, 5), 0.5);
  Deliver(RoomEvent("lobby", 6, 6), 0.6);
  client_.TakeEvents();

  client_.OnClosed(first, 4050, "fault injected", 1.0);
  std::vector<ClientEvent> events = client_.TakeEvents();
  const ClientEvent* reconnecting = First(events, Kind::kReconnecting);
  ASSERT_NE(reconnecting, nullptr);
  EXPECT_EQ(reconnecting->attempt, 1);
  ASSERT_NE(First(events, Kind::kStateChanged), nullptr);
  EXPECT_EQ(First(events, Kind::kStateChanged)->to, State::kReconnecting);
  EXPECT_EQ(First(events, Kind::kStateChanged)->attempt, 1);  // the UI may refresh on either
  EXPECT_EQ(First(events, Kind::kStateChanged)->retry_in, reconnecting->retry_in);
  EXPECT_DOUBLE_EQ(reconnecting->retry_in, 1.0);  // the first delay is the base
  const ClientEvent* error = First(events, Kind::kError);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->error.error_class, ErrorClass::kTransient);
  EXPECT_EQ(error->close_code, 4050);

  client_.Tick(1.5);
  EXPECT_EQ(transport_.opened.size(), 1u);  // still waiting out the delay
  client_.Tick(2.0);
  ASSERT_EQ(transport_.opened.size(), 2u);
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(2.1, "s2", "t2");
  std::vector<Value> sent = SentOn(second, mark);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"session.resume"});  // first, alone
  EXPECT_EQ(*sent[0].Find("params"),
            J(R"({"resume_token":"t1","streams":[{"stream":"room:lobby","epoch":"e1","offset":6}],
                  "state":[{"room":"lobby","version":1}]})"));
  EXPECT_EQ(client_.phase(), SessionPhase::kResuming);

  // The gateway replays from offset 5 (one overlap), then answers.
  Deliver(RoomEvent("lobby", 6, 6), 2.2);
  Deliver(RoomEvent("lobby", 7, 7), 2.2);
  Deliver(RoomEvent("lobby", 8, 8), 2.2);
  Deliver(Result(IdOf(sent[0]), J(R"({"session_id":"s1","resume_token":"t3","rooms":["lobby"],
                                      "streams":[{"stream":"room:lobby","recovered":true,"replayed":2,
                                                  "epoch":"e1","offset":8}]})")),
          2.3);
  Deliver(RoomEvent("lobby", 9, 9), 2.4);
  EXPECT_EQ(events_seen_, (std::vector<Value>{5, 6, 7, 8, 9}));
  EXPECT_EQ(client_.duplicates_dropped(), 1u);
  EXPECT_EQ(client_.metrics().lost(), 0u);
  events = client_.TakeEvents();
  const ClientEvent* recovered = First(events, Kind::kRecovered);
  ASSERT_NE(recovered, nullptr);
  EXPECT_EQ(recovered->replayed, 2);
  EXPECT_EQ(recovered->session_id, "s1");
  EXPECT_EQ(First(events, Kind::kResynced), nullptr);
  EXPECT_EQ(First(events, Kind::kSessionStarted), nullptr);
  EXPECT_EQ(client_.phase(), SessionPhase::kReady);

  // The next resume uses the fresh token.
  client_.OnClosed(second, 1006, "", 3);
  client_.Tick(10);
  mark = transport_.sent.size();
  std::uint64_t third = Establish(10);
  EXPECT_EQ(test::Text(*SentOn(third, mark)[0].Find("params"), "resume_token"), "t3");
}

TEST_F(ClientTest, AStreamNotRecoveredReloadsTheRoomFromASnapshot) {
  std::uint64_t first = Establish(0);
  Join("lobby", 4, 0);
  Deliver(RoomEvent("lobby", 5, 5), 0.5);
  client_.OnClosed(first, 1006, "", 1);
  client_.Tick(3);
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3);
  std::vector<Value> sent = SentOn(second, mark);
  Deliver(Result(IdOf(sent[0]), J(R"({"session_id":"s1","resume_token":"t2","rooms":["lobby"],
                                      "streams":[{"stream":"room:lobby","recovered":false,"epoch":"e1","offset":40}]})")),
          3.1);
  client_.TakeEvents();
  client_.Tick(3.2);
  sent = SentOn(second, mark);
  ASSERT_EQ(Methods(sent), (std::vector<std::string>{"session.resume", "state.get"}));
  EXPECT_EQ(*sent[1].Find("params"), J(R"({"room":"lobby"})"));
  Deliver(Result(IdOf(sent[1]), J(R"({"room":"lobby","version":9,"document":{"hp":3}})")), 3.3);
  EXPECT_EQ(*client_.state_store().Document("lobby"), J(R"({"hp":3})"));
  std::vector<ClientEvent> events = client_.TakeEvents();
  const ClientEvent* resynced = First(events, Kind::kResynced);
  ASSERT_NE(resynced, nullptr);
  EXPECT_EQ(resynced->room, "lobby");
  EXPECT_EQ(resynced->stream, "room:lobby");
  // Live events go on from the stream's current offset; the publications in between count as lost.
  Deliver(RoomEvent("lobby", 41, "live"), 3.4);
  EXPECT_EQ(events_seen_.back(), Value("live"));
  EXPECT_EQ(client_.metrics().lost(), 35u);  // 6..40 never arrived
}

TEST_F(ClientTest, AResumeRefusedStartsAFreshSessionAndRejoinsRooms) {
  std::uint64_t first = Establish(0);
  Join("lobby", 4, 0);
  client_.OnClosed(first, 1006, "", 1);
  client_.Tick(3);
  client_.TakeEvents();
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3, "s9", "t9");
  Deliver(Error(IdOf(SentOn(second, mark)[0]), -32008, "Resume failed", J(R"({"reason":"session_expired"})")), 3.1);
  std::vector<ClientEvent> events = client_.TakeEvents();
  const ClientEvent* started = First(events, Kind::kSessionStarted);
  ASSERT_NE(started, nullptr);
  EXPECT_EQ(started->session_id, "s9");
  EXPECT_EQ(client_.session_id(), "s9");
  const ClientEvent* error = First(events, Kind::kError);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->error.strategy, RecoveryStrategy::kResyncState);
  client_.Tick(3.2);
  std::vector<Value> sent = SentOn(second, mark);
  ASSERT_EQ(Methods(sent), (std::vector<std::string>{"session.resume", "room.join"}));
  Deliver(Result(IdOf(sent[1]), Joined("lobby", 50, 12, J(R"({"hp":1})"))), 3.3);
  EXPECT_EQ(*client_.state_store().Version("lobby"), 12);
  events = client_.TakeEvents();
  const ClientEvent* resynced = First(events, Kind::kResynced);
  ASSERT_NE(resynced, nullptr);
  EXPECT_EQ(resynced->room, "lobby");
  // The next lost socket resumes the new session with its token.
  client_.OnClosed(second, 1006, "", 4);
  client_.Tick(10);
  mark = transport_.sent.size();
  std::uint64_t third = Establish(10);
  EXPECT_EQ(*SentOn(third, mark)[0].Find("params"),
            J(R"({"resume_token":"t9","streams":[{"stream":"room:lobby","epoch":"e1","offset":50}],
                  "state":[{"room":"lobby","version":12}]})"));
}

TEST_F(ClientTest, ABackendOutageDuringResumeIsRetriedOnTheSameSocket) {
  std::uint64_t first = Establish(0);
  client_.OnClosed(first, 1006, "", 1);
  client_.Tick(3);
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3);
  Deliver(Error(IdOf(SentOn(second, mark)[0]), -32009, "Backend unavailable", J(R"({"backend":"store"})")), 3.1);
  EXPECT_EQ(client_.phase(), SessionPhase::kResuming);
  client_.Tick(3.2);
  EXPECT_EQ(SentOn(second, mark).size(), 1u);
  std::optional<double> next = client_.NextDeadline(3.2);
  ASSERT_TRUE(next.has_value());
  client_.Tick(*next);
  std::vector<Value> sent = SentOn(second, mark);
  ASSERT_EQ(Methods(sent), (std::vector<std::string>{"session.resume", "session.resume"}));
  EXPECT_EQ(test::Text(*sent[1].Find("params"), "resume_token"), "t1");  // the token was given back
  Deliver(Result(IdOf(sent[1]), J(R"({"session_id":"s1","resume_token":"t2","rooms":[],"streams":[]})")), *next);
  EXPECT_EQ(client_.phase(), SessionPhase::kReady);
  EXPECT_NE(First(client_.TakeEvents(), Kind::kRecovered), nullptr);
}

TEST_F(ClientTest, AResumeIsRetriedThroughAnOutageForResumeRetryForThenStartedAfresh) {
  std::uint64_t first = Establish(0);
  client_.OnClosed(first, 1006, "", 1);
  client_.Tick(3);
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3);
  double now = 3;
  std::size_t answered = 0;
  // The store stays down: every resume is answered -32009, and retried for two minutes (not six times).
  while (client_.phase() == SessionPhase::kResuming && now < 200) {
    std::vector<Value> sent = SentOn(second, mark);
    if (sent.size() > answered && Methods(sent).back() == "session.resume") {
      Deliver(Error(IdOf(sent.back()), -32009, "Backend unavailable", J(R"({"backend":"store"})")), now);
      answered = sent.size();
      if (client_.phase() != SessionPhase::kResuming) break;  // given up on the session: started afresh
    }
    std::optional<double> next = client_.NextDeadline(now);
    if (!next.has_value()) break;
    now = std::max(*next, now + 0.01);
    client_.Tick(now);
  }
  std::vector<std::string> methods = Methods(SentOn(second, mark));
  const auto resumes = std::count(methods.begin(), methods.end(), "session.resume");
  EXPECT_GT(resumes, 30);  // at most 3 s apart over 120 s
  EXPECT_NE(client_.phase(), SessionPhase::kResuming);
  EXPECT_GE(now, 3 + 120 - 3.0);  // given up when the next try would come later than 120 s after the first
  EXPECT_LE(now, 3 + 120);
}

TEST_F(ClientTest, AResumeRefusedAsUsedAfterOneThatWasCutOffIsAskedAgain) {
  std::uint64_t first = Establish(0);
  client_.OnClosed(first, 1006, "", 1);
  client_.Tick(3);
  std::uint64_t second = Establish(3);  // its session.resume goes out, and the socket goes before the answer
  client_.OnClosed(second, 1006, "", 3.5);
  client_.Tick(6);
  std::size_t mark = transport_.sent.size();
  std::uint64_t third = Establish(6);
  Deliver(Error(IdOf(SentOn(third, mark)[0]), -32008, "Resume failed", J(R"({"reason":"unknown_or_used_token"})")),
          6.1);
  EXPECT_EQ(client_.phase(), SessionPhase::kResuming);  // not started afresh: the token may come back
  std::optional<double> next = client_.NextDeadline(6.1);
  ASSERT_TRUE(next.has_value());
  client_.Tick(*next);
  std::vector<Value> sent = SentOn(third, mark);
  ASSERT_EQ(Methods(sent), (std::vector<std::string>{"session.resume", "session.resume"}));
  EXPECT_EQ(test::Text(*sent[1].Find("params"), "resume_token"), "t1");
  Deliver(Result(IdOf(sent[1]), J(R"({"session_id":"s1","resume_token":"t2","rooms":[],"streams":[]})")), *next);
  EXPECT_EQ(client_.phase(), SessionPhase::kReady);
  EXPECT_NE(First(client_.TakeEvents(), Kind::kRecovered), nullptr);
}

TEST_F(ClientTest, AResumeRefusedAsUsedWithNoAttemptCutOffStartsAfresh) {
  std::uint64_t first = Establish(0);
  client_.OnClosed(first, 1006, "", 1);
  client_.Tick(3);
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3);
  Deliver(Error(IdOf(SentOn(second, mark)[0]), -32008, "Resume failed", J(R"({"reason":"unknown_or_used_token"})")),
          3.1);
  EXPECT_NE(client_.phase(), SessionPhase::kResuming);
}

TEST_F(ClientTest, CallsInFlightFailOnALostSocketAndQueuedOnesWaitForTheSession) {
  std::uint64_t first = Establish(0);
  std::vector<std::string> outcomes;
  auto record = [&outcomes](const CallOutcome& outcome) {
    outcomes.push_back(outcome.method + ":" + (outcome.status == CallOutcome::Status::kResult ? "ok" : outcome.reason));
  };
  client_.Call("sent.first", Value(), 0, {}, record);
  client_.Tick(0.1);  // sent
  client_.OnClosed(first, 1006, "", 0.2);
  EXPECT_EQ(outcomes, std::vector<std::string>{"sent.first:disconnected"});
  CallTicket queued = client_.Call("queued.later", Value(), 0.3, {}, record);
  ASSERT_TRUE(queued.ok());
  CallOptions at_once;
  at_once.resendable = false;
  EXPECT_FALSE(client_.Call("refused.now", Value(), 0.3, at_once, record).ok());
  client_.Tick(3);
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3);
  client_.Tick(3.1);
  EXPECT_EQ(Methods(SentOn(second, mark)), std::vector<std::string>{"session.resume"});  // nothing before its answer
  Deliver(Result(IdOf(SentOn(second, mark)[0]), J(R"({"session_id":"s1","resume_token":"t2","rooms":[],"streams":[]})")),
          3.2);
  client_.Tick(3.3);
  std::vector<Value> sent = SentOn(second, mark);
  ASSERT_EQ(Methods(sent), (std::vector<std::string>{"session.resume", "queued.later"}));
  EXPECT_EQ(IdOf(sent[1]), queued.id);  // the id it was given
  Deliver(Result(queued.id, true), 3.4);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"sent.first:disconnected", "queued.later:ok"}));
}

TEST_F(ClientTest, TimeoutsCancelsAndRetriesFollowTheErrorClass) {
  Establish(0);
  std::vector<CallOutcome> outcomes;
  auto record = [&outcomes](const CallOutcome& outcome) { outcomes.push_back(outcome); };
  CallOptions retrying;
  retrying.max_retries = 1;
  retrying.timeout = 20;
  CallTicket limited = client_.Call("room.publish", J(R"({"room":"lobby","data":1})"), 0, retrying, record);
  CallOptions quick;
  quick.timeout = 2;
  client_.Call("slow", Value(), 0, quick, record);
  CallTicket cancelled = client_.Call("cancelled", Value(), 0, {}, record);
  client_.Tick(0.1);
  client_.TakeEvents();
  EXPECT_TRUE(client_.CancelCall(cancelled.id));
  EXPECT_FALSE(client_.CancelCall(cancelled.id));
  Deliver(Result(cancelled.id, 1), 0.2);  // its late answer matches nothing

  Deliver(Error(limited.id, -32000, "Rate limited", J(R"({"retry_after":1.5})")), 0.3);
  EXPECT_TRUE(outcomes.empty());  // retried, not failed
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_NE(First(events, Kind::kError), nullptr);
  EXPECT_EQ(First(events, Kind::kError)->error.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(First(events, Kind::kError)->error.room, "lobby");
  std::size_t mark = transport_.sent.size();
  client_.Tick(1.7);
  EXPECT_EQ(SentOn(client_.connection().socket(), mark).size(), 0u);
  client_.Tick(1.8);
  std::vector<Value> resent = SentOn(client_.connection().socket(), mark);
  ASSERT_EQ(Methods(resent), std::vector<std::string>{"room.publish"});
  EXPECT_EQ(IdOf(resent[0]), limited.id);
  client_.Tick(2.0);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].method, "slow");
  EXPECT_EQ(outcomes[0].status, CallOutcome::Status::kTimeout);
  Deliver(Error(limited.id, -32000, "Rate limited", J(R"({"retry_after":1.5})")), 2.1);
  ASSERT_EQ(outcomes.size(), 2u);  // its one retry is spent
  EXPECT_EQ(outcomes[1].status, CallOutcome::Status::kError);
  EXPECT_EQ(outcomes[1].error.code, -32000);
}

TEST_F(ClientTest, RetriesWithoutRetryAfterBackOffWithDecorrelatedJitter) {
  Establish(0);
  CallOptions retrying;
  retrying.max_retries = 2;
  std::vector<CallOutcome> outcomes;
  CallTicket call = client_.Call("room.publish", J(R"({"room":"lobby","data":1})"), 0, retrying,
                                 [&outcomes](const CallOutcome& o) { outcomes.push_back(o); });
  client_.Tick(0);
  auto sends = [this] {
    std::size_t count = 0;
    for (const Value& message : SentOn(client_.connection().socket())) count += test::Text(message, "method") == "room.publish";
    return count;
  };
  Deliver(Error(call.id, -32603, "Internal error"), 1);
  client_.Tick(1.19);
  EXPECT_EQ(sends(), 1u);
  client_.Tick(1.2);  // base 0.2 s first
  EXPECT_EQ(sends(), 2u);
  Deliver(Error(call.id, -32603, "Internal error"), 2);
  client_.Tick(2.39);
  EXPECT_EQ(sends(), 2u);
  client_.Tick(2.4);  // uniform(0.2, 3 * 0.2) at 0.5: 0.4 s
  EXPECT_EQ(sends(), 3u);
  Deliver(Error(call.id, -32603, "Internal error"), 3);
  ASSERT_EQ(outcomes.size(), 1u);  // two retries spent: the error reaches the caller
  EXPECT_EQ(outcomes[0].error.code, -32603);
}

TEST_F(ClientTest, AStateGapOrAStaleUpdateReloadsTheRoom) {
  Establish(0);
  Join("lobby", 0, 0);
  client_.TakeEvents();
  std::size_t mark = transport_.sent.size();
  Deliver(MakeNotification("state.delta", J(R"({"room":"lobby","from":5,"to":6,"patch":{"hp":1}})")), 1);
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_NE(First(events, Kind::kError), nullptr);
  EXPECT_EQ(First(events, Kind::kError)->error.source, ErrorSource::kState);
  Deliver(MakeNotification("state.delta", J(R"({"room":"lobby","from":6,"to":7,"patch":{"hp":2}})")), 1.05);
  client_.Tick(1.1);
  std::vector<Value> sent = SentOn(client_.connection().socket(), mark);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"state.get"});  // one reload, however many gaps
  Deliver(Result(IdOf(sent[0]), J(R"({"room":"lobby","version":7,"document":{"hp":2}})")), 1.2);
  EXPECT_EQ(*client_.state_store().Version("lobby"), 7);

  mark = transport_.sent.size();
  std::vector<CallOutcome> outcomes;
  client_.UpdateState("lobby", J(R"({"hp":9})"), 2, {}, [&outcomes](const CallOutcome& o) { outcomes.push_back(o); });
  client_.Tick(2);
  sent = SentOn(client_.connection().socket(), mark);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"state.update"});
  EXPECT_EQ(*sent[0].Find("params"), J(R"({"room":"lobby","base_version":7,"patch":{"hp":9}})"));
  Deliver(Error(IdOf(sent[0]), -32007, "Unknown version", J(R"({"current_version":9})")), 2.1);
  ASSERT_EQ(outcomes.size(), 1u);
  client_.Tick(2.2);
  EXPECT_EQ(Methods(SentOn(client_.connection().socket(), mark)),
            (std::vector<std::string>{"state.update", "state.get"}));
}

TEST_F(ClientTest, PresenceOfARoomIsKeptForTheUi) {
  Establish(0);
  Join("lobby", 0, 0);
  client_.TakeEvents();
  Deliver(MakeNotification("presence.changed", J(R"({"room":"lobby","event":"join",
          "presence":{"player_id":"bob","status":"online","devices":1,"last_seen":null}})")), 1);
  Deliver(MakeNotification("presence.changed", J(R"({"room":"lobby","event":"join",
          "presence":{"player_id":"ann","status":"away","devices":1}})")), 1);
  Deliver(MakeNotification("presence.changed", J(R"({"room":"elsewhere","event":"join",
          "presence":{"player_id":"zed","status":"online","devices":1}})")), 1);
  const PresenceList* presence = client_.Presence("lobby");
  ASSERT_NE(presence, nullptr);
  ASSERT_EQ(presence->rows().size(), 2u);
  EXPECT_EQ(presence->rows()[0].player_id, "bob");
  EXPECT_EQ(presence->rows()[1].player_id, "ann");
  std::vector<ClientEvent> events = client_.TakeEvents();
  EXPECT_EQ(Kinds(events), (std::vector<Kind>{Kind::kPresenceChanged, Kind::kPresenceChanged}));
  EXPECT_EQ(events[0].player, "bob");
  EXPECT_EQ(events[0].reason, "join");
  EXPECT_EQ(events[0].text, "bob joined");
  Deliver(MakeNotification("presence.changed", J(R"({"room":"lobby","event":"leave",
          "presence":{"player_id":"bob","status":"offline","devices":0,"last_seen":100}})")), 2);
  EXPECT_EQ(presence->rows().size(), 1u);
  EXPECT_EQ(client_.Presence("elsewhere"), nullptr);

  // Players the game names (a friends list): their rows are added.
  client_.TakeEvents();
  std::size_t mark = transport_.sent.size();
  client_.QueryPresence("lobby", {"cal", "dee"}, 3);
  client_.Tick(3);
  std::vector<Value> sent = SentOn(client_.connection().socket(), mark);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"presence.query"});
  EXPECT_EQ(*sent[0].Find("params"), J(R"({"players":["cal","dee"]})"));
  Deliver(Result(IdOf(sent[0]), J(R"({"players":[{"player_id":"cal","status":"online","devices":1},
                                                 {"player_id":"dee","status":"offline","devices":0,"last_seen":7}]})")),
          3.1);
  ASSERT_EQ(presence->rows().size(), 3u);
  EXPECT_EQ(presence->rows()[0].player_id, "cal");
  EXPECT_EQ(presence->rows()[2].player_id, "dee");
  events = client_.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kPresenceChanged);
  EXPECT_EQ(events[0].reason, "query");
}

TEST_F(ClientTest, ADrainingNodeIsLeftWithinHalfItsDeadlineAndTheSessionResumes) {
  std::uint64_t first = Establish(0);
  Deliver(MakeNotification("server.draining", J(R"({"deadline":10})")), 1);
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_NE(First(events, Kind::kDraining), nullptr);
  EXPECT_EQ(First(events, Kind::kDraining)->deadline, 10);
  client_.Tick(3.4);
  EXPECT_TRUE(transport_.closed.empty());
  client_.Tick(3.5);  // 1 + 0.5 * 10 / 2
  ASSERT_EQ(transport_.closed.size(), 1u);
  EXPECT_EQ(transport_.closed[0], std::make_pair(first, 1001));
  ASSERT_EQ(transport_.opened.size(), 2u);  // at once, not after a backoff delay
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3.6);
  EXPECT_EQ(Methods(SentOn(second, mark)), std::vector<std::string>{"session.resume"});
}

TEST_F(ClientTest, CloseEndsTheSessionAndFailsWhatIsPending) {
  std::uint64_t first = Establish(0);
  Join("lobby", 0, 0);
  std::vector<std::string> reasons;
  client_.Call("sys.echo", Value(), 1, {}, [&reasons](const CallOutcome& o) { reasons.push_back(o.reason); });
  client_.Close(1, "bye");
  EXPECT_EQ(reasons, std::vector<std::string>{"bye"});
  EXPECT_EQ(client_.state(), State::kClosing);
  client_.OnClosed(first, 1000, "", 1.1);
  EXPECT_EQ(client_.state(), State::kClosed);
  EXPECT_TRUE(client_.Rooms().empty());
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(5, "s5", "t5");
  client_.Tick(5.1);
  EXPECT_TRUE(SentOn(second, mark).empty());  // a fresh session: no resume, no re-join
  EXPECT_EQ(client_.session_id(), "s5");
}

TEST_F(ClientTest, OldSocketsAreIgnoredAndMalformedFramesReported) {
  std::uint64_t first = Establish(0);
  client_.OnClosed(first, 1006, "", 1);
  client_.Tick(3);
  Establish(3);
  client_.TakeEvents();
  client_.OnMessage(first, RoomEvent("lobby", 1, "stale"), 10, 3.1);
  client_.OnClosed(first, 1000, "", 3.1);
  EXPECT_TRUE(events_seen_.empty());
  EXPECT_EQ(client_.state(), State::kConnected);
  client_.OnMalformed(client_.connection().socket(), 12, 3.2);
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error.error_class, ErrorClass::kProtocol);
  EXPECT_EQ(client_.malformed_frames(), 1u);
}

TEST_F(ClientTest, AuthClosesAskForATokenAndFatalOnesStop) {
  std::uint64_t first = Establish(0);
  client_.OnClosed(first, 4001, "token expired", 1);
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_NE(First(events, Kind::kTokenRequired), nullptr);
  EXPECT_EQ(First(events, Kind::kError)->error.strategy, RecoveryStrategy::kRefreshToken);
  client_.Tick(100);
  EXPECT_EQ(transport_.opened.size(), 1u);  // waits for the token
  client_.TokenRefreshed(100);
  EXPECT_EQ(transport_.opened.size(), 2u);
  std::uint64_t second = Establish(100);
  client_.TakeEvents();
  client_.OnClosed(second, 4502, "session replaced by another login", 101);
  events = client_.TakeEvents();
  EXPECT_EQ(client_.state(), State::kClosed);
  ASSERT_NE(First(events, Kind::kError), nullptr);
  EXPECT_EQ(First(events, Kind::kError)->error.error_class, ErrorClass::kFatal);
  EXPECT_EQ(First(events, Kind::kError)->error.strategy, RecoveryStrategy::kGiveUp);
}

TEST_F(ClientTest, PingsMeasureTheRoundTripAndTheTraceRecordsMessages) {
  ClientOptions options = Options();
  options.ping_interval = 2;
  options.trace_capacity = 3;
  Client client(transport_, random_, options);
  std::vector<std::string> traced;
  client.SetTraceHook([&traced](const TraceEntry& entry, const Value&) {
    traced.push_back((entry.outgoing ? ">" : "<") + (entry.method.empty() ? std::to_string(entry.id) : entry.method));
  });
  client.Connect(0);
  std::uint64_t socket = client.connection().socket();
  client.OnOpen(socket, 0);
  client.OnMessage(socket, Welcome("s1", "t1"), 200, 0);
  client.Tick(0);
  ASSERT_EQ(transport_.sent.size(), 1u);
  const Value& ping = transport_.sent[0].second;
  EXPECT_EQ(test::Text(ping, "method"), "sys.ping");
  client.OnMessage(socket, Result(IdOf(ping), J(R"({"client_time":0,"server_time":1000})")), 60, 0.08);
  EXPECT_NEAR(*client.metrics().last_rtt(), 0.08, 1e-9);
  client.Tick(1);
  EXPECT_EQ(transport_.sent.size(), 1u);
  client.Tick(2);
  EXPECT_EQ(transport_.sent.size(), 2u);
  EXPECT_EQ(traced, (std::vector<std::string>{"<session.welcome", ">sys.ping", "<1", ">sys.ping"}));
  std::vector<TraceEntry> recent = client.RecentTrace();
  ASSERT_EQ(recent.size(), 3u);  // the capacity
  EXPECT_EQ(recent[0].method, "sys.ping");
  EXPECT_EQ(recent[1].id, 1);
  EXPECT_GT(client.metrics().BandwidthIn(2), 0.0);
}

TEST_F(ClientTest, APackedMembershipIsJoinedAgainAfterAResumeAndTheDefaultIsNot) {
  std::uint64_t first = Establish(0);
  for (const char* encoding : {"entities", "merge_patch"}) {
    std::size_t mark = transport_.sent.size();
    JoinOptions options;
    options.state_encoding = encoding;
    const std::string room = std::string("room-") + encoding;
    client_.JoinRoom(room, 0, options);
    client_.Tick(0);
    std::vector<Value> sent = SentOn(first, mark);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(test::Text(*sent[0].Find("params"), "state_encoding"), encoding);
    Deliver(Result(IdOf(sent[0]), Joined(room, 0, 1, J("{}"))), 0);
  }
  client_.OnClosed(first, 1006, "", 1);
  client_.Tick(3);
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3);
  Deliver(Result(IdOf(SentOn(second, mark)[0]),
                 J(R"({"session_id":"s1","resume_token":"t2","rooms":["room-entities","room-merge_patch"],"streams":[]})")),
          3.1);
  client_.Tick(3.2);
  std::vector<Value> sent = SentOn(second, mark);
  ASSERT_EQ(Methods(sent), (std::vector<std::string>{"session.resume", "room.join"}));
  EXPECT_EQ(*sent[1].Find("params"), J(R"({"room":"room-entities","state_encoding":"entities"})"));
}

TEST_F(ClientTest, AJoinLoadsWhoIsAlreadyInTheRoom) {
  ClientOptions options = Options();
  options.load_presence_on_join = true;
  Client client(transport_, random_, options);
  client.Connect(0);
  std::uint64_t socket = client.connection().socket();
  client.OnOpen(socket, 0);
  client.OnMessage(socket, Welcome("s1", "t1"), 200, 0);
  client.JoinRoom("lobby", 0);
  client.Tick(0);
  std::size_t mark = transport_.sent.size();
  client.OnMessage(socket, Result(IdOf(SentOn(socket)[0]), Joined("lobby", 0, 1, J("{}"))), 100, 0.1);
  client.Tick(0.1);
  std::vector<Value> sent = SentOn(socket, mark);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"presence.query"});
  EXPECT_EQ(*sent[0].Find("params"), J(R"({"room":"lobby"})"));
  client.OnMessage(socket, Result(IdOf(sent[0]), J(R"({"players":[{"player_id":"ann","status":"away","devices":1},
                                                                 {"player_id":"bob","status":"online","devices":1}]})")),
                   100, 0.2);
  const PresenceList* presence = client.Presence("lobby");
  ASSERT_NE(presence, nullptr);
  ASSERT_EQ(presence->rows().size(), 2u);
  EXPECT_EQ(presence->rows()[0].player_id, "bob");  // online before away
  std::vector<ClientEvent> events = client.TakeEvents();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, Kind::kPresenceChanged);
  EXPECT_EQ(events.back().reason, "query");
}

TEST_F(ClientTest, TheLedgerResolvesEachAnswerOnceByItsId) {
  Establish(0);
  std::vector<CallOutcome> outcomes;
  auto record = [&outcomes](const CallOutcome& outcome) { outcomes.push_back(outcome); };
  CallTicket ping = client_.Call("sys.ping", J(R"({"client_time":0})"), 0, {}, record);
  CallTicket echo = client_.Call("sys.echo", J(R"({"data":1})"), 0, {}, record);
  EXPECT_EQ(ping.id, 1);
  EXPECT_EQ(echo.id, 2);
  client_.Tick(0);
  Deliver(J(R"({"jsonrpc":"2.0","id":2,"result":{"data":1}})"), 0.1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].id, 2);
  EXPECT_EQ(outcomes[0].method, "sys.echo");
  EXPECT_EQ(outcomes[0].status, CallOutcome::Status::kResult);
  EXPECT_EQ(outcomes[0].result, J(R"({"data":1})"));
  Deliver(J(R"({"jsonrpc":"2.0","id":2,"result":1})"), 0.2);    // answered already
  Deliver(J(R"({"jsonrpc":"2.0","id":"1","result":1})"), 0.2);  // not an id of ours
  Deliver(J(R"({"jsonrpc":"2.0","method":"x","id":1})"), 0.2);  // a request, not an answer
  EXPECT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(client_.pending_calls(), 1u);
  Deliver(J(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}})"), 0.3);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[1].method, "sys.ping");
  EXPECT_EQ(outcomes[1].status, CallOutcome::Status::kError);
  EXPECT_EQ(outcomes[1].error.code, -32601);
  EXPECT_EQ(client_.pending_calls(), 0u);
}

TEST_F(ClientTest, CallsTimeOutByTheirDeadlineInIdOrderAndLateAnswersMatchNothing) {
  Establish(10);  // heartbeat_interval 10 + the default grace 5: the connection's own deadline is 25
  std::vector<CallOutcome> outcomes;
  auto record = [&outcomes](const CallOutcome& outcome) { outcomes.push_back(outcome); };
  CallOptions two;
  two.timeout = 2;
  CallOptions one;
  one.timeout = 1;
  CallOptions none;
  none.timeout = 0;
  client_.Call("a", Value(), 10.0, two, record);   // deadline 12
  client_.Call("b", Value(), 10.5, one, record);   // deadline 11.5
  client_.Call("c", Value(), 10.0, none, record);  // no timeout
  client_.Tick(10.5);
  EXPECT_EQ(client_.NextDeadline(10.5), 11.5);
  client_.OnHeard(client_.connection().socket(), 11.4);
  client_.Tick(11.4);
  EXPECT_TRUE(outcomes.empty());
  client_.Tick(12.0);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].method, "a");
  EXPECT_EQ(outcomes[1].method, "b");
  EXPECT_EQ(outcomes[0].status, CallOutcome::Status::kTimeout);
  EXPECT_EQ(outcomes[0].reason, "timed out");
  EXPECT_EQ(client_.pending_calls(), 1u);
  ASSERT_TRUE(client_.NextDeadline(12.0).has_value());
  EXPECT_DOUBLE_EQ(*client_.NextDeadline(12.0), 26.4);  // the heartbeat's (heard at 11.4): "c" has none
  Deliver(J(R"({"jsonrpc":"2.0","id":1,"result":1})"), 12.1);  // a late answer to "a"
  EXPECT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(client_.pending_calls(), 1u);
}

TEST_F(ClientTest, CloseLeavesEveryRoomWithTheReasonAfterTheStateChange) {
  Establish(0);
  Join("lobby", 0, 0);
  Join("arena", 0, 0);
  client_.TakeEvents();
  client_.Close(1, "closed by the game");
  std::vector<ClientEvent> events = client_.TakeEvents();
  std::vector<std::string> left;
  for (const ClientEvent& event : events) {
    if (event.kind == Kind::kRoomLeft) left.push_back(event.room + ": " + event.reason);
  }
  // One per room, in room order, after the connection's own change (the rooms end with the session).
  EXPECT_EQ(left, (std::vector<std::string>{"arena: closed by the game", "lobby: closed by the game"}));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().kind, Kind::kStateChanged);
  EXPECT_EQ(client_.state_store().Document("lobby"), nullptr);
  client_.Close(2, "again");  // nothing is left twice
  for (const ClientEvent& event : client_.TakeEvents()) EXPECT_NE(event.kind, Kind::kRoomLeft);
}

TEST_F(ClientTest, CloseCancelsEveryCallWithItsReasonAndIdsAreNeverReused) {
  std::uint64_t first = Establish(0);
  std::vector<CallOutcome> outcomes;
  auto record = [&outcomes](const CallOutcome& outcome) { outcomes.push_back(outcome); };
  client_.Call("a", Value(), 0, {}, record);
  client_.Tick(0);  // "a" is sent; "b" is still queued when the client closes
  client_.Call("b", Value(), 0, {}, record);
  client_.Close(1, "closed by the game");
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].method, "a");
  EXPECT_EQ(outcomes[0].status, CallOutcome::Status::kDisconnected);
  EXPECT_EQ(outcomes[0].reason, "disconnected");  // sent: it may or may not have run
  EXPECT_EQ(outcomes[1].method, "b");
  EXPECT_EQ(outcomes[1].status, CallOutcome::Status::kCancelled);
  EXPECT_EQ(outcomes[1].reason, "closed by the game");
  EXPECT_EQ(client_.pending_calls(), 0u);
  client_.OnClosed(first, 1000, "", 1.1);
  // A new session, and calls across a lost socket: the ids go on from where they were.
  std::uint64_t second = Establish(2, "s2", "t2");
  EXPECT_EQ(client_.Call("c", Value(), 2, {}, record).id, 3);
  client_.Tick(2);
  client_.OnClosed(second, 1006, "", 3);
  client_.Tick(5);
  Establish(5, "s3", "t3");  // resumes: session.resume takes id 4
  EXPECT_EQ(client_.Call("d", Value(), 5, {}, record).id, 5);
}

TEST_F(ClientTest, TheReconnectScheduleAndTheTokenStateAreTheClientsToRead) {
  std::uint64_t first = Establish(0);
  EXPECT_FALSE(client_.reconnect_schedule().has_value());
  EXPECT_EQ(client_.token_state(), TokenState::kValid);
  EXPECT_FALSE(client_.UseToken("jwt-0", 0.5).ok());  // nothing asked: kept for the next socket
  client_.Tick(0.5);
  EXPECT_TRUE(transport_.sent.empty());

  // session.token_expiring: the next token goes to the gateway with auth.refresh, once.
  Deliver(MakeNotification("session.token_expiring", J(R"({"expired_at":1700000000,"close_at":1700000030})")), 1);
  EXPECT_EQ(client_.token_state(), TokenState::kExpiring);
  EXPECT_EQ(client_.token_deadline(), 1700000030);
  std::vector<CallOutcome> outcomes;
  CallTicket refresh = client_.UseToken("jwt-1", 1.1, [&outcomes](const CallOutcome& o) { outcomes.push_back(o); });
  ASSERT_TRUE(refresh.ok());
  EXPECT_EQ(client_.token_state(), TokenState::kValid);
  EXPECT_EQ(client_.token_deadline(), 0);
  client_.Tick(1.1);
  std::vector<Value> sent = SentOn(first);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"auth.refresh"});
  EXPECT_EQ(*sent[0].Find("params"), J(R"({"token":"jwt-1"})"));
  Deliver(Result(refresh.id, J(R"({"player_id":"alice","expires_at":1700003600})")), 1.2);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_FALSE(client_.UseToken("jwt-2", 1.3).ok());  // nothing asked any more
  client_.Tick(1.3);
  EXPECT_EQ(SentOn(first).size(), 1u);

  // A lost socket: when the next attempt comes, for a countdown.
  client_.OnClosed(first, 1006, "", 2);
  std::optional<ReconnectSchedule> schedule = client_.reconnect_schedule();
  ASSERT_TRUE(schedule.has_value());
  EXPECT_EQ(schedule->attempt, 1);
  EXPECT_EQ(schedule->at, 3.0);
  EXPECT_DOUBLE_EQ(schedule->RetryIn(2.25), 0.75);
  client_.Tick(3);
  EXPECT_FALSE(client_.reconnect_schedule().has_value());  // connecting

  // Expiring, then closed with 4001 before a new token came: the new token is for the next socket.
  std::uint64_t second = Establish(3);
  Deliver(MakeNotification("session.token_expiring", J(R"({"expired_at":1,"close_at":31})")), 4);
  EXPECT_EQ(client_.token_state(), TokenState::kExpiring);
  std::size_t mark = transport_.sent.size();
  client_.OnClosed(second, 4001, "token expired", 5);
  EXPECT_EQ(client_.token_state(), TokenState::kRequired);
  ASSERT_TRUE(client_.reconnect_schedule().has_value());
  EXPECT_FALSE(client_.reconnect_schedule()->at.has_value());  // waits for the token, not for time
  client_.Tick(100);
  EXPECT_EQ(transport_.opened.size(), 2u);
  EXPECT_FALSE(client_.UseToken("jwt-3", 100).ok());  // no auth.refresh: a reconnect
  EXPECT_EQ(transport_.opened.size(), 3u);
  EXPECT_EQ(client_.token_state(), TokenState::kValid);
  EXPECT_EQ(transport_.sent.size(), mark);
  EXPECT_STREQ(ToString(TokenState::kRequired), "required");
}

// --- Rooms as the game sees them: one ordered stream per room ----------------------------------------

TEST_F(ClientTest, EverythingAboutARoomArrivesInTheOrderTheGatewaySentIt) {
  Establish(0);
  Join("lobby", 0, 0);
  client_.TakeEvents();
  Deliver(RoomEvent("lobby", 1, "first"), 1);
  Deliver(MakeNotification("presence.changed", J(R"({"room":"lobby","event":"join",
          "presence":{"player_id":"bob","status":"online","devices":1,"custom":{"name":"Bobby"}}})")), 1);
  Deliver(MakeNotification("state.delta", J(R"({"room":"lobby","from":1,"to":2,"patch":{"hp":5}})")), 1);
  Deliver(MakeNotification("room.event", J(R"({"room":"lobby","epoch":"e1","offset":2,"from":"server:match",
          "type":"match.started","data":{"round":1}})")), 1);
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_EQ(Kinds(events), (std::vector<Kind>{Kind::kRoomEvent, Kind::kPresenceChanged, Kind::kRoomStateChanged,
                                             Kind::kRoomEvent}));
  EXPECT_EQ(events[0].data, Value("first"));
  EXPECT_EQ(events[0].sender, "bob");
  EXPECT_EQ(events[0].type, "");  // untyped, as an older gateway sends them
  EXPECT_EQ(events[0].offset, 1);
  EXPECT_EQ(events[1].display_name, "Bobby");  // from the custom payload's "name"
  EXPECT_EQ(events[1].presence_status, PresenceStatus::kOnline);
  EXPECT_EQ(events[2].version, 2);
  EXPECT_EQ(events[2].cause, StateCause::kDelta);
  EXPECT_EQ(events[3].type, "match.started");
  EXPECT_EQ(events[3].sender, "server:match");
  EXPECT_EQ(events[3].data, J(R"({"round":1})"));
}

TEST_F(ClientTest, AJoinReportsTheRoomThenItsStateAndALeaveTheReverse) {
  Establish(0);
  client_.TakeEvents();
  Join("lobby", 0, 0);
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_EQ(Kinds(events), (std::vector<Kind>{Kind::kRoomJoined, Kind::kRoomStateChanged}));
  EXPECT_EQ(events[1].cause, StateCause::kJoined);
  EXPECT_EQ(events[1].version, 1);
  std::size_t mark = transport_.sent.size();
  client_.LeaveRoom("lobby", 1);
  client_.Tick(1);
  std::vector<Value> sent = SentOn(client_.connection().socket(), mark);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"room.leave"});
  Deliver(Result(IdOf(sent[0]), J(R"({"room":"lobby"})")), 1.1);
  events = client_.TakeEvents();
  ASSERT_EQ(Kinds(events), (std::vector<Kind>{Kind::kRoomStateChanged, Kind::kRoomLeft}));
  EXPECT_EQ(events[0].version, 0);
  EXPECT_EQ(events[0].cause, StateCause::kRemoved);
}

TEST_F(ClientTest, TypedEventsArePublishedWithTheirTypeAndABadTypeIsRefused) {
  Establish(0);
  Join("lobby", 0, 0);
  std::size_t mark = transport_.sent.size();
  EXPECT_TRUE(client_.Publish("lobby", "Event.Player.Hit", J(R"({"damage":5})"), 1).ok());
  EXPECT_TRUE(client_.Publish("lobby", "", 7, 1).ok());
  EXPECT_EQ(client_.Publish("lobby", "bad type", 7, 1).status, EnqueueStatus::kRejectedInvalid);
  client_.Tick(1);
  std::vector<Value> sent = SentOn(client_.connection().socket(), mark);
  ASSERT_EQ(Methods(sent), (std::vector<std::string>{"room.publish", "room.publish"}));
  EXPECT_EQ(*sent[0].Find("params"), J(R"({"room":"lobby","type":"Event.Player.Hit","data":{"damage":5}})"));
  EXPECT_EQ(*sent[1].Find("params"), J(R"({"room":"lobby","data":7})"));  // no type member at all
}

TEST_F(ClientTest, EventsOfARoomBeingJoinedAreKeptAndOfOtherRoomsDropped) {
  Establish(0);
  client_.TakeEvents();
  CallTicket join = client_.JoinRoom("lobby", 0);
  client_.Tick(0);
  EXPECT_TRUE(client_.IsJoining("lobby"));
  // The gateway follows the stream before it answers: an event may come first.
  Deliver(RoomEvent("lobby", 1, "early"), 0.1);
  Deliver(RoomEvent("elsewhere", 1, "stray"), 0.1);
  Deliver(Result(join.id, Joined("lobby", 1, 1, J(R"({})"))), 0.2);
  EXPECT_FALSE(client_.IsJoining("lobby"));
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_EQ(Kinds(events), (std::vector<Kind>{Kind::kRoomEvent, Kind::kRoomJoined, Kind::kRoomStateChanged}));
  EXPECT_EQ(events[0].data, Value("early"));
  EXPECT_EQ(client_.stray_events_dropped(), 1u);
}

TEST_F(ClientTest, ACancelledJoinStillQueuedIsNeverSent) {
  Establish(0);
  CallTicket join = client_.JoinRoom("lobby", 0);
  ASSERT_TRUE(join.ok());
  std::size_t mark = transport_.sent.size();
  EXPECT_TRUE(client_.CancelCall(join.id));
  EXPECT_FALSE(client_.IsJoining("lobby"));
  client_.Tick(0.1);
  EXPECT_TRUE(SentOn(client_.connection().socket(), mark).empty());
  EXPECT_EQ(client_.queue().size(), 0u);
}

TEST_F(ClientTest, ACancelledJoinThatSucceedsLateIsLeftWithoutTellingTheGame) {
  Establish(0);
  bool called = false;
  CallTicket join = client_.JoinRoom("lobby", 0, {}, [&called](const CallOutcome&) { called = true; });
  client_.Tick(0);
  client_.TakeEvents();
  EXPECT_TRUE(client_.CancelCall(join.id));
  Deliver(RoomEvent("lobby", 1, "not for the game"), 0.2);  // the gateway joined us meanwhile
  std::size_t mark = transport_.sent.size();
  Deliver(Result(join.id, Joined("lobby", 1, 1, J(R"({"hp":1})"))), 0.3);
  client_.Tick(0.3);
  std::vector<Value> sent = SentOn(client_.connection().socket(), mark);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"room.leave"});
  EXPECT_EQ(*sent[0].Find("params"), J(R"({"room":"lobby"})"));
  Deliver(Result(IdOf(sent[0]), J(R"({"room":"lobby"})")), 0.4);
  EXPECT_FALSE(called);
  EXPECT_TRUE(client_.TakeEvents().empty());  // no join, no event, no leave: the game never had the room
  EXPECT_FALSE(client_.InRoom("lobby"));
  EXPECT_EQ(client_.state_store().Document("lobby"), nullptr);
  EXPECT_EQ(client_.stray_events_dropped(), 1u);
}

TEST_F(ClientTest, ATimedOutJoinThatSucceedsLateIsLeftToo) {
  Establish(0);
  JoinOptions quick;
  quick.timeout = 1;
  std::vector<CallOutcome> outcomes;
  CallTicket join = client_.JoinRoom("lobby", 0, quick, [&outcomes](const CallOutcome& o) { outcomes.push_back(o); });
  client_.Tick(0);
  client_.Tick(1.5);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, CallOutcome::Status::kTimeout);
  EXPECT_EQ(CallError(outcomes[0]).call_failure, CallFailure::kTimedOut);
  std::size_t mark = transport_.sent.size();
  Deliver(Result(join.id, Joined("lobby", 0, 1, J(R"({})"))), 2);
  client_.Tick(2);
  EXPECT_EQ(Methods(SentOn(client_.connection().socket(), mark)), std::vector<std::string>{"room.leave"});
}

TEST_F(ClientTest, ALateSuccessIsKeptWhenTheGameJoinedThatRoomAgain) {
  Establish(0);
  CallTicket first = client_.JoinRoom("lobby", 0);
  client_.Tick(0);
  EXPECT_TRUE(client_.CancelCall(first.id));
  CallTicket second = client_.JoinRoom("lobby", 0.1);
  client_.Tick(0.1);
  std::size_t mark = transport_.sent.size();
  Deliver(Result(first.id, Joined("lobby", 0, 1, J(R"({})"))), 0.2);   // the cancelled one: not left
  Deliver(Result(second.id, Joined("lobby", 0, 1, J(R"({})"))), 0.3);  // the one the game wants
  client_.Tick(0.3);
  EXPECT_TRUE(SentOn(client_.connection().socket(), mark).empty());
  EXPECT_TRUE(client_.InRoom("lobby"));
  // A cancelled join the gateway refused needs nothing either.
  CallTicket refused = client_.JoinRoom("vip", 1);
  client_.Tick(1);
  mark = transport_.sent.size();
  client_.CancelCall(refused.id);
  Deliver(Error(refused.id, -32002, "Forbidden"), 1.1);
  client_.Tick(1.1);
  EXPECT_TRUE(SentOn(client_.connection().socket(), mark).empty());
}

TEST_F(ClientTest, ARoomAResumedSessionHoldsThatTheClientDoesNotIsLeft) {
  std::uint64_t first = Establish(0);
  Join("lobby", 0, 0);
  std::vector<CallOutcome> outcomes;
  client_.JoinRoom("arena", 0.5, {}, [&outcomes](const CallOutcome& o) { outcomes.push_back(o); });
  client_.Tick(0.5);  // sent; the socket goes before the answer
  client_.OnClosed(first, 1006, "", 1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, CallOutcome::Status::kDisconnected);
  EXPECT_EQ(CallError(outcomes[0]).call_failure, CallFailure::kDisconnected);
  client_.Tick(3);
  std::size_t mark = transport_.sent.size();
  std::uint64_t second = Establish(3);
  std::vector<Value> sent = SentOn(second, mark);
  // The join did reach the gateway: the resumed session holds "arena" too.
  Deliver(Result(IdOf(sent[0]), J(R"({"session_id":"s1","resume_token":"t2","rooms":["arena","lobby"],
                                      "streams":[{"stream":"room:lobby","recovered":true,"replayed":0,
                                                  "epoch":"e1","offset":0}]})")),
          3.1);
  client_.Tick(3.2);
  sent = SentOn(second, mark);
  ASSERT_EQ(Methods(sent), (std::vector<std::string>{"session.resume", "room.leave"}));
  EXPECT_EQ(*sent[1].Find("params"), J(R"({"room":"arena"})"));
  EXPECT_TRUE(client_.InRoom("lobby"));
}

TEST_F(ClientTest, AWatchedCollectionReportsEveryEntryAddedChangedAndRemoved) {
  Establish(0);
  const std::uint64_t watch = client_.WatchCollection("lobby", *Path::Parse("players"));
  EXPECT_NE(watch, 0u);
  CallTicket join = client_.JoinRoom("lobby", 0);
  client_.Tick(0);
  Deliver(Result(join.id, Joined("lobby", 0, 1, J(R"({"players":{"ann":{"x":1},"bob":{"x":2}},"round":1})"))), 0.1);
  auto changes = [this] {
    std::vector<std::string> lines;
    for (const ClientEvent& event : client_.TakeEvents()) {
      if (event.kind == Kind::kCollectionChanged) {
        lines.push_back(std::string(ToString(event.change)) + " " + event.key + " " + Describe(event.data));
      } else if (event.kind == Kind::kRoomStateChanged) {
        lines.push_back("state " + std::to_string(event.version));
      }
    }
    return lines;
  };
  EXPECT_EQ(changes(), (std::vector<std::string>{"state 1", "added ann {\"x\":1}", "added bob {\"x\":2}"}));
  Deliver(MakeNotification("state.delta", J(R"({"room":"lobby","from":1,"to":2,
          "patch":{"players":{"ann":{"x":5},"bob":null,"cat":{"x":3}},"round":2}})")), 1);
  EXPECT_EQ(changes(), (std::vector<std::string>{"state 2", "changed ann {\"x\":5}", "removed bob {\"x\":2}",
                                                 "added cat {\"x\":3}"}));
  Deliver(MakeNotification("state.delta", J(R"({"room":"lobby","from":2,"to":3,"patch":{"round":3}})")), 1.1);
  EXPECT_EQ(changes(), std::vector<std::string>{"state 3"});  // nothing in the collection moved

  // A second watch made now sees what is there at once.
  const std::uint64_t late = client_.WatchCollection("lobby", *Path::Parse("players"));
  std::vector<ClientEvent> events = client_.TakeEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].watch, late);
  EXPECT_EQ(events[0].key, "ann");
  EXPECT_TRUE(client_.Unwatch(late));
  EXPECT_FALSE(client_.Unwatch(late));

  // Leaving removes every entry (the spawner removes every actor).
  std::size_t mark = transport_.sent.size();
  client_.LeaveRoom("lobby", 2);
  client_.Tick(2);
  Deliver(Result(IdOf(SentOn(client_.connection().socket(), mark)[0]), J(R"({"room":"lobby"})")), 2.1);
  EXPECT_EQ(changes(), (std::vector<std::string>{"state 0", "removed ann {\"x\":5}", "removed cat {\"x\":3}"}));
}

TEST_F(ClientTest, AReloadedRoomReportsOnlyWhatReallyChanged) {
  Establish(0);
  client_.WatchCollection("lobby", *Path::Parse("players"));
  CallTicket join = client_.JoinRoom("lobby", 0);
  client_.Tick(0);
  Deliver(Result(join.id, Joined("lobby", 0, 1, J(R"({"players":{"ann":1,"bob":2}})"))), 0.1);
  client_.TakeEvents();
  std::size_t mark = transport_.sent.size();
  Deliver(MakeNotification("state.delta", J(R"({"room":"lobby","from":5,"to":6,"patch":{}})")), 1);  // a gap
  client_.Tick(1);
  std::vector<Value> sent = SentOn(client_.connection().socket(), mark);
  ASSERT_EQ(Methods(sent), std::vector<std::string>{"state.get"});
  Deliver(Result(IdOf(sent[0]), J(R"({"room":"lobby","version":6,"document":{"players":{"ann":1,"cal":3}}})")), 1.1);
  std::vector<std::string> lines;
  for (const ClientEvent& event : client_.TakeEvents()) {
    if (event.kind == Kind::kCollectionChanged) lines.push_back(std::string(ToString(event.change)) + " " + event.key);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"removed bob", "added cal"}));  // ann stayed: not reported
}

TEST_F(ClientTest, TheDisplayNameComesFromTheConfiguredPresenceMember) {
  PresenceEntry entry;
  entry.player_id = "p7";
  EXPECT_EQ(client_.DisplayName(entry), "p7");
  entry.custom = J(R"({"name":"Seven"})");
  EXPECT_EQ(client_.DisplayName(entry), "Seven");
  entry.custom = J(R"({"name":""})");
  EXPECT_EQ(client_.DisplayName(entry), "p7");
  entry.custom = J(R"({"name":7})");
  EXPECT_EQ(client_.DisplayName(entry), "p7");
}

}  // namespace
}  // namespace rtnet
