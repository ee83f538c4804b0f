// The compact entity encoding (`state.entities`): decoding, exactly as Tools/realtimenet/state/entities.py
// and docs/event-protocol.md describe it, pinned by protocol/vectors/entities.json.
#pragma once

#include "rtnet/Export.h"

#include <string>
#include <string_view>
#include <vector>

#include "rtnet/Step.h"
#include "rtnet/Value.h"

namespace rtnet {

/// One declared collection: its numeric fields, ordered by name (byte order), each with its step.
struct EntityTable {
  std::vector<std::string> fields;
  std::vector<Step> steps;
};

/// Why a `state.entities` does not fit the document it claims to apply to. Whatever the reason, the
/// client's answer is the same: ask `state.get`.
enum class EntityError {
  kNone,
  kBadMessage,             // `entities` is not an object of strings, or the document not an object
  kUndeclaredCollection,   // not a declared collection, or not an object in the document
  kNotBase64,
  kMemberCountDiffers,     // the document is not at `from`
  kTruncatedVarint,
  kVarintTooLong,          // longer than 64 bits
  kTruncatedBitField,
  kNotAnEntity,            // a member flagged as changed is not an object
  kNoNumberToMove,         // a changed field holds no number (or one beyond 2^53 quanta)
  kOutOfRange,             // the moved quantum leaves 64 bits (Python would build a huge number)
  kTrailingBytes,
};

/// A short stable name for logs ("member_count_differs").
RTNET_API const char* ToString(EntityError error);

/// A room type's entity collections, as `room.join` describes them in `entities`.
class RTNET_API EntitySchema {
 public:
  /// From `{"players": {"x": 0.01, "rot": 1}, ...}`; false (and an empty schema) when the description
  /// is malformed: not an object of non-empty objects of valid steps.
  bool Load(const Value& description);
  /// Declares one collection from (field, step) pairs; false when a step is invalid or none is given.
  bool Declare(const std::string& collection, const std::vector<std::pair<std::string, double>>& fields);

  const EntityTable* Find(std::string_view collection) const;

 private:
  std::vector<std::pair<std::string, EntityTable>> tables_;  // sorted by collection name
};

/// The result of ApplyEntities: the new document, or why the message does not fit.
struct EntityResult {
  Value document;
  EntityError error = EntityError::kNone;
  bool ok() const { return error == EntityError::kNone; }
};

/// The document a `state.entities` produces from the document at its `from` (inputs untouched):
/// `entities` maps each collection to base64 of its packed changes, `rest` is the merge patch applied
/// afterwards (null or absent when there is none).
RTNET_API EntityResult ApplyEntities(const Value& document, const EntitySchema& schema, const Value& entities,
                           const Value& rest = Value());

/// Standard base64 (RFC 4648 alphabet, '=' padding required), as Python's b64decode(validate=True)
/// accepts it; false on anything else.
RTNET_API bool DecodeBase64(std::string_view text, std::string& out);

}  // namespace rtnet
