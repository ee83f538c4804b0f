// Backoff against the Python implementation's own numbers.
#include "ReplayRandom.h"
#include "TestSupport.h"
#include "rtnet/Backoff.h"

namespace rtnet {
namespace {

TEST(Backoff, SameDelaysAsPythonFromTheSameRandomNumbers) {
  // Python: Backoff(base=0.1, cap=2.0, max_attempts=8, rng=random.Random(7)); the random() numbers
  // it drew and the delays it gave, as repr() printed them.
  test::ReplayRandom random({0.32383276483316237, 0.15084917392450192, 0.6509344730398537, 0.07243628666754276,
                             0.5358820043066892, 0.36568891691258554, 0.057998924774706806, 0.5074357331894203});
  Backoff backoff({0.1, 2.0, 8}, random);
  const double expected[] = {0.1, 0.1301698347849004, 0.28910265113019656, 0.1555809388740863,
                             0.29653087563661673, 0.38874527253682634, 0.1618405309776882, 0.2956274321703428};
  for (double delay : expected) EXPECT_EQ(backoff.Next(), delay);  // bit-identical
  EXPECT_FALSE(backoff.Next().has_value());
  EXPECT_EQ(backoff.attempt(), 8);
}

TEST(Backoff, StaysWithinBaseAndCapAndResets) {
  test::ReplayRandom random({0.999999});
  Backoff backoff({0.5, 3.0, 0}, random);
  for (int i = 0; i < 50; ++i) {
    std::optional<double> delay = backoff.Next();
    ASSERT_TRUE(delay.has_value());  // unlimited
    EXPECT_GE(*delay, 0.5);
    EXPECT_LE(*delay, 3.0);
  }
  EXPECT_EQ(backoff.Next(), 3.0);
  backoff.Reset();
  EXPECT_EQ(backoff.attempt(), 0);
  EXPECT_EQ(backoff.Next(), 0.5);  // uniform(base, base)
}

}  // namespace
}  // namespace rtnet
