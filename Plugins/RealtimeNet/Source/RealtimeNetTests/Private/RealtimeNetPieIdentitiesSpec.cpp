// RealtimeNet.PieIdentities: in Play In Editor every client logs in as a development identity of its own, taken from
// the user's own editor settings (URealtimeNetDevelopmentSettings, config=EditorPerProjectUserSettings), so two PIE
// windows or two split-screen players are two players; outside PIE no identity is taken. No token is a project
// setting (nothing in Config/ to commit), and none is readable from Blueprints.
#include "RealtimeNetSpecFlags.h"
#include "RealtimeNetTextMatch.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "Engine/Engine.h"
#include "Engine/GameInstance.h"
#include "UObject/UnrealType.h"

#include "RealtimeNetClient.h"
#include "RealtimeNetDevelopmentSettings.h"
#include "RealtimeNetSettings.h"
#include "RealtimeNetSubsystem.h"
#include "RealtimeNetTestInstance.h"

BEGIN_DEFINE_SPEC(FRealtimeNetPieIdentitiesSpec, "RealtimeNet.PieIdentities", REALTIMENET_SPEC_FLAGS)

	TUniquePtr<FRealtimeNetTestSettings> Settings;
	TUniquePtr<FRealtimeNetTestInstance> Instance;
	URealtimeNetDevelopmentSettings* Development = nullptr;
	TArray<FRealtimeNetDevelopmentIdentity> SavedIdentities;
	bool bSavedUse = true;

	/** Two identities (and an empty one, which is skipped) in place of the user's, for the spec. */
	void UseTestIdentities()
	{
		auto Identity = [](const TCHAR* Label, const TCHAR* Token)
		{
			FRealtimeNetDevelopmentIdentity Result;
			Result.Label = Label;
			Result.Token = Token;
			return Result;
		};
		Development->Identities = {Identity(TEXT("alice"), TEXT("token-a")), Identity(TEXT("nobody"), TEXT("")),
			Identity(TEXT("bob"), TEXT("token-b"))};
		Development->bUseIdentitiesInPlayInEditor = true;
	}

END_DEFINE_SPEC(FRealtimeNetPieIdentitiesSpec)

