"""The plugin's editor Python (``Plugins/RealtimeNet/Content/Python``: ``init_unreal.py`` and the
``realtimenet_editor`` package) and its entry points in PythonScripts/, without the editor: the pure planning and
parsing, and the editor flows (the menu, widget Blueprints, functional tests, a local gateway) against a small
fake of the ``unreal`` calls they make (the real module exists only inside the editor)."""

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
from tests import unreal_api
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "Plugins" / "RealtimeNet" / "Content" / "Python"))  # as the editor's Python plugin does

from realtimenet_editor import env as script_env
from realtimenet_editor import functional_tests as rft
from realtimenet_editor import local_gateway, menu
from realtimenet_editor import widgets as cwb

PLUGIN_PYTHON = ROOT / "Plugins" / "RealtimeNet" / "Content" / "Python"
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
    (tmp_path / "Tools" / "realtimenet").mkdir(parents=True)
    (tmp_path / "Tools" / "realtimenet" / "__init__.py").write_text("")
    script_env.use_repository_tools(tmp_path)
    script_env.use_repository_tools(tmp_path)
    assert sys.path.count(str(tmp_path / "Tools")) == 1
    assert script_env.ROOT == ROOT and script_env.repository_root() == ROOT
    assert script_env.PLUGIN_DIR == ROOT / "Plugins" / "RealtimeNet"


