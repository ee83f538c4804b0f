// Decorrelated-jitter backoff (the AWS architecture blog's variant), exactly as
// Tools/realtimenet/client/backoff.py: spreads reconnect storms.
#pragma once

#include "rtnet/Export.h"

#include <optional>

namespace rtnet {

/// Randomness the core is given, never one it owns: the Unreal layer wraps FRandomStream, tests replay
/// fixed numbers.
class RTNET_API Random {
 public:
  virtual ~Random() = default;
  /// A number in [0, 1), as Python's random.random().
  virtual double Next() = 0;
};

/// `Next()` gives the delay before each attempt: min(cap, uniform(base, previous * 3)).
class RTNET_API Backoff {
 public:
  struct Options {
    double base = 0.1;      // seconds
    double cap = 10.0;      // seconds
    int max_attempts = 0;   // 0 means unlimited
  };

  Backoff(Options options, Random& random) : options_(options), random_(random) {}

  /// The next delay in seconds, or none once `max_attempts` are used up.
  std::optional<double> Next();
  /// One decorrelated-jitter step from the previous delay (0 before the first), ignoring
  /// `max_attempts`: for a caller that keeps its own count (a call's retries).
  static double Step(const Options& options, double previous, Random& random);
  /// After a success: the next failure starts from `base` again.
  void Reset();

  int attempt() const { return attempt_; }
  const Options& options() const { return options_; }

 private:
  Options options_;
  Random& random_;
  int attempt_ = 0;
  double previous_ = 0.0;
};

}  // namespace rtnet
