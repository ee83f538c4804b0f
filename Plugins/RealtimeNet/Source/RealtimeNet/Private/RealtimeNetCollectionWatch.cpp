#include "RealtimeNetCollectionWatch.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetRoom.h"

void URealtimeNetCollectionWatch::Bind(URealtimeNetRoom* InRoom, URealtimeNetClient* InClient, const FString& InPath,
	uint64 InWatchId)
{
	Room = InRoom;
	Client = InClient;
	Path = InPath;
	WatchId = InWatchId;
}

URealtimeNetRoom* URealtimeNetCollectionWatch::GetRoom() const
{
	return Room.Get();
}

void URealtimeNetCollectionWatch::Handle(ERealtimeNetCollectionChange Change, const FString& Key, const FJsonObjectWrapper& Value)
{
	if (WatchId == 0)
	{
		return;  // stopped meanwhile
	}
	OnEntryNative.Broadcast(Change, Key, Value);
	switch (Change)
	{
	case ERealtimeNetCollectionChange::Added: OnAdded.Broadcast(Key, Value); break;
	case ERealtimeNetCollectionChange::Changed: OnChanged.Broadcast(Key, Value); break;
	case ERealtimeNetCollectionChange::Removed: OnRemoved.Broadcast(Key, Value); break;
	}
}

void URealtimeNetCollectionWatch::Stop()
{
	if (URealtimeNetClient* Owner = Client.Get())
	{
		Owner->Unwatch(WatchId);
	}
	WatchId = 0;
	if (URealtimeNetRoom* Watched = Room.Get())
	{
		Watched->ForgetWatch(this);
	}
}
