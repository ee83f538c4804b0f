"""The Unreal tooling that runs without an engine: UHT lint, automation report, engine command lines, CLI.

The engine itself is faked where a process is needed: a RunUAT.sh and an UnrealEditor-Cmd written into a
temporary folder, the latter checking the real fault-injection gateway it was pointed at.
"""

from __future__ import annotations

import codecs
import json
import os
import socket
import stat
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from realtimenet.cli import main
from realtimenet.client import Client
from realtimenet.exceptions import RemoteError
from realtimenet.ue import automation_report as ar
from realtimenet.ue import commands, fault_gateway, uht_lint
from tests.conftest import ROOT

FIXTURE_REPORT = ROOT / "tests" / "fixtures" / "ue" / "automation-report"

GOOD_HEADER = textwrap.dedent('''\
    // Copyright RealtimeNet. A comment with "quotes", a { brace and UCLASS() is not code.
    #pragma once

    #include "CoreMinimal.h"
    #include "Subsystems/GameInstanceSubsystem.h"
    #include "RealtimeNetThing.generated.h"

    DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetConnected, const FString&, SessionId);
    DECLARE_MULTICAST_DELEGATE_OneParam(FOnRealtimeNetConnectedNative, const FString&);
    DECLARE_DYNAMIC_DELEGATE_RetVal_OneParam(bool, FRealtimeNetFilter, int32, Value);

    UENUM(BlueprintType)
    enum class ERealtimeNetState : uint8
    {
        Disconnected,
        Connected UMETA(DisplayName = "Connected {ok}"),
    };

    USTRUCT(BlueprintType)
    struct REALTIMENET_API FRealtimeNetPlayer
    {
        GENERATED_BODY()

        UPROPERTY(BlueprintReadOnly, Category = "RealtimeNet|Presence", meta = (ToolTip = "see http://x // y"))
        FString PlayerId;

        UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet")
        TArray<FString> Devices;

        UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet")
        uint32 bOnline : 1;

        UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet")
        int32 Port = 8765;

        UPROPERTY()
        TMap<FString, int32> Counters = {};
    };

    UINTERFACE(MinimalAPI, Blueprintable)
    class URealtimeNetListener : public UInterface
    {
        GENERATED_BODY()
    };

    class REALTIMENET_API IRealtimeNetListener
    {
        GENERATED_BODY()

    public:
        UFUNCTION(BlueprintNativeEvent, Category = "RealtimeNet")
        void OnMessage(const FString& Method, int64 Offset);
    };

    UCLASS(Config = Game)
    class REALTIMENET_API URealtimeNetThing final : public UGameInstanceSubsystem
    {
        GENERATED_BODY()

    public:
        UFUNCTION(BlueprintCallable, Category = "RealtimeNet", meta = (WorldContext = "WorldContextObject"))
        static URealtimeNetThing* Get(const UObject* WorldContextObject);

        UFUNCTION(BlueprintCallable, Category = "RealtimeNet")
        void SetPort(int32 NewPort, const TArray<FRealtimeNetPlayer>& Players);

        UFUNCTION(BlueprintPure, Category = "RealtimeNet")
        ERealtimeNetState GetState() const { return State; }

        UPROPERTY(BlueprintAssignable, Category = "RealtimeNet")
        FOnRealtimeNetConnected OnConnected;

        UPROPERTY(Transient)
        TObjectPtr<UObject> Owner = nullptr;

        UPROPERTY()
        TArray<TObjectPtr<UObject>> Listeners;

    private:
        ERealtimeNetState State = ERealtimeNetState::Disconnected;
        TSharedPtr<class IWebSocket> Socket;
    };
    ''')


def lint(text: str, name: str = "RealtimeNetThing.h") -> list[uht_lint.Finding]:
    return uht_lint.lint_text(Path(name), text)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_header_that_follows_every_rule_has_no_findings() -> None:
    assert lint(GOOD_HEADER) == []


