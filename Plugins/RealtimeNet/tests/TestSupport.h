// Shared by the test suites: the repository's vector files and readable Value failures.
#pragma once

#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "JsonAdapter.h"
#include "rtnet/Value.h"

namespace rtnet {
// GoogleTest prints values through this on a failed comparison.
inline void PrintTo(const Value& value, std::ostream* out) { *out << Describe(value); }
}  // namespace rtnet

namespace rtnet::test {

/// A vector file under protocol/vectors/ of this repository (RTNET_REPO_ROOT comes from CMake).
inline Value LoadVectors(const std::string& name) {
  std::string path = std::string(RTNET_REPO_ROOT) + "/protocol/vectors/" + name;
  std::optional<Value> vectors = standalone::ReadJsonFile(path);
  EXPECT_TRUE(vectors.has_value()) << "cannot read " << path;
  return vectors ? *vectors : Value();
}

/// JSON text to a Value, for readable test inputs; null (and a failure) when the text is not JSON.
inline Value J(const std::string& text) {
  std::optional<Value> value = standalone::ParseJson(text);
  EXPECT_TRUE(value.has_value()) << "not JSON: " << text;
  return value ? *value : Value();
}

/// A string member, or "" (for case names).
inline std::string Text(const Value& object, const char* name) {
  const Value* member = object.Find(name);
  return member != nullptr && member->IsString() ? *member->AsString() : std::string();
}

}  // namespace rtnet::test