def test_a_copied_plugin_finds_the_tooling_only_where_it_is_told(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    copied = tmp_path / "MyGame" / "Plugins" / "RealtimeNet"  # no Tools/ two levels up: a game project
    copied.mkdir(parents=True)
    assert script_env.repository_root(copied) is None
    assert script_env.tools_dir({}, copied) is None
    checkout = tmp_path / "checkout" / "Tools"
    (checkout / "realtimenet").mkdir(parents=True)
    assert script_env.tools_dir({script_env.TOOLS_ENV: str(checkout)}, copied) is None  # a folder, not the package
    (checkout / "realtimenet" / "__init__.py").write_text("")
    assert script_env.tools_dir({script_env.TOOLS_ENV: str(checkout)}, copied) == checkout


def test_rtnet_is_found_by_env_then_venvs_then_path(tmp_path: Path) -> None:
    project, repo = tmp_path / "MyGame", tmp_path / "repo"
    venv_rtnet = project / ".venv" / "bin" / "rtnet"
    venv_rtnet.parent.mkdir(parents=True)
    venv_rtnet.write_text("")
    windows_rtnet = repo / ".venv" / "Scripts" / "rtnet.exe"
    windows_rtnet.parent.mkdir(parents=True)
    windows_rtnet.write_text("")
    on_path = lambda name: "/usr/local/bin/rtnet"  # noqa: E731
    nowhere = lambda name: None  # noqa: E731
    assert script_env.find_rtnet([repo, project], {"RTNET_EXE": "/opt/rtnet"}, "linux", on_path) == ["/opt/rtnet"]
    assert script_env.find_rtnet([repo, project], {}, "linux", on_path) == [str(venv_rtnet)]
    assert script_env.find_rtnet([repo, project], {}, "win32", on_path) == [str(windows_rtnet)]
    assert script_env.find_rtnet([tmp_path], {}, "linux", on_path) == ["/usr/local/bin/rtnet"]
    assert script_env.find_rtnet([tmp_path], {}, "linux", nowhere) is None


# --- create_widget_blueprints: pure parts --------------------------------------------------------------------


def test_the_five_widgets_and_their_parent_classes() -> None:
    assert [(w.asset_name, w.parent_class_path) for w in cwb.WIDGETS] == [
        ("WBP_RealtimeNetConnectionStatus", "/Script/RealtimeNetUI.RealtimeNetConnectionStatusWidget"),
        ("WBP_RealtimeNetPlayerList", "/Script/RealtimeNetUI.RealtimeNetPlayerListWidget"),
        ("WBP_RealtimeNetPlayerRow", "/Script/RealtimeNetUI.RealtimeNetPlayerRowWidget"),
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
        ("WBP_RealtimeNetPlayerRow", "create"), ("WBP_RealtimeNetPresenceToast", "create"),
        ("WBP_RealtimeNetInspector", "create")]
    forced = cwb.plan(cwb.WIDGETS, "/Game/UI", existing.__contains__, force=True)
    assert [s.action for s in forced] == ["create", "replace", "create", "create", "create"]
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
    assert assets.saved == [f"/Game/RealtimeNet/UI/{w.asset_name}" for w in cwb.WIDGETS[:4]]
    assert assets.deleted == []
    assert [m for m in made_by if m.startswith(maker)] == [f"{maker}:{w.asset_name}" for w in cwb.WIDGETS[:4]]


def test_force_recreates_and_a_missing_parent_class_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    inspector = "/Game/RealtimeNet/UI/WBP_RealtimeNetInspector"
    unreal, assets, made_by = fake_editor({inspector}, "works", ALL_CLASSES - {cwb.WIDGETS[0].parent_class_path})
    monkeypatch.setitem(sys.modules, "unreal", unreal)
    assert cwb.run_in_editor(cwb.parse_args(["--force"])) == 1
    assert assets.deleted == [inspector]
    assert inspector in assets.saved and len(assets.saved) == 4
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
sys.path[:0] = [sys.argv[1] + "/Tools", sys.argv[1] + "/Plugins/RealtimeNet/Content/Python"]
from realtimenet_editor import widgets as cwb, functional_tests as rft, menu, local_gateway, sample_content as sc
assert [a.name for a in menu.available(rtnet=False, tooling=False)] == ["create_sample_content",
                                                                        "create_widget_blueprints", "open_admin_console"]
assert [s.action for s in sc.plan(sc.Sample(), lambda path: False)] == ["create"] * 10
assert sc.parse_args(["--room", "lobby"]).room == "lobby"
assert local_gateway.parse_ready('READY {"port": 1}') == {"port": 1}
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


# --- the RealtimeNet menu (init_unreal.py, realtimenet_editor.menu) ---------------------------------------------


class FakeMenus:
    """``unreal.ToolMenus`` as far as the menu uses it: menus by name, their entries by section."""

    def __init__(self) -> None:
        self.menus: dict[str, FakeMenu] = {}
        self.unregistered: list[str] = []
        self.refreshed = 0

    def unregister_owner_by_name(self, owner: Any) -> None:
        self.unregistered.append(str(owner))
        for fake in self.menus.values():
            for section in fake.entries.values():
                section[:] = [e for e in section if e.owner != str(owner)]

    def extend_menu(self, name: Any) -> FakeMenu:
        return self.menus.setdefault(str(name), FakeMenu(self, str(name)))

    def refresh_all_widgets(self) -> None:
        self.refreshed += 1


class FakeMenu:
    def __init__(self, menus: FakeMenus, name: str) -> None:
        self.menus, self.name = menus, name
        self.entries: dict[str, list[Any]] = {}
        self.sub_menus: list[tuple[str, str, str]] = []

    def add_sub_menu(self, owner: Any, section: Any, name: Any, label: Any, tool_tip: Any = "") -> FakeMenu:
        self.sub_menus.append((str(owner), str(name), str(label)))
        return self.menus.extend_menu(f"{self.name}.{name}")

    def add_menu_entry(self, section: Any, entry: Any) -> None:
        entry.owner = "RealtimeNet"
        self.entries.setdefault(str(section), []).append(entry)


class FakeEntry:
    def __init__(self, name: Any = "None", type: Any = None) -> None:
        self.name, self.type = str(name), type
        self.label = self.tool_tip = self.command = ""
        self.owner = ""

    def set_label(self, label: Any) -> None:
        self.label = str(label)

    def set_tool_tip(self, tool_tip: Any) -> None:
        self.tool_tip = str(tool_tip)

    def set_string_command(self, kind: Any, custom: Any, command: str) -> None:
        assert kind == "PYTHON"
        self.command = command


class FakeEditor:
    """The ``unreal`` module of an editor with a project at ``project``."""

    def __init__(self, project: Path) -> None:
        self.menus = FakeMenus()
        self.logs: list[str] = []
        self.errors: list[str] = []
        self.launched: list[str] = []
        self.module = types.ModuleType("unreal")
        fields: dict[str, Any] = {
            "Name": str, "Text": str,
            "ToolMenus": types.SimpleNamespace(get=lambda: self.menus),
            "ToolMenuEntry": FakeEntry,
            "MultiBlockType": types.SimpleNamespace(MENU_ENTRY="MENU_ENTRY"),
            "ToolMenuStringCommandType": types.SimpleNamespace(PYTHON="PYTHON"),
            "Paths": types.SimpleNamespace(project_dir=lambda: str(project) + "/",
                                           convert_relative_path_to_full=lambda path: path),
            "SystemLibrary": types.SimpleNamespace(get_engine_version=lambda: "5.5.2-0+++UE5+Release-5.5",
                                                   launch_url=self.launched.append),
            "log": self.logs.append, "log_error": self.errors.append, "log_warning": self.logs.append,
        }
        for name, value in fields.items():
            setattr(self.module, name, value)

    def entries(self) -> dict[str, list[FakeEntry]]:
        return self.menus.menus["LevelEditor.MainMenu.RealtimeNet"].entries


@pytest.fixture
def editor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeEditor]:
    fake = FakeEditor(tmp_path / "MyGame")
    monkeypatch.setitem(sys.modules, "unreal", fake.module)
    monkeypatch.delenv("RTNET_EXE", raising=False)
    monkeypatch.delenv("RTNET_TOOLS", raising=False)
    yield fake
    menu.stop_gateway() if menu._gateway is not None and menu._gateway.running else None


