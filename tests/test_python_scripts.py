"""PythonScripts/ without the editor: the pure planning and parsing, and the editor flows against a small fake
of the ``unreal`` calls they make (the real module exists only inside the editor)."""

from __future__ import annotations

import argparse
import codecs
import os
import shutil
import socket
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from realtimenet.ue import commands
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "PythonScripts"))

import create_widget_blueprints as cwb  # PythonScripts is a folder of scripts, not a package
import run_functional_tests as rft
import script_env

FIXTURE_REPORT = ROOT / "tests" / "fixtures" / "ue" / "automation-report"


# --- script_env ----------------------------------------------------------------------------------------------


def fake_module(version: object) -> types.ModuleType:
    module = types.ModuleType("unreal")
    module.SystemLibrary = types.SimpleNamespace(get_engine_version=lambda: version)  # type: ignore[attr-defined]
    return module


def test_only_the_editor_counts_as_the_editor() -> None:
    def stub_import(name: str) -> types.ModuleType:
        raise NameError("name 'Object' is not defined")  # what unreal-stub does on import

    assert script_env.editor_unreal(stub_import) is None
    assert script_env.editor_unreal(lambda name: fake_module(None)) is None  # a stub that imports
    editor = fake_module("5.5.4-40574608+++UE5+Release-5.5")
    assert script_env.editor_unreal(lambda name: editor) is editor
    assert script_env.editor_unreal() is None  # this interpreter


def test_repository_tools_go_on_the_path_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    script_env.use_repository_tools(tmp_path)
    script_env.use_repository_tools(tmp_path)
    assert sys.path.count(str(tmp_path / "Tools")) == 1
    assert script_env.ROOT == ROOT


# --- create_widget_blueprints: pure parts --------------------------------------------------------------------


def test_the_four_widgets_and_their_parent_classes() -> None:
    assert [(w.asset_name, w.parent_class_path) for w in cwb.WIDGETS] == [
        ("WBP_RealtimeNetConnectionStatus", "/Script/RealtimeNetUI.RealtimeNetConnectionStatusWidget"),
        ("WBP_RealtimeNetPlayerList", "/Script/RealtimeNetUI.RealtimeNetPlayerListWidget"),
        ("WBP_RealtimeNetPresenceToast", "/Script/RealtimeNetUI.RealtimeNetPresenceToastWidget"),
        ("WBP_RealtimeNetInspector", "/Script/RealtimeNetUI.RealtimeNetInspectorWidget"),
    ]
    assert cwb.PACKAGE_PATH == "/Game/RealtimeNet/UI"
    assert cwb.asset_path("/Game/RealtimeNet/UI/", "WBP_X") == "/Game/RealtimeNet/UI/WBP_X"


def test_plan_creates_missing_keeps_existing_and_replaces_with_force() -> None:
    existing = {"/Game/UI/WBP_RealtimeNetPlayerList"}
    steps = cwb.plan(cwb.WIDGETS, "/Game/UI", existing.__contains__, force=False)
    assert [(s.spec.asset_name, s.action) for s in steps] == [
        ("WBP_RealtimeNetConnectionStatus", "create"), ("WBP_RealtimeNetPlayerList", "keep"),
        ("WBP_RealtimeNetPresenceToast", "create"), ("WBP_RealtimeNetInspector", "create")]
    forced = cwb.plan(cwb.WIDGETS, "/Game/UI", existing.__contains__, force=True)
    assert [s.action for s in forced] == ["create", "replace", "create", "create"]
    assert forced[1].asset_path == "/Game/UI/WBP_RealtimeNetPlayerList"


def test_options_and_their_validation() -> None:
    options = cwb.parse_args([])
    assert (options.force, options.package_path, options.only) == (False, "/Game/RealtimeNet/UI", [])
    options = cwb.parse_args(["--force", "--package-path", "/RealtimeNet/Widgets", "--only", "WBP_RealtimeNetInspector"])
    assert [w.asset_name for w in cwb.select(cwb.WIDGETS, options.only)] == ["WBP_RealtimeNetInspector"]
    with pytest.raises(ValueError, match="unknown widget WBP_Nope"):
        cwb.select(cwb.WIDGETS, ["WBP_Nope"])
    for bad in ("Game/UI", "/Game/UI/", "/Game/My UI", "/Game/UI.WBP"):
        with pytest.raises(ValueError, match="not a content folder"):
            cwb.check_package_path(bad)