void FRealtimeNetPieIdentitiesSpec::Define()
{
	BeforeEach([this]()
	{
		Settings = MakeUnique<FRealtimeNetTestSettings>();
		Development = GetMutableDefault<URealtimeNetDevelopmentSettings>();
		SavedIdentities = Development->Identities;
		bSavedUse = Development->bUseIdentitiesInPlayInEditor;
		UseTestIdentities();
	});

	AfterEach([this]()
	{
		if (Instance.IsValid() && Instance->GetGameInstance() != nullptr)
		{
			if (FWorldContext* Context = Instance->GetGameInstance()->GetWorldContext())
			{
				Context->WorldType = EWorldType::Game;  // as it was made, before it is shut down
			}
		}
		Instance.Reset();
		Development->Identities = SavedIdentities;
		Development->bUseIdentitiesInPlayInEditor = bSavedUse;
		Settings.Reset();
	});

	It(TEXT("Claim Identity hands each claimant a different identity, skips empty ones, runs out, and takes a released one again"), [this]()
	{
		const int32 Before = Development->GetClaimedCount();
		FRealtimeNetDevelopmentIdentity First;
		FRealtimeNetDevelopmentIdentity Second;
		FRealtimeNetDevelopmentIdentity None;
		const int32 A = Development->ClaimIdentity(First);
		const int32 B = Development->ClaimIdentity(Second);
		TestEqual(TEXT("the first"), A, 0);
		TestSameText(*this, TEXT("alice"), First.Label, TEXT("alice"));
		TestEqual(TEXT("the empty one is skipped"), B, 2);
		TestSameText(*this, TEXT("bob"), Second.Label, TEXT("bob"));
		TestEqual(TEXT("none left"), Development->ClaimIdentity(None), static_cast<int32>(INDEX_NONE));
		Development->ReleaseIdentity(A);
		FRealtimeNetDevelopmentIdentity Again;
		TestEqual(TEXT("a released identity is taken again"), Development->ClaimIdentity(Again), A);
		Development->ReleaseIdentity(A);
		Development->ReleaseIdentity(B);
		TestEqual(TEXT("all given back"), Development->GetClaimedCount(), Before);
	});

	It(TEXT("in Play In Editor each client takes its own identity and gives it back when it goes; outside PIE none is taken"), [this]()
	{
		Instance = MakeUnique<FRealtimeNetTestInstance>();
		URealtimeNetSubsystem* Subsystem = Instance->GetSubsystem();
		FWorldContext* Context = Instance->GetGameInstance() != nullptr ? Instance->GetGameInstance()->GetWorldContext() : nullptr;
		if (!TestNotNull(TEXT("subsystem"), Subsystem) || !TestNotNull(TEXT("world context"), Context))
		{
			return;
		}
		const int32 Before = Development->GetClaimedCount();
		TestFalse(TEXT("a standalone game's client takes no identity"), Instance->GetClient()->UsesDevelopmentIdentity());
		URealtimeNetClient* Outside = Subsystem->CreateClient(TEXT("OutsidePie"));
		TestFalse(TEXT("nor does a second client outside PIE"), Outside != nullptr && Outside->UsesDevelopmentIdentity());
		TestEqual(TEXT("nothing claimed"), Development->GetClaimedCount(), Before);
		Subsystem->DestroyClient(Outside);

#if WITH_EDITOR
		Context->WorldType = EWorldType::PIE;  // what Play In Editor's game instances are
		URealtimeNetClient* Player1 = Subsystem->CreateClient(TEXT("Player1"));
		URealtimeNetClient* Player2 = Subsystem->CreateClient(TEXT("Player2"));
		URealtimeNetClient* Player3 = Subsystem->CreateClient(TEXT("Player3"));
		if (!TestNotNull(TEXT("Player1"), Player1) || !TestNotNull(TEXT("Player2"), Player2) || !TestNotNull(TEXT("Player3"), Player3))
		{
			return;
		}
		TestTrue(TEXT("Player1 has an identity"), Player1->UsesDevelopmentIdentity());
		TestTrue(TEXT("Player2 has another"), Player2->UsesDevelopmentIdentity());
		TestFalse(TEXT("Player3 finds none left (it connects with the token its game gives it)"), Player3->UsesDevelopmentIdentity());
		TestEqual(TEXT("two claimed"), Development->GetClaimedCount(), Before + 2);
		Subsystem->DestroyClient(Player1);
		TestEqual(TEXT("one given back"), Development->GetClaimedCount(), Before + 1);
		URealtimeNetClient* Player4 = Subsystem->CreateClient(TEXT("Player4"));
		TestTrue(TEXT("the next client takes it"), Player4 != nullptr && Player4->UsesDevelopmentIdentity());
		Context->WorldType = EWorldType::Game;
		Instance.Reset();  // Deinitialize gives back every identity its clients held
		TestEqual(TEXT("all given back when the game instance ends"), Development->GetClaimedCount(), Before);
#endif
	});

	It(TEXT("no token is a project setting or readable from Blueprints; the identities live in the user's editor settings"), [this]()
	{
		for (TFieldIterator<FProperty> It(URealtimeNetSettings::StaticClass()); It; ++It)
		{
			TestFalse(*FString::Printf(TEXT("Project Settings > RealtimeNet has no token (%s)"), *It->GetName()),
				It->GetName().Contains(TEXT("Token")));
		}
		TestSameText(*this, TEXT("the identities' config"), URealtimeNetDevelopmentSettings::StaticClass()->ClassConfigName.ToString(),
			TEXT("EditorPerProjectUserSettings"));
		const FProperty* Token = FRealtimeNetDevelopmentIdentity::StaticStruct()->FindPropertyByName(TEXT("Token"));
		if (TestNotNull(TEXT("an identity's token"), Token))
		{
			TestFalse(TEXT("not visible to Blueprints"), Token->HasAnyPropertyFlags(CPF_BlueprintVisible));
#if WITH_METADATA
			TestTrue(TEXT("shown as a password"), Token->HasMetaData(TEXT("PasswordField")));
#endif
		}
		for (TFieldIterator<FProperty> It(URealtimeNetClient::StaticClass()); It; ++It)
		{
			// Events (On Token Needed) carry no token; a value property would.
			const bool bEvent = CastField<FMulticastDelegateProperty>(*It) != nullptr;
			TestFalse(*FString::Printf(TEXT("the client exposes no token or resume token (%s)"), *It->GetName()),
				!bEvent && It->GetName().Contains(TEXT("Token")) && It->HasAnyPropertyFlags(CPF_BlueprintVisible));
		}
	});
}

#endif  // WITH_DEV_AUTOMATION_TESTS
