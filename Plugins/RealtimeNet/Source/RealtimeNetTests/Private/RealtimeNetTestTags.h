// Gameplay Tags the specs publish and wait for (registered natively when the test module loads, so no project tag
// table is needed): RealtimeNetTest.Match, RealtimeNetTest.Match.Started, RealtimeNetTest.Score.
#pragma once

#include "CoreMinimal.h"
#include "NativeGameplayTags.h"

namespace RealtimeNetTestTags
{
UE_DECLARE_GAMEPLAY_TAG_EXTERN(Match);
UE_DECLARE_GAMEPLAY_TAG_EXTERN(MatchStarted);
UE_DECLARE_GAMEPLAY_TAG_EXTERN(Score);
}  // namespace RealtimeNetTestTags