def test_outside_the_editor_the_script_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert cwb.main([]) == 2
    assert "runs inside the Unreal editor" in capsys.readouterr().err


# --- create_widget_blueprints in a fake editor ----------------------------------------------------------------


class FakeAssets:
    """The asset registry of the fake editor."""

    def __init__(self, existing: set[str]) -> None:
        self.existing = set(existing)
        self.deleted: list[str] = []
        self.saved: list[str] = []

    def does_asset_exist(self, path: str) -> bool:
        return path in self.existing

    def delete_asset(self, path: str) -> bool:
        self.deleted.append(path)
        self.existing.discard(path)
        return True

    def save_loaded_asset(self, asset: Any, only_if_is_dirty: bool = True) -> bool:
        self.saved.append(asset.path)
        self.existing.add(asset.path)
        return True


def fake_editor(existing: set[str], helper: str, classes: set[str]) -> tuple[types.ModuleType, FakeAssets, list[str]]:
    """A fake ``unreal`` module; ``helper`` is "works", "none" (returns None) or "absent"."""
    unreal = types.ModuleType("unreal")
    assets = FakeAssets(existing)
    made_by: list[str] = []

    class WidgetBlueprint:
        def __init__(self, path: str) -> None:
            self.path = path

    class WidgetBlueprintFactory:
        def set_editor_property(self, name: str, value: Any) -> None:
            assert name == "parent_class"
            self.parent = value

    class Tools:
        def create_asset(self, name: str, package: str, asset_class: Any, factory: WidgetBlueprintFactory) -> Any:
            assert asset_class == "WidgetBlueprintClass" and factory.parent in classes
            made_by.append(f"factory:{name}")
            return WidgetBlueprint(f"{package}/{name}")

    class Library:
        @staticmethod
        def create_widget_blueprint(parent: str, package: str, name: str) -> Any:
            made_by.append(f"helper:{name}")
            return WidgetBlueprint(f"{package}/{name}") if helper == "works" else None

    WidgetBlueprint.static_class = staticmethod(lambda: "WidgetBlueprintClass")  # type: ignore[attr-defined]
    fields: dict[str, Any] = {
        "SystemLibrary": types.SimpleNamespace(get_engine_version=lambda: "5.5.4"),
        "EditorAssetLibrary": assets,
        "WidgetBlueprint": WidgetBlueprint,
        "WidgetBlueprintFactory": WidgetBlueprintFactory,
        "AssetToolsHelpers": types.SimpleNamespace(get_asset_tools=Tools),
        "load_class": lambda outer, path: path if path in classes else None,
        "log_error": lambda message: made_by.append(f"error:{message}"),
        "log_warning": lambda message: made_by.append(f"warning:{message}"),
    }
    if helper != "absent":
        fields["RealtimeNetEditorLibrary"] = Library
    for name, value in fields.items():
        setattr(unreal, name, value)
    return unreal, assets, made_by


ALL_CLASSES = {w.parent_class_path for w in cwb.WIDGETS}


@pytest.mark.parametrize(("helper", "maker"), [("works", "helper"), ("none", "factory"), ("absent", "factory")])
def test_widgets_come_from_the_editor_helper_else_the_factory(monkeypatch: pytest.MonkeyPatch, helper: str,
                                                              maker: str) -> None:
    unreal, assets, made_by = fake_editor({"/Game/RealtimeNet/UI/WBP_RealtimeNetInspector"}, helper, ALL_CLASSES)
    monkeypatch.setitem(sys.modules, "unreal", unreal)
    assert cwb.run_in_editor(cwb.parse_args([])) == 0
    assert assets.saved == [f"/Game/RealtimeNet/UI/{w.asset_name}" for w in cwb.WIDGETS[:3]]
    assert assets.deleted == []
    assert [m for m in made_by if m.startswith(maker)] == [f"{maker}:{w.asset_name}" for w in cwb.WIDGETS[:3]]


def test_force_recreates_and_a_missing_parent_class_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    inspector = "/Game/RealtimeNet/UI/WBP_RealtimeNetInspector"
    unreal, assets, made_by = fake_editor({inspector}, "works", ALL_CLASSES - {cwb.WIDGETS[0].parent_class_path})
    monkeypatch.setitem(sys.modules, "unreal", unreal)
    assert cwb.run_in_editor(cwb.parse_args(["--force"])) == 1
    assert assets.deleted == [inspector]
    assert inspector in assets.saved and len(assets.saved) == 3
    assert any("RealtimeNetConnectionStatusWidget not found" in m for m in made_by)


