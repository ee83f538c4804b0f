// Presence rows in display order and "last seen" text, so widgets hold no logic.
#include <utility>

#include "TestSupport.h"
#include "rtnet/Presence.h"

namespace rtnet {
namespace {

using test::J;

std::vector<std::string> Order(const PresenceList& list) {
  std::vector<std::string> ids;
  for (const PresenceEntry& row : list.rows()) ids.push_back(row.player_id);
  return ids;
}

TEST(Presence, RowsAreOnlineThenAwayThenOfflineMostRecentlySeenFirst) {
  PresenceList list({true});
  EXPECT_EQ(list.Load(J(R"({"players":[
      {"player_id":"zoe","status":"offline","devices":0,"last_seen":100},
      {"player_id":"amy","status":"offline","devices":0,"last_seen":null},
      {"player_id":"bob","status":"online","devices":2,"custom":{"map":"docks"}},
      {"player_id":"cat","status":"away","devices":1},
      {"player_id":"abe","status":"online","devices":1},
      {"player_id":"dan","status":"offline","devices":0,"last_seen":500},
      {"status":"online"},
      {"player_id":"bad","status":"sleeping"}]})")),
            6u);
  EXPECT_EQ(Order(list), (std::vector<std::string>{"abe", "bob", "cat", "dan", "zoe", "amy"}));
  EXPECT_EQ(list.CountWithStatus(PresenceStatus::kOnline), 2u);
  EXPECT_EQ(list.Find("bob")->custom, J(R"({"map":"docks"})"));
  EXPECT_EQ(list.Find("bob")->devices, 2);
  EXPECT_EQ(list.Find("bad"), nullptr);
}

TEST(Presence, ChangesMoveRowsAndBumpTheRevision) {
  PresenceList room;
  std::uint64_t revision = room.revision();
  EXPECT_TRUE(room.OnChanged(J(R"({"room":"r","event":"join","presence":{"player_id":"bob","status":"online","devices":1}})")));
  EXPECT_TRUE(room.OnChanged(J(R"({"room":"r","event":"join","presence":{"player_id":"ann","status":"online","devices":1}})")));
  EXPECT_TRUE(room.OnChanged(J(R"({"room":"r","event":"status","presence":{"player_id":"ann","status":"away","devices":1}})")));
  EXPECT_EQ(Order(room), (std::vector<std::string>{"bob", "ann"}));
  EXPECT_GT(room.revision(), revision);
  EXPECT_TRUE(room.OnChanged(J(R"({"room":"r","event":"leave","presence":{"player_id":"bob","status":"offline","devices":0,"last_seen":5}})")));
  EXPECT_EQ(Order(room), std::vector<std::string>{"ann"});  // a room list drops who left
  EXPECT_FALSE(room.OnChanged(J(R"({"room":"r","event":"wave","presence":{"player_id":"x","status":"online"}})")));
  EXPECT_FALSE(room.OnChanged(J(R"({"room":"r","event":"join"})")));
  EXPECT_FALSE(room.OnChanged(J(R"({"room":"r","event":"join","presence":{"player_id":"","status":"online"}})")));

  PresenceList friends({true});
  friends.OnChanged(J(R"({"room":"r","event":"leave","presence":{"player_id":"bob","status":"offline","devices":0,"last_seen":5}})"));
  ASSERT_NE(friends.Find("bob"), nullptr);  // a friends list keeps them, offline
  EXPECT_EQ(*friends.Find("bob")->last_seen, 5);
}

TEST(Presence, LastSeenText) {
  PresenceEntry entry;
  entry.status = PresenceStatus::kOffline;
  const double now = 1'000'000;
  auto seen = [&entry, now](double ago) {
    entry.last_seen = now - ago;
    return FormatLastSeen(entry, now);
  };
  EXPECT_EQ(seen(0), "just now");
  EXPECT_EQ(seen(-30), "just now");  // the server's clock is ahead
  EXPECT_EQ(seen(59), "just now");
  EXPECT_EQ(seen(60), "1 minute ago");
  EXPECT_EQ(seen(5 * 60 + 59), "5 minutes ago");
  EXPECT_EQ(seen(3600), "1 hour ago");
  EXPECT_EQ(seen(23 * 3600), "23 hours ago");
  EXPECT_EQ(seen(30 * 3600), "yesterday");
  EXPECT_EQ(seen(3 * 86400), "3 days ago");
  EXPECT_EQ(seen(15 * 86400), "2 weeks ago");
  EXPECT_EQ(seen(60 * 86400), "long ago");
  entry.last_seen.reset();
  EXPECT_EQ(FormatLastSeen(entry, now), "offline");
  entry.status = PresenceStatus::kAway;
  EXPECT_EQ(FormatLastSeen(entry, now), "away");
  entry.status = PresenceStatus::kOnline;
  EXPECT_EQ(FormatLastSeen(entry, now), "online");
}

TEST(Presence, LastSeenIsAUnitAndACountForAnyLanguage) {
  PresenceEntry entry;
  const double now = 1'000'000;
  auto seen = [&entry, now](double ago) {
    entry.last_seen = now - ago;
    const LastSeen result = LastSeenOf(entry, now);
    return std::make_pair(result.unit, result.count);
  };
  using U = LastSeen::Unit;
  EXPECT_EQ(seen(30), std::make_pair(U::kJustNow, 0L));
  EXPECT_EQ(seen(5 * 60 + 59), std::make_pair(U::kMinutes, 5L));
  EXPECT_EQ(seen(23 * 3600), std::make_pair(U::kHours, 23L));
  EXPECT_EQ(seen(30 * 3600), std::make_pair(U::kYesterday, 0L));
  EXPECT_EQ(seen(3 * 86400), std::make_pair(U::kDays, 3L));
  EXPECT_EQ(seen(15 * 86400), std::make_pair(U::kWeeks, 2L));
  EXPECT_EQ(seen(60 * 86400), std::make_pair(U::kLongAgo, 0L));
  entry.status = PresenceStatus::kAway;
  EXPECT_EQ(LastSeenOf(entry, now).unit, U::kAway);
}

}  // namespace
}  // namespace rtnet
