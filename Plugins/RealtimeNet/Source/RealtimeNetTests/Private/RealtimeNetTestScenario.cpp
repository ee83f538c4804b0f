#include "RealtimeNetTestScenario.h"

#include "HAL/PlatformTime.h"

FRealtimeNetScenario::FRealtimeNetScenario(FAutomationTestBase& InTest, const FDoneDelegate& InDone)
	: Test(InTest)
	, Done(InDone)
{
}

FRealtimeNetScenario::~FRealtimeNetScenario()
{
	Stop();
}

FRealtimeNetScenario& FRealtimeNetScenario::Then(const FString& What, TFunction<void()> Action)
{
	FStep Step;
	Step.What = What;
	Step.Action = MoveTemp(Action);
	Steps.Add(MoveTemp(Step));
	return *this;
}

FRealtimeNetScenario& FRealtimeNetScenario::WaitUntil(const FString& What, TFunction<bool()> Condition, double TimeoutSeconds)
{
	FStep Step;
	Step.What = What;
	Step.Condition = MoveTemp(Condition);
	Step.TimeoutSeconds = TimeoutSeconds;
	Steps.Add(MoveTemp(Step));
	return *this;
}

FRealtimeNetScenario& FRealtimeNetScenario::Wait(const FString& What, double Seconds)
{
	FStep Step;
	Step.What = What;
	Step.Condition = [] { return false; };
	Step.TimeoutSeconds = Seconds;
	Step.bFailOnTimeout = false;
	Steps.Add(MoveTemp(Step));
	return *this;
}

void FRealtimeNetScenario::Start()
{
	Current = 0;
	StepStarted = FPlatformTime::Seconds();
	// Run what can run now (the first actions), then one check per frame from the ticker.
	if (Tick(0.0f))
	{
		TickerHandle = FTSTicker::GetCoreTicker().AddTicker(
			FTickerDelegate::CreateSP(this, &FRealtimeNetScenario::Tick), 0.0f);
	}
}

void FRealtimeNetScenario::Fail(const FString& Why)
{
	const FString Step = Steps.IsValidIndex(Current) ? Steps[Current].What : FString(TEXT("(after the last step)"));
	Test.AddError(FString::Printf(TEXT("%s [step %d: %s]"), *Why, Current + 1, *Step));
	Current = Steps.Num();
	Finish();
}

void FRealtimeNetScenario::Stop()
{
	if (TickerHandle.IsValid())
	{
		FTSTicker::RemoveTicker(TickerHandle);
		TickerHandle.Reset();
	}
	Done.Unbind();
}

bool FRealtimeNetScenario::Tick(float /*DeltaTime*/)
{
	while (Steps.IsValidIndex(Current))
	{
		FStep& Step = Steps[Current];
		if (Step.Action)
		{
			Step.Action();
			if (!Steps.IsValidIndex(Current))  // the action called Fail
			{
				return false;
			}
		}
		else if (!Step.Condition())
		{
			const double Waited = FPlatformTime::Seconds() - StepStarted;
			if (Waited < Step.TimeoutSeconds)
			{
				return true;  // look again next frame
			}
			if (Step.bFailOnTimeout)
			{
				Fail(FString::Printf(TEXT("Timed out after %.1f s waiting for: %s"), Waited, *Step.What));
				return false;
			}
		}
		++Current;
		StepStarted = FPlatformTime::Seconds();
	}
	Finish();
	return false;
}

void FRealtimeNetScenario::Finish()
{
	if (TickerHandle.IsValid())
	{
		FTSTicker::RemoveTicker(TickerHandle);
		TickerHandle.Reset();
	}
	// Copied first: Done may end the latent command, whose owner may release this scenario.
	FDoneDelegate Finished = Done;
	Done.Unbind();
	Finished.ExecuteIfBound();
}
