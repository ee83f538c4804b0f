// Exact text comparison for the specs. On two FStrings, UE 5.5's TestEqual resolves to its generic template,
// which compares with FString's operator== (case-insensitive) and prints neither value; TestEqualSensitive,
// which does both right, only exists from 5.5 on (docs/unreal-api-notes.md). This is the same check on every
// supported engine version.
#pragma once

#include "CoreMinimal.h"
#include "Misc/AutomationTest.h"

/** True when Actual is Expected, case included; else records an error naming both. */
inline bool TestSameText(FAutomationTestBase& Test, const TCHAR* What, const FString& Actual, const FString& Expected)
{
	if (Actual.Equals(Expected, ESearchCase::CaseSensitive))
	{
		return true;
	}
	Test.AddError(FString::Printf(TEXT("Expected '%s' to be \"%s\", but it was \"%s\"."), What, *Expected, *Actual), 1);
	return false;
}
