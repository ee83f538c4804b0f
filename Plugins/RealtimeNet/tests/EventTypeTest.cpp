// rtnet/EventType.h: which event types are valid and which a filter matches (Gameplay Tag semantics).
#include <string>

#include "TestSupport.h"
#include "rtnet/EventType.h"

namespace rtnet {
namespace {

TEST(EventTypeTest, TypesAreDotSeparatedNames) {
  for (const char* good : {"hit", "match.started", "Event.Player.Hit", "a_b-c:d.e9"}) {
    EXPECT_TRUE(IsValidEventType(good)) << good;
  }
  for (const char* bad : {"", ".hit", "hit.", "a..b", "has space", "ümlaut", "a/b", "a\nb"}) {
    EXPECT_FALSE(IsValidEventType(bad)) << bad;
  }
  EXPECT_TRUE(IsValidEventType(std::string(kMaxEventTypeLength, 'a')));
  EXPECT_FALSE(IsValidEventType(std::string(kMaxEventTypeLength + 1, 'a')));
}

TEST(EventTypeTest, AFilterMatchesItsTypeAndEverythingBelowIt) {
  EXPECT_TRUE(EventTypeMatches("Event.Player.Hit", "Event.Player"));
  EXPECT_TRUE(EventTypeMatches("Event.Player", "Event.Player"));
  EXPECT_FALSE(EventTypeMatches("Event.PlayerJoined", "Event.Player"));  // a name, not a prefix of text
  EXPECT_FALSE(EventTypeMatches("Event", "Event.Player"));
  EXPECT_FALSE(EventTypeMatches("Event.Player.Hit", "Event.Player", /*exact*/ true));
  EXPECT_TRUE(EventTypeMatches("Event.Player", "Event.Player", /*exact*/ true));
}

TEST(EventTypeTest, TheEmptyFilterMatchesEverythingAndAnUntypedEventOnlyIt) {
  EXPECT_TRUE(EventTypeMatches("anything", ""));
  EXPECT_TRUE(EventTypeMatches("", ""));
  EXPECT_TRUE(EventTypeMatches("", "", true));
  EXPECT_FALSE(EventTypeMatches("", "Event"));
}

}  // namespace
}  // namespace rtnet
