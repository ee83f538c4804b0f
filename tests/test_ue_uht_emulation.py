"""The UnrealHeaderTool emulation of `rtnet ue compile-check` (realtimenet.ue.compile_check.uht): what it
reads from a header and the shapes of the .generated.h it writes, checked against UHT 5.5's exporter
(UhtHeaderCodeGeneratorHFile.cs). No engine needed: the headers are written here."""

from __future__ import annotations

import re
from pathlib import Path

from realtimenet.ue.compile_check import uht


def _generate(tmp_path: Path, text: str, extra: str = "", name: str = "Sample.h") -> tuple[uht.HeaderScan, str]:
    header = tmp_path / name
    header.write_text(text)
    scan = uht.scan_header(header, "SampleModule", f"Plugins/Sample/Source/SampleModule/Public/{name}")
    database = uht.TypeDatabase(cast_classes=frozenset({"AActor"}))
    if extra:
        other = tmp_path / "Other.h"
        other.write_text(extra)
        database.add([uht.scan_header(other, "Engine", "Engine/Source/Runtime/Engine/Classes/Other.h")])
    database.add([scan])
    return scan, uht.generate(scan, database, "SAMPLEMODULE_API")


def _macro(generated: str, suffix: str) -> str:
    """The body of the one macro whose name ends with ``suffix``, continuation lines joined."""
    match = re.search(r"#define \w+_" + suffix + r"(?: \\\n((?:.*\\\n)*.*))?", generated)
    assert match, f"no macro *_{suffix} in:\n{generated}"
    return (match.group(1) or "").replace("\\\n", "\n")


FILE_ID = "FID_Plugins_Sample_Source_SampleModule_Public_Sample_h"

SUBSYSTEM = """\
#pragma once
#include "CoreMinimal.h"
#include "Sample.generated.h"

UCLASS(config = Game)
class SAMPLEMODULE_API USampleSubsystem : public UGameInstanceSubsystem
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "Sample")
	void Connect(const FString& Url);

	UFUNCTION(BlueprintImplementableEvent, Category = "Sample")
	void OnConnected();

protected:
	UPROPERTY(Replicated)
	int32 Score = 0;
};
"""


def test_class_generated_body(tmp_path: Path) -> None:
    _scan, generated = _generate(tmp_path, SUBSYSTEM)
    assert f"#define CURRENT_FILE_ID {FILE_ID}" in generated
    assert f"#define {FILE_ID}_5_PROLOG" in generated  # the UCLASS line
    body = _macro(generated, "8_GENERATED_BODY")
    # A class exported with SAMPLEMODULE_API (not MinimalAPI) declares NO_API members, as UHT does.
    assert ('DECLARE_CLASS(USampleSubsystem, UGameInstanceSubsystem, COMPILED_IN_FLAGS(0 | CLASS_Config), '
            'CASTCLASS_None, TEXT("/Script/SampleModule"), NO_API)') in body
    assert "static void StaticRegisterNativesUSampleSubsystem();" in body
    assert "friend struct Z_Construct_UClass_USampleSubsystem_Statics;" in body
    assert "DECLARE_SERIALIZER(USampleSubsystem)" in body
    assert 'static const TCHAR* StaticConfigName() {return TEXT("Game");}' in body
    assert "DECLARE_FUNCTION(execConnect);" in body
    assert "execOnConnected" not in body  # an implementable event has no native thunk
    # No user constructor, parent unknown: the FObjectInitializer one, private copy and move.
    assert "NO_API USampleSubsystem(const FObjectInitializer& ObjectInitializer = FObjectInitializer::Get());" in body
    assert "USampleSubsystem(USampleSubsystem&&);" in body and "USampleSubsystem(const USampleSubsystem&);" in body
    assert "DECLARE_VTABLE_PTR_HELPER_CTOR(NO_API, USampleSubsystem);" in body
    assert "DEFINE_DEFAULT_OBJECT_INITIALIZER_CONSTRUCTOR_CALL(USampleSubsystem)" in body
    assert "NO_API virtual ~USampleSubsystem();" in body
    # Replicated property: the net field enum, V1's GetLifetimeReplicatedProps, the base-class marker.
    assert "enum class ENetFields_Private : uint16" in body and "Score=NETFIELD_REP_START," in body
    assert "void GetLifetimeReplicatedProps(TArray<FLifetimeProperty>& OutLifetimeProps) const override;" in body
    assert "REPLICATED_BASE_CLASS(USampleSubsystem)" in body
    assert '#include "Net/Core/PushModel/PushModelMacros.h"' in generated
    # The access level at GENERATED_BODY (private: a class starts private) is restored afterwards.
    assert body.rstrip().splitlines()[-2].strip().rstrip(" \\") == "private:"
    assert "template<> SAMPLEMODULE_API UClass* StaticClass<class USampleSubsystem>();" in generated


