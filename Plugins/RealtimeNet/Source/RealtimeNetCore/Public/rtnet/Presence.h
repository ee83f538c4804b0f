// Presence lists the UI shows as they are: who is in a room (or on a friends list), their status, and
// "last seen" text, kept in display order, so widgets bind to rows and hold no logic.
#pragma once

#include "rtnet/Export.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtnet/Value.h"

namespace rtnet {

/// A player's status across devices (PlayerPresence.status).
enum class PresenceStatus { kOnline, kAway, kOffline };

RTNET_API const char* ToString(PresenceStatus status);
/// "online" / "away" / "offline"; none for anything else.
RTNET_API std::optional<PresenceStatus> ParsePresenceStatus(std::string_view text);

/// One row: PlayerPresence as the gateway sends it.
struct PresenceEntry {
  std::string player_id;
  PresenceStatus status = PresenceStatus::kOffline;
  std::int64_t devices = 0;
  Value custom;                      // the latest device's custom payload (null when none)
  std::optional<double> last_seen;   // Unix seconds; none while connected or never seen
};

/// Parses a PlayerPresence object; none when player_id or status is missing or malformed.
RTNET_API std::optional<PresenceEntry> ParsePresence(const Value& presence);

/// How long ago a row was seen, as a unit and a count, so a UI can word it in any language
/// (FormatLastSeen is the English wording of the same decision).
struct LastSeen {
  enum class Unit { kOnline, kAway, kOffline, kJustNow, kMinutes, kHours, kYesterday, kDays, kWeeks, kLongAgo };
  Unit unit = Unit::kOffline;
  long count = 0;  // kMinutes .. kWeeks: how many (at least 1)
};

/// The LastSeen of a row at wall-clock `now` (Unix seconds); the boundaries are FormatLastSeen's.
RTNET_API LastSeen LastSeenOf(const PresenceEntry& entry, double now);

/// "Last seen" text for a row at wall-clock `now` (Unix seconds): "online", "away", "just now" (under
/// a minute), "1 minute ago", "5 minutes ago", "1 hour ago", "3 hours ago", "yesterday", "4 days ago",
/// "2 weeks ago" (up to 8 weeks), then "long ago"; "offline" when never seen. A last_seen in the future
/// (clock skew) counts as "just now".
RTNET_API std::string FormatLastSeen(const PresenceEntry& entry, double now);

struct PresenceListOptions {
  /// A room list removes a player on `leave`; a friends list keeps them as an offline row.
  bool keep_departed = false;
};

/// One list of players, always sorted for display: online first, then away, then offline; within
/// online and away by player id; offline by most recently seen first (never seen last), then id.
class RTNET_API PresenceList {
 public:
  explicit PresenceList(PresenceListOptions options = {}) : options_(options) {}

  /// presence.changed params ({room, event: join|leave|status, presence}); false when malformed.
  bool OnChanged(const Value& params);
  /// A presence.query result ({players: [...]}): upserts every valid row; the count applied.
  std::size_t Load(const Value& presence_list);
  /// Upserts one row.
  void Upsert(PresenceEntry entry);
  bool Remove(std::string_view player_id);
  void Clear();

  /// The rows in display order.
  const std::vector<PresenceEntry>& rows() const { return rows_; }
  const PresenceEntry* Find(std::string_view player_id) const;
  std::size_t CountWithStatus(PresenceStatus status) const;
  /// Bumped by every change, so a widget redraws only when it moved.
  std::uint64_t revision() const { return revision_; }

 private:
  void Sort();

  PresenceListOptions options_;
  std::vector<PresenceEntry> rows_;
  std::uint64_t revision_ = 0;
};

}  // namespace rtnet