# (rule, text in GOOD_HEADER, replacement, text on the reported line, words of the message)
BROKEN = [
    ("generated-include", '#include "RealtimeNetThing.generated.h"\n', "",
     "DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam", '#include "RealtimeNetThing.generated.h"'),
    ("generated-include", '#include "RealtimeNetThing.generated.h"\n',
     '#include "RealtimeNetThing.generated.h"\n#include "Engine/World.h"\n',
     '"RealtimeNetThing.generated.h"', 'must be the last #include (line 7 includes "Engine/World.h")'),
    ("generated-include", '#include "RealtimeNetThing.generated.h"', '#include "RealtimeNetSubsystem.generated.h"',
     '"RealtimeNetSubsystem.generated.h"', 'it must be "RealtimeNetThing.generated.h"'),
    ("generated-body", "struct REALTIMENET_API FRealtimeNetPlayer\n{\n    GENERATED_BODY()\n",
     "struct REALTIMENET_API FRealtimeNetPlayer\n{\n", "struct REALTIMENET_API FRealtimeNetPlayer",
     "USTRUCT FRealtimeNetPlayer has no GENERATED_BODY()"),
    ("generated-body", "class REALTIMENET_API IRealtimeNetListener\n{\n    GENERATED_BODY()\n",
     "class REALTIMENET_API IRealtimeNetListener\n{\n", "class REALTIMENET_API IRealtimeNetListener",
     "interface class IRealtimeNetListener has no GENERATED_BODY()"),
    ("interface-class", "class REALTIMENET_API IRealtimeNetListener\n", "class REALTIMENET_API IRealtimeNetListeners\n",
     "class URealtimeNetListener", "UINTERFACE URealtimeNetListener has no native class IRealtimeNetListener"),
    ("missing-category", 'UFUNCTION(BlueprintCallable, Category = "RealtimeNet")\n    void SetPort',
     "UFUNCTION(BlueprintCallable)\n    void SetPort", "void SetPort",
     "UFUNCTION SetPort is blueprintcallable but has no Category="),
    ("missing-category", 'UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "RealtimeNet")\n    TArray<FString>',
     'UPROPERTY(EditAnywhere, BlueprintReadWrite, meta = (Category = "RealtimeNet"))\n    TArray<FString>',
     "TArray<FString> Devices", "UPROPERTY Devices is blueprintreadwrite, editanywhere but has no Category="),
    ("unsupported-type", "TMap<FString, int32> Counters", "unsigned int Counters",
     "unsigned int Counters", "`unsigned int` uses `unsigned`"),
    ("blueprint-type", "int32 Port = 8765;", "uint16 Port = 8765;", "uint16 Port", "Blueprints, which have no uint16"),
    ("blueprint-type", "void SetPort(int32 NewPort", "void SetPort(uint32 NewPort", "void SetPort",
     "UFUNCTION SetPort parameter NewPort: `uint32` is exposed to Blueprints"),
    ("std-type", "TMap<FString, int32> Counters = {};", "std::map<int, int> Counters;", "std::map",
     "`std::map<int, int>` uses a std:: type"),
    ("smart-pointer", "TMap<FString, int32> Counters = {};", "TSharedPtr<FJsonObject> Counters;",
     "TSharedPtr<FJsonObject> Counters", "holds a TSharedPtr"),
    ("nested-container", "TArray<FString> Devices;", "TArray<TArray<FString>> Devices;",
     "TArray<TArray<FString>> Devices", "puts a TArray directly inside a TArray"),
    ("raw-pointer", "TObjectPtr<UObject> Owner = nullptr;", "FRealtimeNetPlayer* Owner = nullptr;",
     "FRealtimeNetPlayer* Owner", "is a raw pointer to FRealtimeNetPlayer"),
    ("raw-pointer", "TArray<TObjectPtr<UObject>> Listeners;", "TArray<IRealtimeNetListener*> Listeners;",
     "TArray<IRealtimeNetListener*> Listeners", "a raw pointer to IRealtimeNetListener"),
    ("type-prefix", "struct REALTIMENET_API FRealtimeNetPlayer", "struct REALTIMENET_API RealtimeNetPlayer",
     "struct REALTIMENET_API RealtimeNetPlayer", "USTRUCT RealtimeNetPlayer must be named FRealtimeNetPlayer"),
    ("type-prefix", "URealtimeNetThing final : public UGameInstanceSubsystem",
     "URealtimeNetThing final : public AActor", "class REALTIMENET_API URealtimeNetThing final",
     "UCLASS URealtimeNetThing derives from AActor, so its name must start with A"),
    ("type-prefix", "enum class ERealtimeNetState : uint8", "enum class RealtimeNetState : uint8",
     "enum class RealtimeNetState", "UENUM RealtimeNetState must be named ERealtimeNetState"),
    ("enum-blueprint-type", "enum class ERealtimeNetState : uint8", "enum ERealtimeNetState",
     "enum ERealtimeNetState", "must be declared `enum class ERealtimeNetState : uint8`"),
    ("delegate-prefix", "OneParam(FOnRealtimeNetConnected,", "OneParam(OnRealtimeNetConnected,",
     "OnRealtimeNetConnected, const FString&", "declares OnRealtimeNetConnected; dynamic delegate types must start with F"),
    ("delegate-prefix", "RetVal_OneParam(bool, FRealtimeNetFilter,", "RetVal_OneParam(bool, RealtimeNetFilter,",
     "RetVal_OneParam(bool, RealtimeNetFilter", "declares RealtimeNetFilter"),
]


