#include "RealtimeNetTextLibrary.h"

#include "rtnet/Connection.h"
#include "rtnet/Display.h"
#include "rtnet/NetworkMetrics.h"
#include "rtnet/Presence.h"

#include "RealtimeNetConvert.h"
#include "RealtimeNetJson.h"

FString URealtimeNetTextLibrary::ConnectionStateText(ERealtimeNetConnectionState State)
{
	return FString(UTF8_TO_TCHAR(rtnet::ToString(RealtimeNetConvert::ToCore(State))));
}

FString URealtimeNetTextLibrary::ReconnectingText(int32 Attempt, float SecondsLeft)
{
	return FRealtimeNetJson::ToUnreal(rtnet::ReconnectingText(Attempt, SecondsLeft));
}

FString URealtimeNetTextLibrary::QualityText(ERealtimeNetQuality Quality)
{
	return FString(UTF8_TO_TCHAR(rtnet::ToString(RealtimeNetConvert::ToCore(Quality))));
}

int32 URealtimeNetTextLibrary::QualityBars(ERealtimeNetQuality Quality)
{
	return rtnet::QualityBars(RealtimeNetConvert::ToCore(Quality));
}

FString URealtimeNetTextLibrary::PresenceStatusText(ERealtimeNetPresenceStatus Status)
{
	return FString(UTF8_TO_TCHAR(rtnet::ToString(RealtimeNetConvert::ToCore(Status))));
}

FString URealtimeNetTextLibrary::PresenceToastText(const FString& PlayerId, const FString& Event,
	ERealtimeNetPresenceStatus Status)
{
	rtnet::PresenceEntry Entry;
	Entry.player_id = FRealtimeNetJson::ToStd(PlayerId);
	Entry.status = RealtimeNetConvert::ToCore(Status);
	return FRealtimeNetJson::ToUnreal(rtnet::PresenceChangeText(FRealtimeNetJson::ToStd(Event), Entry));
}

FString URealtimeNetTextLibrary::LinkText(const FRealtimeNetNetworkStats& Stats)
{
	return FString::Printf(TEXT("RTT %.0f ms (p95 %.0f)  jitter %.0f ms  loss %.1f %%  %s"), Stats.RttMs, Stats.RttP95Ms,
		Stats.JitterMs, Stats.LossPercent, *QualityText(Stats.Quality));
}

FString URealtimeNetTextLibrary::QueueText(const FRealtimeNetNetworkStats& Stats)
{
	return FString::Printf(TEXT("queues %d / %d / %d  pending %d  in %.1f kB/s  out %.1f kB/s  duplicates %lld"),
		Stats.QueueCritical, Stats.QueueNormal, Stats.QueueLow, Stats.PendingCalls, Stats.BandwidthInKBps,
		Stats.BandwidthOutKBps, Stats.DuplicatesDropped);
}

FString URealtimeNetTextLibrary::TraceRowText(const FRealtimeNetTraceRow& Row)
{
	const TCHAR* Direction = Row.bOutgoing ? TEXT("->") : TEXT("<-");
	const FString What = Row.Method.IsEmpty() ? FString(TEXT("response")) : Row.Method;
	const FString Id = Row.Id != 0 ? FString::Printf(TEXT(" #%lld"), Row.Id) : FString();
	return FString::Printf(TEXT("%.3f %s %s%s %d B%s"), Row.Time, Direction, *What, *Id, Row.Bytes,
		Row.bError ? TEXT(" !") : TEXT(""));
}
