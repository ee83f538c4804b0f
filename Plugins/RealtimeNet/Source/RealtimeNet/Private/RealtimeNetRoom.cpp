#include "RealtimeNetRoom.h"

#include "rtnet/Client.h"
#include "rtnet/Path.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetCollectionWatch.h"
#include "RealtimeNetJson.h"
#include "RealtimeNetModule.h"

void URealtimeNetRoom::Bind(URealtimeNetClient* InClient, const FString& InName)
{
	Client = InClient;
	Name = InName;
}

URealtimeNetClient* URealtimeNetRoom::GetClient() const
{
	return Client.Get();
}

void URealtimeNetRoom::HandleJoined()
{
	bJoined = true;
}

void URealtimeNetRoom::HandleEvent(const FRealtimeNetRoomEvent& Event)
{
	OnEventNative.Broadcast(this, Event);
	OnEvent.Broadcast(this, Event);
}

void URealtimeNetRoom::HandleStateChanged(int64 Version)
{
	OnStateChangedNative.Broadcast(this, Version);
	OnStateChanged.Broadcast(this, Version);
}

void URealtimeNetRoom::HandlePresenceChanged(const FRealtimeNetPresenceChange& Change)
{
	OnPresenceChangedNative.Broadcast(this, Change);
	OnPresenceChanged.Broadcast(this, Change);
}

void URealtimeNetRoom::HandleResynced(const FString& Reason)
{
	OnResyncedNative.Broadcast(this, Reason);
	OnResynced.Broadcast(this, Reason);
}

void URealtimeNetRoom::HandleLeft(const FString& Reason)
{
	bJoined = false;
	OnLeftNative.Broadcast(this, Reason);
	OnLeft.Broadcast(this, Reason);
}

// --- State ----------------------------------------------------------------------------------------------

const rtnet::Value* URealtimeNetRoom::FindState(const FString& Path) const
{
	// Only while joined: once left, the same room joined again has a room object of its own.
	const URealtimeNetClient* Owner = bJoined ? Client.Get() : nullptr;
	const rtnet::Client* Core = Owner != nullptr ? Owner->GetCoreClient() : nullptr;
	const rtnet::Value* Document = Core != nullptr ? Core->state_store().Document(FRealtimeNetJson::ToStd(Name)) : nullptr;
	const std::optional<rtnet::Path> Parsed = rtnet::Path::Parse(FRealtimeNetJson::ToStd(Path));
	return Document != nullptr && Parsed.has_value() ? rtnet::FindAt(*Document, *Parsed) : nullptr;
}

int64 URealtimeNetRoom::GetStateVersion() const
{
	const URealtimeNetClient* Owner = bJoined ? Client.Get() : nullptr;
	const rtnet::Client* Core = Owner != nullptr ? Owner->GetCoreClient() : nullptr;
	return Core != nullptr ? static_cast<int64>(Core->state_store().Version(FRealtimeNetJson::ToStd(Name)).value_or(0)) : 0;
}

bool URealtimeNetRoom::GetStateNumber(const FString& Path, double& Number) const
{
	const rtnet::Value* Found = FindState(Path);
	const std::optional<double> Read = Found != nullptr ? Found->AsNumber() : std::nullopt;
	Number = Read.value_or(0.0);
	return Read.has_value();
}

bool URealtimeNetRoom::GetStateInteger(const FString& Path, int64& Integer) const
{
	const rtnet::Value* Found = FindState(Path);
	const std::int64_t* Read = Found != nullptr ? Found->AsInt() : nullptr;
	Integer = Read != nullptr ? static_cast<int64>(*Read) : 0;
	return Read != nullptr;
}

bool URealtimeNetRoom::GetStateString(const FString& Path, FString& Text) const
{
	const rtnet::Value* Found = FindState(Path);
	const std::string* Read = Found != nullptr ? Found->AsString() : nullptr;
	Text = Read != nullptr ? FRealtimeNetJson::ToUnreal(*Read) : FString();
	return Read != nullptr;
}

bool URealtimeNetRoom::GetStateBool(const FString& Path, bool& bValue) const
{
	const rtnet::Value* Found = FindState(Path);
	const bool* Read = Found != nullptr ? Found->AsBool() : nullptr;
	bValue = Read != nullptr && *Read;
	return Read != nullptr;
}

bool URealtimeNetRoom::GetStateVector(const FString& Path, FVector& Vector) const
{
	const rtnet::Value* Found = FindState(Path);
	const std::optional<rtnet::Vector3> Read = Found != nullptr ? rtnet::AsVector(*Found) : std::nullopt;
	Vector = Read.has_value() ? FVector(Read->x, Read->y, Read->z) : FVector::ZeroVector;
	return Read.has_value();
}

bool URealtimeNetRoom::GetStateKeys(const FString& Path, TArray<FString>& Keys) const
{
	Keys.Reset();
	const rtnet::Value* Found = FindState(Path);
	if (Found == nullptr || !(Found->IsObject() || Found->IsArray()))
	{
		return false;
	}
	for (const std::string& Key : rtnet::KeysAt(*Found, rtnet::Path()))
	{
		Keys.Add(FRealtimeNetJson::ToUnreal(Key));
	}
	return true;
}

bool URealtimeNetRoom::GetStateJson(const FString& Path, FJsonObjectWrapper& Json) const
{
	const rtnet::Value* Found = FindState(Path);
	Json = Found != nullptr ? FRealtimeNetJson::ToWrapper(*Found) : FJsonObjectWrapper();
	return Found != nullptr;
}

URealtimeNetCollectionWatch* URealtimeNetRoom::WatchCollection(const FString& Path)
{
	URealtimeNetClient* Owner = Client.Get();
	const std::optional<rtnet::Path> Parsed = rtnet::Path::Parse(FRealtimeNetJson::ToStd(Path));
	URealtimeNetCollectionWatch* Watch = NewObject<URealtimeNetCollectionWatch>(this);
	if (Owner == nullptr || !Parsed.has_value())
	{
		UE_LOG(LogRealtimeNet, Warning, TEXT("Watch Collection %s in %s: %s"), *Path, *Name,
			Owner == nullptr ? TEXT("the room's client is gone") : TEXT("not a path ('~' must be followed by 0 or 1)"));
		Watch->Bind(this, Owner, Path, 0);
		return Watch;
	}
	Watches.Add(Watch);
	Watch->Bind(this, Owner, Path, Owner->WatchCollection(Watch, Name, *Parsed));
	return Watch;
}

void URealtimeNetRoom::ForgetWatch(URealtimeNetCollectionWatch* Watch)
{
	Watches.Remove(Watch);
}

// --- Presence -------------------------------------------------------------------------------------------

TArray<FRealtimeNetPresenceRow> URealtimeNetRoom::GetPresence() const
{
	const URealtimeNetClient* Owner = Client.Get();
	return Owner != nullptr ? Owner->GetPresence(Name) : TArray<FRealtimeNetPresenceRow>();
}

void URealtimeNetRoom::RefreshPresence(const TArray<FString>& PlayerIds)
{
	if (URealtimeNetClient* Owner = Client.Get())
	{
		Owner->RefreshPresence(Name, PlayerIds);
	}
}
