#include "rtnet/Value.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace rtnet {
namespace {

bool ByName(const Member& member, std::string_view name) { return member.name < name; }

// An exact comparison: the double must be integral and the same integer (no rounding of the int).
bool IntEqualsDouble(std::int64_t i, double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(d >= -kTwo63 && d < kTwo63) || std::trunc(d) != d) return false;
  return static_cast<std::int64_t>(d) == i;
}

void DescribeInto(const Value& value, std::string& out) {
  switch (value.type()) {
    case Value::Type::kNull: out += "null"; return;
    case Value::Type::kBool: out += *value.AsBool() ? "true" : "false"; return;
    case Value::Type::kInt: out += std::to_string(*value.AsInt()); return;
    case Value::Type::kDouble: {
      char buffer[32];
      auto result = std::to_chars(buffer, buffer + sizeof buffer, *value.AsNumber());
      out.append(buffer, result.ptr);
      return;
    }
    case Value::Type::kString:
      out += '"';
      for (char c : *value.AsString()) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
      return;
    case Value::Type::kArray: {
      out += '[';
      const char* separator = "";
      for (const Value& item : *value.AsArray()) {
        out += separator;
        DescribeInto(item, out);
        separator = ",";
      }
      out += ']';
      return;
    }
    case Value::Type::kObject: {
      out += '{';
      const char* separator = "";
      for (const Member& member : *value.AsObject()) {
        out += separator;
        DescribeInto(Value(member.name), out);
        out += ':';
        DescribeInto(member.value, out);
        separator = ",";
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

Value Value::MakeObject() {
  Value value;
  value.data_ = Object{};
  return value;
}

Value Value::MakeObject(std::vector<std::pair<std::string, Value>> members) {
  Value value = MakeObject();
  for (auto& [name, member] : members) value.Set(std::move(name), std::move(member));
  return value;
}

std::optional<double> Value::AsNumber() const {
  if (const auto* i = std::get_if<std::int64_t>(&data_)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&data_)) return *d;
  return std::nullopt;
}

const Value* Value::Find(std::string_view name) const {
  const Object* object = AsObject();
  if (object == nullptr) return nullptr;
  auto it = std::lower_bound(object->begin(), object->end(), name, ByName);
  return it != object->end() && it->name == name ? &it->value : nullptr;
}

Value* Value::Find(std::string_view name) { return const_cast<Value*>(std::as_const(*this).Find(name)); }

const std::string* Value::FindString(std::string_view name) const {
  const Value* member = Find(name);
  return member != nullptr ? member->AsString() : nullptr;
}

const std::int64_t* Value::FindInt(std::string_view name) const {
  const Value* member = Find(name);
  return member != nullptr ? member->AsInt() : nullptr;
}

void Value::Set(std::string name, Value value) {
  if (!IsObject()) data_ = Object{};
  Object& object = *std::get_if<Object>(&data_);
  auto it = std::lower_bound(object.begin(), object.end(), name, ByName);
  if (it != object.end() && it->name == name) {
    it->value = std::move(value);
  } else {
    object.insert(it, Member{std::move(name), std::move(value)});
  }
}

bool Value::Erase(std::string_view name) {
  Object* object = std::get_if<Object>(&data_);
  if (object == nullptr) return false;
  auto it = std::lower_bound(object->begin(), object->end(), name, ByName);
  if (it == object->end() || it->name != name) return false;
  object->erase(it);
  return true;
}

bool operator==(const Value& a, const Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    if (a.IsInt() && b.IsInt()) return *a.AsInt() == *b.AsInt();
    if (a.IsInt()) return IntEqualsDouble(*a.AsInt(), *b.AsNumber());
    if (b.IsInt()) return IntEqualsDouble(*b.AsInt(), *a.AsNumber());
    return *a.AsNumber() == *b.AsNumber();
  }
  // Objects are sorted and unique on both sides: equal objects hold equal members at equal positions.
  return a.data_ == b.data_;
}

std::string Describe(const Value& value) {
  std::string out;
  DescribeInto(value, out);
  return out;
}

}  // namespace rtnet
