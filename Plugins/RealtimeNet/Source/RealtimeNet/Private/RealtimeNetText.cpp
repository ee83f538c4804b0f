#include "RealtimeNetText.h"

#include "Internationalization/StringTableRegistry.h"

#include "rtnet/Display.h"
#include "rtnet/Presence.h"

namespace RealtimeNetText
{
const TCHAR* const TableId = TEXT("RealtimeNet");

void RegisterStringTable()
{
	if (FStringTableRegistry::Get().FindStringTable(TableId).IsValid())
	{
		return;  // the module was started before (hot reload)
	}
	// Literals, not variables: the localisation gatherer reads these macro calls from the source.
	LOCTABLE_NEW("RealtimeNet", "RealtimeNet");
	LOCTABLE_SETSTRING("RealtimeNet", "State.Disconnected", "Disconnected");
	LOCTABLE_SETSTRING("RealtimeNet", "State.Connecting", "Connecting");
	LOCTABLE_SETSTRING("RealtimeNet", "State.Connected", "Connected");
	LOCTABLE_SETSTRING("RealtimeNet", "State.Reconnecting", "Reconnecting");
	LOCTABLE_SETSTRING("RealtimeNet", "State.Closing", "Closing");
	LOCTABLE_SETSTRING("RealtimeNet", "State.Closed", "Disconnected");
	LOCTABLE_SETSTRING("RealtimeNet", "Reconnect.Waiting", "Reconnecting ({Attempt}) in {Seconds} s");
	LOCTABLE_SETSTRING("RealtimeNet", "Reconnect.Now", "Reconnecting ({Attempt})");
	LOCTABLE_SETSTRING("RealtimeNet", "Quality.Unknown", "Measuring");
	LOCTABLE_SETSTRING("RealtimeNet", "Quality.Excellent", "Excellent");
	LOCTABLE_SETSTRING("RealtimeNet", "Quality.Good", "Good");
	LOCTABLE_SETSTRING("RealtimeNet", "Quality.Fair", "Fair");
	LOCTABLE_SETSTRING("RealtimeNet", "Quality.Poor", "Poor");
	LOCTABLE_SETSTRING("RealtimeNet", "Quality.Bad", "Bad");
	LOCTABLE_SETSTRING("RealtimeNet", "Status.Online", "Online");
	LOCTABLE_SETSTRING("RealtimeNet", "Status.Away", "Away");
	LOCTABLE_SETSTRING("RealtimeNet", "Status.Offline", "Offline");
	LOCTABLE_SETSTRING("RealtimeNet", "News.Joined", "{Name} joined");
	LOCTABLE_SETSTRING("RealtimeNet", "News.Left", "{Name} left");
	LOCTABLE_SETSTRING("RealtimeNet", "News.Online", "{Name} is online");
	LOCTABLE_SETSTRING("RealtimeNet", "News.Away", "{Name} is away");
	LOCTABLE_SETSTRING("RealtimeNet", "News.Offline", "{Name} went offline");
	LOCTABLE_SETSTRING("RealtimeNet", "News.Reloaded", "Players updated");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.Online", "online");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.Away", "away");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.Offline", "offline");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.JustNow", "just now");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.Minutes", "{Count} {Count}|plural(one=minute,other=minutes) ago");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.Hours", "{Count} {Count}|plural(one=hour,other=hours) ago");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.Yesterday", "yesterday");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.Days", "{Count} {Count}|plural(one=day,other=days) ago");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.Weeks", "{Count} {Count}|plural(one=week,other=weeks) ago");
	LOCTABLE_SETSTRING("RealtimeNet", "LastSeen.LongAgo", "long ago");
	LOCTABLE_SETSTRING("RealtimeNet", "Players.Count", "{Count} {Count}|plural(one=player,other=players)");
}

FText Get(const TCHAR* Key)
{
	return FText::FromStringTable(FName(TableId), Key);
}

FText ConnectionState(ERealtimeNetConnectionState State)
{
	switch (State)
	{
	case ERealtimeNetConnectionState::Disconnected: return Get(TEXT("State.Disconnected"));
	case ERealtimeNetConnectionState::Connecting: return Get(TEXT("State.Connecting"));
	case ERealtimeNetConnectionState::Connected: return Get(TEXT("State.Connected"));
	case ERealtimeNetConnectionState::Reconnecting: return Get(TEXT("State.Reconnecting"));
	case ERealtimeNetConnectionState::Closing: return Get(TEXT("State.Closing"));
	case ERealtimeNetConnectionState::Closed: return Get(TEXT("State.Closed"));
	}
	return FText::GetEmpty();
}

