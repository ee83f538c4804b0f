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

std::string FormatLastSeen(const PresenceEntry& entry, double now) {
  if (entry.status == PresenceStatus::kOnline) return "online";
  if (entry.status == PresenceStatus::kAway) return "away";
  if (!entry.last_seen || !std::isfinite(*entry.last_seen)) return "offline";
  const double seconds = now - *entry.last_seen;
  if (!(seconds >= 60)) return "just now";  // also NaN and the future
  constexpr double kMinute = 60, kHour = 3600, kDay = 86400, kWeek = 7 * kDay;
  if (seconds < kHour) return Ago(static_cast<long>(seconds / kMinute), "minute");
  if (seconds < kDay) return Ago(static_cast<long>(seconds / kHour), "hour");
  if (seconds < 2 * kDay) return "yesterday";
  if (seconds < 2 * kWeek) return Ago(static_cast<long>(seconds / kDay), "day");
  if (seconds < 8 * kWeek) return Ago(static_cast<long>(seconds / kWeek), "week");
  return "long ago";
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