@pytest.mark.parametrize(("rule", "old", "new", "at", "words"), BROKEN,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(BROKEN)])
def test_each_broken_rule_is_reported_once_at_its_line(rule: str, old: str, new: str, at: str, words: str) -> None:
    assert rule in uht_lint.RULES
    assert GOOD_HEADER.count(old) == 1, "the case must change the good header"
    broken = GOOD_HEADER.replace(old, new)
    findings = lint(broken)
    assert [f.rule for f in findings] == [rule], findings
    assert findings[0].line == line_of(broken, at)
    assert words in findings[0].message
    assert str(findings[0]) == f"RealtimeNetThing.h:{findings[0].line}: {rule}: {findings[0].message}"


def test_every_rule_has_a_broken_case() -> None:
    assert {case[0] for case in BROKEN} == set(uht_lint.RULES) - {"declaration"}


def test_a_macro_without_its_declaration_is_reported() -> None:
    broken = GOOD_HEADER.replace("UINTERFACE(MinimalAPI, Blueprintable)", "USTRUCT()\nUINTERFACE(MinimalAPI, Blueprintable)")
    findings = lint(broken)
    assert [f.rule for f in findings] == ["declaration"]


def test_plain_headers_and_reflection_words_in_comments_are_not_linted(tmp_path: Path) -> None:
    plain = tmp_path / "Plain.h"
    plain.write_text("#pragma once\n// UCLASS() in a comment\nstruct FPlain { int32 X; };\n")
    bad = tmp_path / "Bad.h"
    bad.write_text(GOOD_HEADER.replace("FOnRealtimeNetConnected,", "OnBad,"))
    findings, checked = uht_lint.lint_paths([tmp_path])
    assert checked == 1
    assert [(f.path.name, f.rule) for f in findings] == [("Bad.h", "generated-include"), ("Bad.h", "delegate-prefix")]


def test_headers_of_the_unreal_modules_are_found_and_the_plain_cpp_core_is_skipped(tmp_path: Path) -> None:
    source = tmp_path / "Plugins" / "RealtimeNet" / "Source"
    wanted = [source / "RealtimeNet" / "Private" / "Transport.h", source / "RealtimeNet" / "Public" / "A" / "Sub.h",
              source / "RealtimeNetUI" / "Public" / "Widget.h"]
    skipped = [source / "RealtimeNetCore" / "Public" / "rtnet" / "Value.h", source / "RealtimeNet" / "Build.h",
               source / "RealtimeNet" / "Public" / "Module.cpp"]
    for path in wanted + skipped:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#pragma once\n")
    assert uht_lint.plugin_headers(tmp_path) == sorted(wanted)
    assert uht_lint.plugin_headers(tmp_path / "missing") == []


def test_the_plugin_headers_in_this_repository_pass_the_lint() -> None:
    findings, _ = uht_lint.lint_paths(uht_lint.plugin_headers(ROOT))
    assert findings == [], "\n".join(map(str, findings))