def test_constructor_kind_follows_the_user_and_the_parent_chain(tmp_path: Path) -> None:
    parent = """\
#include "Other.generated.h"
UCLASS(MinimalAPI, Abstract)
class AParentActor : public AActor
{
	GENERATED_BODY()
public:
	AParentActor();
	virtual ~AParentActor() override;
};
"""
    child = """\
#include "Sample.generated.h"
UCLASS()
class AChildActor : public AParentActor
{
	GENERATED_BODY()
};
UCLASS()
class UWithInitializer : public UObject
{
	GENERATED_BODY()
	UWithInitializer(const FObjectInitializer& ObjectInitializer);
};
"""
    _, generated = _generate(tmp_path, child, extra=parent)
    child_body = _macro(generated, "5_GENERATED_BODY")
    # The parent declares only a default constructor, so the child gets one too (GetConstructorType).
    assert "NO_API AChildActor();" in child_body
    assert "DEFINE_DEFAULT_CONSTRUCTOR_CALL(AChildActor)" in child_body
    with_initializer = _macro(generated, "10_GENERATED_BODY")
    assert "UWithInitializer(const FObjectInitializer& ObjectInitializer = " not in with_initializer
    assert "DEFINE_DEFAULT_OBJECT_INITIALIZER_CONSTRUCTOR_CALL(UWithInitializer)" in with_initializer
    # The user declared no destructor: UHT declares a virtual one.
    assert "NO_API virtual ~UWithInitializer();" in with_initializer
    parent_scan = uht.scan_header(tmp_path / "Other.h", "Engine", "Other.h")
    parent_generated = uht.generate(parent_scan, uht.TypeDatabase(cast_classes=frozenset()), "ENGINE_API")
    parent_body = _macro(parent_generated, "5_GENERATED_BODY")
    assert "ENGINE_API" in parent_body and "COMPILED_IN_FLAGS(CLASS_Abstract)" in parent_body
    assert "virtual ~AParentActor();" not in parent_body  # declared by the user
    assert "DEFINE_ABSTRACT_DEFAULT_CONSTRUCTOR_CALL(AParentActor)" in parent_body


def test_struct_super_only_for_reflected_bases(tmp_path: Path) -> None:
    text = """\
#include "Sample.generated.h"
USTRUCT(BlueprintType)
struct FBaseRow
{
	GENERATED_BODY()
};
USTRUCT(BlueprintType)
struct SAMPLEMODULE_API FDerivedRow : public FBaseRow
{
	GENERATED_BODY()
};
USTRUCT()
struct FPlainBase : public TSharedFromThis<FPlainBase>
{
	GENERATED_BODY()
};
"""
    _, generated = _generate(tmp_path, text)
    base = _macro(generated, "5_GENERATED_BODY")
    assert "friend struct Z_Construct_UScriptStruct_FBaseRow_Statics;" in base
    assert "SAMPLEMODULE_API static class UScriptStruct* StaticStruct();" in base  # not exported: API on it
    derived = _macro(generated, "10_GENERATED_BODY")
    assert "typedef FBaseRow Super;" in derived
    assert "SAMPLEMODULE_API static" not in derived  # the struct itself is exported
    assert "Super" not in _macro(generated, "15_GENERATED_BODY")
    assert "template<> SAMPLEMODULE_API UScriptStruct* StaticStruct<struct FDerivedRow>();" in generated


def test_enums(tmp_path: Path) -> None:
    text = """\
#include "Sample.generated.h"
UENUM(BlueprintType)
enum class ESampleState : uint8
{
	Idle UMETA(DisplayName = "Idle"),
	Busy = 3,
	Done,
	MAX UMETA(Hidden)
};
"""
    scan, generated = _generate(tmp_path, text)
    assert scan.types[0].values == [("Idle", 0), ("Busy", 3), ("Done", 4), ("MAX", 5)]  # type: ignore[union-attr]
    assert "#define FOREACH_ENUM_ESAMPLESTATE(op) \\\n\top(ESampleState::Idle) \\\n\top(ESampleState::Busy) " \
           "\\\n\top(ESampleState::Done) \n" in generated
    assert "enum class ESampleState : uint8;" in generated
    assert "template<> struct TIsUEnumClass<ESampleState> { enum { Value = true }; };" in generated
    assert "template<> SAMPLEMODULE_API UEnum* StaticEnum<ESampleState>();" in generated
    # Only enums in the header: UHT includes the lighter headers.
    assert '#include "UObject/ReflectedTypeAccessors.h"' in generated


