// A latent test written as steps: do this, wait until that holds, then this... Steps run from the core
// ticker (FTSTicker), the same ticker that pumps URealtimeNetSubsystem, so a step sees exactly what game code
// would see between two frames; nothing blocks the game thread. Used inside a spec's LatentIt:
//
//   LatentIt(TEXT("resumes"), FTimespan::FromSeconds(60), [this](const FDoneDelegate& Done)
//   {
//       Scenario = MakeShared<FRealtimeNetScenario>(*this, Done);
//       Scenario->Then(TEXT("connect"), [this] { Client->Connect(Url, Token); })
//           .WaitUntil(TEXT("connected"), [this] { return Client->IsConnected(); })
//           .Start();
//   });
//   AfterEach([this] { if (Scenario) { Scenario->Stop(); Scenario.Reset(); } });
#pragma once

#include "CoreMinimal.h"
#include "Containers/Ticker.h"
#include "Misc/AutomationTest.h"

class FRealtimeNetScenario : public TSharedFromThis<FRealtimeNetScenario>
{
public:
	FRealtimeNetScenario(FAutomationTestBase& InTest, const FDoneDelegate& InDone);
	~FRealtimeNetScenario();

	FRealtimeNetScenario(const FRealtimeNetScenario&) = delete;
	FRealtimeNetScenario& operator=(const FRealtimeNetScenario&) = delete;

	/** Runs Action once, then goes on to the next step in the same frame. */
	FRealtimeNetScenario& Then(const FString& What, TFunction<void()> Action);

	/** Checks Condition once per frame until it holds; after TimeoutSeconds the test fails with What. */
	FRealtimeNetScenario& WaitUntil(const FString& What, TFunction<bool()> Condition, double TimeoutSeconds = 15.0);

	/** Lets Seconds pass (for "and nothing else arrives" checks). */
	FRealtimeNetScenario& Wait(const FString& What, double Seconds);

	/** Starts running the steps; Done is executed after the last one, or after the first failure. */
	void Start();

	/** Fails the test now with Why and ends the scenario (a precondition a later step needs is missing). */
	void Fail(const FString& Why);

	/** Stops without executing Done (AfterEach, or the spec's own timeout fired first). */
	void Stop();

	bool IsRunning() const { return TickerHandle.IsValid(); }

private:
	struct FStep
	{
		FString What;
		TFunction<void()> Action;      // set for Then
		TFunction<bool()> Condition;   // set for WaitUntil and Wait
		double TimeoutSeconds = 0.0;
		bool bFailOnTimeout = true;    // false for Wait: its timeout is the point
	};

	bool Tick(float DeltaTime);
	void Finish();

	FAutomationTestBase& Test;
	FDoneDelegate Done;
	TArray<FStep> Steps;
	int32 Current = 0;
	double StepStarted = 0.0;
	FTSTicker::FDelegateHandle TickerHandle;
};
