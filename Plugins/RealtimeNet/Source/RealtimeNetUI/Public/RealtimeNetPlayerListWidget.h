// A room's players in the core's display order (online, away, offline). Rebuilt only when the subsystem says the
// room's presence changed, or when Refresh / SetRoom is called.
#pragma once

#include "CoreMinimal.h"
#include "Blueprint/UserWidget.h"

#include "RealtimeNetPlayerRowWidget.h"

#include "RealtimeNetPlayerListWidget.generated.h"

class UPanelWidget;
class URealtimeNetSubsystem;
class UTextBlock;

UCLASS()
class REALTIMENETUI_API URealtimeNetPlayerListWidget : public UUserWidget
{
	GENERATED_BODY()

public:
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence", meta = (ExposeOnSpawn = "true"))
	FString Room;

	/** The row widget created per player (a Widget Blueprint derived from URealtimeNetPlayerRowWidget). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet|Presence")
	TSubclassOf<URealtimeNetPlayerRowWidget> RowClass;

	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence")
	void SetRoom(const FString& NewRoom);

	/** Rebuilds the rows now ("last seen" texts age; call it from a timer if they should). */
	UFUNCTION(BlueprintCallable, Category = "RealtimeNet|Presence")
	void Refresh();

	/** Called after every rebuild. */
	UFUNCTION(BlueprintImplementableEvent, Category = "RealtimeNet|Presence")
	void OnRowsRebuilt(const TArray<FRealtimeNetPresenceRow>& Rows);

protected:
	virtual void NativeConstruct() override;
	virtual void NativeDestruct() override;

	/** Where the rows go (a Vertical Box, a Scroll Box, ...). */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UPanelWidget> RowsPanel;

	/** The number of players. */
	UPROPERTY(meta = (BindWidgetOptional))
	TObjectPtr<UTextBlock> CountText;

private:
	void HandlePresenceChanged(const FString& ChangedRoom);

	TWeakObjectPtr<URealtimeNetSubsystem> Subsystem;
	FDelegateHandle PresenceHandle;
};
