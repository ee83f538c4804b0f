// The quantisation step, with expectations taken from the Python implementation
// (Tools/realtimenet/state/quantize.py).
#include <cstdint>
#include <limits>

#include "TestSupport.h"
#include "rtnet/Step.h"

namespace rtnet {
namespace {

TEST(Step, OfMatchesPython) {
  // Python: Step.of(s) for each s (multiple, decimals); None where it raises.
  EXPECT_EQ(Step::Of(0.01), (Step{1, 2}));
  EXPECT_EQ(Step::Of(1), (Step{1, 0}));
  EXPECT_EQ(Step::Of(5), (Step{5, 0}));
  EXPECT_EQ(Step::Of(0.25), (Step{25, 2}));
  EXPECT_EQ(Step::Of(1e-05), (Step{1, 5}));
  EXPECT_EQ(Step::Of(100), (Step{100, 0}));
  EXPECT_EQ(Step::Of(2.5e-7), (Step{25, 8}));
  EXPECT_EQ(Step::Of(1e-15), (Step{1, 15}));
  EXPECT_EQ(Step::Of(0.05), (Step{5, 2}));
  EXPECT_FALSE(Step::Of(0.1 + 0.2));  // 0.30000000000000004: 17 decimals
  EXPECT_FALSE(Step::Of(1e-16));
  EXPECT_FALSE(Step::Of(0));
  EXPECT_FALSE(Step::Of(-1));
  EXPECT_FALSE(Step::Of(1e22));  // Python accepts it (unbounded ints); C++ holds multiples up to 2^53
}

TEST(Step, QuantumAndValueMatchPython) {
  // Python: q = Step.of(0.01).quantum(v); repr(Step.of(0.01).value(q)).
  const struct { double value; std::int64_t quantum; double back; } cases[] = {
      {1.005, 100, 1.0},   {0.015, 2, 0.02},   {0.025, 2, 0.02},          {-0.015, -2, -0.02}, {1.61, 161, 1.61},
      {-3.2, -320, -3.2}, {3.99, 399, 3.99}, {123456.785, 12345678, 123456.78}, {2.675, 268, 2.68},
  };
  Step step = *Step::Of(0.01);
  for (const auto& c : cases) {
    ASSERT_EQ(step.Quantum(c.value), c.quantum) << c.value;
    EXPECT_EQ(*step.ValueOf(c.quantum)->AsNumber(), c.back) << c.value;  // bit-identical doubles
  }
  // Ties go to even, as Python's round().
  Step one = *Step::Of(1);
  const double ties[] = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5};
  const std::int64_t rounded[] = {0, 2, 2, 0, -2, -2};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(one.Quantum(ties[i]), rounded[i]) << ties[i];
  Step twentieth = *Step::Of(0.05);
  EXPECT_EQ(twentieth.Quantum(3.333), 67);
  EXPECT_EQ(*twentieth.ValueOf(67)->AsNumber(), 3.35);
  EXPECT_EQ(twentieth.Quantum(Value(1)), 20);  // an exact integer input
  EXPECT_FALSE(step.Quantum(Value(true)));
  EXPECT_FALSE(step.Quantum(1e300));
  EXPECT_FALSE(step.Quantum(std::numeric_limits<double>::quiet_NaN()));
}

}  // namespace
}  // namespace rtnet
