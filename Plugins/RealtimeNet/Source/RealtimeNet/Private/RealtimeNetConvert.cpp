#include "RealtimeNetConvert.h"

#include "rtnet/Display.h"

#include "RealtimeNetJson.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetText.h"

namespace RealtimeNetConvert
{
ERealtimeNetConnectionState ToUnreal(rtnet::State State)
{
	switch (State)
	{
	case rtnet::State::kDisconnected: return ERealtimeNetConnectionState::Disconnected;
	case rtnet::State::kConnecting: return ERealtimeNetConnectionState::Connecting;
	case rtnet::State::kConnected: return ERealtimeNetConnectionState::Connected;
	case rtnet::State::kReconnecting: return ERealtimeNetConnectionState::Reconnecting;
	case rtnet::State::kClosing: return ERealtimeNetConnectionState::Closing;
	case rtnet::State::kClosed: return ERealtimeNetConnectionState::Closed;
	}
	return ERealtimeNetConnectionState::Disconnected;
}

rtnet::State ToCore(ERealtimeNetConnectionState State)
{
	switch (State)
	{
	case ERealtimeNetConnectionState::Disconnected: return rtnet::State::kDisconnected;
	case ERealtimeNetConnectionState::Connecting: return rtnet::State::kConnecting;
	case ERealtimeNetConnectionState::Connected: return rtnet::State::kConnected;
	case ERealtimeNetConnectionState::Reconnecting: return rtnet::State::kReconnecting;
	case ERealtimeNetConnectionState::Closing: return rtnet::State::kClosing;
	case ERealtimeNetConnectionState::Closed: return rtnet::State::kClosed;
	}
	return rtnet::State::kDisconnected;
}

ERealtimeNetErrorClass ToUnreal(rtnet::ErrorClass ErrorClass)
{
	switch (ErrorClass)
	{
	case rtnet::ErrorClass::kTransient: return ERealtimeNetErrorClass::Transient;
	case rtnet::ErrorClass::kAuth: return ERealtimeNetErrorClass::Auth;
	case rtnet::ErrorClass::kProtocol: return ERealtimeNetErrorClass::Protocol;
	case rtnet::ErrorClass::kRateLimited: return ERealtimeNetErrorClass::RateLimited;
	case rtnet::ErrorClass::kFatal: return ERealtimeNetErrorClass::Fatal;
	}
	return ERealtimeNetErrorClass::Fatal;
}

ERealtimeNetRecovery ToUnreal(rtnet::RecoveryStrategy Strategy)
{
	switch (Strategy)
	{
	case rtnet::RecoveryStrategy::kRetry: return ERealtimeNetRecovery::Retry;
	case rtnet::RecoveryStrategy::kRefreshToken: return ERealtimeNetRecovery::RefreshToken;
	case rtnet::RecoveryStrategy::kResyncState: return ERealtimeNetRecovery::ResyncState;
	case rtnet::RecoveryStrategy::kGiveUp: return ERealtimeNetRecovery::GiveUp;
	}
	return ERealtimeNetRecovery::GiveUp;
}

ERealtimeNetQuality ToUnreal(rtnet::ConnectionQuality Quality)
{
	switch (Quality)
	{
	case rtnet::ConnectionQuality::kUnknown: return ERealtimeNetQuality::Unknown;
	case rtnet::ConnectionQuality::kExcellent: return ERealtimeNetQuality::Excellent;
	case rtnet::ConnectionQuality::kGood: return ERealtimeNetQuality::Good;
	case rtnet::ConnectionQuality::kFair: return ERealtimeNetQuality::Fair;
	case rtnet::ConnectionQuality::kPoor: return ERealtimeNetQuality::Poor;
	case rtnet::ConnectionQuality::kBad: return ERealtimeNetQuality::Bad;
	}
	return ERealtimeNetQuality::Unknown;
}

rtnet::ConnectionQuality ToCore(ERealtimeNetQuality Quality)
{
	switch (Quality)
	{
	case ERealtimeNetQuality::Unknown: return rtnet::ConnectionQuality::kUnknown;
	case ERealtimeNetQuality::Excellent: return rtnet::ConnectionQuality::kExcellent;
	case ERealtimeNetQuality::Good: return rtnet::ConnectionQuality::kGood;
	case ERealtimeNetQuality::Fair: return rtnet::ConnectionQuality::kFair;
	case ERealtimeNetQuality::Poor: return rtnet::ConnectionQuality::kPoor;
	case ERealtimeNetQuality::Bad: return rtnet::ConnectionQuality::kBad;
	}
	return rtnet::ConnectionQuality::kUnknown;
}

ERealtimeNetPresenceStatus ToUnreal(rtnet::PresenceStatus Status)
{
	switch (Status)
	{
	case rtnet::PresenceStatus::kOnline: return ERealtimeNetPresenceStatus::Online;
	case rtnet::PresenceStatus::kAway: return ERealtimeNetPresenceStatus::Away;
	case rtnet::PresenceStatus::kOffline: return ERealtimeNetPresenceStatus::Offline;
	}
	return ERealtimeNetPresenceStatus::Offline;
}

rtnet::PresenceStatus ToCore(ERealtimeNetPresenceStatus Status)
{
	switch (Status)
	{
	case ERealtimeNetPresenceStatus::Online: return rtnet::PresenceStatus::kOnline;
	case ERealtimeNetPresenceStatus::Away: return rtnet::PresenceStatus::kAway;
	case ERealtimeNetPresenceStatus::Offline: return rtnet::PresenceStatus::kOffline;
	}
	return rtnet::PresenceStatus::kOffline;
}

rtnet::Lane ToCore(ERealtimeNetLane Lane)
{
	switch (Lane)
	{
	case ERealtimeNetLane::Critical: return rtnet::Lane::kCritical;
	case ERealtimeNetLane::Normal: return rtnet::Lane::kNormal;
	case ERealtimeNetLane::Low: return rtnet::Lane::kLow;
	}
	return rtnet::Lane::kNormal;
}

ERealtimeNetCallFailure ToUnreal(rtnet::CallFailure Failure)
{
	switch (Failure)
	{
	case rtnet::CallFailure::kNone: return ERealtimeNetCallFailure::None;
	case rtnet::CallFailure::kTimedOut: return ERealtimeNetCallFailure::TimedOut;
	case rtnet::CallFailure::kDisconnected: return ERealtimeNetCallFailure::Disconnected;
	case rtnet::CallFailure::kCancelled: return ERealtimeNetCallFailure::Cancelled;
	case rtnet::CallFailure::kLocal: return ERealtimeNetCallFailure::Local;
	}
	return ERealtimeNetCallFailure::None;
}

ERealtimeNetCollectionChange ToUnreal(rtnet::CollectionChangeKind Change)
{
	switch (Change)
	{
	case rtnet::CollectionChangeKind::kAdded: return ERealtimeNetCollectionChange::Added;
	case rtnet::CollectionChangeKind::kChanged: return ERealtimeNetCollectionChange::Changed;
	case rtnet::CollectionChangeKind::kRemoved: return ERealtimeNetCollectionChange::Removed;
	}
	return ERealtimeNetCollectionChange::Changed;
}

ERealtimeNetPresenceNews ToUnreal(rtnet::PresenceNews News)
{
	switch (News)
	{
	case rtnet::PresenceNews::kJoined: return ERealtimeNetPresenceNews::Joined;
	case rtnet::PresenceNews::kLeft: return ERealtimeNetPresenceNews::Left;
	case rtnet::PresenceNews::kOnline: return ERealtimeNetPresenceNews::Online;
	case rtnet::PresenceNews::kAway: return ERealtimeNetPresenceNews::Away;
	case rtnet::PresenceNews::kOffline: return ERealtimeNetPresenceNews::Offline;
	}
	return ERealtimeNetPresenceNews::Reloaded;
}

FRealtimeNetError ToError(const rtnet::ErrorInfo& Info)
{
	FRealtimeNetError Error;
	Error.Code = Info.code;
	// The source says which kind of code it is: a gateway's error answer, or a socket's close.
	if (Info.source == rtnet::ErrorSource::kRpc || (Info.source == rtnet::ErrorSource::kCall && Info.code != 0))
	{
		Error.ErrorCode = RealtimeNetProtocol::ErrorCodeOf(Info.code);
	}
	else if (Info.source == rtnet::ErrorSource::kClose || (Info.source == rtnet::ErrorSource::kTransport && Info.code != 0))
	{
		Error.CloseCode = RealtimeNetProtocol::CloseCodeOf(Info.code);
	}
	Error.CallFailure = ToUnreal(Info.call_failure);
	Error.Message = FRealtimeNetJson::ToUnreal(Info.message);
	Error.Method = FRealtimeNetJson::ToUnreal(Info.method);
	Error.Room = FRealtimeNetJson::ToUnreal(Info.room);
	Error.ErrorClass = ToUnreal(Info.error_class);
	Error.Recovery = ToUnreal(Info.strategy);
	Error.RetryAfter = Info.retry_after;
	return Error;
}

rtnet::CallOptions ToCore(const FRealtimeNetCallOptions& Options)
{
	rtnet::CallOptions Result;
	Result.timeout = Options.Timeout;
	Result.lane = ToCore(Options.Lane);
	Result.resendable = Options.bResendable;
	Result.max_retries = FMath::Max(0, Options.MaxRetries);
	return Result;
}

FRealtimeNetPresenceRow ToRow(const rtnet::PresenceEntry& Entry, double WallClockNow, const rtnet::Client& Client)
{
	FRealtimeNetPresenceRow Row;
	Row.PlayerId = FRealtimeNetJson::ToUnreal(Entry.player_id);
	Row.DisplayName = FRealtimeNetJson::ToUnreal(Client.DisplayName(Entry));
	Row.Status = ToUnreal(Entry.status);
	Row.Devices = static_cast<int32>(Entry.devices);
	if (!Entry.custom.IsNull())
	{
		Row.CustomJson = FRealtimeNetJson::Write(Entry.custom);
	}
	const rtnet::LastSeen Seen = rtnet::LastSeenOf(Entry, WallClockNow);
	Row.LastSeenText = RealtimeNetText::LastSeen(Seen);
	Row.bHasLastSeen = Entry.last_seen.has_value();
	Row.LastSeen = Entry.last_seen.value_or(0.0);
	return Row;
}

FRealtimeNetTraceRow ToRow(const rtnet::TraceEntry& Entry)
{
	FRealtimeNetTraceRow Row;
	Row.Time = Entry.time;
	Row.bOutgoing = Entry.outgoing;
	Row.Method = FRealtimeNetJson::ToUnreal(Entry.method);
	Row.Id = static_cast<int64>(Entry.id);
	Row.Bytes = static_cast<int32>(FMath::Min<uint64>(Entry.bytes, static_cast<uint64>(TNumericLimits<int32>::Max())));
	Row.bError = Entry.error;
	return Row;
}

FRealtimeNetPresenceChange ToPresenceChange(const rtnet::ClientEvent& Event, const FString& LocalPlayerId)
{
	FRealtimeNetPresenceChange Change;
	Change.Room = FRealtimeNetJson::ToUnreal(Event.room);
	if (Event.player.empty())
	{
		Change.News = ERealtimeNetPresenceNews::Reloaded;  // a presence.query: the whole list
		return Change;
	}
	Change.PlayerId = FRealtimeNetJson::ToUnreal(Event.player);
	Change.DisplayName = FRealtimeNetJson::ToUnreal(Event.display_name);
	Change.Status = ToUnreal(Event.presence_status);
	Change.News = ToUnreal(rtnet::PresenceNewsOf(Event.reason, Event.presence_status));
	Change.Text = RealtimeNetText::PresenceNews(Change.News, Change.DisplayName);
	Change.bIsLocalPlayer = !LocalPlayerId.IsEmpty() && Change.PlayerId == LocalPlayerId;
	return Change;
}

namespace SettingsDetail
{
rtnet::LaneOptions ToLane(const FRealtimeNetLaneSettings& Lane)
{
	rtnet::LaneOptions Result;
	Result.max_messages = static_cast<std::size_t>(FMath::Max(1, Lane.MaxMessages));
	Result.max_bytes = static_cast<std::size_t>(FMath::Max(1, Lane.MaxBytes));
	Result.policy = Lane.bDropOldestWhenFull ? rtnet::OverflowPolicy::kDropOldest : rtnet::OverflowPolicy::kReject;
	return Result;
}

rtnet::QualityThresholds ToThresholds(const FRealtimeNetQualityLimits& Limits)
{
	return rtnet::QualityThresholds{Limits.RttMs / 1000.0, Limits.JitterMs / 1000.0, Limits.LossPercent / 100.0};
}
}  // namespace SettingsDetail

rtnet::ClientOptions MakeClientOptions(const URealtimeNetSettings& Settings)
{
	rtnet::ClientOptions Options;
	Options.connection.connect_timeout = Settings.ConnectTimeout;
	Options.connection.heartbeat_grace = Settings.HeartbeatGrace;
	Options.connection.closing_timeout = Settings.ClosingTimeout;
	Options.connection.backoff.base = Settings.BackoffBase;
	Options.connection.backoff.cap = Settings.BackoffCap;
	Options.connection.backoff.max_attempts = FMath::Max(0, Settings.BackoffMaxAttempts);

	Options.call_timeout = Settings.CallTimeout;
	Options.ping_interval = Settings.PingInterval;
	Options.call_retry.base = Settings.CallRetryBase;
	Options.call_retry.cap = Settings.CallRetryCap;
	Options.resume_retry.base = Settings.ResumeRetryBase;
	Options.resume_retry.cap = Settings.ResumeRetryCap;
	Options.resume_retry.max_attempts = FMath::Max(0, Settings.ResumeRetryMaxAttempts);
	Options.resume_retry_for = FMath::Max(0.f, Settings.ResumeRetryFor);

	Options.outbound.max_batch_bytes = static_cast<std::size_t>(FMath::Max(256, Settings.MaxBatchBytes));
	Options.outbound.max_batch_messages = static_cast<std::size_t>(FMath::Max(1, Settings.MaxBatchMessages));
	Options.outbound.lanes[static_cast<std::size_t>(rtnet::Lane::kCritical)] = SettingsDetail::ToLane(Settings.CriticalLane);
	Options.outbound.lanes[static_cast<std::size_t>(rtnet::Lane::kNormal)] = SettingsDetail::ToLane(Settings.NormalLane);
	Options.outbound.lanes[static_cast<std::size_t>(rtnet::Lane::kLow)] = SettingsDetail::ToLane(Settings.LowLane);

	Options.state.history = static_cast<std::size_t>(FMath::Max(1, Settings.StateHistory));

	Options.metrics.rtt_window = static_cast<std::size_t>(FMath::Max(1, Settings.RttWindow));
	Options.metrics.outlier_k = Settings.OutlierK;
	Options.metrics.outlier_min_samples = static_cast<std::size_t>(FMath::Max(0, Settings.OutlierMinSamples));
	Options.metrics.outlier_mad_floor = Settings.OutlierMadFloorMs / 1000.0;
	Options.metrics.srtt_gain = Settings.SmoothedRttGain;
	Options.metrics.offset_window = static_cast<std::size_t>(FMath::Max(1, Settings.ClockOffsetWindow));
	Options.metrics.bandwidth_window = Settings.BandwidthWindow;
	Options.metrics.bandwidth_buckets = static_cast<std::size_t>(FMath::Max(1, Settings.BandwidthBuckets));
	Options.metrics.loss_window = static_cast<std::size_t>(FMath::Max(1, Settings.LossWindow));
	Options.metrics.grades = {SettingsDetail::ToThresholds(Settings.ExcellentLimits),
		SettingsDetail::ToThresholds(Settings.GoodLimits), SettingsDetail::ToThresholds(Settings.FairLimits),
		SettingsDetail::ToThresholds(Settings.PoorLimits)};

	Options.trace_capacity = static_cast<std::size_t>(FMath::Max(0, Settings.TraceCapacity));
	Options.load_presence_on_join = Settings.bLoadPresenceOnJoin;
	Options.display_name_field = FRealtimeNetJson::ToStd(Settings.DisplayNameField);
	return Options;
}
}  // namespace RealtimeNetConvert
