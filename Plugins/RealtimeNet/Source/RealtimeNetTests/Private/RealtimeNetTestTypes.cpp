#include "RealtimeNetTestTypes.h"

#include "Components/SceneComponent.h"

#include "RealtimeNetMovementComponent.h"

ARealtimeNetTestEntity::ARealtimeNetTestEntity()
{
	Root = CreateDefaultSubobject<USceneComponent>(TEXT("Root"));
	SetRootComponent(Root);
	Movement = CreateDefaultSubobject<URealtimeNetMovementComponent>(TEXT("Movement"));
}
