#include "RealtimeNetDevelopmentSettings.h"

URealtimeNetDevelopmentSettings::URealtimeNetDevelopmentSettings()
{
	CategoryName = FName(TEXT("Plugins"));
}

int32 URealtimeNetDevelopmentSettings::ClaimIdentity(FRealtimeNetDevelopmentIdentity& OutIdentity)
{
	for (int32 Index = 0; Index < Identities.Num(); ++Index)
	{
		if (!Claimed.Contains(Index) && !Identities[Index].Token.IsEmpty())
		{
			Claimed.Add(Index);
			OutIdentity = Identities[Index];
			return Index;
		}
	}
	return INDEX_NONE;
}

void URealtimeNetDevelopmentSettings::ReleaseIdentity(int32 Index)
{
	Claimed.Remove(Index);
}