def test_dynamic_delegates_on_every_line_they_span(tmp_path: Path) -> None:
    text = """\
#include "Sample.generated.h"
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnSampleChanged,
	USampleSubsystem*, Subsystem,
	const FString&, Reason);
DECLARE_DYNAMIC_DELEGATE_RetVal_OneParam(bool, FSampleFilter, int32, Value);
UCLASS()
class USampleSubsystem : public UObject
{
	GENERATED_BODY()
	DECLARE_DYNAMIC_MULTICAST_SPARSE_DELEGATE_OneParam(FOnInner, USampleSubsystem, OnInner, int32, Count);
};
"""
    _, generated = _generate(tmp_path, text)
    wrapper = ("SAMPLEMODULE_API void FOnSampleChanged_DelegateWrapper(const FMulticastScriptDelegate& OnSampleChanged, "
               "USampleSubsystem* Subsystem, const FString& Reason);")
    for line in (2, 3, 4):
        assert _macro(generated, f"{line}_DELEGATE").strip() == wrapper
    assert _macro(generated, "5_DELEGATE").strip() == (
        "SAMPLEMODULE_API bool FSampleFilter_DelegateWrapper(const FScriptDelegate& SampleFilter, int32 Value);")
    assert _macro(generated, "10_DELEGATE").strip() == (
        "static SAMPLEMODULE_API void FOnInner_DelegateWrapper(const FMulticastScriptDelegate& OnInner, int32 Count);")
    # Types named in signatures are forward declared before the macros use them.
    assert generated.index("class USampleSubsystem;") < generated.index("_2_DELEGATE")


def test_interface_both_sides(tmp_path: Path) -> None:
    text = """\
#include "Sample.generated.h"
UINTERFACE(MinimalAPI, Blueprintable)
class USampleListener : public UInterface
{
	GENERATED_BODY()
};

class ISampleListener
{
	GENERATED_BODY()
public:
	UFUNCTION(BlueprintNativeEvent, Category = "Sample")
	bool OnSample(int32 Count) const;
};
"""
    _, generated = _generate(tmp_path, text)
    u_side = _macro(generated, "5_GENERATED_BODY")
    assert ("DECLARE_CLASS(USampleListener, UInterface, COMPILED_IN_FLAGS(CLASS_Abstract | CLASS_Interface), "
            'CASTCLASS_None, TEXT("/Script/SampleModule"), SAMPLEMODULE_API)') in u_side
    assert "DEFINE_ABSTRACT_DEFAULT_OBJECT_INITIALIZER_CONSTRUCTOR_CALL(USampleListener)" in u_side
    i_side = _macro(generated, "10_GENERATED_BODY")
    assert "typedef USampleListener UClassType;" in i_side and "typedef ISampleListener ThisClass;" in i_side
    assert "static bool Execute_OnSample(const UObject* O, int32 Count);" in i_side
    assert "virtual UObject* _getUObject() const { return nullptr; }" in i_side
    # V1 declares the native event's implementation the user left out.
    assert "virtual bool OnSample_Implementation(int32 Count) const;" in i_side


def test_implementers_field_notify_and_serializers(tmp_path: Path) -> None:
    interface = """\
#include "Other.generated.h"
UINTERFACE()
class UPingable : public UInterface { GENERATED_BODY() };
class IPingable { GENERATED_BODY() };
"""
    text = """\
#include "Sample.generated.h"
UCLASS()
class USampleView : public UObject, public IPingable
{
	GENERATED_BODY()
	virtual void Serialize(FArchive& Ar) override;
	UPROPERTY(FieldNotify)
	int32 Health;
	UFUNCTION(FieldNotify, BlueprintPure)
	int32 GetDoubled() const;
};
"""
    _, generated = _generate(tmp_path, text, extra=interface)
    body = _macro(generated, "5_GENERATED_BODY")
    assert "virtual UObject* _getUObject() const override { return const_cast<USampleView*>(this); }" in body
    assert "DECLARE_FSTRUCTUREDARCHIVE_SERIALIZER(USampleView, NO_API)" in body  # the overload not declared
    assert "UE_FIELD_NOTIFICATION_DECLARE_FIELD(Health)" in body
    assert "UE_FIELD_NOTIFICATION_DECLARE_ENUM_FIELD_BEGIN(Health)" in body
    assert "UE_FIELD_NOTIFICATION_DECLARE_ENUM_FIELD(GetDoubled)" in body


def test_dead_code_and_comments_are_not_read(tmp_path: Path) -> None:
    text = """\
#include "Sample.generated.h"
#if !CPP
UCLASS()
class UNotCompiled : public UObject { GENERATED_BODY() };
#endif
// UCLASS() class UInComment : public UObject { GENERATED_BODY() };
UCLASS()
class UCompiled : public UObject
{
	GENERATED_BODY()
	UFUNCTION() void Tick(UPARAM(meta = (Min = "0")) float Delta);  /* UFUNCTION() void Ghost(); */
};
"""
    scan, generated = _generate(tmp_path, text)
    names = [t.name for t in scan.types if isinstance(t, uht.ClassDecl)]
    assert names == ["UCompiled"]
    function = scan.types[0].functions[0]  # type: ignore[union-attr]
    assert (function.name, function.params) == ("Tick", [("float", "Delta")])
    assert "Ghost" not in generated


def test_generated_include_guard(tmp_path: Path) -> None:
    _, generated = _generate(tmp_path, SUBSYSTEM)
    assert "#ifdef SAMPLEMODULE_Sample_generated_h" in generated
    assert "#define SAMPLEMODULE_Sample_generated_h" in generated
