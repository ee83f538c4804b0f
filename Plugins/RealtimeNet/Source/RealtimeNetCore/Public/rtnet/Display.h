// The words and numbers the UI shows for what the core measured or heard, written once here so every
// widget (UMG, a debug overlay, rtnet-headless) says the same thing and holds no logic of its own.
#pragma once

#include "rtnet/Export.h"

#include <optional>
#include <string>
#include <string_view>

#include "rtnet/NetworkMetrics.h"
#include "rtnet/Presence.h"

namespace rtnet {

/// 0-4 signal bars for a grade: excellent 4, good 3, fair 2, poor 1, bad and unknown 0.
RTNET_API int QualityBars(ConnectionQuality quality);

/// The seconds a reconnect countdown shows: rounded up to a tenth, so it never reads "0.0" while still waiting;
/// none once the delay has passed (the attempt is under way).
RTNET_API std::optional<double> CountdownSeconds(double seconds_left);

/// "Reconnecting (2) in 1.4 s"; "Reconnecting (2)" once the delay has passed (the attempt is under way).
RTNET_API std::string ReconnectingText(int attempt, double seconds_left);

/// What a presence.changed means for a toast, so a UI can word it in any language.
enum class PresenceNews { kJoined, kLeft, kOnline, kAway, kOffline };

/// The news of a presence.changed: `event` is the notification's event (join, leave, status); a status
/// change is told by the status it changed to.
RTNET_API PresenceNews PresenceNewsOf(std::string_view event, PresenceStatus status);

/// A presence.changed for a toast: "bob joined", "bob left", "bob is away", "bob is online",
/// "bob went offline" (the English wording of PresenceNewsOf, with the player id).
RTNET_API std::string PresenceChangeText(std::string_view event, const PresenceEntry& entry);

}  // namespace rtnet
