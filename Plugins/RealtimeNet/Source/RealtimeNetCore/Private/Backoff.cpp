#include "rtnet/Backoff.h"

#include <algorithm>

namespace rtnet {

std::optional<double> Backoff::Next() {
  if (options_.max_attempts > 0 && attempt_ >= options_.max_attempts) return std::nullopt;
  ++attempt_;
  // Python's random.uniform(a, b) is a + (b - a) * random(): the same arithmetic gives the same
  // doubles from the same random() numbers.
  double low = options_.base;
  double high = std::max(options_.base, previous_ * 3);
  previous_ = std::min(options_.cap, low + (high - low) * random_.Next());
  return previous_;
}

void Backoff::Reset() {
  attempt_ = 0;
  previous_ = 0.0;
}

}  // namespace rtnet
