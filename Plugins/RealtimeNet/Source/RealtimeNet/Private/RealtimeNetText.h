// The words a player reads, as FText from the plugin's string table ("RealtimeNet", registered by the module at
// startup with LOCTABLE_NEW / LOCTABLE_SETSTRING in RealtimeNetText.cpp, where the localisation gatherer finds
// them). The core decides what to say (a state, a unit and a count, a kind of news); this only words it.
#pragma once

#include "CoreMinimal.h"

#include "RealtimeNetTypes.h"

namespace rtnet
{
struct LastSeen;
}

namespace RealtimeNetText
{
/** The string table's id and namespace. */
extern const TCHAR* const TableId;

/** Registers the plugin's string table (once; FRealtimeNetModule::StartupModule). */
void RegisterStringTable();

/** One entry of the string table. */
FText Get(const TCHAR* Key);

FText ConnectionState(ERealtimeNetConnectionState State);
/** "Reconnecting (2) in 1.4 s", or "Reconnecting (2)" once the attempt is under way (rtnet::CountdownSeconds). */
FText Reconnecting(int32 Attempt, double SecondsLeft);
FText Quality(ERealtimeNetQuality Quality);
FText PresenceStatus(ERealtimeNetPresenceStatus Status);
/** "Bob joined", "Bob is away", ... */
FText PresenceNews(ERealtimeNetPresenceNews News, const FString& DisplayName);
/** "5 minutes ago", "yesterday", ... with the plural forms of the current culture. */
FText LastSeen(const rtnet::LastSeen& Seen);
/** "3 players". */
FText PlayerCount(int32 Count);
}  // namespace RealtimeNetText