FText Reconnecting(int32 Attempt, double SecondsLeft)
{
	FFormatNamedArguments Arguments;
	Arguments.Add(TEXT("Attempt"), Attempt);
	const std::optional<double> Countdown = rtnet::CountdownSeconds(SecondsLeft);
	if (!Countdown.has_value())
	{
		return FText::Format(Get(TEXT("Reconnect.Now")), Arguments);
	}
	FNumberFormattingOptions OneDecimal;
	OneDecimal.SetMinimumFractionalDigits(1).SetMaximumFractionalDigits(1);
	Arguments.Add(TEXT("Seconds"), FText::AsNumber(*Countdown, &OneDecimal));
	return FText::Format(Get(TEXT("Reconnect.Waiting")), Arguments);
}

FText Quality(ERealtimeNetQuality Grade)
{
	switch (Grade)
	{
	case ERealtimeNetQuality::Unknown: return Get(TEXT("Quality.Unknown"));
	case ERealtimeNetQuality::Excellent: return Get(TEXT("Quality.Excellent"));
	case ERealtimeNetQuality::Good: return Get(TEXT("Quality.Good"));
	case ERealtimeNetQuality::Fair: return Get(TEXT("Quality.Fair"));
	case ERealtimeNetQuality::Poor: return Get(TEXT("Quality.Poor"));
	case ERealtimeNetQuality::Bad: return Get(TEXT("Quality.Bad"));
	}
	return FText::GetEmpty();
}

FText PresenceStatus(ERealtimeNetPresenceStatus Status)
{
	switch (Status)
	{
	case ERealtimeNetPresenceStatus::Online: return Get(TEXT("Status.Online"));
	case ERealtimeNetPresenceStatus::Away: return Get(TEXT("Status.Away"));
	case ERealtimeNetPresenceStatus::Offline: return Get(TEXT("Status.Offline"));
	}
	return FText::GetEmpty();
}

FText PresenceNews(ERealtimeNetPresenceNews News, const FString& DisplayName)
{
	const TCHAR* Key = TEXT("News.Reloaded");
	switch (News)
	{
	case ERealtimeNetPresenceNews::Joined: Key = TEXT("News.Joined"); break;
	case ERealtimeNetPresenceNews::Left: Key = TEXT("News.Left"); break;
	case ERealtimeNetPresenceNews::Online: Key = TEXT("News.Online"); break;
	case ERealtimeNetPresenceNews::Away: Key = TEXT("News.Away"); break;
	case ERealtimeNetPresenceNews::Offline: Key = TEXT("News.Offline"); break;
	case ERealtimeNetPresenceNews::Reloaded: break;
	}
	FFormatNamedArguments Arguments;
	Arguments.Add(TEXT("Name"), FText::FromString(DisplayName));  // a name is shown as typed, never translated
	return FText::Format(Get(Key), Arguments);
}

FText LastSeen(const rtnet::LastSeen& Seen)
{
	using EUnit = rtnet::LastSeen::Unit;
	const TCHAR* Key = TEXT("LastSeen.Offline");
	switch (Seen.unit)
	{
	case EUnit::kOnline: Key = TEXT("LastSeen.Online"); break;
	case EUnit::kAway: Key = TEXT("LastSeen.Away"); break;
	case EUnit::kOffline: Key = TEXT("LastSeen.Offline"); break;
	case EUnit::kJustNow: Key = TEXT("LastSeen.JustNow"); break;
	case EUnit::kMinutes: Key = TEXT("LastSeen.Minutes"); break;
	case EUnit::kHours: Key = TEXT("LastSeen.Hours"); break;
	case EUnit::kYesterday: Key = TEXT("LastSeen.Yesterday"); break;
	case EUnit::kDays: Key = TEXT("LastSeen.Days"); break;
	case EUnit::kWeeks: Key = TEXT("LastSeen.Weeks"); break;
	case EUnit::kLongAgo: Key = TEXT("LastSeen.LongAgo"); break;
	}
	FFormatNamedArguments Arguments;
	Arguments.Add(TEXT("Count"), static_cast<int64>(Seen.count));
	return FText::Format(Get(Key), Arguments);
}

FText PlayerCount(int32 Count)
{
	FFormatNamedArguments Arguments;
	Arguments.Add(TEXT("Count"), Count);
	return FText::Format(Get(TEXT("Players.Count")), Arguments);
}
}  // namespace RealtimeNetText