# --- run_functional_tests: pure parts -------------------------------------------------------------------------


def test_automation_console_command() -> None:
    assert rft.automation_command("RealtimeNet") == "Automation RunTests RealtimeNet"
    assert rft.automation_command("RealtimeNet.Connection") == "Automation RunTests RealtimeNet.Connection"
    for bad in ("RealtimeNet; Quit", "RealtimeNet\nQuit", ""):
        with pytest.raises(ValueError):
            rft.automation_command(bad)
    with pytest.raises(ValueError):
        rft.parse_args(["--filter", "X;Quit"])


def test_report_export_path_from_the_editor_command_line() -> None:
    assert rft.report_export_path('Proj.uproject -ReportExportPath="C:/out dir" -log') == "C:/out dir"
    assert rft.report_export_path("Proj.uproject -reportexportpath=/tmp/report -log") == "/tmp/report"
    assert rft.report_export_path("Proj.uproject -log") is None


def test_run_watch_waits_out_the_gaps_between_tests() -> None:
    watch = rft.RunWatch(started=0.0, quiet=5.0, start_grace=60.0, timeout=600.0)
    assert watch.update(False, 1.0) == "running"  # not started yet
    assert watch.update(True, 2.0) == "running"
    assert watch.update(False, 3.0) == "running"  # between two tests
    assert watch.update(True, 4.0) == "running"
    assert watch.update(False, 5.0) == "running"
    assert watch.update(False, 9.9) == "running"
    assert watch.update(False, 10.0) == "finished"


def test_run_watch_ends_on_the_report_on_no_start_and_on_timeout() -> None:
    early = rft.RunWatch(started=0.0)
    early.update(True, 1.0)
    assert early.update(False, 1.5, report_written=True) == "finished"
    assert rft.RunWatch(started=0.0).update(False, 1.0, report_written=True) == "running"  # an old report
    assert rft.RunWatch(started=0.0, start_grace=30.0).update(False, 30.0) == "never-started"
    busy = rft.RunWatch(started=0.0, timeout=100.0)
    assert busy.update(True, 99.0) == "running"
    assert busy.update(True, 100.0) == "timeout"


def test_headless_runs_are_rtnet_ue_test_with_the_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    options = rft.parse_args(["--filter", "RealtimeNet.State", "--engine-dir", "/opt/UE", "--report-dir", "out",
                              "--timeout", "60"])
    assert rft.headless_options(options) == commands.AutomationOptions(
        root=ROOT, engine_dir="/opt/UE", test_filter="RealtimeNet.State", report_dir=Path("out"), junit=None,
        gateway=True, gateway_config=None, timeout=60.0)
    seen: list[commands.AutomationOptions] = []

    def run_test(options: commands.AutomationOptions) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(commands, "run_test", run_test)
    assert rft.main(["--filter", "RealtimeNet.State"]) == 0
    assert seen[0].gateway and seen[0].test_filter == "RealtimeNet.State"


