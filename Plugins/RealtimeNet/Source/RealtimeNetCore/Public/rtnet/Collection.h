// Watching a collection in a room's state: the entries of the object at a path ("players"), each one an
// entity a game shows. Between two versions of the document an entry is added, changed or removed, with
// its key and value: a game spawns, updates and removes actors from these without diffing documents.
#pragma once

#include "rtnet/Export.h"

#include <string>
#include <vector>

#include "rtnet/Path.h"
#include "rtnet/Value.h"

namespace rtnet {

/// What happened to one entry of a watched collection.
enum class CollectionChangeKind { kAdded, kChanged, kRemoved };

RTNET_API const char* ToString(CollectionChangeKind kind);

/// One entry that differs between two versions of a document.
struct CollectionChange {
  CollectionChangeKind kind = CollectionChangeKind::kAdded;
  std::string key;
  /// The entry now; for kRemoved, the entry as it was last.
  Value value;
};

/// The entries of the collection at `path` that differ from `before` to `after`, in key order (an
/// object's member names in byte order; an array's indices in numeric order, as "0", "1", ...). Either
/// document may be null (no document: a room not held yet, or left), and the collection may be missing
/// or not a collection (an object or an array) in either: then it counts as empty, so a collection that
/// appears reports every entry added and one that goes reports every entry removed. An entry whose value
/// is equal in both (Value equality: member order never matters) is not reported.
RTNET_API std::vector<CollectionChange> DiffCollection(const Value* before, const Value* after, const Path& path);

}  // namespace rtnet
