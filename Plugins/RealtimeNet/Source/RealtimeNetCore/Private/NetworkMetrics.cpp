#include "rtnet/NetworkMetrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rtnet {
namespace {

double Median(std::vector<double>& values) {  // reorders `values`
  const std::size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
  double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle));
  return (lower + upper) / 2;
}

}  // namespace

const char* ToString(ConnectionQuality quality) {
  switch (quality) {
    case ConnectionQuality::kUnknown: return "unknown";
    case ConnectionQuality::kExcellent: return "excellent";
    case ConnectionQuality::kGood: return "good";
    case ConnectionQuality::kFair: return "fair";
    case ConnectionQuality::kPoor: return "poor";
    case ConnectionQuality::kBad: return "bad";
  }
  return "unknown";
}

NetworkMetrics::NetworkMetrics(NetworkMetricsOptions options)
    : options_(options),
      rtts_(std::max<std::size_t>(options.rtt_window, 1)),
      offsets_(std::max<std::size_t>(options.offset_window, 1)),
      deliveries_(std::max<std::size_t>(options.loss_window, 1)) {
  if (options_.bandwidth_buckets == 0) options_.bandwidth_buckets = 1;
  if (!(options_.bandwidth_window > 0)) options_.bandwidth_window = 1.0;
  in_.buckets.resize(options_.bandwidth_buckets);
  out_.buckets.resize(options_.bandwidth_buckets);
}

Value NetworkMetrics::PingParams(double now) { return Value::MakeObject({{"client_time", Value(now)}}); }

std::optional<RttSample> NetworkMetrics::OnPong(const Value& pong, double now) {
  const Value* client_time = pong.Find("client_time");
  std::optional<double> sent = client_time != nullptr ? client_time->AsNumber() : std::nullopt;
  if (!sent) return std::nullopt;
  const Value* server_time = pong.Find("server_time");
  std::optional<double> server = server_time != nullptr ? server_time->AsNumber() : std::nullopt;
  return AddRttSample(*sent, now, server);
}

std::optional<RttSample> NetworkMetrics::AddRttSample(double sent, double received,
                                                      std::optional<double> server_time_ms) {
  if (!std::isfinite(sent) || !std::isfinite(received) || received < sent) return std::nullopt;
  RttSample sample;
  sample.rtt = received - sent;
  if (rtts_.size() >= std::max<std::size_t>(options_.outlier_min_samples, 1)) {
    std::vector<double> window;
    window.reserve(rtts_.size());
    for (std::size_t i = 0; i < rtts_.size(); ++i) window.push_back(rtts_[i]);
    const double median = Median(window);
    for (double& value : window) value = std::fabs(value - median);
    const double mad = Median(window) * 1.4826;  // consistent with the standard deviation for normal noise
    sample.outlier = sample.rtt > median + options_.outlier_k * std::max(mad, options_.outlier_mad_floor);
  }
  rtts_.Push(sample.rtt);
  ++total_samples_;
  if (previous_rtt_) jitter_ += (std::fabs(sample.rtt - *previous_rtt_) - jitter_) / 16.0;
  previous_rtt_ = sample.rtt;
  min_rtt_ = min_rtt_ ? std::min(*min_rtt_, sample.rtt) : sample.rtt;
  if (sample.outlier) {
    ++outliers_;
  } else {
    srtt_ = srtt_ ? *srtt_ + options_.srtt_gain * (sample.rtt - *srtt_) : sample.rtt;
  }
  if (server_time_ms && std::isfinite(*server_time_ms)) {
    sample.offset = *server_time_ms / 1000.0 - (sent + received) / 2;
    if (!sample.outlier) offsets_.Push(OffsetSample{sample.rtt, *sample.offset});
  }
  return sample;
}

std::optional<double> NetworkMetrics::last_rtt() const {
  if (rtts_.empty()) return std::nullopt;
  return rtts_.back();
}

std::optional<double> NetworkMetrics::RttPercentile(double p) const {
  if (rtts_.empty() || !(p > 0) || p > 100) return std::nullopt;
  std::vector<double> sorted;
  sorted.reserve(rtts_.size());
  for (std::size_t i = 0; i < rtts_.size(); ++i) sorted.push_back(rtts_[i]);
  std::sort(sorted.begin(), sorted.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(std::max<std::size_t>(rank, 1), sorted.size()) - 1];
}