def test_headless_without_an_engine_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(commands.ENGINE_DIR_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert rft.main([]) == 2
    assert "no Unreal Engine found" in capsys.readouterr().err


# --- run_functional_tests in a fake editor ---------------------------------------------------------------------


class FakeEditorSession:
    """The ``unreal`` calls of an editor run: console commands, the automation flag, the tick callback."""

    def __init__(self, command_line: str) -> None:
        self.module = types.ModuleType("unreal")
        self.console: list[str] = []
        self.errors: list[str] = []
        self.running = False
        self.tick: Callable[[float], None] | None = None
        world = object()
        subsystem = types.SimpleNamespace(get_editor_world=lambda: world)

        def execute_console_command(context: object, command: str) -> None:
            assert context is world
            self.console.append(command)

        def register(callback: Callable[[float], None]) -> str:
            self.tick = callback
            return "handle"

        def unregister(handle: str) -> None:
            assert handle == "handle"
            self.tick = None

        fields: dict[str, Any] = {
            "SystemLibrary": types.SimpleNamespace(get_engine_version=lambda: "5.5.4", get_command_line=lambda: command_line,
                                                   execute_console_command=execute_console_command),
            "UnrealEditorSubsystem": "UnrealEditorSubsystem",
            "get_editor_subsystem": lambda cls: subsystem,
            "AutomationLibrary": types.SimpleNamespace(are_automated_tests_running=lambda: self.running),
            "register_slate_post_tick_callback": register,
            "unregister_slate_post_tick_callback": unregister,
            "log_error": self.errors.append,
        }
        for name, value in fields.items():
            setattr(self.module, name, value)

    def step(self, running: bool) -> None:
        self.running = running
        assert self.tick is not None
        self.tick(0.016)


@pytest.fixture
def test_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("RTNET_TEST_HOST", "RTNET_TEST_PORT", "RTNET_TEST_URL", "RTNET_TEST_TOKEN", "RTNET_TEST_ADMIN_TOKEN",
                "RTNET_TEST_HISTORY_SIZE"):
        monkeypatch.setenv(key, "")  # so that teardown restores the environment the run changes
    yield


@pytest.mark.usefixtures("test_environment")
def test_an_editor_run_starts_the_gateway_queues_the_tests_and_summarises(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not (ROOT / ".venv").exists():
        pytest.skip("the editor flow runs `rtnet` from the repository's .venv")
    session = FakeEditorSession(f'RealtimeNetHost.uproject -ReportExportPath="{tmp_path}"')
    monkeypatch.setitem(sys.modules, "unreal", session.module)
    run = rft.EditorRun(argparse.Namespace(filter="RealtimeNet", gateway_config=None, quiet=0.0, timeout=600.0))
    run.start()
    assert run.gateway is not None and run.gateway.endpoint is not None
    port = run.gateway.endpoint.port
    assert os.environ["RTNET_TEST_PORT"] == str(port)
    assert os.environ["RTNET_TEST_ADMIN_TOKEN"] == run.gateway.endpoint.admin_token
    assert os.environ["RTNET_TEST_HISTORY_SIZE"] == "1000"
    assert session.console == ["Automation RunTests RealtimeNet"]
    session.step(running=True)
    assert session.tick is not None and run.gateway.process is not None  # still running
    shutil.copy(FIXTURE_REPORT / "index.json", tmp_path / "index.json")
    assert (tmp_path / "index.json").read_bytes().startswith(codecs.BOM_UTF8)
    session.step(running=False)
    assert session.tick is None  # unhooked
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # gateway stopped
    assert "FAIL RealtimeNet.Connection.Reconnects after a heartbeat timeout (4010)" in capsys.readouterr().out
    assert session.errors == ["RealtimeNet automation tests failed (summary above)"]


def test_an_editor_run_that_never_starts_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    session = FakeEditorSession("RealtimeNetHost.uproject")
    monkeypatch.setitem(sys.modules, "unreal", session.module)
    run = rft.EditorRun(argparse.Namespace(filter="RealtimeNet.Nothing", gateway_config=None, quiet=5.0,
                                           timeout=600.0))
    run.finish("never-started")
    assert "no test matching 'RealtimeNet.Nothing' started" in session.errors[0]


EDITOR_PYTHON_SMOKE = """
import sys
sys.path[:0] = [sys.argv[1] + "/Tools", sys.argv[1] + "/PythonScripts"]
import create_widget_blueprints as cwb, run_functional_tests as rft
from realtimenet.ue import commands, fault_gateway
assert cwb.plan(cwb.WIDGETS, "/Game/UI", lambda path: False, False)[0].action == "create"
assert rft.RunWatch(0.0).update(True, 1.0) == "running"
assert rft.report_export_path('-ReportExportPath="a b"') == "a b"
assert commands.windows_command_line(["-ExecCmds=A B"]) == '-ExecCmds="A B"'
assert fault_gateway.parse_history_size("[rooms]\\nhistory_size = 7\\n") == 7
print("ok")
"""


def test_the_editor_side_runs_on_the_python_of_ue_5_3(tmp_path: Path) -> None:
    """UE 5.0-5.3 embed Python 3.9 (5.4+ 3.11): the scripts and the stdlib-only helpers they import must run
    there, without the project's dependencies."""
    candidates = [shutil.which("python3.9"), *map(str, sorted(Path.home().glob(".pyenv/versions/3.9*/bin/python3.9")))]
    python = next((c for c in candidates if c and subprocess.run(
        [c, "-c", "import sys; assert sys.version_info[:2] == (3, 9)"], capture_output=True).returncode == 0), None)
    if python is None:
        pytest.skip("no Python 3.9 on this machine")
    done = subprocess.run([python, "-I", "-c", EDITOR_PYTHON_SMOKE, str(ROOT)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
