#include "RealtimeNetTextLibrary.h"

#include "rtnet/Display.h"
#include "rtnet/NetworkMetrics.h"

#include "RealtimeNetConvert.h"
#include "RealtimeNetText.h"

FText URealtimeNetTextLibrary::ConnectionStateText(ERealtimeNetConnectionState State)
{
	return RealtimeNetText::ConnectionState(State);
}

FText URealtimeNetTextLibrary::ReconnectingText(int32 Attempt, float SecondsLeft)
{
	return RealtimeNetText::Reconnecting(Attempt, SecondsLeft);
}

FText URealtimeNetTextLibrary::QualityText(ERealtimeNetQuality Quality)
{
	return RealtimeNetText::Quality(Quality);
}

int32 URealtimeNetTextLibrary::QualityBars(ERealtimeNetQuality Quality)
{
	return rtnet::QualityBars(RealtimeNetConvert::ToCore(Quality));
}

FText URealtimeNetTextLibrary::PresenceStatusText(ERealtimeNetPresenceStatus Status)
{
	return RealtimeNetText::PresenceStatus(Status);
}

FText URealtimeNetTextLibrary::PresenceNewsText(ERealtimeNetPresenceNews News, const FString& DisplayName)
{
	return RealtimeNetText::PresenceNews(News, DisplayName);
}

FText URealtimeNetTextLibrary::PlayerCountText(int32 Count)
{
	return RealtimeNetText::PlayerCount(Count);
}

FText URealtimeNetTextLibrary::LinkText(const FRealtimeNetNetworkStats& Stats)
{
	return FText::AsCultureInvariant(FString::Printf(TEXT("RTT %.0f ms (p95 %.0f)  jitter %.0f ms  loss %.1f %%  %s"),
		Stats.RttMs, Stats.RttP95Ms, Stats.JitterMs, Stats.LossPercent,
		UTF8_TO_TCHAR(rtnet::ToString(RealtimeNetConvert::ToCore(Stats.Quality)))));
}

FText URealtimeNetTextLibrary::QueueText(const FRealtimeNetNetworkStats& Stats)
{
	return FText::AsCultureInvariant(FString::Printf(
		TEXT("queues %d / %d / %d  pending %d  in %.1f kB/s  out %.1f kB/s  duplicates %lld"), Stats.QueueCritical,
		Stats.QueueNormal, Stats.QueueLow, Stats.PendingCalls, Stats.BandwidthInKBps, Stats.BandwidthOutKBps,
		Stats.DuplicatesDropped));
}

FText URealtimeNetTextLibrary::TraceRowText(const FRealtimeNetTraceRow& Row)
{
	const TCHAR* Direction = Row.bOutgoing ? TEXT("->") : TEXT("<-");
	const FString What = Row.Method.IsEmpty() ? FString(TEXT("response")) : Row.Method;
	const FString Id = Row.Id != 0 ? FString::Printf(TEXT(" #%lld"), Row.Id) : FString();
	return FText::AsCultureInvariant(FString::Printf(TEXT("%.3f %s %s%s %d B%s"), Row.Time, Direction, *What, *Id,
		Row.Bytes, Row.bError ? TEXT(" !") : TEXT("")));
}