std::optional<Percentiles> NetworkMetrics::RttPercentiles() const {
  if (rtts_.empty()) return std::nullopt;
  return Percentiles{*RttPercentile(50), *RttPercentile(95), *RttPercentile(99)};
}

std::optional<double> NetworkMetrics::clock_offset() const {
  if (offsets_.empty()) return std::nullopt;
  std::size_t best = 0;
  for (std::size_t i = 1; i < offsets_.size(); ++i) {
    if (offsets_[i].rtt <= offsets_[best].rtt) best = i;  // ties: the newer one
  }
  return offsets_[best].offset;
}

std::optional<double> NetworkMetrics::ServerTimeMs(double now) const {
  std::optional<double> offset = clock_offset();
  if (!offset) return std::nullopt;
  return (now + *offset) * 1000.0;
}

std::int64_t NetworkMetrics::BucketIndex(double now) const {
  const double width = options_.bandwidth_window / static_cast<double>(options_.bandwidth_buckets);
  return static_cast<std::int64_t>(std::floor(now / width));
}

void NetworkMetrics::Count(Meter& meter, std::size_t bytes, double now) {
  if (!std::isfinite(now)) return;
  if (!meter.first) meter.first = now;
  const std::int64_t index = BucketIndex(now);
  const auto count = static_cast<std::int64_t>(meter.buckets.size());
  Bucket& bucket = meter.buckets[static_cast<std::size_t>(((index % count) + count) % count)];
  if (bucket.index != index) bucket = Bucket{index, 0};
  bucket.bytes += bytes;
}

double NetworkMetrics::Rate(const Meter& meter, double now) const {
  if (!meter.first || !std::isfinite(now)) return 0;
  const std::int64_t current = BucketIndex(now);
  const auto count = static_cast<std::int64_t>(meter.buckets.size());
  std::uint64_t total = 0;
  for (const Bucket& bucket : meter.buckets) {
    if (bucket.index > current - count && bucket.index <= current) total += bucket.bytes;
  }
  // Young meters divide by the time they have existed (at least one bucket), not the whole window.
  const double width = options_.bandwidth_window / static_cast<double>(options_.bandwidth_buckets);
  const double span = std::min(options_.bandwidth_window, std::max(width, now - *meter.first));
  return static_cast<double>(total) / span;
}

StreamArrival NetworkMetrics::OnStreamOffset(std::string_view stream, std::string_view epoch, std::int64_t offset) {
  auto found = streams_.find(stream);
  if (found == streams_.end()) {
    streams_.emplace(std::string(stream), Stream{std::string(epoch), offset});
    RecordDelivery(0);
    return StreamArrival::kFirst;
  }
  Stream& held = found->second;
  if (held.epoch != epoch) {
    held.epoch = std::string(epoch);
    held.last = offset;
    RecordDelivery(0);
    return StreamArrival::kEpochChanged;
  }
  if (offset <= held.last) {
    ++duplicates_;
    return StreamArrival::kDuplicate;
  }
  const auto missing = static_cast<std::uint64_t>(offset - held.last - 1);
  held.last = offset;
  RecordDelivery(missing);
  return missing == 0 ? StreamArrival::kInOrder : StreamArrival::kGap;
}

void NetworkMetrics::RecordDelivery(std::uint64_t lost) {
  if (deliveries_.full()) window_lost_ -= deliveries_.front();
  deliveries_.Push(lost);
  window_lost_ += lost;
  lost_ += lost;
  ++received_;
}

double NetworkMetrics::loss_ratio() const {
  const double total = static_cast<double>(deliveries_.size()) + static_cast<double>(window_lost_);
  return total > 0 ? static_cast<double>(window_lost_) / total : 0.0;
}

ConnectionQuality NetworkMetrics::Quality() const {
  if (!srtt_) return ConnectionQuality::kUnknown;
  const double loss = loss_ratio();
  const ConnectionQuality grades[] = {ConnectionQuality::kExcellent, ConnectionQuality::kGood,
                                      ConnectionQuality::kFair, ConnectionQuality::kPoor};
  for (std::size_t i = 0; i < options_.grades.size(); ++i) {
    const QualityThresholds& limit = options_.grades[i];
    if (*srtt_ <= limit.rtt && jitter_ <= limit.jitter && loss <= limit.loss) return grades[i];
  }
  return ConnectionQuality::kBad;
}

}  // namespace rtnet