def test_rtnet_ue_lint_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "RealtimeNetThing.h").write_text(GOOD_HEADER)
    assert main(["ue", "lint", str(good)]) == 0
    bad = tmp_path / "bad" / "RealtimeNetThing.h"
    bad.parent.mkdir()
    bad.write_text(GOOD_HEADER.replace("int32 Port = 8765;", "uint64 Port = 8765;"))
    capsys.readouterr()
    assert main(["ue", "lint", str(good), str(bad)]) == 1
    out = capsys.readouterr()
    line = line_of(bad.read_text(), "uint64 Port")
    assert out.out.splitlines()[0].startswith(f"{bad}:{line}: blueprint-type: UPROPERTY Port:")
    assert "2 headers with reflected types, 1 findings" in out.err
    assert main(["ue", "lint", str(tmp_path / "nowhere.h")]) == 2


# --- automation report -------------------------------------------------------------------------------------


def test_the_fixture_starts_with_the_bom_the_engine_writes() -> None:
    assert (FIXTURE_REPORT / "index.json").read_bytes().startswith(codecs.BOM_UTF8)


def test_report_decodes_with_and_without_bom() -> None:
    report = ar.load_report(FIXTURE_REPORT)
    assert report.report_created_on == "2026.11.20-10.42.07"
    assert report.devices[0].platform == "LinuxEditor"
    assert [t.state for t in report.tests] == ["Fail", "Success", "Success", "Skipped"]
    failing = report.tests[0]
    assert failing.entries[1].event.type == "Error"
    assert failing.entries[1].line_number == 88
    without_bom = (FIXTURE_REPORT / "index.json").read_bytes()[len(codecs.BOM_UTF8):]
    assert ar.decode_report(without_bom) == report
    assert ar.load_report(FIXTURE_REPORT / "index.json") == report


def test_summary_counts_and_failure_messages() -> None:
    summary = ar.summarise(ar.load_report(FIXTURE_REPORT))
    assert (summary.total, summary.passed, summary.passed_with_warnings, summary.failed, summary.skipped,
            summary.not_run, summary.in_process) == (4, 1, 1, 1, 1, 0, 0)
    assert summary.duration == pytest.approx(7.912345)
    assert not summary.ok
    [problem] = summary.failures
    assert problem.path == "RealtimeNet.Connection.Reconnects after a heartbeat timeout (4010)"
    assert problem.messages[0] == ("Expected 'State after 4010' to be Reconnecting, but it was Disconnected. "
                                   "[RealtimeNetConnectionTest.cpp:88]")
    assert problem.messages[1].startswith("Latent command timed out after 5 s")
    assert [w[1] for w in summary.warnings] == [
        "LogRealtimeNet: socket closed with 4010 (heartbeat timeout)",
        "Room 'café' had no snapshot; joined at version 3"]
    text = ar.render_text(summary)
    assert text.splitlines()[0] == ("Unreal automation: FAILED: 4 tests: 2 passed (1 with warnings), 1 failed, "
                                    "1 skipped (7.9 s)")
    assert "FAIL RealtimeNet.Connection.Reconnects after a heartbeat timeout (4010)\n  Expected" in text


def test_a_run_passes_only_when_tests_ran_and_all_finished() -> None:
    report = ar.load_report(FIXTURE_REPORT)
    passing = ar.AutomationReport(tests=[t for t in report.tests if t.state != "Fail"])
    assert ar.summarise(passing).ok
    empty = ar.summarise(ar.AutomationReport())
    assert not empty.ok
    assert "no tests ran" in ar.render_text(empty)
    crashed = ar.AutomationReport(tests=[ar.AutomationTest(full_test_path="RealtimeNet.A.B", state="InProcess")])
    summary = ar.summarise(crashed)
    assert not summary.ok
    assert summary.failures[0].messages == ["did not finish: the editor stopped while this test ran"]
    not_run = ar.AutomationReport(tests=[*passing.tests, ar.AutomationTest(full_test_path="X.Y", state="NotRun")])
    assert not ar.summarise(not_run).ok


def test_junit_xml() -> None:
    report = ar.load_report(FIXTURE_REPORT)
    report.tests.append(ar.AutomationTest(test_display_name="Crashes", full_test_path="RealtimeNet.Crash.Crashes",
                                          state="InProcess"))
    root = ET.fromstring(ar.to_junit(report))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("5", "1", "1", "1")
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    failing = cases[("RealtimeNet.Connection", "Reconnects after a heartbeat timeout (4010)")]
    failure = failing.find("failure")
    assert failure is not None and failure.text is not None
    assert failure.get("message", "").endswith("[RealtimeNetConnectionTest.cpp:88]")
    assert "\x1b" not in failure.text and "?[31m(no session.welcome)" in failure.text
    assert "[Warning] LogRealtimeNet: socket closed" in (failing.findtext("system-out") or "")
    assert ("RealtimeNet.Connection", "Connects and receives session.welcome") in cases
    assert cases[("RealtimeNet.Faults", "Survives 300 ms of injected latency")].find("skipped") is not None
    assert cases[("RealtimeNet.Crash", "Crashes")].find("error") is not None


