// What the UI shows: signal bars, the reconnect countdown, presence toasts.
#include "TestSupport.h"
#include "rtnet/Display.h"

namespace rtnet {
namespace {

TEST(Display, QualityBarsFollowTheGrade) {
  EXPECT_EQ(QualityBars(ConnectionQuality::kExcellent), 4);
  EXPECT_EQ(QualityBars(ConnectionQuality::kGood), 3);
  EXPECT_EQ(QualityBars(ConnectionQuality::kFair), 2);
  EXPECT_EQ(QualityBars(ConnectionQuality::kPoor), 1);
  EXPECT_EQ(QualityBars(ConnectionQuality::kBad), 0);
  EXPECT_EQ(QualityBars(ConnectionQuality::kUnknown), 0);
}

TEST(Display, TheReconnectCountdownNeverShowsZeroWhileWaiting) {
  EXPECT_EQ(ReconnectingText(2, 1.4), "Reconnecting (2) in 1.4 s");
  EXPECT_EQ(ReconnectingText(1, 0.01), "Reconnecting (1) in 0.1 s");
  EXPECT_EQ(ReconnectingText(3, 0.0), "Reconnecting (3)");
  EXPECT_EQ(ReconnectingText(3, -2.0), "Reconnecting (3)");
  EXPECT_EQ(ReconnectingText(1, 12.0), "Reconnecting (1) in 12.0 s");
  EXPECT_EQ(CountdownSeconds(1.01), 1.1);  // rounded up: never "0.0" while waiting
  EXPECT_EQ(CountdownSeconds(0.01), 0.1);
  EXPECT_EQ(CountdownSeconds(0.0), std::nullopt);
  EXPECT_EQ(CountdownSeconds(-1.0), std::nullopt);
}

TEST(Display, PresenceToasts) {
  PresenceEntry bob;
  bob.player_id = "bob";
  bob.status = PresenceStatus::kOnline;
  EXPECT_EQ(PresenceChangeText("join", bob), "bob joined");
  EXPECT_EQ(PresenceChangeText("leave", bob), "bob left");
  EXPECT_EQ(PresenceChangeText("status", bob), "bob is online");
  bob.status = PresenceStatus::kAway;
  EXPECT_EQ(PresenceChangeText("status", bob), "bob is away");
  bob.status = PresenceStatus::kOffline;
  EXPECT_EQ(PresenceChangeText("status", bob), "bob went offline");
  EXPECT_EQ(PresenceNewsOf("join", PresenceStatus::kOffline), PresenceNews::kJoined);
  EXPECT_EQ(PresenceNewsOf("leave", PresenceStatus::kOnline), PresenceNews::kLeft);
  EXPECT_EQ(PresenceNewsOf("status", PresenceStatus::kAway), PresenceNews::kAway);
}

}  // namespace
}  // namespace rtnet
