#include "rtnet/Step.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace rtnet {
namespace {

constexpr double kExact = 9007199254740992.0;  // 2^53: beyond it doubles hold no fractions to round
constexpr std::int64_t kExactInt = std::int64_t{1} << 53;

// 10^n for 0 <= n <= 22 is exact in a double: the literal is the power itself.
double Pow10(int n) {
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return kPowers[n];
}

// Python's round(): to nearest, ties to even. `x` is finite and below 2^53 in magnitude, where
// x - floor(x) is exact.
std::int64_t RoundHalfEven(double x) {
  double floor = std::floor(x);
  double fraction = x - floor;
  auto q = static_cast<std::int64_t>(floor);
  if (fraction > 0.5 || (fraction == 0.5 && q % 2 != 0)) ++q;
  return q;
}

}  // namespace

std::optional<Step> Step::Of(double step) {
  if (!(step > 0) || !std::isfinite(step)) return std::nullopt;
  // The shortest representation that round-trips, as Python's repr: "0.01", "5", "1e-05", "1e+22".
  char text[64];
  auto [end, error] = std::to_chars(text, text + sizeof text, step);
  if (error != std::errc()) return std::nullopt;
  std::string digits;
  int exponent = 0;
  bool after_point = false;
  for (const char* p = text; p != end; ++p) {
    if (*p >= '0' && *p <= '9') {
      digits += *p;
      if (after_point) --exponent;
    } else if (*p == '.') {
      after_point = true;
    } else if (*p == 'e') {
      // "e-05", "e+22": from_chars takes a '-' but not a '+'. The text is not NUL-terminated.
      const char* sign_or_digit = p[1] == '+' ? p + 2 : p + 1;
      int power = 0;
      std::from_chars(sign_or_digit, end, power);
      exponent += power;
      break;
    }
  }
  // Decimal.normalize(): no leading or trailing zeros in the digits.
  digits.erase(0, digits.find_first_not_of('0'));
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  if (digits.empty() || digits.size() > 16) return std::nullopt;
  std::int64_t scaled_digits = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), scaled_digits);  // at most 16 digits: fits
  for (; exponent > 0; --exponent) {
    if (scaled_digits > kExactInt / 10) return std::nullopt;
    scaled_digits *= 10;
  }
  if (scaled_digits > kExactInt || -exponent > kMaxDecimals) return std::nullopt;
  return Step{scaled_digits, -exponent};
}

std::optional<std::int64_t> Step::Quantum(double value) const {
  // value * 10**d / m in Python: two correctly rounded double operations, the same here.
  double scaled = value * Pow10(decimals) / static_cast<double>(multiple);
  if (!(std::fabs(scaled) < kExact)) return std::nullopt;
  return RoundHalfEven(scaled);
}

std::optional<std::int64_t> Step::Quantum(const Value& value) const {
  if (const std::int64_t* i = value.AsInt()) {
    // Python scales an int exactly and divides once, correctly rounded; so does one double division
    // when the scaled integer is exact in a double. Past 2^53 units of 10^-d (far beyond any position a
    // game holds) the double path below may round once more than Python.
    std::int64_t limit = kExactInt / static_cast<std::int64_t>(Pow10(decimals));
    if (*i <= limit && *i >= -limit) {
      double scaled = static_cast<double>(*i * static_cast<std::int64_t>(Pow10(decimals))) / static_cast<double>(multiple);
      if (!(std::fabs(scaled) < kExact)) return std::nullopt;
      return RoundHalfEven(scaled);
    }
    return Quantum(static_cast<double>(*i));
  }
  if (value.type() == Value::Type::kDouble) return Quantum(*value.AsNumber());
  return std::nullopt;
}

std::optional<Value> Step::ValueOf(std::int64_t quantum) const {
  constexpr std::int64_t kMax = INT64_MAX;
  if (quantum != 0 && (quantum > kMax / multiple || quantum < -kMax / multiple)) return std::nullopt;
  std::int64_t numerator = quantum * multiple;
  if (decimals == 0) return Value(numerator);
  // One correctly rounded division, exact operands while |numerator| <= 2^53 (always, for quanta of
  // values a document holds; larger numerators round once more, as (double)(q*m) / 1e{d} says).
  return Value(static_cast<double>(numerator) / Pow10(decimals));
}

}  // namespace rtnet
