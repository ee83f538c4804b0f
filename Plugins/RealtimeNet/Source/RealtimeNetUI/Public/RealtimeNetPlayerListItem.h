// One player of a room as an item of a UListView: the list keeps one per player (so a row widget is reused, not
// rebuilt), updates its Row when the player's presence changes, and the row widget (URealtimeNetPlayerRowWidget,
// an IUserObjectListEntry) shows it.
#pragma once

#include "CoreMinimal.h"
#include "UObject/Object.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetPlayerListItem.generated.h"

DECLARE_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetPlayerRowChangedNative, const FRealtimeNetPresenceRow&);

UCLASS(BlueprintType)
class REALTIMENETUI_API URealtimeNetPlayerListItem : public UObject
{
	GENERATED_BODY()

public:
	/** The player's presence now. */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence")
	FRealtimeNetPresenceRow Row;

	/** Sets Row and tells the row widget showing it. */
	void SetRow(const FRealtimeNetPresenceRow& NewRow);

	/** Row changed (the row widget showing this item listens). */
	FOnRealtimeNetPlayerRowChangedNative OnRowChangedNative;
};
