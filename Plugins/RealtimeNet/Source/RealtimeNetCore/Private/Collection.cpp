#include "rtnet/Collection.h"

#include <utility>

namespace rtnet {
namespace {

// The collection's entries as (key, value) pointers in key order; empty when it is not a collection.
std::vector<std::pair<std::string, const Value*>> Entries(const Value* document, const Path& path) {
  std::vector<std::pair<std::string, const Value*>> entries;
  const Value* collection = document != nullptr ? FindAt(*document, path) : nullptr;
  if (collection == nullptr) return entries;
  if (const Value::Object* members = collection->AsObject()) {
    entries.reserve(members->size());
    for (const Member& member : *members) entries.emplace_back(member.name, &member.value);
  } else if (const Value::Array* items = collection->AsArray()) {
    entries.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) entries.emplace_back(std::to_string(i), &(*items)[i]);
  }
  return entries;
}

// Array indices compare as numbers ("2" before "10"); object keys come sorted by bytes already.
bool KeyBefore(const std::string& a, const std::string& b, bool numeric) {
  if (numeric && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace

const char* ToString(CollectionChangeKind kind) {
  switch (kind) {
    case CollectionChangeKind::kAdded: return "added";
    case CollectionChangeKind::kChanged: return "changed";
    case CollectionChangeKind::kRemoved: return "removed";
  }
  return "unknown";
}

std::vector<CollectionChange> DiffCollection(const Value* before, const Value* after, const Path& path) {
  const auto old_entries = Entries(before, path);
  const auto new_entries = Entries(after, path);
  const Value* old_collection = before != nullptr ? FindAt(*before, path) : nullptr;
  const Value* new_collection = after != nullptr ? FindAt(*after, path) : nullptr;
  std::vector<CollectionChange> changes;
  if (old_collection != nullptr && new_collection != nullptr && old_collection->IsArray() != new_collection->IsArray()) {
    // An object became an array or the other way round: its keys mean different things now.
    for (const auto& [key, value] : old_entries) changes.push_back({CollectionChangeKind::kRemoved, key, *value});
    for (const auto& [key, value] : new_entries) changes.push_back({CollectionChangeKind::kAdded, key, *value});
    return changes;
  }
  // Array indices are ordered as numbers; object keys come sorted by bytes already.
  const bool numeric = (old_collection != nullptr && old_collection->IsArray()) ||
                       (new_collection != nullptr && new_collection->IsArray());
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < old_entries.size() || j < new_entries.size()) {
    if (j == new_entries.size() ||
        (i < old_entries.size() && KeyBefore(old_entries[i].first, new_entries[j].first, numeric))) {
      changes.push_back({CollectionChangeKind::kRemoved, old_entries[i].first, *old_entries[i].second});
      ++i;
    } else if (i == old_entries.size() || KeyBefore(new_entries[j].first, old_entries[i].first, numeric)) {
      changes.push_back({CollectionChangeKind::kAdded, new_entries[j].first, *new_entries[j].second});
      ++j;
    } else {
      if (*old_entries[i].second != *new_entries[j].second) {
        changes.push_back({CollectionChangeKind::kChanged, new_entries[j].first, *new_entries[j].second});
      }
      ++i;
      ++j;
    }
  }
  return changes;
}

}  // namespace rtnet
