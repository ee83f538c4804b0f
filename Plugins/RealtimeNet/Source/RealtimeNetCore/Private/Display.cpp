#include "rtnet/Display.h"

#include <cmath>
#include <cstdio>

namespace rtnet {

int QualityBars(ConnectionQuality quality) {
  switch (quality) {
    case ConnectionQuality::kExcellent: return 4;
    case ConnectionQuality::kGood: return 3;
    case ConnectionQuality::kFair: return 2;
    case ConnectionQuality::kPoor: return 1;
    case ConnectionQuality::kBad:
    case ConnectionQuality::kUnknown: return 0;
  }
  return 0;
}

std::optional<double> CountdownSeconds(double seconds_left) {
  const double tenths = std::ceil(seconds_left * 10.0 - 1e-9);
  if (!(tenths >= 1)) return std::nullopt;  // also NaN
  return tenths / 10.0;
}

std::string ReconnectingText(int attempt, double seconds_left) {
  std::string text = "Reconnecting (" + std::to_string(attempt) + ")";
  const std::optional<double> countdown = CountdownSeconds(seconds_left);
  if (!countdown) return text;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, " in %.1f s", *countdown);
  return text + seconds;
}

PresenceNews PresenceNewsOf(std::string_view event, PresenceStatus status) {
  if (event == "join") return PresenceNews::kJoined;
  if (event == "leave") return PresenceNews::kLeft;
  switch (status) {
    case PresenceStatus::kOnline: return PresenceNews::kOnline;
    case PresenceStatus::kAway: return PresenceNews::kAway;
    case PresenceStatus::kOffline: return PresenceNews::kOffline;
  }
  return PresenceNews::kOffline;
}

std::string PresenceChangeText(std::string_view event, const PresenceEntry& entry) {
  const std::string& who = entry.player_id;
  switch (PresenceNewsOf(event, entry.status)) {
    case PresenceNews::kJoined: return who + " joined";
    case PresenceNews::kLeft: return who + " left";
    case PresenceNews::kOnline: return who + " is online";
    case PresenceNews::kAway: return who + " is away";
    case PresenceNews::kOffline: return who + " went offline";
  }
  return who;
}

}  // namespace rtnet
