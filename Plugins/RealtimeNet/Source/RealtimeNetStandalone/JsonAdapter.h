// JSON text <-> rtnet::Value through nlohmann-json, for the standalone build and the tests only: the
// core never parses text (in Unreal, the runtime module adapts FJsonValue the same way).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rtnet/Value.h"

namespace rtnet::standalone {

/// Parses JSON text; no value when it is not valid JSON. Integers that fit in 64 bits stay exact.
std::optional<Value> ParseJson(std::string_view text);

/// Reads and parses a whole file; no value when it cannot be read or parsed.
std::optional<Value> ReadJsonFile(const std::string& path);

/// Compact JSON text (members in the object's byte order).
std::string ToJson(const Value& value);

}  // namespace rtnet::standalone