def test_missing_and_malformed_reports_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ar.ReportError, match="no automation report"):
        ar.load_report(tmp_path)
    (tmp_path / "index.json").write_bytes(codecs.BOM_UTF8 + b'{"tests": "not a list"}')
    with pytest.raises(ar.ReportError, match="not an automation report"):
        ar.load_report(tmp_path)


def test_rtnet_ue_report_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "out" / "junit.xml"
    assert main(["ue", "report", str(FIXTURE_REPORT), "--junit", str(junit)]) == 1
    assert ET.parse(junit).getroot().tag == "testsuites"
    assert "FAIL RealtimeNet.Connection" in capsys.readouterr().out
    data = json.loads((FIXTURE_REPORT / "index.json").read_text(encoding="utf-8-sig"))
    data["tests"] = [t for t in data["tests"] if t["state"] != "Fail"]
    (tmp_path / "index.json").write_bytes(codecs.BOM_UTF8 + json.dumps(data).encode())
    assert main(["ue", "report", str(tmp_path)]) == 0
    assert main(["ue", "report", str(tmp_path / "missing")]) == 1


# --- engine command lines ------------------------------------------------------------------------------------


def fake_engine(root: Path, platform: str = "Linux", legacy: bool = False) -> Path:
    batch = root / "Engine" / "Build" / "BatchFiles"
    batch.mkdir(parents=True)
    (batch / ("RunUAT.bat" if platform == "Win64" else "RunUAT.sh")).write_text("")
    binaries = root / "Engine" / "Binaries" / platform
    binaries.mkdir(parents=True)
    name = "UE4Editor-Cmd" if legacy else "UnrealEditor-Cmd"
    (binaries / (name + (".exe" if platform == "Win64" else ""))).write_text("")
    return root


def test_host_platform_names() -> None:
    assert [commands.host_platform(s) for s in ("win32", "darwin", "linux")] == ["Win64", "Mac", "Linux"]


def test_engine_layout(tmp_path: Path) -> None:
    linux = commands.engine_at(fake_engine(tmp_path / "ue5"), "Linux")
    assert linux.run_uat == tmp_path / "ue5" / "Engine" / "Build" / "BatchFiles" / "RunUAT.sh"
    assert linux.editor_cmd == tmp_path / "ue5" / "Engine" / "Binaries" / "Linux" / "UnrealEditor-Cmd"
    assert commands.engine_at(tmp_path / "ue5" / "Engine", "Linux") == linux
    windows = commands.engine_at(fake_engine(tmp_path / "win", "Win64"), "Win64")
    assert windows.run_uat.name == "RunUAT.bat"
    assert windows.editor_cmd.name == "UnrealEditor-Cmd.exe"
    ue4 = commands.engine_at(fake_engine(tmp_path / "ue4", legacy=True), "Linux")
    assert ue4.editor_cmd.name == "UE4Editor-Cmd"
    with pytest.raises(commands.NoEngineError, match="not an Unreal Engine folder"):
        commands.engine_at(tmp_path, "Linux")


def test_find_engine_order(tmp_path: Path) -> None:
    flag, env, cli = (fake_engine(tmp_path / n) for n in ("flag", "env", "cli"))
    environ = {commands.ENGINE_DIR_ENV: str(env)}

    def which(name: str) -> str | None:
        return "/usr/local/bin/ue4" if name == "ue4" else None

    def ue4_root(ue4: str) -> Path | None:
        return cli

    def find(engine_dir: str | None, environ: dict[str, str], which_: object = which) -> tuple[commands.Engine, str]:
        return commands.find_engine(engine_dir, environ, which_, ue4_root, "Linux")  # type: ignore[arg-type]

    assert find(str(flag), environ) == (commands.Engine(flag, "Linux"), "--engine-dir")
    assert find(None, environ) == (commands.Engine(env, "Linux"), "UE_ENGINE_DIR")
    assert find(None, {}) == (commands.Engine(cli, "Linux"), "ue4cli (/usr/local/bin/ue4)")
    with pytest.raises(commands.NoEngineError) as error:
        find(None, {}, lambda name: None)
    assert "--engine-dir" in str(error.value) and "UE_ENGINE_DIR" in str(error.value) and "ue4cli" in str(error.value)


