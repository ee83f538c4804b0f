// The event dispatcher: filters, priorities, handles, changes made by handlers mid-dispatch, tracing.
#include <memory>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "rtnet/Dispatcher.h"
#include "rtnet/JsonRpc.h"

namespace rtnet {
namespace {

using test::J;

TEST(Dispatcher, FiltersByMethodPrefixRoomAndPredicate) {
  Dispatcher dispatcher;
  std::vector<std::string> calls;
  auto record = [&](const char* name) { return [&calls, name](const IncomingMessage&) { calls.push_back(name); }; };
  dispatcher.On("room.event", record("exact"));
  dispatcher.On("state.*", record("prefix"));
  dispatcher.Add(DispatchFilter{"", "lobby", nullptr, 0}, record("room"));
  dispatcher.Add(DispatchFilter{"room.event", "", [](const IncomingMessage& m) {
                                  const Value* from = m.params.Find("from");
                                  return from != nullptr && from->IsString() && from->AsString()->rfind("server:", 0) == 0;
                                }, 0},
                 record("predicate"));
  dispatcher.On("", record("all"));

  EXPECT_EQ(dispatcher.Dispatch("room.event", J(R"({"room":"lobby","from":"p1"})")), 3u);
  EXPECT_EQ(calls, (std::vector<std::string>{"exact", "room", "all"}));
  calls.clear();
  EXPECT_EQ(dispatcher.Dispatch("room.event", J(R"({"room":"arena","from":"server:ai"})")), 3u);
  EXPECT_EQ(calls, (std::vector<std::string>{"exact", "predicate", "all"}));
  calls.clear();
  dispatcher.Dispatch("state.delta", J(R"({"room":"arena"})"));
  dispatcher.Dispatch("state.entities", J(R"({"room":"lobby"})"));
  dispatcher.Dispatch("state", J("{}"));     // not under "state."
  dispatcher.Dispatch("stateX.y", J("{}"));  // nor this
  EXPECT_EQ(calls, (std::vector<std::string>{"prefix", "all", "prefix", "room", "all", "all", "all"}));
  calls.clear();
  dispatcher.Dispatch("presence.changed", J(R"({"room":7})"));  // a non-string room matches no room filter
  EXPECT_EQ(calls, (std::vector<std::string>{"all"}));
}

TEST(Dispatcher, PrioritiesThenRegistrationOrder) {
  Dispatcher dispatcher;
  std::vector<int> order;
  dispatcher.On("e", [&](const IncomingMessage&) { order.push_back(1); }, 0);
  dispatcher.On("e", [&](const IncomingMessage&) { order.push_back(2); }, 10);
  dispatcher.On("e", [&](const IncomingMessage&) { order.push_back(3); }, 0);
  dispatcher.On("e", [&](const IncomingMessage&) { order.push_back(4); }, -5);
  dispatcher.On("e", [&](const IncomingMessage&) { order.push_back(5); }, 10);
  dispatcher.Dispatch("e", J("{}"));
  EXPECT_EQ(order, (std::vector<int>{2, 5, 1, 3, 4}));
}

TEST(Dispatcher, HandlesRemoveExactlyOnce) {
  Dispatcher dispatcher;
  int calls = 0;
  DispatchHandle handle = dispatcher.On("e", [&](const IncomingMessage&) { ++calls; });
  EXPECT_TRUE(handle);
  EXPECT_FALSE(dispatcher.On("e", nullptr));  // no handler, no handle
  EXPECT_EQ(dispatcher.size(), 1u);
  EXPECT_TRUE(dispatcher.Remove(handle));
  EXPECT_FALSE(dispatcher.Remove(handle));
  EXPECT_FALSE(dispatcher.Remove(DispatchHandle{}));
  EXPECT_EQ(dispatcher.Dispatch("e", J("{}")), 0u);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(dispatcher.size(), 0u);
}

TEST(Dispatcher, AHandlerMayRemoveItselfWhileRunning) {
  Dispatcher dispatcher;
  // The handler owns state through its closure; removing itself must not destroy it mid-call.
  auto owned = std::make_shared<int>(0);
  DispatchHandle self;
  int after = 0;
  self = dispatcher.On("e", [&dispatcher, &self, &after, owned](const IncomingMessage&) {
    EXPECT_TRUE(dispatcher.Remove(self));
    ++*owned;  // still alive: destroyed only after the dispatch
    ++after;
  });
  owned.reset();
  dispatcher.Dispatch("e", J("{}"));
  dispatcher.Dispatch("e", J("{}"));
  EXPECT_EQ(after, 1);
  EXPECT_EQ(dispatcher.size(), 0u);
}

TEST(Dispatcher, AHandlerMayRemoveAnotherBeforeItsTurn) {
  Dispatcher dispatcher;
  std::vector<std::string> calls;
  DispatchHandle second;
  dispatcher.On("e", [&](const IncomingMessage&) {
    calls.push_back("first");
    dispatcher.Remove(second);
  });
  second = dispatcher.On("e", [&](const IncomingMessage&) { calls.push_back("second"); });
  dispatcher.On("e", [&](const IncomingMessage&) { calls.push_back("third"); });
  dispatcher.Dispatch("e", J("{}"));
  EXPECT_EQ(calls, (std::vector<std::string>{"first", "third"}));
  EXPECT_EQ(dispatcher.size(), 2u);
}

TEST(Dispatcher, HandlersAddedMidDispatchStartWithTheNextMessage) {
  Dispatcher dispatcher;
  std::vector<std::string> calls;
  bool added = false;
  DispatchHandle late;
  dispatcher.On("e", [&](const IncomingMessage&) {
    calls.push_back("adder");
    if (!added) {
      added = true;
      late = dispatcher.On("e", [&](const IncomingMessage&) { calls.push_back("late"); }, 100);
    }
  });
  EXPECT_EQ(dispatcher.Dispatch("e", J("{}")), 1u);
  EXPECT_EQ(dispatcher.Dispatch("e", J("{}")), 2u);
  EXPECT_EQ(calls, (std::vector<std::string>{"adder", "late", "adder"}));  // priority 100 runs first
  // Added and removed within the same dispatch: never runs.
  Dispatcher other;
  int ran = 0;
  other.On("e", [&](const IncomingMessage&) {
    DispatchHandle h = other.On("e", [&](const IncomingMessage&) { ++ran; });
    EXPECT_TRUE(other.Remove(h));
  });
  other.Dispatch("e", J("{}"));
  other.Dispatch("e", J("{}"));
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(other.size(), 1u);
}

TEST(Dispatcher, NestedDispatchAndClearDuringDispatch) {
  Dispatcher dispatcher;
  std::vector<std::string> calls;
  std::vector<std::size_t> depths;
  dispatcher.SetTrace([&](const DispatchTrace& trace) { depths.push_back(trace.depth); });
  dispatcher.On("outer", [&](const IncomingMessage&) {
    calls.push_back("outer");
    EXPECT_TRUE(dispatcher.dispatching());
    dispatcher.Dispatch("inner", J("{}"));
    dispatcher.Clear();
  });
  dispatcher.On("inner", [&](const IncomingMessage&) { calls.push_back("inner"); });
  dispatcher.On("outer", [&](const IncomingMessage&) { calls.push_back("outer-2"); });  // cleared before its turn
  dispatcher.Dispatch("outer", J("{}"));
  EXPECT_EQ(calls, (std::vector<std::string>{"outer", "inner"}));
  EXPECT_EQ(depths, (std::vector<std::size_t>{2, 1}));
  EXPECT_EQ(dispatcher.size(), 0u);
  EXPECT_FALSE(dispatcher.dispatching());
}

TEST(Dispatcher, TraceSeesEveryMessageHandledOrNot) {
  Dispatcher dispatcher;
  struct Seen {
    std::string method, room;
    std::size_t handled;
  };
  std::vector<Seen> seen;
  dispatcher.SetTrace([&](const DispatchTrace& t) { seen.push_back({std::string(t.method), std::string(t.room), t.handled}); });
  dispatcher.On("room.event", [](const IncomingMessage&) {});
  dispatcher.DispatchNotification(MakeNotification("room.event", J(R"({"room":"a"})")));
  dispatcher.DispatchNotification(MakeNotification("future.event", J("{}")));  // unknown: ignored, but traced
  dispatcher.DispatchNotification(J(R"({"jsonrpc":"2.0","method":"no.params"})"));
  EXPECT_EQ(dispatcher.DispatchNotification(MakeRequest(1, "room.event", J("{}"))), 0u);  // not a notification
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "room.event");
  EXPECT_EQ(seen[0].room, "a");
  EXPECT_EQ(seen[0].handled, 1u);
  EXPECT_EQ(seen[1].handled, 0u);
  EXPECT_EQ(seen[2].method, "no.params");
  // The hook may remove itself.
  dispatcher.SetTrace([&](const DispatchTrace&) { dispatcher.SetTrace(nullptr); seen.clear(); });
  dispatcher.Dispatch("x", J("{}"));
  dispatcher.Dispatch("x", J("{}"));
  EXPECT_TRUE(seen.empty());
}

TEST(Dispatcher, HandlersSeeTheParamsAndRoom) {
  Dispatcher dispatcher;
  Value got;
  std::string room;
  dispatcher.On("room.event", [&](const IncomingMessage& m) {
    got = m.params;
    room = std::string(m.room);
  });
  dispatcher.Dispatch("room.event", J(R"({"room":"r1","data":{"k":1}})"));
  EXPECT_EQ(room, "r1");
  EXPECT_EQ(*got.Find("data"), J(R"({"k":1})"));
}

}  // namespace
}  // namespace rtnet
