#include "RealtimeNetTestTags.h"

namespace RealtimeNetTestTags
{
UE_DEFINE_GAMEPLAY_TAG(Match, "RealtimeNetTest.Match");
UE_DEFINE_GAMEPLAY_TAG(MatchStarted, "RealtimeNetTest.Match.Started");
UE_DEFINE_GAMEPLAY_TAG(Score, "RealtimeNetTest.Score");
}  // namespace RealtimeNetTestTags
