// A JSON value the core works on. JSON text is parsed outside the core (the Unreal layer, or the
// standalone nlohmann adapter), so the core needs no parser and no third-party library.
#pragma once

#include "rtnet/Export.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace rtnet {

class Value;

/// One member of an object.
struct Member;

/// A JSON value: null, bool, number, string, array or object.
///
/// Numbers are either an exact 64-bit integer (`IsInt`) or a double; the two compare numerically
/// (5 == 5.0), as JSON has one number type. Objects keep their members sorted by name in byte order
/// (which is code point order for UTF-8), with unique names: member order never matters for equality,
/// and iterating an object gives the order the compact entity encoding uses.
class RTNET_API Value {
 public:
  enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Array = std::vector<Value>;
  using Object = std::vector<Member>;  // sorted by name, unique: only Value's methods change it

  // Defined after Member (below): each of them constructs data_, whose destructor destroys a
  // std::vector<Member>, and C++20's constexpr std::vector needs Member complete there (clang rejects
  // these constructors defined in the class, where Member is still incomplete).
  Value() = default;
  Value(std::nullptr_t);
  Value(bool b);
  template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>>
  Value(Int i);
  Value(double d);
  Value(const char* s);
  Value(std::string s);
  Value(std::string_view s);
  Value(Array a);

  /// An empty object (the default-constructed Value is null).
  static Value MakeObject();
  /// An object from name/value pairs; a repeated name keeps the last value.
  static Value MakeObject(std::vector<std::pair<std::string, Value>> members);

  Type type() const { return static_cast<Type>(data_.index()); }
  bool IsNull() const { return type() == Type::kNull; }
  bool IsBool() const { return type() == Type::kBool; }
  bool IsInt() const { return type() == Type::kInt; }
  bool IsNumber() const { return type() == Type::kInt || type() == Type::kDouble; }
  bool IsString() const { return type() == Type::kString; }
  bool IsArray() const { return type() == Type::kArray; }
  bool IsObject() const { return type() == Type::kObject; }

  // Typed access: a pointer (or empty optional) when the value has another type. Never aborts.
  const bool* AsBool() const { return std::get_if<bool>(&data_); }
  const std::int64_t* AsInt() const { return std::get_if<std::int64_t>(&data_); }
  /// Any number as a double (an integer beyond 2^53 is rounded).
  std::optional<double> AsNumber() const;
  const std::string* AsString() const { return std::get_if<std::string>(&data_); }
  const Array* AsArray() const { return std::get_if<Array>(&data_); }
  Array* AsArray() { return std::get_if<Array>(&data_); }
  const Object* AsObject() const { return std::get_if<Object>(&data_); }

  // Object members. On a non-object, Find gives nullptr, Set turns the value into an object first.
  const Value* Find(std::string_view name) const;
  Value* Find(std::string_view name);
  /// A member of that type; null when absent or of another type (messages are read with these).
  const std::string* FindString(std::string_view name) const;
  const std::int64_t* FindInt(std::string_view name) const;
  void Set(std::string name, Value value);
  /// Removes the member; false when it was absent (or this is not an object).
  bool Erase(std::string_view name);

  friend RTNET_API bool operator==(const Value& a, const Value& b);
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  // The index order is Type's order.
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> data_;
};

struct Member {
  std::string name;
  Value value;
};

inline Value::Value(std::nullptr_t) {}
inline Value::Value(bool b) : data_(b) {}
template <typename Int, typename>
inline Value::Value(Int i) : data_(static_cast<std::int64_t>(i)) {}
inline Value::Value(double d) : data_(d) {}
inline Value::Value(const char* s) : data_(std::string(s)) {}
inline Value::Value(std::string s) : data_(std::move(s)) {}
inline Value::Value(std::string_view s) : data_(std::string(s)) {}
inline Value::Value(Array a) : data_(std::move(a)) {}

inline bool operator==(const Member& a, const Member& b) { return a.name == b.name && a.value == b.value; }
inline bool operator!=(const Member& a, const Member& b) { return !(a == b); }

/// A short, readable rendering for test failures and logs (not a JSON serialiser for the wire:
/// strings are not escaped beyond quotes and backslashes).
RTNET_API std::string Describe(const Value& value);

}  // namespace rtnet
