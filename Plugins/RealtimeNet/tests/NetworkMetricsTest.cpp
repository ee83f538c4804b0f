// Network metrics with injected times: RTT, outliers, jitter, clock offset, bandwidth, loss,
// percentiles and the quality grade.
#include <cmath>
#include <vector>

#include "TestSupport.h"
#include "rtnet/NetworkMetrics.h"

namespace rtnet {
namespace {

using test::J;

TEST(NetworkMetrics, RttFromPingAndPong) {
  NetworkMetrics metrics;
  EXPECT_EQ(metrics.Quality(), ConnectionQuality::kUnknown);
  EXPECT_FALSE(metrics.last_rtt());
  Value params = NetworkMetrics::PingParams(10.0);
  EXPECT_EQ(params, J(R"({"client_time":10.0})"));
  // The gateway echoes client_time and adds its clock (Unix ms).
  Value pong = J(R"({"client_time":10.0,"server_time":1700000000025.0})");
  std::optional<RttSample> sample = metrics.OnPong(pong, 10.05);
  ASSERT_TRUE(sample);
  EXPECT_NEAR(sample->rtt, 0.05, 1e-9);
  EXPECT_FALSE(sample->outlier);
  EXPECT_NEAR(*metrics.smoothed_rtt(), 0.05, 1e-9);
  EXPECT_NEAR(*metrics.last_rtt(), 0.05, 1e-9);
  EXPECT_FALSE(metrics.OnPong(J(R"({"server_time":1})"), 11));  // no client_time
  EXPECT_FALSE(metrics.OnPong(J(R"({"client_time":12})"), 11));  // from the future
  EXPECT_FALSE(metrics.AddRttSample(NAN, 1));
  EXPECT_EQ(metrics.samples(), 1u);
}

TEST(NetworkMetrics, SmoothedRttFollowsRfc6298Gain) {
  NetworkMetrics metrics;
  metrics.AddRttSample(0, 0.100);
  metrics.AddRttSample(1, 1.200);
  EXPECT_NEAR(*metrics.smoothed_rtt(), 0.100 + 0.125 * (0.200 - 0.100), 1e-12);
  EXPECT_NEAR(*metrics.min_rtt(), 0.100, 1e-12);
}

TEST(NetworkMetrics, JitterIsTheRfc3550Estimator) {
  NetworkMetrics metrics;
  const double rtts[] = {0.050, 0.060, 0.055, 0.070, 0.050};
  double expected = 0;
  double previous = rtts[0];
  double t = 0;
  for (double rtt : rtts) {
    metrics.AddRttSample(t, t + rtt);
    if (t > 0) expected += (std::fabs(rtt - previous) - expected) / 16.0;
    previous = rtt;
    t += 1;
  }
  EXPECT_NEAR(metrics.jitter(), expected, 1e-12);
  EXPECT_GT(metrics.jitter(), 0);
  // A constant RTT drives jitter towards zero.
  for (int i = 0; i < 200; ++i, t += 1) metrics.AddRttSample(t, t + 0.05);
  EXPECT_LT(metrics.jitter(), 1e-6);
}

TEST(NetworkMetrics, OutliersDoNotMoveTheSmoothedRtt) {
  NetworkMetrics metrics;
  double t = 0;
  const double steady[] = {0.050, 0.052, 0.049, 0.051, 0.050, 0.048, 0.052, 0.050};
  for (double rtt : steady) metrics.AddRttSample(t, t + rtt), t += 1;
  const double before = *metrics.smoothed_rtt();
  std::optional<RttSample> spike = metrics.AddRttSample(t, t + 0.900);  // a GC pause
  t += 1;
  ASSERT_TRUE(spike);
  EXPECT_TRUE(spike->outlier);
  EXPECT_EQ(*metrics.smoothed_rtt(), before);
  EXPECT_EQ(metrics.outliers(), 1u);
  EXPECT_NEAR(*metrics.last_rtt(), 0.9, 1e-9);
  EXPECT_NEAR(*metrics.RttPercentile(100), 0.9, 1e-9);  // still in the percentiles
  // A small wobble on a perfectly steady link is not an outlier (the MAD floor).
  NetworkMetrics flat;
  for (int i = 0; i < 10; ++i) flat.AddRttSample(i, i + 0.05);
  EXPECT_FALSE(flat.AddRttSample(20, 20.055)->outlier);
  // A lasting change (a new route) stops being an outlier once it holds the median.
  NetworkMetricsOptions options;
  options.rtt_window = 8;
  NetworkMetrics shifted(options);
  for (int i = 0; i < 8; ++i) shifted.AddRttSample(i, i + 0.05);
  int outliers = 0;
  for (int i = 8; i < 20; ++i) outliers += shifted.AddRttSample(i, i + 0.2)->outlier ? 1 : 0;
  EXPECT_GT(outliers, 0);
  EXPECT_LE(outliers, 4);
  EXPECT_GT(*shifted.smoothed_rtt(), 0.1);
}

TEST(NetworkMetrics, NoOutlierRejectionBeforeEnoughSamples) {
  NetworkMetrics metrics;
  metrics.AddRttSample(0, 0.05);
  metrics.AddRttSample(1, 1.05);
  EXPECT_FALSE(metrics.AddRttSample(2, 3.0)->outlier);
}

TEST(NetworkMetrics, PercentilesAreNearestRankOverABoundedWindow) {
  NetworkMetricsOptions options;
  options.rtt_window = 100;
  options.outlier_k = 1e9;  // not under test here
  NetworkMetrics metrics(options);
  EXPECT_FALSE(metrics.RttPercentiles());
  // 1..100 ms, shuffled deterministically.
  for (int i = 0; i < 100; ++i) {
    int ms = (i * 37) % 100 + 1;
    metrics.AddRttSample(i, i + ms / 1000.0);
  }
  Percentiles p = *metrics.RttPercentiles();
  EXPECT_NEAR(p.p50, 0.050, 1e-9);
  EXPECT_NEAR(p.p95, 0.095, 1e-9);
  EXPECT_NEAR(p.p99, 0.099, 1e-9);
  EXPECT_NEAR(*metrics.RttPercentile(1), 0.001, 1e-9);
  EXPECT_FALSE(metrics.RttPercentile(0));
  EXPECT_FALSE(metrics.RttPercentile(101));
  // The window is bounded: 100 more samples of 200 ms replace everything.
  for (int i = 100; i < 200; ++i) metrics.AddRttSample(i, i + 0.2);
  EXPECT_NEAR(metrics.RttPercentiles()->p50, 0.2, 1e-9);
  EXPECT_NEAR(*metrics.RttPercentile(1), 0.2, 1e-9);
  EXPECT_EQ(metrics.samples(), 200u);
}

TEST(NetworkMetrics, ClockOffsetNtpStyleFromTheFastestSample) {
  NetworkMetrics metrics;
  EXPECT_FALSE(metrics.clock_offset());
  EXPECT_FALSE(metrics.ServerTimeMs(0));
  // Server clock = client clock + 1000 s. A symmetric 40 ms trip: the server stamps at sent + 20 ms.
  std::optional<RttSample> sample = metrics.AddRttSample(5.0, 5.040, (5.020 + 1000.0) * 1000.0);
  ASSERT_TRUE(sample && sample->offset);
  EXPECT_NEAR(*sample->offset, 1000.0, 1e-6);
  // An asymmetric slow sample (stamped late) gives a worse estimate; the fast one is kept.
  metrics.AddRttSample(6.0, 6.300, (6.250 + 1000.0) * 1000.0);
  EXPECT_NEAR(*metrics.clock_offset(), 1000.0, 1e-6);
  EXPECT_NEAR(*metrics.ServerTimeMs(7.0), 1007.0 * 1000.0, 1e-3);
  // A pong without server_time measures RTT only.
  EXPECT_FALSE(metrics.AddRttSample(8, 8.01)->offset);
}

TEST(NetworkMetrics, OffsetWindowForgetsOldFastSamples) {
  NetworkMetricsOptions options;
  options.offset_window = 2;
  NetworkMetrics metrics(options);
  metrics.AddRttSample(0, 0.010, 0.005 * 1000 + 500'000);  // offset 500 s
  metrics.AddRttSample(1, 1.050, 1.025 * 1000 + 600'000);  // the clock was stepped: 600 s
  metrics.AddRttSample(2, 2.060, 2.030 * 1000 + 600'000);
  EXPECT_NEAR(*metrics.clock_offset(), 600.0, 1e-6);
}

TEST(NetworkMetrics, BandwidthOverASlidingWindow) {
  NetworkMetrics metrics;  // 5 s in 10 buckets of 0.5 s
  EXPECT_EQ(metrics.BandwidthIn(0), 0);
  for (int i = 0; i < 100; ++i) metrics.OnBytesIn(1000, i * 0.1);  // 10 kB/s for 10 s
  EXPECT_NEAR(metrics.BandwidthIn(9.95), 10000, 1000);
  metrics.OnBytesOut(500, 1.0);
  EXPECT_NEAR(metrics.BandwidthOut(1.2), 500 / 0.5, 1e-9);  // a young meter: at least one bucket
  EXPECT_NEAR(metrics.BandwidthOut(3.0), 500 / 2.0, 1e-9);
  EXPECT_NEAR(metrics.BandwidthOut(5.9), 500 / 4.9, 1e-9);
  EXPECT_EQ(metrics.BandwidthOut(6.6), 0);  // slid out of the window
  EXPECT_EQ(metrics.BandwidthIn(30), 0);
}

TEST(NetworkMetrics, LossFromStreamOffsetGaps) {
  NetworkMetrics metrics;
  EXPECT_EQ(metrics.loss_ratio(), 0);
  EXPECT_EQ(metrics.OnStreamOffset("room:a", "e1", 5), StreamArrival::kFirst);
  EXPECT_EQ(metrics.OnStreamOffset("room:a", "e1", 6), StreamArrival::kInOrder);
  EXPECT_EQ(metrics.OnStreamOffset("room:a", "e1", 6), StreamArrival::kDuplicate);
  EXPECT_EQ(metrics.OnStreamOffset("room:a", "e1", 3), StreamArrival::kDuplicate);
  EXPECT_EQ(metrics.OnStreamOffset("room:a", "e1", 9), StreamArrival::kGap);  // 7, 8 lost
  EXPECT_EQ(metrics.OnStreamOffset("player:p", "x", 1), StreamArrival::kFirst);
  EXPECT_EQ(metrics.OnStreamOffset("room:a", "e2", 1), StreamArrival::kEpochChanged);
  EXPECT_EQ(metrics.OnStreamOffset("room:a", "e2", 2), StreamArrival::kInOrder);
  EXPECT_EQ(metrics.lost(), 2u);
  EXPECT_EQ(metrics.received(), 6u);
  EXPECT_EQ(metrics.duplicates(), 2u);
  EXPECT_NEAR(metrics.loss_ratio(), 2.0 / 8.0, 1e-12);
  metrics.ForgetStream("room:a");
  EXPECT_EQ(metrics.OnStreamOffset("room:a", "e2", 50), StreamArrival::kFirst);
}

TEST(NetworkMetrics, LossRatioCoversABoundedWindow) {
  NetworkMetricsOptions options;
  options.loss_window = 10;
  NetworkMetrics metrics(options);
  metrics.OnStreamOffset("s", "e", 1);
  metrics.OnStreamOffset("s", "e", 4);  // 2 lost
  EXPECT_NEAR(metrics.loss_ratio(), 2.0 / 4.0, 1e-12);
  for (int offset = 5; offset < 20; ++offset) metrics.OnStreamOffset("s", "e", offset);
  EXPECT_EQ(metrics.loss_ratio(), 0);  // the gap left the window
  EXPECT_EQ(metrics.lost(), 2u);       // the totals keep it
}

ConnectionQuality GradeOf(double rtt, double jitter_step, int lost_of_1000) {
  NetworkMetricsOptions options;
  options.loss_window = 1000;
  options.outlier_k = 1e9;
  NetworkMetrics metrics(options);
  // Alternating RTTs rtt ± step/2 settle the jitter near `jitter_step`; the mean stays `rtt`.
  for (int i = 0; i < 400; ++i) {
    double sample = rtt + ((i % 2) ? jitter_step / 2 : -jitter_step / 2);
    metrics.AddRttSample(i, i + sample);
  }
  std::int64_t offset = 1;
  metrics.OnStreamOffset("s", "e", offset);  // the baseline
  for (int i = 0; i < 1000 - lost_of_1000; ++i) {
    offset += (i < lost_of_1000) ? 2 : 1;
    metrics.OnStreamOffset("s", "e", offset);
  }
  return metrics.Quality();
}

TEST(NetworkMetrics, QualityGradeFromDocumentedThresholds) {
  EXPECT_EQ(GradeOf(0.030, 0.005, 0), ConnectionQuality::kExcellent);
  EXPECT_EQ(GradeOf(0.080, 0.005, 0), ConnectionQuality::kGood);
  EXPECT_EQ(GradeOf(0.030, 0.015, 0), ConnectionQuality::kGood);     // jitter decides
  EXPECT_EQ(GradeOf(0.030, 0.005, 8), ConnectionQuality::kGood);     // 0.8 % loss decides
  EXPECT_EQ(GradeOf(0.150, 0.005, 0), ConnectionQuality::kFair);
  EXPECT_EQ(GradeOf(0.030, 0.005, 25), ConnectionQuality::kFair);
  EXPECT_EQ(GradeOf(0.300, 0.005, 0), ConnectionQuality::kPoor);
  EXPECT_EQ(GradeOf(0.060, 0.080, 0), ConnectionQuality::kPoor);
  EXPECT_EQ(GradeOf(0.500, 0.005, 0), ConnectionQuality::kBad);
  EXPECT_EQ(GradeOf(0.030, 0.005, 150), ConnectionQuality::kBad);  // 15 % loss
  EXPECT_STREQ(ToString(ConnectionQuality::kFair), "fair");
}

}  // namespace
}  // namespace rtnet