def test_ue4cli_root_reads_the_last_line() -> None:
    def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        assert argv == ["/bin/ue4", "root"]
        return subprocess.CompletedProcess(argv, 0, "Using user-specified engine root: /opt/UE\n/opt/UE\n", "")

    assert commands.ue4cli_root("/bin/ue4", run) == Path("/opt/UE")

    def failing(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, 1, "", "Error: could not detect")

    assert commands.ue4cli_root("/bin/ue4", failing) is None


def test_build_plugin_command() -> None:
    engine = commands.Engine(Path("/opt/UE"), "Linux")
    assert commands.build_plugin_command(engine, Path("/r/Plugins/RealtimeNet/RealtimeNet.uplugin"),
                                         Path("/r/build/ue/RealtimeNet"), extra=["-StrictIncludes"]) == [
        "/opt/UE/Engine/Build/BatchFiles/RunUAT.sh", "BuildPlugin",
        "-Plugin=/r/Plugins/RealtimeNet/RealtimeNet.uplugin", "-Package=/r/build/ue/RealtimeNet",
        "-TargetPlatforms=Linux", "-StrictIncludes"]
    windows = commands.Engine(Path("C:/UE"), "Win64")
    assert commands.build_plugin_command(windows, Path("p.uplugin"), Path("out"), ["Win64", "Android"])[-1] == \
        "-TargetPlatforms=Win64+Android"


def test_automation_test_command() -> None:
    engine = commands.Engine(Path("/opt/UE"), "Linux")
    gateway = ["-RtnetHost=127.0.0.1", "-RtnetPort=41234"]
    argv = commands.automation_test_command(engine, Path("/r/RealtimeNetHost.uproject"), "RealtimeNet",
                                            Path("/r/build/ue/automation"), gateway, ["-log"])
    assert argv == [
        "/opt/UE/Engine/Binaries/Linux/UnrealEditor-Cmd", "/r/RealtimeNetHost.uproject",
        "-ExecCmds=Automation RunTests RealtimeNet; Quit", "-TestExit=Automation Test Queue Empty",
        "-ReportExportPath=/r/build/ue/automation", "-unattended", "-nopause", "-nosplash", "-NoSound", "-stdout",
        "-FullStdOutLogOutput", "-nullrhi", "-RtnetHost=127.0.0.1", "-RtnetPort=41234", "-log"]
    assert "-nullrhi" not in commands.automation_test_command(engine, Path("p"), "X", Path("r"), null_rhi=False)
    assert commands.shown(["e", "-RtnetToken=eyJ.a.b", "-RtnetAdminToken=eyJ.c.d", "-RtnetPort=1"]) == \
        "e -RtnetToken=... -RtnetAdminToken=... -RtnetPort=1"


def test_windows_command_line_quotes_values_after_the_equals_sign() -> None:
    argv = [r"C:\Program Files\Epic Games\UE_5.4\Engine\Binaries\Win64\UnrealEditor-Cmd.exe",
            r"D:\rtnet\RealtimeNetHost.uproject", "-ExecCmds=Automation RunTests RealtimeNet; Quit",
            r"-ReportExportPath=D:\out dir", "-unattended", "-RtnetPort=41234"]
    assert commands.windows_command_line(argv) == (
        r'"C:\Program Files\Epic Games\UE_5.4\Engine\Binaries\Win64\UnrealEditor-Cmd.exe" '
        r'D:\rtnet\RealtimeNetHost.uproject -ExecCmds="Automation RunTests RealtimeNet; Quit" '
        r'-ReportExportPath="D:\out dir" -unattended -RtnetPort=41234')


