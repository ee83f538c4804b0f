#include "rtnet/MergePatch.h"

namespace rtnet {

Value MergePatch(const Value& target, const Value& patch) {
  const Value::Object* members = patch.AsObject();
  if (members == nullptr) return patch;
  Value result = target.IsObject() ? target : Value::MakeObject();
  for (const Member& member : *members) {
    if (member.value.IsNull()) {
      result.Erase(member.name);
    } else {
      const Value* current = result.Find(member.name);
      result.Set(member.name, MergePatch(current != nullptr ? *current : Value(), member.value));
    }
  }
  return result;
}

std::optional<Value> Compose(const Value& first, const Value& second) {
  const Value::Object* later = second.AsObject();
  if (later == nullptr) return second;
  // `first` replaced the document with a non-object; `second` then builds an object from it, which
  // only a "replace with this object" could express.
  if (!first.IsObject()) return std::nullopt;
  Value composed = first;
  for (const Member& member : *later) {
    const Value* earlier = first.Find(member.name);
    if (!member.value.IsObject() || earlier == nullptr) {
      composed.Set(member.name, member.value);
      continue;
    }
    if (!earlier->IsObject()) return std::nullopt;  // deleted or set to a non-object, then patched
    std::optional<Value> inner = Compose(*earlier, member.value);
    if (!inner) return std::nullopt;
    composed.Set(member.name, std::move(*inner));
  }
  return composed;
}

}  // namespace rtnet
