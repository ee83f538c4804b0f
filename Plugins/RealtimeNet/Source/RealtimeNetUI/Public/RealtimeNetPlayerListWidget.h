// A room's players in the core's display order (online, away, offline), in a UListView (or any subclass:
// CommonUI's UCommonListView fits) whose entry widget is a URealtimeNetPlayerRowWidget. One item per player is
// kept and updated, so rows are reused rather than rebuilt; the list changes only when the room's presence does.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetTypes.h"

#include "RealtimeNetPlayerListWidget.generated.h"

class UListView;
class URealtimeNetPlayerListItem;
class URealtimeNetRoom;
class UTextBlock;

UCLASS()
class REALTIMENETUI_API URealtimeNetPlayerListWidget : public UUserWidget
{
	GENERATED_BODY()

public:
	/** The room to show, by name, once the owning player's client is in it (or set Room with Set Room). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence", meta = (ExposeOnSpawn = "true"))
	FString RoomName;

	/** Shows Room's players (from Join Room's On Success). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence")
	void SetRoom(URealtimeNetRoom* Room);

	/** Updates the items now ("last seen" texts age: call it from a timer if they should). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence")
	void Refresh();

	/** The items, in display order (what the list view shows). */
	UFUNCTION(BlueprintPure, Category = "RealtimeNet|Presence")
	TArray<URealtimeNetPlayerListItem*> GetItems() const;

	/** Called after every refresh. */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Presence")
	void OnRowsRefreshed(const TArray<FRealtimeNetPresenceRow>& Rows);

protected:
	virtual void NativeConstruct() override;
	virtual void NativeDestruct() override;
	virtual void NativeTick(const FGeometry& MyGeometry, float InDeltaTime) override;

	/** The list (its Entry Widget Class: a Widget Blueprint of URealtimeNetPlayerRowWidget). */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (BindWidgetOptional))
	TObjectPtr<UListView> PlayerList;

	/** "3 players". */
	UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> CountText;

private:
	void Watch(URealtimeNetRoom* Room);
	void HandlePresenceChanged(URealtimeNetRoom* Room, const FRealtimeNetPresenceChange& Change);

	TWeakObjectPtr<URealtimeNetRoom> ShownRoom;
	FDelegateHandle PresenceHandle;

	/** One item per player, reused across refreshes. */
	UPROPERTY()
	TMap<FString, TObjectPtr<URealtimeNetPlayerListItem>> Items;

	UPROPERTY()
	TArray<TObjectPtr<URealtimeNetPlayerListItem>> Ordered;
};