def test_gateway_command_lines_and_endpoint() -> None:
    serve = fault_gateway.serve_command(["rtnet"], config="gw.toml", seed=7)
    assert serve == ["rtnet", "serve", "--config", "gw.toml", "--set", "faults.enabled=true", "--set",
                     "faults.seed=7", "--host", "127.0.0.1", "--port", "0"]
    assert fault_gateway.token_command(["rtnet"], "p", admin=True) == [
        "rtnet", "token", "--sub", "p", "--ttl", "3600.0", "--claim", "rtnet_admin=true"]
    assert "--claim" not in fault_gateway.token_command(["rtnet"], "p")
    assert fault_gateway.parse_ready('READY {"event": "ready", "port": 9, "internal_port": 10}\n') == {
        "event": "ready", "port": 9, "internal_port": 10}
    assert fault_gateway.parse_ready("RealtimeNet gateway listening") is None
    assert fault_gateway.parse_ready("READY {not json") is None
    endpoint = fault_gateway.GatewayEndpoint("127.0.0.1", 41234, 41234, "tok", "admin", 64)
    assert endpoint.editor_args() == ["-RtnetHost=127.0.0.1", "-RtnetPort=41234", "-RtnetToken=tok",
                                      "-RtnetAdminToken=admin", "-RtnetHistorySize=64"]
    assert endpoint.environment() == {
        "RTNET_TEST_HOST": "127.0.0.1", "RTNET_TEST_PORT": "41234", "RTNET_TEST_URL": "ws://127.0.0.1:41234/ws",
        "RTNET_TEST_TOKEN": "tok", "RTNET_TEST_ADMIN_TOKEN": "admin", "RTNET_TEST_HISTORY_SIZE": "64"}
    assert fault_gateway.config_command(["rtnet"], "gw.toml") == ["rtnet", "config", "--config", "gw.toml"]
    toml = '[server]\nhistory_size = 5\n\n[rooms]\nknown = ["*"]\nhistory_size = 250  # window\n\n[state]\n'
    assert fault_gateway.parse_history_size(toml) == 250
    assert fault_gateway.parse_history_size("[server]\nport = 1\n") is None


def test_rtnet_command_prefers_the_repository_venv(tmp_path: Path) -> None:
    local = tmp_path / ".venv" / "bin" / "rtnet"
    local.parent.mkdir(parents=True)
    local.write_text("")
    assert fault_gateway.rtnet_command(tmp_path, "linux") == [str(local)]
    assert fault_gateway.rtnet_command(tmp_path, "win32") != [str(local)]


# --- the thin shells, with a fake engine ---------------------------------------------------------------------


def no_engine_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(commands.ENGINE_DIR_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))


