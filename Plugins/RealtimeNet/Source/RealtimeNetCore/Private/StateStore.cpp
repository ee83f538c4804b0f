#include "rtnet/StateStore.h"

#include <utility>

#include "rtnet/MergePatch.h"

namespace rtnet {
namespace {

StateResult Result(StateStatus status, std::string room, std::int64_t version) {
  StateResult result;
  result.status = status;
  result.room = std::move(room);
  result.version = version;
  return result;
}

}  // namespace

const char* ToString(StateStatus status) {
  switch (status) {
    case StateStatus::kApplied: return "applied";
    case StateStatus::kIgnored: return "ignored";
    case StateStatus::kGap: return "gap";
    case StateStatus::kEntityError: return "entity_error";
    case StateStatus::kRefused: return "refused";
    case StateStatus::kUnknownRoom: return "unknown_room";
    case StateStatus::kBadMessage: return "bad_message";
  }
  return "unknown";
}

StateStore::StateStore(StateStoreOptions options) : options_(options) {
  if (options_.history == 0) options_.history = 1;
}

StateResult StateStore::OnJoined(const Value& joined) {
  const std::string* room = joined.FindString("room");
  const std::int64_t* version = joined.FindInt("state_version");
  const Value* document = joined.Find("state");
  if (room == nullptr || version == nullptr || document == nullptr || !document->IsObject()) {
    return Result(StateStatus::kBadMessage, room != nullptr ? *room : std::string(), 0);
  }
  const Value* entities = joined.Find("entities");
  EntitySchema schema;
  if (entities != nullptr && !schema.Load(*entities)) {
    return Result(StateStatus::kBadMessage, *room, Version(*room).value_or(0));
  }
  StateResult result = Load(*room, *version, *document, StateCause::kJoined);
  if (result.applied()) rooms_.find(*room)->second.schema = std::move(schema);
  return result;
}

StateResult StateStore::OnSnapshot(const Value& snapshot) {
  const std::string* room = snapshot.FindString("room");
  const std::int64_t* version = snapshot.FindInt("version");
  const Value* document = snapshot.Find("document");
  if (room == nullptr || version == nullptr || document == nullptr || !document->IsObject()) {
    return Result(StateStatus::kBadMessage, room != nullptr ? *room : std::string(), 0);
  }
  return Load(*room, *version, *document, StateCause::kSnapshot);
}

StateResult StateStore::OnDelta(const Value& params) {
  const std::string* room = params.FindString("room");
  const std::int64_t* from = params.FindInt("from");
  const std::int64_t* to = params.FindInt("to");
  const Value* patch = params.Find("patch");
  if (room == nullptr || from == nullptr || to == nullptr || patch == nullptr || !patch->IsObject()) {
    return Result(StateStatus::kBadMessage, room != nullptr ? *room : std::string(), 0);
  }
  return ApplyDelta(*room, *from, *to, *patch);
}

StateResult StateStore::OnEntities(const Value& params) {
  const std::string* room = params.FindString("room");
  const std::int64_t* from = params.FindInt("from");
  const std::int64_t* to = params.FindInt("to");
  const Value* entities = params.Find("entities");
  const Value* rest = params.Find("rest");
  if (room == nullptr || from == nullptr || to == nullptr || entities == nullptr || !entities->IsObject() ||
      (rest != nullptr && !rest->IsObject() && !rest->IsNull())) {
    return Result(StateStatus::kBadMessage, room != nullptr ? *room : std::string(), 0);
  }
  return ApplyEntityChanges(*room, *from, *to, *entities, rest != nullptr ? *rest : Value());
}

std::optional<StateResult> StateStore::OnNotification(std::string_view method, const Value& params) {
  if (method == "state.delta") return OnDelta(params);
  if (method == "state.entities") return OnEntities(params);
  if (method == "state.snapshot") return OnSnapshot(params);
  return std::nullopt;
}

StateResult StateStore::Load(const std::string& room, std::int64_t version, Value document, StateCause cause) {
  if (!document.IsObject() || version < 0) return Result(StateStatus::kBadMessage, room, Version(room).value_or(0));
  auto found = rooms_.find(room);
  Room* held = found != rooms_.end() ? &found->second : nullptr;
  // A join is a new membership: whatever was held is replaced. A snapshot older than what is held
  // (a state.get answer overtaken by deltas) is stale.
  if (held != nullptr && cause != StateCause::kJoined && version < held->version) {
    return Result(StateStatus::kIgnored, room, held->version);
  }
  return Commit(room, held, version, std::move(document), cause);
}

StateResult StateStore::ApplyDelta(const std::string& room, std::int64_t from, std::int64_t to, const Value& patch) {
  auto found = rooms_.find(room);
  if (found == rooms_.end()) return Result(StateStatus::kUnknownRoom, room, 0);
  Room& held = found->second;
  if (to <= from || from < 0 || !patch.IsObject()) return Result(StateStatus::kBadMessage, room, held.version);
  if (to <= held.version) return Result(StateStatus::kIgnored, room, held.version);
  if (held.version < from) return Result(StateStatus::kGap, room, held.version);
  return Commit(room, &held, to, MergePatch(held.document, patch), StateCause::kDelta);
}

StateResult StateStore::ApplyEntityChanges(const std::string& room, std::int64_t from, std::int64_t to,
                                           const Value& entities, const Value& rest) {
  auto found = rooms_.find(room);
  if (found == rooms_.end()) return Result(StateStatus::kUnknownRoom, room, 0);
  Room& held = found->second;
  if (to <= from || from < 0) return Result(StateStatus::kBadMessage, room, held.version);
  if (to <= held.version) return Result(StateStatus::kIgnored, room, held.version);
  if (held.version != from) return Result(StateStatus::kGap, room, held.version);
  EntityResult applied = ApplyEntities(held.document, held.schema, entities, rest);
  if (!applied.ok()) {
    StateResult result = Result(StateStatus::kEntityError, room, held.version);
    result.entity_error = applied.error;
    return result;
  }
  return Commit(room, &held, to, std::move(applied.document), StateCause::kEntities);
}

bool StateStore::SetEntitySchema(const std::string& room, const Value& description) {
  auto found = rooms_.find(room);
  if (found == rooms_.end()) return false;
  EntitySchema schema;
  if (!schema.Load(description)) return false;
  found->second.schema = std::move(schema);
  return true;
}

StateResult StateStore::Commit(const std::string& room, Room* held, std::int64_t version, Value document,
                               StateCause cause) {
  if (validator_) {
    std::string reason;
    if (!validator_(room, held != nullptr ? &held->document : nullptr, document, version, reason)) {
      StateResult result = Result(StateStatus::kRefused, room, held != nullptr ? held->version : 0);
      result.reason = std::move(reason);
      return result;
    }
  }
  StateChange change;
  change.room = room;
  change.cause = cause;
  change.to_version = version;
  std::optional<Value> previous;
  if (held == nullptr) {
    held = &rooms_.emplace(room, Room()).first->second;
  } else {
    change.from_version = held->version;
    previous = std::move(held->document);
  }
  held->document = std::move(document);
  change.previous = previous ? &*previous : nullptr;
  change.document = &held->document;
  const std::int64_t previous_version = held->version;
  held->version = version;
  Notify(change);
  if (cause == StateCause::kJoined) {
    held->history.clear();  // another membership's versions say nothing about this one
  } else if (previous) {
    held->history.push_back(Snapshot{previous_version, std::move(*previous)});
  }
  while (held->history.size() + 1 > options_.history) held->history.pop_front();
  return Result(StateStatus::kApplied, room, version);
}

bool StateStore::Remove(const std::string& room) {
  auto found = rooms_.find(room);
  if (found == rooms_.end()) return false;
  Room removed = std::move(found->second);
  rooms_.erase(found);
  StateChange change;
  change.room = room;
  change.cause = StateCause::kRemoved;
  change.from_version = removed.version;
  change.previous = &removed.document;
  Notify(change);
  return true;
}

void StateStore::Notify(const StateChange& change) {
  // A copy: a listener may add or remove listeners while it runs.
  std::vector<std::pair<std::uint64_t, StateListener>> listeners = listeners_;
  for (const auto& entry : listeners) {
    bool still_registered = false;
    for (const auto& current : listeners_) still_registered = still_registered || current.first == entry.first;
    if (still_registered) entry.second(change);
  }
}

const StateStore::Room* StateStore::FindRoom(std::string_view room) const {
  auto found = rooms_.find(room);
  return found != rooms_.end() ? &found->second : nullptr;
}

const Value* StateStore::Document(std::string_view room) const {
  const Room* held = FindRoom(room);
  return held != nullptr ? &held->document : nullptr;
}

std::optional<std::int64_t> StateStore::Version(std::string_view room) const {
  const Room* held = FindRoom(room);
  if (held == nullptr) return std::nullopt;
  return held->version;
}

const Value* StateStore::DocumentAt(std::string_view room, std::int64_t version) const {
  const Room* held = FindRoom(room);
  if (held == nullptr) return nullptr;
  if (held->version == version) return &held->document;
  for (const Snapshot& snapshot : held->history) {
    if (snapshot.version == version) return &snapshot.document;
  }
  return nullptr;
}

std::vector<std::int64_t> StateStore::HistoryVersions(std::string_view room) const {
  std::vector<std::int64_t> versions;
  const Room* held = FindRoom(room);
  if (held == nullptr) return versions;
  for (const Snapshot& snapshot : held->history) versions.push_back(snapshot.version);
  versions.push_back(held->version);
  return versions;
}

std::vector<std::string> StateStore::Rooms() const {
  std::vector<std::string> rooms;
  for (const auto& entry : rooms_) rooms.push_back(entry.first);
  return rooms;
}

Value StateStore::ResumeState() const {
  Value::Array items;
  for (const auto& entry : rooms_) {
    items.push_back(Value::MakeObject({{"room", Value(entry.first)}, {"version", Value(entry.second.version)}}));
  }
  return Value(std::move(items));
}

std::uint64_t StateStore::AddListener(StateListener listener) {
  std::uint64_t id = next_listener_++;
  listeners_.emplace_back(id, std::move(listener));
  return id;
}

bool StateStore::RemoveListener(std::uint64_t id) {
  for (auto it = listeners_.begin(); it != listeners_.end(); ++it) {
    if (it->first == id) {
      listeners_.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace rtnet
