// Where a value sits in a JSON document, and the reads a game makes there: "players/p1/hp" as a number,
// the keys of "players", a position as a vector. The room state, event payloads and the movement and
// collection code all read documents through these, so a path means the same thing everywhere.
#pragma once

#include "rtnet/Export.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtnet/Value.h"

namespace rtnet {

/// A location in a JSON document, written as names separated by '/': "players/p1/hp". A leading '/'
/// is allowed ("/players/p1/hp" is the same path, as in RFC 6901 JSON Pointer), and the pointer's
/// escapes too: "~1" is a '/' inside a name, "~0" a '~'. On an array, a segment that is a decimal
/// index without leading zeros ("0", "12") selects that element. The empty path is the whole document.
class RTNET_API Path {
 public:
  /// The whole document.
  Path() = default;
  explicit Path(std::vector<std::string> segments) : segments_(std::move(segments)) {}

  /// Parses `text`; none when it holds a '~' not followed by '0' or '1'.
  static std::optional<Path> Parse(std::string_view text);

  const std::vector<std::string>& segments() const { return segments_; }
  bool empty() const { return segments_.empty(); }
  /// The path one level down: Path::Parse("players")->Child("p1") is "players/p1".
  Path Child(std::string_view name) const;
  /// The text form, escaped so that Parse gives this path back (no leading '/').
  std::string ToString() const;

  friend bool operator==(const Path& a, const Path& b) { return a.segments_ == b.segments_; }
  friend bool operator!=(const Path& a, const Path& b) { return !(a == b); }

 private:
  std::vector<std::string> segments_;
};

/// The value at `path` in `document`; null when a segment names nothing (a missing member, an index out
/// of range, or a step into a string, number, bool or null).
RTNET_API const Value* FindAt(const Value& document, const Path& path);

/// The number at `path` (an integer reads as a double, exact up to 2^53); none when absent or not a number.
RTNET_API std::optional<double> NumberAt(const Value& document, const Path& path);
/// The integer at `path`; none when absent or not an integer (a double is not truncated).
RTNET_API std::optional<std::int64_t> IntAt(const Value& document, const Path& path);
/// The string at `path`; null when absent or not a string.
RTNET_API const std::string* StringAt(const Value& document, const Path& path);
/// The boolean at `path`; none when absent or not a boolean.
RTNET_API std::optional<bool> BoolAt(const Value& document, const Path& path);

/// Three coordinates, as games keep positions in state documents.
struct Vector3 {
  double x = 0;
  double y = 0;
  double z = 0;
};

/// A vector read from `value`: an object with numbers `x` and `y` and an optional number `z` (0 when
/// absent), or an array of two or three numbers. None for anything else.
RTNET_API std::optional<Vector3> AsVector(const Value& value);
/// The vector at `path` (see AsVector).
RTNET_API std::optional<Vector3> VectorAt(const Value& document, const Path& path);

/// The keys at `path`: an object's member names (in byte order, as Value keeps them), an array's
/// indices ("0", "1", ...); empty for anything else or when absent.
RTNET_API std::vector<std::string> KeysAt(const Value& document, const Path& path);

/// Sets `value` at `path` in `document`: an existing array element is replaced in place; anything else on the way
/// that is not an object becomes one (so a member can be added under it), and missing members are made. The
/// empty path replaces the whole document. (How a payload or a patch is built by path.)
RTNET_API void SetAt(Value& document, const Path& path, Value value);

/// A merge patch (RFC 7396) that sets `value` at `path` and touches nothing else:
/// PatchAt("players/p1/hp", 5) is {"players": {"p1": {"hp": 5}}}. With a null `value` it removes the
/// member. The empty path gives `value` itself (which replaces the whole document when it is not an object).
/// Array indices cannot be patched (merge patches replace arrays whole): they are treated as member names.
RTNET_API Value PatchAt(const Path& path, Value value);

}  // namespace rtnet
