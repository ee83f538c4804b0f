// The client's room state: the version rules of docs/event-protocol.md, entities, history,
// validation and change events.
#include <string>
#include <vector>

#include "TestSupport.h"
#include "rtnet/MergePatch.h"
#include "rtnet/StateStore.h"

namespace rtnet {
namespace {

using test::J;

Value Joined(const char* room, std::int64_t version, const char* document) {
  Value joined = J(R"({"room":"","stream":"room:x","epoch":"e","offset":0})");
  joined.Set("room", room);
  joined.Set("state_version", version);
  joined.Set("state", J(document));
  return joined;
}

Value Delta(const char* room, std::int64_t from, std::int64_t to, const char* patch) {
  return Value::MakeObject({{"room", room}, {"from", from}, {"to", to}, {"patch", J(patch)}});
}

TEST(StateStore, JoinLoadsTheDocumentAndVersion) {
  StateStore store;
  EXPECT_EQ(store.Document("r"), nullptr);
  EXPECT_FALSE(store.Version("r"));
  StateResult result = store.OnJoined(Joined("r", 3, R"({"a":1})"));
  EXPECT_EQ(result.status, StateStatus::kApplied);
  EXPECT_EQ(result.version, 3);
  EXPECT_EQ(*store.Document("r"), J(R"({"a":1})"));
  EXPECT_EQ(store.Version("r"), 3);
  EXPECT_EQ(store.Rooms(), std::vector<std::string>{"r"});
  EXPECT_EQ(store.ResumeState(), J(R"([{"room":"r","version":3}])"));
}

TEST(StateStore, DeltaRulesFromTheProtocol) {
  StateStore store;
  store.OnJoined(Joined("r", 5, R"({"a":1,"b":{"c":2}})"));
  // from == v: applies.
  StateResult next = store.OnDelta(Delta("r", 5, 6, R"({"a":2})"));
  EXPECT_EQ(next.status, StateStatus::kApplied);
  EXPECT_EQ(next.version, 6);
  EXPECT_EQ(*store.Document("r"), J(R"({"a":2,"b":{"c":2}})"));
  // from < v < to: a coalesced 4 -> 7 re-applies 5..6 harmlessly.
  EXPECT_EQ(store.OnDelta(Delta("r", 4, 7, R"({"a":2,"b":{"d":3}})")).status, StateStatus::kApplied);
  EXPECT_EQ(*store.Document("r"), J(R"({"a":2,"b":{"c":2,"d":3}})"));
  EXPECT_EQ(store.Version("r"), 7);
  // to <= v: ignored, document untouched.
  EXPECT_EQ(store.OnDelta(Delta("r", 6, 7, R"({"a":99})")).status, StateStatus::kIgnored);
  EXPECT_EQ(store.OnDelta(Delta("r", 1, 3, R"({"a":99})")).status, StateStatus::kIgnored);
  EXPECT_EQ(*store.Document("r"), J(R"({"a":2,"b":{"c":2,"d":3}})"));
  // v < from: a gap, resync needed, nothing changes.
  StateResult gap = store.OnDelta(Delta("r", 8, 9, R"({"a":3})"));
  EXPECT_EQ(gap.status, StateStatus::kGap);
  EXPECT_TRUE(gap.resync_needed());
  EXPECT_EQ(gap.version, 7);
  EXPECT_EQ(store.Version("r"), 7);
  // Null deletes members.
  EXPECT_TRUE(store.OnDelta(Delta("r", 7, 8, R"({"b":{"c":null},"a":null})")).applied());
  EXPECT_EQ(*store.Document("r"), J(R"({"b":{"d":3}})"));
}

TEST(StateStore, CoalescedPatchesEndInTheSameDocumentFromAnyPrefix) {
  // The gateway's per-tick coalescing: whatever version in [from, to) the client holds, applying the
  // composed patch gives the document the individual deltas give.
  const char* patches[] = {R"({"a":1,"b":{"x":1}})", R"({"b":{"y":2},"c":[1]})", R"({"a":null,"b":{"x":3}})",
                           R"({"d":"s","c":null})"};
  Value base = J(R"({"z":0})");
  std::vector<Value> documents = {base};
  for (const char* patch : patches) documents.push_back(MergePatch(documents.back(), J(patch)));
  std::optional<Value> composed = J(patches[0]);
  for (int i = 1; i < 4; ++i) composed = Compose(*composed, J(patches[i]));
  ASSERT_TRUE(composed);
  for (std::int64_t held = 0; held < 4; ++held) {
    StateStore store;
    store.Load("r", held, documents[static_cast<std::size_t>(held)]);
    Value params = Value::MakeObject({{"room", "r"}, {"from", 0}, {"to", 4}, {"patch", *composed}});
    ASSERT_TRUE(store.OnDelta(params).applied()) << held;
    EXPECT_EQ(*store.Document("r"), documents[4]) << held;
  }
}

TEST(StateStore, BadAndUnknownMessagesChangeNothing) {
  StateStore store;
  EXPECT_EQ(store.OnDelta(Delta("nowhere", 0, 1, "{}")).status, StateStatus::kUnknownRoom);
  store.Load("r", 1, J("{}"));
  EXPECT_EQ(store.OnDelta(J(R"({"room":"r","from":1,"to":2})")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.OnDelta(J(R"({"room":"r","from":1,"to":2,"patch":[1]})")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.OnDelta(J(R"({"room":"r","from":"1","to":2,"patch":{}})")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.OnDelta(Delta("r", 2, 2, "{}")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.OnDelta(Delta("r", 3, 2, "{}")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.OnJoined(J(R"({"room":"r","state_version":1})")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.OnJoined(Joined("r", 1, "[1]")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.OnSnapshot(J(R"({"room":"r","version":2,"document":5})")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.Load("r", -1, J("{}")).status, StateStatus::kBadMessage);
  EXPECT_EQ(store.Version("r"), 1);
  EXPECT_FALSE(store.OnNotification("room.event", J("{}")));
}

TEST(StateStore, SnapshotsLoadUnlessOlderJoinsAlwaysReplace) {
  StateStore store;
  store.OnJoined(Joined("r", 5, R"({"a":1})"));
  EXPECT_EQ(store.OnSnapshot(J(R"({"room":"r","version":4,"document":{"a":0}})")).status, StateStatus::kIgnored);
  EXPECT_EQ(*store.Document("r"), J(R"({"a":1})"));
  StateResult loaded = store.OnSnapshot(J(R"({"room":"r","version":9,"document":{"a":9}})"));
  EXPECT_TRUE(loaded.applied());
  EXPECT_EQ(store.Version("r"), 9);
  // state.snapshot arrives as a notification; state.get's result has the same shape.
  std::optional<StateResult> routed =
      store.OnNotification("state.snapshot", J(R"({"room":"r","version":10,"document":{"a":10}})"));
  ASSERT_TRUE(routed);
  EXPECT_TRUE(routed->applied());
  // A new join replaces even with a lower version (the room was reset) and forgets the history.
  EXPECT_TRUE(store.OnJoined(Joined("r", 2, R"({"fresh":true})")).applied());
  EXPECT_EQ(store.Version("r"), 2);
  EXPECT_EQ(store.HistoryVersions("r"), std::vector<std::int64_t>{2});
}

TEST(StateStore, GapThenResyncThroughStateGet) {
  StateStore store;
  store.Load("r", 1, J(R"({"n":1})"));
  ASSERT_EQ(store.OnDelta(Delta("r", 3, 4, R"({"n":4})")).status, StateStatus::kGap);
  ASSERT_TRUE(store.OnSnapshot(J(R"({"room":"r","version":4,"document":{"n":4}})")).applied());
  EXPECT_EQ(store.OnDelta(Delta("r", 3, 4, R"({"n":4})")).status, StateStatus::kIgnored);  // now held
  EXPECT_TRUE(store.OnDelta(Delta("r", 4, 5, R"({"n":5})")).applied());
}

TEST(StateStore, EntitiesOnlyAtExactlyFrom) {
  StateStore store;
  Value joined = Joined("arena", 10, R"({"e":{"a":{"x":1.5,"rot":90},"b":{"x":0.0,"rot":0}}})");
  joined.Set("entities", J(R"({"e":{"x":0.01,"rot":1}})"));
  ASSERT_TRUE(store.OnJoined(joined).applied());
  // The example of docs/event-protocol.md: a.x += 0.11, b.rot -= 1, c added through rest.
  Value params = J(R"({"room":"arena","from":10,"to":11,"entities":{"e":"AgMGFgE="},
                       "rest":{"e":{"c":{"x":2.0,"rot":5}}}})");
  // At another version: a gap (the packed differences are not idempotent).
  StateStore behind;
  behind.Load("arena", 9, *store.Document("arena"));
  EXPECT_EQ(behind.OnEntities(params).status, StateStatus::kGap);
  StateStore ahead;
  ahead.Load("arena", 10, *store.Document("arena"));
  ahead.OnDelta(Delta("arena", 10, 11, "{}"));
  EXPECT_EQ(ahead.OnEntities(params).status, StateStatus::kIgnored);  // already holds `to`
  Value mid = params;
  mid.Set("from", 9);
  mid.Set("to", 12);
  EXPECT_EQ(store.OnEntities(mid).status, StateStatus::kGap);  // from < v < to: not applicable
  std::optional<StateResult> applied = store.OnNotification("state.entities", params);
  ASSERT_TRUE(applied);
  ASSERT_EQ(applied->status, StateStatus::kApplied);
  EXPECT_EQ(*store.Document("arena"), J(R"({"e":{"a":{"x":1.61,"rot":90},"b":{"x":0.0,"rot":-1},
                                                "c":{"x":2.0,"rot":5}}})"));
  EXPECT_EQ(store.Version("arena"), 11);
}

TEST(StateStore, EntitiesThatDoNotFitNeedResync) {
  StateStore store;
  Value joined = Joined("arena", 1, R"({"e":{"a":{"x":1}}})");
  joined.Set("entities", J(R"({"e":{"x":0.01}})"));
  store.OnJoined(joined);
  StateResult wrong = store.OnEntities(J(R"({"room":"arena","from":1,"to":2,"entities":{"e":"AgMGFgE="}})"));
  EXPECT_EQ(wrong.status, StateStatus::kEntityError);
  EXPECT_EQ(wrong.entity_error, EntityError::kMemberCountDiffers);
  EXPECT_TRUE(wrong.resync_needed());
  EXPECT_EQ(store.Version("arena"), 1);
  // Without a declared schema the collection is undeclared.
  StateStore plain;
  plain.OnJoined(Joined("arena", 1, R"({"e":{"a":{"x":1}}})"));
  EXPECT_EQ(plain.OnEntities(J(R"({"room":"arena","from":1,"to":2,"entities":{"e":"AQEBAg=="}})")).entity_error,
            EntityError::kUndeclaredCollection);
  ASSERT_TRUE(plain.SetEntitySchema("arena", J(R"({"e":{"x":0.01}})")));
  EXPECT_FALSE(plain.SetEntitySchema("arena", J(R"({"e":{}})")));
  EXPECT_FALSE(plain.SetEntitySchema("other", J(R"({"e":{"x":1}})")));
  EXPECT_TRUE(plain.OnEntities(J(R"({"room":"arena","from":1,"to":2,"entities":{"e":"AQEBAg=="}})")).applied());
  EXPECT_EQ(*plain.Document("arena"), J(R"({"e":{"a":{"x":1.01}}})"));
  // A malformed schema in room.join is a bad message.
  Value bad = Joined("x", 1, "{}");
  bad.Set("entities", J(R"({"e":{"x":-1}})"));
  EXPECT_EQ(plain.OnJoined(bad).status, StateStatus::kBadMessage);
}

TEST(StateStore, HistoryIsBoundedAndServesRecentVersions) {
  StateStoreOptions options;
  options.history = 3;
  StateStore store(options);
  store.Load("r", 1, J(R"({"n":1})"));
  for (std::int64_t v = 2; v <= 6; ++v) {
    Value patch = Value::MakeObject({{"n", v}});
    ASSERT_TRUE(store.ApplyDelta("r", v - 1, v, patch).applied());
  }
  EXPECT_EQ(store.HistoryVersions("r"), (std::vector<std::int64_t>{4, 5, 6}));
  EXPECT_EQ(*store.DocumentAt("r", 4), J(R"({"n":4})"));
  EXPECT_EQ(*store.DocumentAt("r", 6), J(R"({"n":6})"));
  EXPECT_EQ(store.DocumentAt("r", 3), nullptr);
  EXPECT_EQ(store.DocumentAt("r", 7), nullptr);
  EXPECT_EQ(store.DocumentAt("x", 6), nullptr);
  // A coalesced delta skips intermediate versions: they were never held.
  store.ApplyDelta("r", 6, 9, J(R"({"n":9})"));
  EXPECT_EQ(store.HistoryVersions("r"), (std::vector<std::int64_t>{5, 6, 9}));
  StateStoreOptions none;
  none.history = 0;  // at least the current one
  StateStore minimal(none);
  minimal.Load("r", 1, J("{}"));
  minimal.ApplyDelta("r", 1, 2, J(R"({"a":1})"));
  EXPECT_EQ(minimal.HistoryVersions("r"), std::vector<std::int64_t>{2});
}

TEST(StateStore, ValidatorMayRefuseANewDocument) {
  StateStore store;
  std::vector<std::string> seen;
  store.SetValidator([&](std::string_view room, const Value* current, const Value& proposed, std::int64_t version,
                         std::string& reason) {
    seen.push_back(std::string(room) + "@" + std::to_string(version) + (current ? "+" : "-"));
    const Value* hp = proposed.Find("hp");
    if (hp != nullptr && hp->AsInt() != nullptr && *hp->AsInt() < 0) {
      reason = "hp below zero";
      return false;
    }
    return true;
  });
  ASSERT_TRUE(store.Load("r", 1, J(R"({"hp":10})")).applied());
  StateResult refused = store.ApplyDelta("r", 1, 2, J(R"({"hp":-5})"));
  EXPECT_EQ(refused.status, StateStatus::kRefused);
  EXPECT_EQ(refused.reason, "hp below zero");
  EXPECT_EQ(refused.version, 1);
  EXPECT_EQ(*store.Document("r"), J(R"({"hp":10})"));
  EXPECT_FALSE(refused.resync_needed());
  EXPECT_EQ(store.Load("q", 1, J(R"({"hp":-1})")).status, StateStatus::kRefused);
  EXPECT_EQ(store.Document("q"), nullptr);
  EXPECT_EQ(seen, (std::vector<std::string>{"r@1-", "r@2+", "q@1-"}));
  store.SetValidator(nullptr);
  EXPECT_TRUE(store.ApplyDelta("r", 1, 2, J(R"({"hp":-5})")).applied());
}

TEST(StateStore, ListenersHearEveryCommittedChange) {
  StateStore store;
  struct Heard {
    std::string room;
    StateCause cause;
    std::int64_t from, to;
    Value previous, document;
  };
  std::vector<Heard> heard;
  std::uint64_t id = store.AddListener([&](const StateChange& change) {
    heard.push_back({change.room, change.cause, change.from_version, change.to_version,
                     change.previous ? *change.previous : Value(), change.document ? *change.document : Value()});
  });
  EXPECT_NE(id, 0u);
  store.OnJoined(Joined("r", 1, R"({"a":1})"));
  store.OnDelta(Delta("r", 1, 2, R"({"a":2})"));
  store.OnDelta(Delta("r", 1, 2, R"({"a":2})"));  // ignored: nothing heard
  store.OnDelta(Delta("r", 5, 6, R"({"a":2})"));  // gap: nothing heard
  store.OnSnapshot(J(R"({"room":"r","version":7,"document":{"a":7}})"));
  EXPECT_TRUE(store.Remove("r"));
  EXPECT_FALSE(store.Remove("r"));
  ASSERT_EQ(heard.size(), 4u);
  EXPECT_EQ(heard[0].cause, StateCause::kJoined);
  EXPECT_EQ(heard[0].from, 0);
  EXPECT_TRUE(heard[0].previous.IsNull());
  EXPECT_EQ(heard[1].cause, StateCause::kDelta);
  EXPECT_EQ(heard[1].previous, J(R"({"a":1})"));
  EXPECT_EQ(heard[1].document, J(R"({"a":2})"));
  EXPECT_EQ(heard[2].cause, StateCause::kSnapshot);
  EXPECT_EQ(heard[2].from, 2);
  EXPECT_EQ(heard[2].to, 7);
  EXPECT_EQ(heard[3].cause, StateCause::kRemoved);
  EXPECT_EQ(heard[3].previous, J(R"({"a":7})"));
  EXPECT_TRUE(heard[3].document.IsNull());
  EXPECT_EQ(store.Version("r"), std::nullopt);
  EXPECT_TRUE(store.RemoveListener(id));
  EXPECT_FALSE(store.RemoveListener(id));
  store.Load("r", 1, J("{}"));
  EXPECT_EQ(heard.size(), 4u);
}

TEST(StateStore, ListenerMayRemoveItselfAndOthersWhileNotified) {
  StateStore store;
  int first = 0, second = 0;
  std::uint64_t second_id = 0;
  std::uint64_t first_id = 0;
  first_id = store.AddListener([&](const StateChange&) {
    ++first;
    store.RemoveListener(first_id);
    store.RemoveListener(second_id);
  });
  second_id = store.AddListener([&](const StateChange&) { ++second; });
  store.Load("r", 1, J("{}"));
  store.Load("r", 2, J("{}"));
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 0);  // removed before its turn
}

}  // namespace
}  // namespace rtnet

namespace rtnet {
namespace {

// A small deterministic generator (no global state, no clock): the same cases on every run.
struct Lcg {
  std::uint64_t state;
  std::uint64_t Next(std::uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  }
};

Value RandomPatch(Lcg& rng) {
  const char* keys[] = {"a", "b", "c", "d"};
  Value patch = Value::MakeObject();
  const std::uint64_t members = 1 + rng.Next(3);
  for (std::uint64_t i = 0; i < members; ++i) {
    const char* key = keys[rng.Next(4)];
    switch (rng.Next(4)) {
      case 0: patch.Set(key, Value()); break;  // delete
      case 1: patch.Set(key, static_cast<std::int64_t>(rng.Next(100))); break;
      case 2: patch.Set(key, Value::MakeObject({{keys[rng.Next(4)], static_cast<std::int64_t>(rng.Next(9))}})); break;
      default: patch.Set(key, Value::MakeObject({{keys[rng.Next(4)], Value()}})); break;
    }
  }
  return patch;
}

TEST(StateStoreProperty, AnyDeliveryTheGatewayMayChooseEndsInTheCurrentDocument) {
  // For random histories, a client at any version that receives what the gateway may send (one
  // composed delta where the patches compose, else the deltas in order, with duplicates of what it
  // already has mixed in) ends in exactly the server's document.
  Lcg rng{42};
  for (int round = 0; round < 300; ++round) {
    const std::size_t length = 2 + rng.Next(6);
    std::vector<Value> patches;
    std::vector<Value> documents = {Value::MakeObject()};
    for (std::size_t i = 0; i < length; ++i) {
      patches.push_back(RandomPatch(rng));
      documents.push_back(MergePatch(documents.back(), patches.back()));
    }
    const auto held = static_cast<std::int64_t>(rng.Next(length));
    StateStore store;
    ASSERT_TRUE(store.Load("r", held, documents[static_cast<std::size_t>(held)]).applied());
    // The gateway composes from a version at or before the client's (it may not know exactly).
    const auto base = static_cast<std::int64_t>(rng.Next(static_cast<std::uint64_t>(held) + 1));
    std::optional<Value> composed = patches[static_cast<std::size_t>(base)];
    for (std::size_t i = static_cast<std::size_t>(base) + 1; i < length && composed; ++i) {
      composed = Compose(*composed, patches[i]);
    }
    if (composed) {
      StateResult result = store.ApplyDelta("r", base, static_cast<std::int64_t>(length), *composed);
      ASSERT_EQ(result.status, StateStatus::kApplied) << round;
    } else {
      for (std::size_t i = static_cast<std::size_t>(base); i < length; ++i) {
        const auto from = static_cast<std::int64_t>(i);
        StateResult result = store.ApplyDelta("r", from, from + 1, patches[i]);
        ASSERT_EQ(result.status, from < held ? StateStatus::kIgnored : StateStatus::kApplied) << round;
      }
    }
    EXPECT_EQ(*store.Document("r"), documents[length]) << round;
    EXPECT_EQ(store.Version("r"), static_cast<std::int64_t>(length));
    // Replaying any of it again changes nothing.
    EXPECT_EQ(store.ApplyDelta("r", 0, 1, patches[0]).status, StateStatus::kIgnored);
  }
}

}  // namespace
}  // namespace rtnet
