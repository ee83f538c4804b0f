#include "rtnet/Backoff.h"

#include <algorithm>

namespace rtnet {

std::optional<double> Backoff::Next() {
  if (options_.max_attempts > 0 && attempt_ >= options_.max_attempts) return std::nullopt;
  ++attempt_;
  previous_ = Step(options_, previous_, random_);
  return previous_;
}

double Backoff::Step(const Options& options, double previous, Random& random) {
  // Python's random.uniform(a, b) is a + (b - a) * random(): the same arithmetic gives the same
  // doubles from the same random() numbers.
  double low = options.base;
  double high = std::max(options.base, previous * 3);
  return std::min(options.cap, low + (high - low) * random.Next());
}

void Backoff::Reset() {
  attempt_ = 0;
  previous_ = 0.0;
}

}  // namespace rtnet
