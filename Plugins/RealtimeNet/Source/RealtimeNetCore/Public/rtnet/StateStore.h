// Room state on the client: one versioned document per room, kept exactly as docs/event-protocol.md
// "State versions" says (state.delta, state.entities, state.snapshot, room.join / state.get results).
#pragma once

#include "rtnet/Export.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtnet/Entities.h"
#include "rtnet/Value.h"

namespace rtnet {

/// What a state message did to the store.
enum class StateStatus {
  kApplied,      // the room moved to a new version (or a snapshot was loaded)
  kIgnored,      // already held: `to <= version` (a duplicate after room.join / session.resume), or an older snapshot
  kGap,          // the store is behind `from` (or a state.entities not at exactly `from`): call state.get
  kEntityError,  // a state.entities that does not fit the document (`entity_error` says why): call state.get
  kRefused,      // the validator refused the new document; the room keeps its version and document
  kUnknownRoom,  // a room the store holds nothing for (not joined, or left): ignored
  kBadMessage,   // params missing or of the wrong type, or `to <= from`: ignored
};

/// A short stable name for logs ("gap").
RTNET_API const char* ToString(StateStatus status);

/// Why a room's document changed.
enum class StateCause { kJoined, kSnapshot, kDelta, kEntities, kRemoved };

/// The outcome of one state message.
struct StateResult {
  StateStatus status = StateStatus::kBadMessage;
  std::string room;
  std::int64_t version = 0;                  // the version the store holds for `room` afterwards (0 if none)
  EntityError entity_error = EntityError::kNone;  // kEntityError
  std::string reason;                        // kRefused: the validator's reason

  bool applied() const { return status == StateStatus::kApplied; }
  /// The client must reload the room with `state.get` (and then Load the result).
  bool resync_needed() const { return status == StateStatus::kGap || status == StateStatus::kEntityError; }
};

/// A change the listeners hear about, after the store committed it.
struct StateChange {
  std::string room;
  StateCause cause = StateCause::kDelta;
  std::int64_t from_version = 0;  // held before (0: nothing)
  std::int64_t to_version = 0;    // held now (0 after kRemoved)
  const Value* previous = nullptr;  // the document before (null when there was none); valid during the call
  const Value* document = nullptr;  // the document now (null after kRemoved); valid during the call
};

/// Decides whether a new document may replace the current one (e.g. a game rule a cheat or a bug
/// would break). `current` is null when the room had no document. Return false (and optionally set
/// `reason`) to refuse: the room stays where it was, and the result is kRefused.
using StateValidator = std::function<bool(std::string_view room, const Value* current, const Value& proposed,
                                          std::int64_t version, std::string& reason)>;
using StateListener = std::function<void(const StateChange& change)>;

struct StateStoreOptions {
  /// Versions kept per room for DocumentAt (the current one included); at least 1.
  std::size_t history = 8;
};

/// Every room's document and version, applying the client rules of docs/event-protocol.md. A client
/// holding version `v` of a room:
///  - `state.delta {from, to, patch}`: applies when `from <= v < to` (merge patches are idempotent over
///    their own prefix, so a coalesced patch re-applies what `v` already has harmlessly); ignores it when
///    `to <= v`; a gap (`v < from`) yields kGap: call `state.get`.
///  - `state.entities {from, to, entities, rest?}`: applies only when `v == from` (the packed
///    differences are not idempotent); ignored when `to <= v` like a delta already held; any other
///    version is kGap; a message that does not fit the document is kEntityError (call `state.get`).
///  - `room.join` result: replaces whatever was held (a new membership), and loads the entity schema
///    from its `entities` member (or clears it).
///  - `state.snapshot` / `state.get` result: loads when its version is not older than `v`.
/// The store is single-threaded and calls listeners synchronously after each commit; a listener may
/// add or remove listeners (taking effect from the next change), but must not feed the store.
class RTNET_API StateStore {
 public:
  explicit StateStore(StateStoreOptions options = {});

  // Messages from the gateway, as their params / result objects.
  StateResult OnJoined(const Value& joined);       // RoomJoined: {room, state_version, state, entities?}
  StateResult OnSnapshot(const Value& snapshot);   // StateSnapshot: {room, version, document}
  StateResult OnDelta(const Value& params);        // state.delta params
  StateResult OnEntities(const Value& params);     // state.entities params
  /// Routes a notification by method (state.delta, state.entities, state.snapshot); none for others.
  std::optional<StateResult> OnNotification(std::string_view method, const Value& params);

  // The same, typed.
  StateResult Load(const std::string& room, std::int64_t version, Value document, StateCause cause = StateCause::kSnapshot);
  StateResult ApplyDelta(const std::string& room, std::int64_t from, std::int64_t to, const Value& patch);
  StateResult ApplyEntityChanges(const std::string& room, std::int64_t from, std::int64_t to, const Value& entities,
                                 const Value& rest);
  /// Declares the room's entity collections (room.join's `entities`); false when malformed.
  bool SetEntitySchema(const std::string& room, const Value& description);

  /// Forgets a room (room.leave); listeners hear kRemoved. False when it was not held.
  bool Remove(const std::string& room);

  const Value* Document(std::string_view room) const;
  std::optional<std::int64_t> Version(std::string_view room) const;
  /// A recent version's document from the bounded history (the current one included); null when it
  /// was never held or has been evicted. Intermediate versions a coalesced delta skipped were never held.
  const Value* DocumentAt(std::string_view room, std::int64_t version) const;
  /// The versions DocumentAt still has, oldest first.
  std::vector<std::int64_t> HistoryVersions(std::string_view room) const;
  std::vector<std::string> Rooms() const;
  /// `[{room, version}, ...]` for `session.resume`'s `state` param.
  Value ResumeState() const;

  void SetValidator(StateValidator validator) { validator_ = std::move(validator); }
  /// Adds a listener and returns its id (never 0).
  std::uint64_t AddListener(StateListener listener);
  bool RemoveListener(std::uint64_t id);

 private:
  struct Snapshot {
    std::int64_t version;
    Value document;
  };
  struct Room {
    std::int64_t version = 0;
    Value document;
    EntitySchema schema;
    std::deque<Snapshot> history;  // older versions, oldest first (the current one is `document`)
  };

  StateResult Commit(const std::string& room, Room* held, std::int64_t version, Value document, StateCause cause);
  void Notify(const StateChange& change);
  const Room* FindRoom(std::string_view room) const;

  StateStoreOptions options_;
  std::map<std::string, Room, std::less<>> rooms_;
  StateValidator validator_;
  std::vector<std::pair<std::uint64_t, StateListener>> listeners_;
  std::uint64_t next_listener_ = 1;
};

}  // namespace rtnet
