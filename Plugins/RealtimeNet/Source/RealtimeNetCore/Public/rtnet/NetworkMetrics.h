// Network measurements of one connection: RTT (from sys.ping), jitter, clock offset to the server,
// bandwidth, loss on resumable streams, percentiles, and a connection-quality grade. Sans-I/O: every
// entry point takes the caller's `now` (seconds, monotonic); nothing reads a clock.
#pragma once

#include "rtnet/Export.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtnet/Ring.h"
#include "rtnet/Value.h"

namespace rtnet {

/// Connection quality, best first. kUnknown until the first RTT sample.
enum class ConnectionQuality { kUnknown, kExcellent, kGood, kFair, kPoor, kBad };

RTNET_API const char* ToString(ConnectionQuality quality);

/// The worst a connection may measure and still get a grade (seconds, seconds, ratio 0..1).
struct QualityThresholds {
  double rtt = 0;
  double jitter = 0;
  double loss = 0;
};

struct NetworkMetricsOptions {
  std::size_t rtt_window = 64;          // RTT samples kept for percentiles, median and MAD
  double outlier_k = 3.0;               // a sample above median + k * MAD is an outlier
  std::size_t outlier_min_samples = 5;  // no outlier rejection before this many samples
  double outlier_mad_floor = 0.002;     // seconds: the scaled MAD is at least this (steady links have MAD 0)
  double srtt_gain = 0.125;             // smoothed RTT: srtt += gain * (rtt - srtt), as RFC 6298
  std::size_t offset_window = 8;        // clock offset from the lowest-RTT sample among the last N
  double bandwidth_window = 5.0;        // seconds
  std::size_t bandwidth_buckets = 10;
  std::size_t loss_window = 256;        // stream deliveries (received + lost) the loss ratio covers
  /// The grades, checked in order Excellent, Good, Fair, Poor: the first whose three limits the
  /// smoothed RTT, the jitter and the loss ratio all stay within (<=); Bad when none. Defaults:
  ///   Excellent  RTT <=  50 ms, jitter <=  10 ms, loss <= 0.5 %
  ///   Good       RTT <= 100 ms, jitter <=  20 ms, loss <= 1 %
  ///   Fair       RTT <= 200 ms, jitter <=  50 ms, loss <= 3 %
  ///   Poor       RTT <= 400 ms, jitter <= 100 ms, loss <= 10 %
  ///   Bad        anything worse
  std::array<QualityThresholds, 4> grades = {
      QualityThresholds{0.050, 0.010, 0.005},
      QualityThresholds{0.100, 0.020, 0.010},
      QualityThresholds{0.200, 0.050, 0.030},
      QualityThresholds{0.400, 0.100, 0.100},
  };
};

/// One RTT measurement, as AddRttSample saw it.
struct RttSample {
  double rtt = 0;         // seconds
  bool outlier = false;   // above median + k * MAD: kept for percentiles, left out of the smoothed RTT
  std::optional<double> offset;  // server clock minus client clock (seconds), when the pong had server_time
};

/// What one resumable-stream delivery was, by its offset.
enum class StreamArrival {
  kFirst,         // the first offset seen on the stream (or its epoch): the baseline, no loss known
  kInOrder,       // offset == last + 1
  kGap,           // offset > last + 1: `offset - last - 1` publications were lost
  kDuplicate,     // offset <= last: a replay already seen (after room.join / session.resume)
  kEpochChanged,  // a new epoch: offsets restart; the baseline is reset, no loss counted
};

struct Percentiles {
  double p50 = 0;
  double p95 = 0;
  double p99 = 0;
};

/// Measures one connection.
///
///  - RTT: `PingParams(now)` gives sys.ping's params `{client_time: now}`; `OnPong(result, now)`
///    takes the Pong result (the echoed client_time is the send time, so no bookkeeping is needed).
///  - Jitter: RFC 3550's interarrival jitter estimator, J += (|D| - J) / 16, where D is the difference
///    between consecutive samples' transit times; for pings the transit is the round trip, so D is
///    the change of RTT between consecutive pings (every sample, outliers included).
///  - Outliers: a sample above median + k * max(1.4826 * MAD, floor) of the window before it is left
///    out of the smoothed RTT (a GC pause or a retransmission must not move it), but counted in the
///    percentiles. A lasting change of RTT moves the median within half a window and stops being one.
///  - Clock offset, NTP style with one server timestamp: offset = server_time - (sent + received) / 2,
///    error at most RTT / 2, so the offset of the lowest-RTT sample among the last `offset_window` is used.
///  - Bandwidth: bytes over the last `bandwidth_window` seconds (in buckets), per second.
///  - Loss: offsets of a resumable stream grow by exactly one per publication; a jump is loss
///    (publications not delivered, e.g. a resume that answered recovered: false).
class RTNET_API NetworkMetrics {
 public:
  explicit NetworkMetrics(NetworkMetricsOptions options = {});