def without_rtnet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(script_env, "repository_root", lambda plugin_dir=None: None)  # a copied plugin
    monkeypatch.setattr(script_env, "tools_dir", lambda environ=None, plugin_dir=None: None)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def test_the_menu_lists_every_action_in_a_checkout_and_each_command_runs_it(editor: FakeEditor) -> None:
    assert menu.register() == ["create_sample_content", "create_widget_blueprints", "start_gateway", "stop_gateway",
                               "open_admin_console", "run_functional_tests"]
    parent = editor.menus.menus["LevelEditor.MainMenu"]
    assert parent.sub_menus == [("RealtimeNet", "RealtimeNet", "RealtimeNet")]
    entries = editor.entries()
    assert {section: [e.label for e in items] for section, items in entries.items()} == {
        "Content": ["Create Sample Content", "Create Widget Blueprints"],
        "Gateway": ["Start Local Gateway", "Stop Local Gateway",
                                                             "Open Admin Console"],
        "Tests": ["Run Functional Tests"]}
    assert all(e.type == "MENU_ENTRY" and e.tool_tip for items in entries.values() for e in items)
    assert editor.menus.refreshed == 1
    admin = next(e for e in entries["Gateway"] if e.name == "open_admin_console")
    exec(admin.command, {})  # what the editor's Python does with the entry's string command
    assert editor.launched == ["http://127.0.0.1:8765/admin"]
    menu.register()  # again (a reload): replaced, not doubled
    assert sum(len(items) for items in editor.entries().values()) == 6 and editor.menus.unregistered == ["RealtimeNet"] * 2
    sample = next(e for e in entries["Content"] if e.name == "create_sample_content")
    assert sample.command == "import realtimenet_editor.menu as m; m.run('create_sample_content')"
    assert "/Game/RealtimeNetSample" in sample.tool_tip