def test_without_an_engine_build_and_test_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    no_engine_env(monkeypatch, tmp_path)
    assert main(["ue", "build", "--root", str(tmp_path)]) == commands.EXIT_NO_ENGINE == 2
    assert main(["ue", "test", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("no Unreal Engine found") == 2
    engine = fake_engine(tmp_path / "engine")
    assert main(["ue", "test", "--root", str(tmp_path), "--engine-dir", str(engine)]) == 2
    assert "RealtimeNetHost.uproject not found" in capsys.readouterr().err


def executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def fake_repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "Plugins" / "RealtimeNet").mkdir(parents=True)
    (repo / "Plugins" / "RealtimeNet" / "RealtimeNet.uplugin").write_text("{}")
    (repo / "RealtimeNetHost.uproject").write_text("{}")
    return repo


@pytest.mark.skipif(sys.platform == "win32", reason="the fake engine is a POSIX script")
def test_rtnet_ue_build_runs_build_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_engine_env(monkeypatch, tmp_path)
    engine = fake_engine(tmp_path / "engine")
    record = tmp_path / "args.json"
    executable(engine / "Engine" / "Build" / "BatchFiles" / "RunUAT.sh",
               f"#!{sys.executable}\nimport json, sys\njson.dump(sys.argv[1:], open({str(record)!r}, 'w'))\n")
    repo = fake_repository(tmp_path)
    assert main(["ue", "build", "--root", str(repo), "--engine-dir", str(engine), "--", "-StrictIncludes"]) == 0
    assert json.loads(record.read_text()) == [
        "BuildPlugin", f"-Plugin={repo / 'Plugins' / 'RealtimeNet' / 'RealtimeNet.uplugin'}",
        f"-Package={repo / 'build' / 'ue' / 'RealtimeNet'}", f"-TargetPlatforms={commands.host_platform()}",
        "-StrictIncludes"]


FAKE_EDITOR = '''\
import codecs, json, os, sys, urllib.request
args = dict(a[1:].split("=", 1) for a in sys.argv[2:] if a.startswith("-") and "=" in a)
assert sys.argv[1].endswith("RealtimeNetHost.uproject"), sys.argv
assert args["ExecCmds"] == "Automation RunTests RealtimeNet.Connection; Quit", args
if "RtnetHost" not in args:
    sys.exit(0)  # as an editor that crashed before writing its report
with urllib.request.urlopen(f"http://{args['RtnetHost']}:{args['RtnetPort']}/healthz") as response:
    assert response.status == 200
assert os.environ["RTNET_TEST_TOKEN"] == args["RtnetToken"]
assert args["RtnetHistorySize"] == os.environ["RTNET_TEST_HISTORY_SIZE"] == "1000"
json.dump(args, open(os.path.join(args["ReportExportPath"], "args.json"), "w"))
tests = [{"testDisplayName": "Connects", "fullTestPath": "RealtimeNet.Connection.Connects", "state": "Success"},
         {"testDisplayName": "Resumes", "fullTestPath": "RealtimeNet.Connection.Resumes", "state": "Fail",
          "entries": [{"event": {"type": "Error", "message": "resume token was rejected"}}]}]
report = {"reportCreatedOn": "2026.11.20-10.42.07", "tests": tests}
with open(os.path.join(args["ReportExportPath"], "index.json"), "wb") as out:
    out.write(codecs.BOM_UTF8 + json.dumps(report).encode())
'''


@pytest.mark.skipif(sys.platform == "win32", reason="the fake engine is a POSIX script")
def test_rtnet_ue_test_runs_the_editor_against_a_fault_gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    no_engine_env(monkeypatch, tmp_path)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # `rtnet` of this environment
    engine = fake_engine(tmp_path / "engine")
    executable(engine / "Engine" / "Binaries" / "Linux" / "UnrealEditor-Cmd", f"#!{sys.executable}\n{FAKE_EDITOR}")
    repo = fake_repository(tmp_path)
    report_dir = repo / "build" / "ue" / "automation"
    report_dir.mkdir(parents=True)
    stale = '{"tests": [{"fullTestPath": "RealtimeNet.Connection.Old", "state": "Success"}]}'
    (report_dir / "index.json").write_text(stale)  # from an earlier run: must not pass for this one
    run = ["ue", "test", "--root", str(repo), "--engine-dir", str(engine), "--filter", "RealtimeNet.Connection"]
    assert main([*run, "--no-gateway"]) == 1
    assert "no automation report" in capsys.readouterr().err
    (report_dir / "index.json").write_text(stale)
    assert main(run) == 1
    out = capsys.readouterr().out
    assert "FAIL RealtimeNet.Connection.Resumes\n  resume token was rejected" in out
    assert "-RtnetToken=... -RtnetAdminToken=..." in out and "eyJ" not in out  # tokens stay out of CI logs
    assert ET.parse(report_dir / "junit.xml").getroot().find("testsuite") is not None
    args = json.loads((report_dir / "args.json").read_text())
    port = int(args["RtnetPort"])
    with socket.socket() as probe:  # the gateway was stopped with the run
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_fault_gateway_tokens_and_history_size(tmp_path: Path) -> None:
    """The player token connects; only the admin token may call fault.inject; the history size is the
    gateway's own."""
    rtnet = fault_gateway.rtnet_command(ROOT)
    assert rtnet is not None
    config = tmp_path / "gateway.toml"
    config.write_text("[rooms]\nhistory_size = 64\n")
    with fault_gateway.FaultGateway(rtnet, config=str(config), cwd=ROOT) as endpoint:
        assert endpoint.history_size == 64
        with Client.connect(endpoint.url, endpoint.admin_token) as admin:
            admin.call("fault.inject", {"player_id": fault_gateway.TEST_PLAYER, "clear": True})
        with Client.connect(endpoint.url, endpoint.token) as player, pytest.raises(RemoteError):
            player.call("fault.inject", {"player_id": fault_gateway.TEST_PLAYER, "clear": True})
    assert os.environ.get("RTNET_TEST_TOKEN") is None  # the endpoint's environment is for child processes only
