#include "RealtimeNetSettings.h"

#include "rtnet/Client.h"

namespace RealtimeNetSettingsDetail
{
FRealtimeNetLaneSettings FromLane(const rtnet::LaneOptions& Lane)
{
	FRealtimeNetLaneSettings Result;
	Result.MaxMessages = static_cast<int32>(Lane.max_messages);
	Result.MaxBytes = static_cast<int32>(Lane.max_bytes);
	Result.bDropOldestWhenFull = Lane.policy == rtnet::OverflowPolicy::kDropOldest;
	return Result;
}

FRealtimeNetQualityLimits FromThresholds(const rtnet::QualityThresholds& Thresholds)
{
	FRealtimeNetQualityLimits Result;
	Result.RttMs = static_cast<float>(Thresholds.rtt * 1000.0);
	Result.JitterMs = static_cast<float>(Thresholds.jitter * 1000.0);
	Result.LossPercent = static_cast<float>(Thresholds.loss * 100.0);
	return Result;
}
}  // namespace RealtimeNetSettingsDetail

URealtimeNetSettings::URealtimeNetSettings()
{
	using namespace RealtimeNetSettingsDetail;
	// The core's defaults, so they are written down once (rtnet/Client.h and what it includes).
	const rtnet::ClientOptions Defaults;

	ConnectTimeout = static_cast<float>(Defaults.connection.connect_timeout);
	HeartbeatGrace = static_cast<float>(Defaults.connection.heartbeat_grace);
	ClosingTimeout = static_cast<float>(Defaults.connection.closing_timeout);
	BackoffBase = static_cast<float>(Defaults.connection.backoff.base);
	BackoffCap = static_cast<float>(Defaults.connection.backoff.cap);
	BackoffMaxAttempts = Defaults.connection.backoff.max_attempts;

	CallTimeout = static_cast<float>(Defaults.call_timeout);
	PingInterval = static_cast<float>(Defaults.ping_interval);
	CallRetryBase = static_cast<float>(Defaults.call_retry.base);
	CallRetryCap = static_cast<float>(Defaults.call_retry.cap);
	ResumeRetryBase = static_cast<float>(Defaults.resume_retry.base);
	ResumeRetryCap = static_cast<float>(Defaults.resume_retry.cap);
	ResumeRetryMaxAttempts = Defaults.resume_retry.max_attempts;
	ResumeRetryFor = static_cast<float>(Defaults.resume_retry_for);

	MaxBatchBytes = static_cast<int32>(Defaults.outbound.max_batch_bytes);
	MaxBatchMessages = static_cast<int32>(Defaults.outbound.max_batch_messages);
	CriticalLane = FromLane(Defaults.outbound.lanes[static_cast<std::size_t>(rtnet::Lane::kCritical)]);
	NormalLane = FromLane(Defaults.outbound.lanes[static_cast<std::size_t>(rtnet::Lane::kNormal)]);
	LowLane = FromLane(Defaults.outbound.lanes[static_cast<std::size_t>(rtnet::Lane::kLow)]);

	StateHistory = static_cast<int32>(Defaults.state.history);

	RttWindow = static_cast<int32>(Defaults.metrics.rtt_window);
	OutlierK = static_cast<float>(Defaults.metrics.outlier_k);
	OutlierMinSamples = static_cast<int32>(Defaults.metrics.outlier_min_samples);
	OutlierMadFloorMs = static_cast<float>(Defaults.metrics.outlier_mad_floor * 1000.0);
	SmoothedRttGain = static_cast<float>(Defaults.metrics.srtt_gain);
	ClockOffsetWindow = static_cast<int32>(Defaults.metrics.offset_window);
	BandwidthWindow = static_cast<float>(Defaults.metrics.bandwidth_window);
	BandwidthBuckets = static_cast<int32>(Defaults.metrics.bandwidth_buckets);
	LossWindow = static_cast<int32>(Defaults.metrics.loss_window);
	ExcellentLimits = FromThresholds(Defaults.metrics.grades[0]);
	GoodLimits = FromThresholds(Defaults.metrics.grades[1]);
	FairLimits = FromThresholds(Defaults.metrics.grades[2]);
	PoorLimits = FromThresholds(Defaults.metrics.grades[3]);

	bLoadPresenceOnJoin = Defaults.load_presence_on_join;
	DisplayNameField = UTF8_TO_TCHAR(Defaults.display_name_field.c_str());
	TraceCapacity = static_cast<int32>(Defaults.trace_capacity);
}

FName URealtimeNetSettings::GetCategoryName() const
{
	return FName(TEXT("Plugins"));
}
