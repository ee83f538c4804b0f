// Core <-> Unreal type conversions: enum mirrors, error and options structs. Conversion only; the core decides.
#pragma once

#include "CoreMinimal.h"

#include "rtnet/Client.h"

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

FRealtimeNetError ToError(const rtnet::ErrorInfo& Info);
rtnet::CallOptions ToCore(const FRealtimeNetCallOptions& Options);
FRealtimeNetPresenceRow ToRow(const rtnet::PresenceEntry& Entry, double WallClockNow);
FRealtimeNetTraceRow ToRow(const rtnet::TraceEntry& Entry);

/** Every ClientOptions field from Project Settings. */
rtnet::ClientOptions MakeClientOptions(const URealtimeNetSettings& Settings);
}  // namespace RealtimeNetConvert
