// The automation flags every RealtimeNet spec uses, portable across UE 5.3-5.4 (EAutomationTestFlags is a
// namespaced plain enum with an ApplicationContextMask member) and 5.5+ (an enum class whose mask is the
// free constant EAutomationTestFlags_ApplicationContextMask): docs/unreal-api-notes.md section 12.
#pragma once

#include "CoreMinimal.h"
#include "Misc/AutomationTest.h"
#include "Misc/EngineVersionComparison.h"

#if UE_VERSION_OLDER_THAN(5, 5, 0)
constexpr auto EAutomationTestFlags_ApplicationContextMask = EAutomationTestFlags::ApplicationContextMask;
#endif

// Editor, game and commandlet contexts; the "Product" filter group, as plugin tests use.
#define REALTIMENET_SPEC_FLAGS (EAutomationTestFlags_ApplicationContextMask | EAutomationTestFlags::ProductFilter)
