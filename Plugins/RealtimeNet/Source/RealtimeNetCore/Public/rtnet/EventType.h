// Room events carry a type ("match.started", "Event.Player.Hit") so a receiver routes them without
// parsing the payload. Types are dot-separated names, as Unreal's Gameplay Tags are, and a filter matches
// a type and everything under it ("Event.Player" matches "Event.Player.Hit"), as FGameplayTag::MatchesTag
// does, so Blueprints can wait for a tag and C++ or rtnet-headless filter the same way.
#pragma once

#include "rtnet/Export.h"

#include <cstddef>
#include <string_view>

namespace rtnet {

/// The longest type the protocol accepts (`room.publish` params `type`, maxLength).
inline constexpr std::size_t kMaxEventTypeLength = 128;

/// A type the gateway accepts: 1 to kMaxEventTypeLength characters, dot-separated names of letters,
/// digits, '_', ':' and '-' (no empty name, so no leading, trailing or doubled dot). The empty string is
/// not a type (an untyped event simply has none).
RTNET_API bool IsValidEventType(std::string_view type);

/// Whether an event of `type` is one a receiver waiting for `filter` wants. An empty filter matches
/// every event, typed or not. `exact`: only that type. Otherwise the type itself or any type below it
/// ("Event.Player" matches "Event.Player" and "Event.Player.Hit", not "Event.PlayerJoined"). An untyped
/// event (empty `type`) matches only the empty filter.
RTNET_API bool EventTypeMatches(std::string_view type, std::string_view filter, bool exact = false);

}  // namespace rtnet