  /// `{"client_time": now}`: the params of a sys.ping sent at `now`.
  static Value PingParams(double now);
  /// A sys.ping result (Pong) received at `now`; none when it has no numeric client_time or it lies
  /// in the future.
  std::optional<RttSample> OnPong(const Value& pong, double now);
  /// A measurement from explicit times: sent and received on the client's clock (seconds), and the
  /// server's clock (Unix milliseconds) when known. None when received < sent.
  std::optional<RttSample> AddRttSample(double sent, double received, std::optional<double> server_time_ms = {});

  void OnBytesIn(std::size_t bytes, double now) { Count(in_, bytes, now); }
  void OnBytesOut(std::size_t bytes, double now) { Count(out_, bytes, now); }
  /// Bytes per second over the last window.
  double BandwidthIn(double now) const { return Rate(in_, now); }
  double BandwidthOut(double now) const { return Rate(out_, now); }

  /// A delivery on a resumable stream (room.event, direct.message).
  StreamArrival OnStreamOffset(std::string_view stream, std::string_view epoch, std::int64_t offset);
  /// Forgets a stream (left the room): its next offset is a new baseline.
  void ForgetStream(std::string_view stream) { streams_.erase(std::string(stream)); }

  // RTT, seconds. None before the first sample.
  std::optional<double> last_rtt() const;
  std::optional<double> smoothed_rtt() const { return srtt_; }
  std::optional<double> min_rtt() const { return min_rtt_; }
  /// Nearest-rank percentile (0 < p <= 100) of the RTT window; none when empty.
  std::optional<double> RttPercentile(double p) const;
  std::optional<Percentiles> RttPercentiles() const;
  double jitter() const { return jitter_; }
  std::size_t samples() const { return total_samples_; }
  std::size_t outliers() const { return outliers_; }

  /// Server clock minus client clock, seconds; none before a pong with server_time.
  std::optional<double> clock_offset() const;
  /// The server's clock (Unix milliseconds) at client time `now`.
  std::optional<double> ServerTimeMs(double now) const;

  /// Lost / (received + lost) over the last `loss_window` deliveries; 0 with none.
  double loss_ratio() const;
  std::uint64_t lost() const { return lost_; }
  std::uint64_t received() const { return received_; }
  std::uint64_t duplicates() const { return duplicates_; }

  /// The grade of the smoothed RTT, the jitter and the loss ratio (thresholds in the options).
  ConnectionQuality Quality() const;
  const NetworkMetricsOptions& options() const { return options_; }

 private:
  struct Bucket {
    std::int64_t index = -1;
    std::uint64_t bytes = 0;
  };
  struct Meter {
    std::vector<Bucket> buckets;
    std::optional<double> first;
  };
  struct Stream {
    std::string epoch;
    std::int64_t last = 0;
  };
  struct OffsetSample {
    double rtt = 0;
    double offset = 0;
  };

  void Count(Meter& meter, std::size_t bytes, double now);
  double Rate(const Meter& meter, double now) const;
  std::int64_t BucketIndex(double now) const;
  void RecordDelivery(std::uint64_t lost);

  NetworkMetricsOptions options_;
  Ring<double> rtts_;
  std::optional<double> srtt_;
  std::optional<double> min_rtt_;
  std::optional<double> previous_rtt_;
  double jitter_ = 0;
  std::size_t total_samples_ = 0;
  std::size_t outliers_ = 0;
  Ring<OffsetSample> offsets_;
  Meter in_;
  Meter out_;
  std::map<std::string, Stream, std::less<>> streams_;
  Ring<std::uint64_t> deliveries_;  // per delivery: publications lost just before it
  std::uint64_t window_lost_ = 0;   // sum over deliveries_
  std::uint64_t lost_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t duplicates_ = 0;
};

}  // namespace rtnet
