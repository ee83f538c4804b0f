#include "rtnet/Presence.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace rtnet {

const char* ToString(PresenceStatus status) {
  switch (status) {
    case PresenceStatus::kOnline: return "online";
    case PresenceStatus::kAway: return "away";
    case PresenceStatus::kOffline: return "offline";
  }
  return "offline";
}

std::optional<PresenceStatus> ParsePresenceStatus(std::string_view text) {
  if (text == "online") return PresenceStatus::kOnline;
  if (text == "away") return PresenceStatus::kAway;
  if (text == "offline") return PresenceStatus::kOffline;
  return std::nullopt;
}

std::optional<PresenceEntry> ParsePresence(const Value& presence) {
  const Value* player = presence.Find("player_id");
  const Value* status = presence.Find("status");
  if (player == nullptr || !player->IsString() || player->AsString()->empty() || status == nullptr ||
      !status->IsString()) {
    return std::nullopt;
  }
  std::optional<PresenceStatus> parsed = ParsePresenceStatus(*status->AsString());
  if (!parsed) return std::nullopt;
  PresenceEntry entry;
  entry.player_id = *player->AsString();
  entry.status = *parsed;
  if (const Value* devices = presence.Find("devices"); devices != nullptr && devices->IsInt()) {
    entry.devices = std::max<std::int64_t>(0, *devices->AsInt());
  }
  if (const Value* custom = presence.Find("custom")) entry.custom = *custom;
  if (const Value* seen = presence.Find("last_seen"); seen != nullptr && seen->IsNumber()) {
    entry.last_seen = seen->AsNumber();
  }
  return entry;
}

namespace {

std::string Ago(long count, const char* unit) {
  return std::to_string(count) + " " + unit + (count == 1 ? "" : "s") + " ago";
}

}  // namespace

LastSeen LastSeenOf(const PresenceEntry& entry, double now) {
  using Unit = LastSeen::Unit;
  if (entry.status == PresenceStatus::kOnline) return {Unit::kOnline, 0};
  if (entry.status == PresenceStatus::kAway) return {Unit::kAway, 0};
  if (!entry.last_seen || !std::isfinite(*entry.last_seen)) return {Unit::kOffline, 0};
  const double seconds = now - *entry.last_seen;
  if (!(seconds >= 60)) return {Unit::kJustNow, 0};  // also NaN and the future
  constexpr double kMinute = 60, kHour = 3600, kDay = 86400, kWeek = 7 * kDay;
  if (seconds < kHour) return {Unit::kMinutes, static_cast<long>(seconds / kMinute)};
  if (seconds < kDay) return {Unit::kHours, static_cast<long>(seconds / kHour)};
  if (seconds < 2 * kDay) return {Unit::kYesterday, 0};
  if (seconds < 2 * kWeek) return {Unit::kDays, static_cast<long>(seconds / kDay)};
  if (seconds < 8 * kWeek) return {Unit::kWeeks, static_cast<long>(seconds / kWeek)};
  return {Unit::kLongAgo, 0};
}

std::string FormatLastSeen(const PresenceEntry& entry, double now) {
  const LastSeen seen = LastSeenOf(entry, now);
  switch (seen.unit) {
    case LastSeen::Unit::kOnline: return "online";
    case LastSeen::Unit::kAway: return "away";
    case LastSeen::Unit::kOffline: return "offline";
    case LastSeen::Unit::kJustNow: return "just now";
    case LastSeen::Unit::kMinutes: return Ago(seen.count, "minute");
    case LastSeen::Unit::kHours: return Ago(seen.count, "hour");
    case LastSeen::Unit::kYesterday: return "yesterday";
    case LastSeen::Unit::kDays: return Ago(seen.count, "day");
    case LastSeen::Unit::kWeeks: return Ago(seen.count, "week");
    case LastSeen::Unit::kLongAgo: return "long ago";
  }
  return "offline";
}

bool PresenceList::OnChanged(const Value& params) {
  const Value* event = params.Find("event");
  const Value* presence = params.Find("presence");
  if (event == nullptr || !event->IsString() || presence == nullptr) return false;
  std::optional<PresenceEntry> entry = ParsePresence(*presence);
  if (!entry) return false;
  const std::string& kind = *event->AsString();
  if (kind == "leave") {
    if (!options_.keep_departed) {
      Remove(entry->player_id);
      return true;
    }
  } else if (kind != "join" && kind != "status") {
    return false;
  }
  Upsert(std::move(*entry));
  return true;
}

std::size_t PresenceList::Load(const Value& presence_list) {
  const Value* players = presence_list.Find("players");
  if (players == nullptr || !players->IsArray()) return 0;
  std::size_t applied = 0;
  for (const Value& player : *players->AsArray()) {
    if (std::optional<PresenceEntry> entry = ParsePresence(player)) {
      Upsert(std::move(*entry));
      ++applied;
    }
  }
  return applied;
}

void PresenceList::Upsert(PresenceEntry entry) {
  auto held = std::find_if(rows_.begin(), rows_.end(),
                           [&entry](const PresenceEntry& row) { return row.player_id == entry.player_id; });
  if (held != rows_.end()) {
    *held = std::move(entry);
  } else {
    rows_.push_back(std::move(entry));
  }
  Sort();
  ++revision_;
}

bool PresenceList::Remove(std::string_view player_id) {
  auto held = std::find_if(rows_.begin(), rows_.end(),
                           [player_id](const PresenceEntry& row) { return row.player_id == player_id; });
  if (held == rows_.end()) return false;
  rows_.erase(held);  // erasing keeps the order
  ++revision_;
  return true;
}

void PresenceList::Clear() {
  if (rows_.empty()) return;
  rows_.clear();
  ++revision_;
}

const PresenceEntry* PresenceList::Find(std::string_view player_id) const {
  for (const PresenceEntry& row : rows_) {
    if (row.player_id == player_id) return &row;
  }
  return nullptr;
}

std::size_t PresenceList::CountWithStatus(PresenceStatus status) const {
  return static_cast<std::size_t>(
      std::count_if(rows_.begin(), rows_.end(), [status](const PresenceEntry& row) { return row.status == status; }));
}

void PresenceList::Sort() {
  std::stable_sort(rows_.begin(), rows_.end(), [](const PresenceEntry& a, const PresenceEntry& b) {
    if (a.status != b.status) return static_cast<int>(a.status) < static_cast<int>(b.status);
    if (a.status == PresenceStatus::kOffline && a.last_seen != b.last_seen) {
      if (!a.last_seen) return false;  // never seen goes last
      if (!b.last_seen) return true;
      return *a.last_seen > *b.last_seen;
    }
    return a.player_id < b.player_id;
  });
}

}  // namespace rtnet