def test_without_rtnet_only_what_needs_nothing_is_listed(editor: FakeEditor, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    without_rtnet(monkeypatch, tmp_path)
    assert menu.register() == ["create_sample_content", "create_widget_blueprints", "open_admin_console"]
    monkeypatch.setenv("RTNET_EXE", "/opt/realtimenet/bin/rtnet")  # installed, but no tooling modules
    assert menu.register() == ["create_sample_content", "create_widget_blueprints", "start_gateway", "stop_gateway",
                               "open_admin_console"]


def test_a_failing_action_is_logged_not_raised(editor: FakeEditor, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    without_rtnet(monkeypatch, tmp_path)
    menu.run("start_gateway")
    assert editor.errors[0] == "RealtimeNet: start_gateway failed: no `rtnet`: pip install realtimenet (or set RTNET_EXE to its path)"
    assert "Traceback" in editor.errors[1]
    menu.run("no_such_action")
    assert editor.errors[-1] == "RealtimeNet: no menu action 'no_such_action'"
    menu.run("stop_gateway")
    assert editor.logs[-1] == "RealtimeNet: no gateway was started from this menu"


def test_create_widget_blueprints_from_the_menu(monkeypatch: pytest.MonkeyPatch) -> None:
    unreal, assets, _ = fake_editor(set(), "works", ALL_CLASSES)
    monkeypatch.setitem(sys.modules, "unreal", unreal)
    menu.run("create_widget_blueprints")
    assert assets.saved == [f"/Game/RealtimeNet/UI/{w.asset_name}" for w in cwb.WIDGETS]


def test_init_unreal_registers_the_menu_and_never_breaks_the_editor(editor: FakeEditor,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source = (PLUGIN_PYTHON / "init_unreal.py").read_text()
    exec(compile(source, "init_unreal.py", "exec"), {"__name__": "init_unreal"})
    assert editor.logs[-1].startswith("RealtimeNet: editor menu ready (create_sample_content, create_widget_blueprints, "
                                      "start_gateway")
    assert "LevelEditor.MainMenu.RealtimeNet" in editor.menus.menus

    def broken() -> list[str]:
        raise RuntimeError("ToolMenus is not ready")

    monkeypatch.setattr(menu, "register", broken)
    exec(compile(source, "init_unreal.py", "exec"), {"__name__": "init_unreal"})
    assert editor.errors == ["RealtimeNet: the editor menu could not be added: ToolMenus is not ready"]


def test_the_uplugin_declares_the_editor_plugins_the_python_needs() -> None:
    import json

    descriptor = json.loads((ROOT / "Plugins/RealtimeNet/RealtimeNet.uplugin").read_text())
    plugins = {p["Name"]: p for p in descriptor["Plugins"]}
    assert set(plugins) == {"PythonScriptPlugin", "EditorScriptingUtilities"}
    assert all(p["Enabled"] is True and p["TargetAllowList"] == ["Editor"] for p in plugins.values())
    assert descriptor["CanContainContent"] is True and (PLUGIN_PYTHON / "init_unreal.py").is_file()


def test_the_fakes_here_offer_only_what_the_editor_has(tmp_path: Path) -> None:
    """Each fake ``unreal`` above defines only names UE 5.5's Python API has (unreal-stub and the plugin's headers,
    tests/unreal_api.py), so a script calling what the editor lacks fails here too, not only under mypy."""
    problems = unreal_api.unknown_names(FakeEditor(tmp_path).module)
    problems += unreal_api.unknown_names(fake_editor(set(), "works", set())[0])
    problems += unreal_api.unknown_names(FakeEditorSession("RealtimeNetHost.uproject").module)
    problems += unreal_api.unknown_methods(FakeMenus, "ToolMenus") + unreal_api.unknown_methods(FakeMenu, "ToolMenu")
    problems += unreal_api.unknown_methods(FakeEntry, "ToolMenuEntry")
    problems += unreal_api.unknown_methods(FakeAssets, "EditorAssetLibrary")
    assert problems == []
    assert unreal_api.unknown_names(types.SimpleNamespace(Paths=types.SimpleNamespace(project_path=str))) == \
        ["unreal.Paths.project_path"]


# --- the local gateway (a real `rtnet serve`) ---------------------------------------------------------------------


def test_the_local_gateway_starts_serves_the_admin_console_and_stops(editor: FakeEditor,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import http_get

    monkeypatch.setenv("RTNET_EXE", str(Path(sys.executable).parent / "rtnet"))
    monkeypatch.setattr(local_gateway, "DEFAULT_PORT", 0)  # a free port, not the developer's 8765
    serve = local_gateway.serve_command
    monkeypatch.setattr(local_gateway, "serve_command", lambda rtnet, port=0, config=None: serve(rtnet, 0, config))
    menu.run("start_gateway")
    assert editor.errors == []
    gateway = menu._gateway
    assert gateway is not None and gateway.running and gateway.started is not None
    url = gateway.started.url
    assert editor.logs[0] == f"RealtimeNet: gateway on {url}, admin console {gateway.started.admin_url}"
    assert editor.logs[1].startswith("RealtimeNet: development token for player 'dev-player': eyJ")
    from realtimenet.client import Client

    player = Client.connect(url, editor.logs[1].rsplit(" ", 1)[1])  # the sample's room takes compact entities
    assert "players" in player.call("room.join", {"room": "arena-1", "state_encoding": "entities"})["entities"]
    player.close()
    menu.run("open_admin_console")
    assert editor.launched == [gateway.started.admin_url]
    status, body = http_get(gateway.started.admin_url)
    assert status == 200 and b"<html" in body.lower()
    menu.run("start_gateway")
    assert editor.logs[-1] == f"RealtimeNet: the local gateway is already running on {url}"
    process = gateway.process
    menu.run("stop_gateway")
    assert process is not None and process.poll() is not None and editor.logs[-1] == "RealtimeNet: local gateway stopped"


def test_on_windows_the_local_gateway_says_to_use_wsl(editor: FakeEditor, monkeypatch: pytest.MonkeyPatch) -> None:
    before = menu._gateway
    monkeypatch.setattr(sys, "platform", "win32")
    menu.run("start_gateway")
    assert editor.errors[0].startswith("RealtimeNet: start_gateway failed: the gateway runs on Linux and macOS")
    assert "WSL 2" in editor.errors[0] and menu._gateway is before  # nothing was started


def test_a_taken_port_fails_with_the_gateways_own_words(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        gateway = local_gateway.LocalGateway([str(Path(sys.executable).parent / "rtnet")], cwd=ROOT, port=port)
        with pytest.raises(local_gateway.LocalGatewayError, match=r"exited with 1: .*cannot listen on 127\.0\.0\.1"):
            gateway.start()
    assert not gateway.running


def test_the_entry_points_in_python_scripts_run_the_plugin_code() -> None:
    for script, words in (("create_widget_blueprints.py", "runs inside the Unreal editor"),
                          ("create_sample_content.py", "runs inside the Unreal editor"),
                          ("run_functional_tests.py", "no Unreal Engine found")):
        done = subprocess.run([sys.executable, str(ROOT / "PythonScripts" / script)], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "PATH": "/nonexistent", "UE_ENGINE_DIR": ""})
        assert done.returncode == 2 and words in done.stderr, done.stderr
