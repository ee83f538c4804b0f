// A Random that replays fixed numbers (then repeats the last), for deterministic tests.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "rtnet/Backoff.h"

namespace rtnet::test {

class ReplayRandom : public Random {
 public:
  explicit ReplayRandom(std::vector<double> numbers) : numbers_(std::move(numbers)) {}
  double Next() override {
    double number = numbers_[next_ < numbers_.size() ? next_ : numbers_.size() - 1];
    ++next_;
    return number;
  }
  std::size_t used() const { return next_; }

 private:
  std::vector<double> numbers_;
  std::size_t next_ = 0;
};

}  // namespace rtnet::test
