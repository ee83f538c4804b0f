"""The `rtnet` tooling on Windows, checked here: Windows-shaped engine paths and command lines, a fake Windows
engine tree, the virtual environment's Windows layout, Windows command splitting, CRLF checkouts, and the
tooling running without POSIX-only modules, uvloop or a shell.

What this does not prove: that it runs on a Windows machine (none is available here). pip's resolver was asked
for Windows wheels of every dependency (README.md, "Versions and platforms")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PureWindowsPath

import pytest

from realtimenet.bots.tokens import split_command
from realtimenet.codegen import check, generate
from realtimenet.ue import commands, fault_gateway
from tests.conftest import ROOT, GatewayProcess
from tests.test_codegen import _copy_repo

UE = PureWindowsPath(r"C:\Program Files\Epic Games\UE_5.5")
GAME = PureWindowsPath(r"D:\Unreal Projects\My Game")


def windows_engine_tree(root: PureWindowsPath, legacy: bool = False) -> set[PureWindowsPath]:
    """The files and folders of an installed Windows engine that the tooling looks at."""
    editor = "UE4Editor-Cmd.exe" if legacy else "UnrealEditor-Cmd.exe"
    files = [root / "Engine" / "Build" / "BatchFiles" / "RunUAT.bat",
             root / "Engine" / "Binaries" / "Win64" / editor]
    tree = set(files)
    for file in files:
        tree.update(file.parents)
    return tree


def test_a_windows_engine_is_found_in_its_tree() -> None:
    tree = windows_engine_tree(UE)
    engine = commands.engine_at(UE, "Win64", exists=tree.__contains__)
    assert engine.run_uat == PureWindowsPath(r"C:\Program Files\Epic Games\UE_5.5\Engine\Build\BatchFiles\RunUAT.bat")
    assert str(engine.editor_cmd) == r"C:\Program Files\Epic Games\UE_5.5\Engine\Binaries\Win64\UnrealEditor-Cmd.exe"
    assert commands.engine_at(UE / "Engine", "Win64", exists=tree.__contains__) == engine  # Engine\ itself
    ue4 = PureWindowsPath(r"C:\UE4")
    assert commands.engine_at(ue4, "Win64", exists=windows_engine_tree(ue4, legacy=True).__contains__) \
        .editor_cmd.name == "UE4Editor-Cmd.exe"
    with pytest.raises(commands.NoEngineError, match=r"no C:\\Program Files\\Epic Games\\UE_5.5\\Engine"):
        commands.engine_at(UE, "Win64", exists=lambda path: False)


def test_build_plugin_on_windows_quotes_paths_with_spaces() -> None:
    engine = commands.engine_at(UE, "Win64", exists=windows_engine_tree(UE).__contains__)
    argv = commands.build_plugin_command(engine, GAME / "Plugins" / "RealtimeNet" / "RealtimeNet.uplugin",
                                         GAME / "Build" / "RealtimeNet")
    assert commands.windows_command_line(argv) == (
        r'"C:\Program Files\Epic Games\UE_5.5\Engine\Build\BatchFiles\RunUAT.bat" BuildPlugin '
        r'-Plugin="D:\Unreal Projects\My Game\Plugins\RealtimeNet\RealtimeNet.uplugin" '
        r'-Package="D:\Unreal Projects\My Game\Build\RealtimeNet" -TargetPlatforms=Win64')


def test_automation_tests_on_windows_keep_each_switch_one_argument() -> None:
    engine = commands.engine_at(UE, "Win64", exists=windows_engine_tree(UE).__contains__)
    argv = commands.automation_test_command(engine, GAME / "MyGame.uproject", "RealtimeNet",
                                            GAME / "Saved" / "Automation Report", ["-RtnetPort=41234"])
    assert commands.windows_command_line(argv) == (
        r'"C:\Program Files\Epic Games\UE_5.5\Engine\Binaries\Win64\UnrealEditor-Cmd.exe" '
        r'"D:\Unreal Projects\My Game\MyGame.uproject" -ExecCmds="Automation RunTests RealtimeNet; Quit" '
        r'-TestExit="Automation Test Queue Empty" -ReportExportPath="D:\Unreal Projects\My Game\Saved\Automation Report" '
        r'-unattended -nopause -nosplash -NoSound -stdout -FullStdOutLogOutput -nullrhi -RtnetPort=41234')


def test_rtnet_is_found_in_a_windows_virtual_environment(tmp_path: Path) -> None:
    launcher = tmp_path / ".venv" / "Scripts" / "rtnet.exe"
    launcher.parent.mkdir(parents=True)
    launcher.write_bytes(b"MZ")
    assert fault_gateway.rtnet_command(tmp_path, "win32") == [str(launcher)]
    assert fault_gateway.rtnet_command(tmp_path, "linux") != [str(launcher)]


def test_token_commands_split_as_windows_does() -> None:
    assert split_command(r'"C:\Program Files\Python311\python.exe" D:\tools\mint.py --ttl 600', "win32") == [
        r"C:\Program Files\Python311\python.exe", r"D:\tools\mint.py", "--ttl", "600"]
    assert split_command(r".venv\Scripts\rtnet.exe token --sub", "win32") == [
        r".venv\Scripts\rtnet.exe", "token", "--sub"]
    assert split_command(r".venv/bin/rtnet token --sub", "linux") == [".venv/bin/rtnet", "token", "--sub"]


def test_generated_files_are_lf_and_a_crlf_checkout_is_fresh(tmp_path: Path) -> None:
    root = _copy_repo(tmp_path)
    generated = [path for path in root.rglob("*") if path.is_file() and not path.is_relative_to(root / "protocol")]
    assert generated
    for path in generated:
        assert b"\r\n" not in path.read_bytes(), path
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # as git checks out with core.autocrlf
    assert check(root) == []
    assert generate(root) == []  # and nothing is rewritten


def test_the_compile_check_says_where_it_runs_instead_of_failing_on_linux_paths() -> None:
    from realtimenet.ue.compile_check import check

    with pytest.raises(check.CheckError, match="on Windows, run it in WSL 2") as error:
        check.check_toolchain("win32")
    assert "rtnet ue build --engine-dir" in str(error.value)


BLOCKED_AS_ON_WINDOWS = ("fcntl", "resource", "pwd", "grp", "termios", "pty", "tty", "syslog", "uvloop")
TOOLING_RUN = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # absent on Windows (uvloop is not installed there)
from realtimenet.cli import main
codes = [main(["codegen", "--check", "--root", {root!r}]), main(["ue", "lint", "--root", {root!r}]),
         main(["token", "--sub", "alice", "--ttl", "60"]),
         main(["ue", "package", "--root", {root!r}, "--output", {archive!r}, "--docs-url", "https://d.example",
               "--support-url", "https://s.example"]),
         main(["bots", "--url", {url!r}, "--count", "2", "--duration", "1.5", "--quiet"])]
print("CODES", codes)
"""


def test_the_tooling_runs_without_posix_modules_uvloop_or_a_shell(gateway: GatewayProcess, tmp_path: Path) -> None:
    code = TOOLING_RUN.format(blocked=BLOCKED_AS_ON_WINDOWS, root=str(ROOT), url=gateway.url,
                              archive=str(tmp_path / "RealtimeNet.zip"))
    empty = tmp_path / "no-shell-here"
    empty.mkdir()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PATH": str(empty)}, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "CODES [0, 0, 0, 0, 0]" in done.stdout, done.stdout + done.stderr
    assert "rtnet bots: 2 bots" in done.stdout and "no errors" in done.stdout
    assert (tmp_path / "RealtimeNet.zip").is_file()
