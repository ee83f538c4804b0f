#include "RealtimeNetPlayerListItem.h"

void URealtimeNetPlayerListItem::SetRow(const FRealtimeNetPresenceRow& NewRow)
{
	Row = NewRow;
	OnRowChangedNative.Broadcast(Row);
}
