#include "rtnet/Path.h"

#include <utility>

namespace rtnet {
namespace {

// A decimal array index without a sign or leading zeros ("0", "17"); none otherwise or when too large.
std::optional<std::size_t> Index(const std::string& segment) {
  if (segment.empty() || segment.size() > 18 || (segment.size() > 1 && segment[0] == '0')) return std::nullopt;
  std::size_t index = 0;
  for (char c : segment) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return index;
}

}  // namespace

std::optional<Path> Path::Parse(std::string_view text) {
  if (!text.empty() && text.front() == '/') text.remove_prefix(1);
  std::vector<std::string> segments;
  if (text.empty()) return Path(std::move(segments));
  std::string current;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '/') {
      segments.push_back(std::move(current));
      current.clear();
    } else if (c == '~') {
      if (i + 1 >= text.size() || (text[i + 1] != '0' && text[i + 1] != '1')) return std::nullopt;
      current.push_back(text[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      current.push_back(c);
    }
  }
  segments.push_back(std::move(current));
  return Path(std::move(segments));
}

Path Path::Child(std::string_view name) const {
  std::vector<std::string> segments = segments_;
  segments.emplace_back(name);
  return Path(std::move(segments));
}

std::string Path::ToString() const {
  std::string text;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (i > 0) text.push_back('/');
    for (char c : segments_[i]) {
      if (c == '~') {
        text += "~0";
      } else if (c == '/') {
        text += "~1";
      } else {
        text.push_back(c);
      }
    }
  }
  return text;
}

const Value* FindAt(const Value& document, const Path& path) {
  const Value* node = &document;
  for (const std::string& segment : path.segments()) {
    if (node->IsObject()) {
      node = node->Find(segment);
    } else if (const Value::Array* items = node->AsArray()) {
      const std::optional<std::size_t> index = Index(segment);
      node = index && *index < items->size() ? &(*items)[*index] : nullptr;
    } else {
      node = nullptr;
    }
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::optional<double> NumberAt(const Value& document, const Path& path) {
  const Value* value = FindAt(document, path);
  return value != nullptr ? value->AsNumber() : std::nullopt;
}

std::optional<std::int64_t> IntAt(const Value& document, const Path& path) {
  const Value* value = FindAt(document, path);
  const std::int64_t* integer = value != nullptr ? value->AsInt() : nullptr;
  return integer != nullptr ? std::optional<std::int64_t>(*integer) : std::nullopt;
}

const std::string* StringAt(const Value& document, const Path& path) {
  const Value* value = FindAt(document, path);
  return value != nullptr ? value->AsString() : nullptr;
}

std::optional<bool> BoolAt(const Value& document, const Path& path) {
  const Value* value = FindAt(document, path);
  const bool* flag = value != nullptr ? value->AsBool() : nullptr;
  return flag != nullptr ? std::optional<bool>(*flag) : std::nullopt;
}

std::optional<Vector3> AsVector(const Value& value) {
  if (value.IsObject()) {
    const Value* x = value.Find("x");
    const Value* y = value.Find("y");
    const Value* z = value.Find("z");
    if (x == nullptr || y == nullptr || !x->IsNumber() || !y->IsNumber() || (z != nullptr && !z->IsNumber())) {
      return std::nullopt;
    }
    return Vector3{*x->AsNumber(), *y->AsNumber(), z != nullptr ? *z->AsNumber() : 0.0};
  }
  if (const Value::Array* items = value.AsArray()) {
    if (items->size() < 2 || items->size() > 3) return std::nullopt;
    for (const Value& item : *items) {
      if (!item.IsNumber()) return std::nullopt;
    }
    return Vector3{*(*items)[0].AsNumber(), *(*items)[1].AsNumber(), items->size() == 3 ? *(*items)[2].AsNumber() : 0.0};
  }
  return std::nullopt;
}

std::optional<Vector3> VectorAt(const Value& document, const Path& path) {
  const Value* value = FindAt(document, path);
  return value != nullptr ? AsVector(*value) : std::nullopt;
}

std::vector<std::string> KeysAt(const Value& document, const Path& path) {
  std::vector<std::string> keys;
  const Value* value = FindAt(document, path);
  if (value == nullptr) return keys;
  if (const Value::Object* members = value->AsObject()) {
    keys.reserve(members->size());
    for (const Member& member : *members) keys.push_back(member.name);
  } else if (const Value::Array* items = value->AsArray()) {
    keys.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) keys.push_back(std::to_string(i));
  }
  return keys;
}

void SetAt(Value& document, const Path& path, Value value) {
  Value* node = &document;
  for (const std::string& segment : path.segments()) {
    if (Value::Array* items = node->AsArray()) {
      const std::optional<std::size_t> index = Index(segment);
      if (index && *index < items->size()) {
        node = &(*items)[*index];
        continue;
      }
    }
    if (!node->IsObject()) *node = Value::MakeObject();
    if (node->Find(segment) == nullptr) node->Set(segment, Value());
    node = node->Find(segment);
  }
  *node = std::move(value);
}

Value PatchAt(const Path& path, Value value) {
  const std::vector<std::string>& segments = path.segments();
  for (auto name = segments.rbegin(); name != segments.rend(); ++name) {
    value = Value::MakeObject({{*name, std::move(value)}});
  }
  return value;
}

}  // namespace rtnet
