// A quantisation step, identical to `Step` in Tools/realtimenet/state/quantize.py.
#pragma once

#include "rtnet/Export.h"

#include <cstdint>
#include <optional>

#include "rtnet/Value.h"

namespace rtnet {

/// A quantisation step `multiple * 10^-decimals` (0.01 is {1, 2}; 5 is {5, 0}). A quantised number is
/// `q * multiple / 10^decimals` for an integer `q`: integer arithmetic then one correctly rounded
/// division, so Python and C++ produce the same double as parsing the decimal literal.
struct RTNET_API Step {
  std::int64_t multiple = 1;
  int decimals = 0;

  static constexpr int kMaxDecimals = 15;

  /// The step a room declares (e.g. 0.01), from its shortest decimal representation as Python's
  /// `repr` gives it; no value when it is not positive and finite, needs more than 15 decimals, or
  /// (unlike Python's unbounded integers) its multiple passes 2^53.
  static std::optional<Step> Of(double step);

  /// The integer `q` whose value is nearest `value` (ties to even, as Python's `round`); no value when
  /// |q| would pass 2^53 or `value` is not finite.
  std::optional<std::int64_t> Quantum(double value) const;
  /// The same for a JSON number (an exact integer is scaled exactly, as Python does with an int); no
  /// value for anything that is not a number (booleans included).
  std::optional<std::int64_t> Quantum(const Value& value) const;

  /// `q * multiple / 10^decimals`: an integer Value when `decimals` is 0 (as Python returns an int),
  /// else the correctly rounded double. No value when `q * multiple` overflows 64 bits.
  std::optional<Value> ValueOf(std::int64_t quantum) const;

  friend bool operator==(const Step& a, const Step& b) { return a.multiple == b.multiple && a.decimals == b.decimals; }
};

}  // namespace rtnet
