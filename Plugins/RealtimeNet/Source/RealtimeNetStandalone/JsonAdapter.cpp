#include "JsonAdapter.h"

#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

namespace rtnet::standalone {
namespace {

Value FromNlohmann(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean: return Value(json.get<bool>());
    case nlohmann::json::value_t::number_integer: return Value(json.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = json.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Value(static_cast<std::int64_t>(u));
      }
      return Value(static_cast<double>(u));
    }
    case nlohmann::json::value_t::number_float: return Value(json.get<double>());
    case nlohmann::json::value_t::string: return Value(json.get<std::string>());
    case nlohmann::json::value_t::array: {
      Value::Array items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(FromNlohmann(item));
      return Value(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value object = Value::MakeObject();
      for (const auto& [name, member] : json.items()) object.Set(name, FromNlohmann(member));
      return object;
    }
    default: return Value();  // null (and nlohmann's binary/discarded, which parsing text never yields)
  }
}

nlohmann::json ToNlohmann(const Value& value) {
  switch (value.type()) {
    case Value::Type::kNull: return nullptr;
    case Value::Type::kBool: return *value.AsBool();
    case Value::Type::kInt: return *value.AsInt();
    case Value::Type::kDouble: return *value.AsNumber();
    case Value::Type::kString: return *value.AsString();
    case Value::Type::kArray: {
      nlohmann::json array = nlohmann::json::array();
      for (const Value& item : *value.AsArray()) array.push_back(ToNlohmann(item));
      return array;
    }
    case Value::Type::kObject: {
      nlohmann::json object = nlohmann::json::object();
      for (const Member& member : *value.AsObject()) object[member.name] = ToNlohmann(member.value);
      return object;
    }
  }
  return nullptr;
}

}  // namespace

std::optional<Value> ParseJson(std::string_view text) {
  // allow_exceptions = false: invalid text gives a "discarded" value instead of a throw.
  nlohmann::json json = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (json.is_discarded()) return std::nullopt;
  return FromNlohmann(json);
}

std::optional<Value> ReadJsonFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return ParseJson(text.str());
}

std::string ToJson(const Value& value) {
  // Invalid UTF-8 is replaced rather than thrown about: the core never throws, nor does its adapter.
  return ToNlohmann(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace rtnet::standalone
