#include "rtnet/MergePatch.h"

#include <utility>

namespace rtnet {
namespace {

// In place, so each member of the document is copied once (by the caller), not once per level.
void MergeInto(Value& target, const Value& patch) {
  const Value::Object* members = patch.AsObject();
  if (members == nullptr) {
    target = patch;
    return;
  }
  if (!target.IsObject()) target = Value::MakeObject();
  for (const Member& member : *members) {
    if (member.value.IsNull()) {
      target.Erase(member.name);
    } else if (Value* current = target.Find(member.name)) {
      MergeInto(*current, member.value);
    } else {
      Value fresh;
      MergeInto(fresh, member.value);
      target.Set(member.name, std::move(fresh));
    }
  }
}

// In place on a copy of `first`; false when no single patch exists (the copy is then discarded).
// Members of `second` are unique, so `composed`'s member of that name is still `first`'s.
bool ComposeInto(Value& composed, const Value& second) {
  const Value::Object* later = second.AsObject();
  if (later == nullptr) {
    composed = second;
    return true;
  }
  // `first` replaced the document with a non-object; `second` then builds an object from it, which
  // only a "replace with this object" could express.
  if (!composed.IsObject()) return false;
  for (const Member& member : *later) {
    Value* earlier = composed.Find(member.name);
    if (!member.value.IsObject() || earlier == nullptr) {
      composed.Set(member.name, member.value);
      continue;
    }
    if (!earlier->IsObject()) return false;  // deleted or set to a non-object, then patched
    if (!ComposeInto(*earlier, member.value)) return false;
  }
  return true;
}

}  // namespace

Value MergePatch(const Value& target, const Value& patch) {
  if (!patch.IsObject()) return patch;
  Value result = target;
  MergeInto(result, patch);
  return result;
}

std::optional<Value> Compose(const Value& first, const Value& second) {
  if (!second.IsObject()) return second;
  Value composed = first;
  if (!ComposeInto(composed, second)) return std::nullopt;
  return composed;
}

}  // namespace rtnet
