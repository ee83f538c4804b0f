// The fixed-capacity ring the metrics windows and the trace keep their samples in.
#include "TestSupport.h"
#include "rtnet/Ring.h"

namespace rtnet {
namespace {

TEST(Ring, OverwritesTheOldestAndKeepsItsCapacity) {
  Ring<int> ring(3);
  EXPECT_TRUE(ring.empty());
  EXPECT_FALSE(ring.Push(1));
  EXPECT_FALSE(ring.Push(2));
  EXPECT_FALSE(ring.Push(3));
  EXPECT_TRUE(ring.full());
  EXPECT_TRUE(ring.Push(4));
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.front(), 2);
  EXPECT_EQ(ring.back(), 4);
  EXPECT_EQ(ring[1], 3);
  ring.PopFront();
  EXPECT_EQ(ring.front(), 3);
  ring.PopBack();
  EXPECT_EQ(ring.back(), 3);
  EXPECT_EQ(ring.capacity(), 3u);
  ring.Clear();
  EXPECT_TRUE(ring.empty());
  Ring<int> none;
  EXPECT_TRUE(none.Push(1));
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace rtnet
