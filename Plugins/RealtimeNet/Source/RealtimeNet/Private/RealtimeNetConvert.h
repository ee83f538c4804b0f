// Core <-> Unreal type conversions: enum mirrors, error and options structs. Conversion only; the core decides.
#pragma once

#include "CoreMinimal.h"

#include "rtnet/Client.h"
#include "rtnet/Display.h"

#include "RealtimeNetTypes.h"

class URealtimeNetSettings;

namespace RealtimeNetConvert
{
ERealtimeNetConnectionState ToUnreal(rtnet::State State);
rtnet::State ToCore(ERealtimeNetConnectionState State);
ERealtimeNetErrorClass ToUnreal(rtnet::ErrorClass ErrorClass);
ERealtimeNetRecovery ToUnreal(rtnet::RecoveryStrategy Strategy);
ERealtimeNetQuality ToUnreal(rtnet::ConnectionQuality Quality);
rtnet::ConnectionQuality ToCore(ERealtimeNetQuality Quality);
ERealtimeNetPresenceStatus ToUnreal(rtnet::PresenceStatus Status);
rtnet::PresenceStatus ToCore(ERealtimeNetPresenceStatus Status);
rtnet::Lane ToCore(ERealtimeNetLane Lane);

ERealtimeNetCallFailure ToUnreal(rtnet::CallFailure Failure);
ERealtimeNetCollectionChange ToUnreal(rtnet::CollectionChangeKind Change);
ERealtimeNetPresenceNews ToUnreal(rtnet::PresenceNews News);

/** Also decodes Code into ErrorCode (a call's error answer) or CloseCode (a closed socket). */
FRealtimeNetError ToError(const rtnet::ErrorInfo& Info);
rtnet::CallOptions ToCore(const FRealtimeNetCallOptions& Options);
/** The display name is the client's (rtnet::Client::DisplayName), "last seen" worded from the string table. */
FRealtimeNetPresenceRow ToRow(const rtnet::PresenceEntry& Entry, double WallClockNow, const rtnet::Client& Client);
FRealtimeNetTraceRow ToRow(const rtnet::TraceEntry& Entry);
/** A kPresenceChanged event (a reload when it names no player). */
FRealtimeNetPresenceChange ToPresenceChange(const rtnet::ClientEvent& Event, const FString& LocalPlayerId);

/** Every ClientOptions field from Project Settings. */
rtnet::ClientOptions MakeClientOptions(const URealtimeNetSettings& Settings);
}  // namespace RealtimeNetConvert
