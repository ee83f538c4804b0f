"""``rtnet ue build`` and ``rtnet ue test`` on a machine with an engine: command lines built here, run there.

Every command line is a pure function of an ``Engine`` (where it is) and a few paths, unit-tested without an
engine; ``run_build`` and ``run_test`` only start the processes. The engine is the one given by
``--engine-dir``, else ``UE_ENGINE_DIR``, else the one ue4cli knows (``ue4 root``). ue4cli serves only to
find it: its own ``ue4 build`` is a no-op for the host project (ue4cli 0.0.54 prints "Pure Blueprint
project, nothing to build" when no Source/ sits beside the .uproject, and our code is in the plugin), and
its ``ue4 test`` starts the editor with ``-game``, where editor-only test modules do not load.

Standard library only at import time (the editor's own Python runs ``run_functional_tests.py`` through it);
the report parser, which needs msgspec, is imported when a report is read.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from realtimenet.ue.fault_gateway import DEFAULT_HOST, FaultGateway, GatewayError, rtnet_command

PROJECT_FILE = "RealtimeNetHost.uproject"
PLUGIN_FILE = Path("Plugins") / "RealtimeNet" / "RealtimeNet.uplugin"
ENGINE_DIR_ENV = "UE_ENGINE_DIR"
DEFAULT_TEST_FILTER = "RealtimeNet"
DEFAULT_PACKAGE_DIR = Path("build") / "ue" / "RealtimeNet"
DEFAULT_REPORT_DIR = Path("build") / "ue" / "automation"
EXIT_NO_ENGINE = 2

NO_ENGINE_MESSAGE = (
    "rtnet ue: no Unreal Engine found. Pass --engine-dir DIR (the folder holding Engine/), set "
    f"{ENGINE_DIR_ENV}, or install ue4cli (pip install ue4cli) and point it at the engine with `ue4 setroot DIR`. "
    "`rtnet ue lint` and `rtnet ue report` need no engine.")


class NoEngineError(Exception):
    """Raised when no engine is configured, or the configured folder is not an engine."""


def host_platform(system: str = sys.platform) -> str:
    """The engine's name for this platform (Binaries/<name>, -TargetPlatforms=)."""
    if system == "win32":
        return "Win64"
    if system == "darwin":
        return "Mac"
    return "Linux"


def filesystem_exists(path: PurePath) -> bool:
    """Whether ``path`` exists on this machine."""
    return Path(path).exists()


@dataclass(frozen=True)
class Engine:
    """An engine install or source build: ``root`` holds ``Engine/``.

    ``root`` may be a pure path of another system's kind (``PureWindowsPath`` in tests): the launchers are
    derived from it without touching the disk, so command lines for a Windows engine are built and checked
    on any machine; whether it is a UE4 tree (``UE4Editor-Cmd``) is decided once, by ``engine_at``.
    """

    root: PurePath
    platform: str
    legacy_editor: bool = False

    @property
    def run_uat(self) -> PurePath:
        """The Unreal Automation Tool launcher (BuildPlugin and friends)."""
        script = "RunUAT.bat" if self.platform == "Win64" else "RunUAT.sh"
        return self.root / "Engine" / "Build" / "BatchFiles" / script

    @property
    def editor_cmd(self) -> PurePath:
        """The console editor: UnrealEditor-Cmd (UE5), or UE4Editor-Cmd on a UE4 tree."""
        suffix = ".exe" if self.platform == "Win64" else ""
        name = "UE4Editor-Cmd" if self.legacy_editor else "UnrealEditor-Cmd"
        return self.root / "Engine" / "Binaries" / self.platform / f"{name}{suffix}"


def engine_at(path: PurePath, platform: str, exists: Callable[[PurePath], bool] = filesystem_exists) -> Engine:
    """The engine at ``path`` (the folder holding Engine/, or Engine/ itself); ``exists`` answers for files
    and folders (the disk by default; a fake tree in tests)."""
    root = path.parent if path.name == "Engine" and exists(path / "Build") else path
    engine = Engine(root, platform)
    if not exists(engine.run_uat):
        raise NoEngineError(f"rtnet ue: {path} is not an Unreal Engine folder (no {engine.run_uat})")
    legacy = Engine(root, platform, legacy_editor=True)
    if not exists(engine.editor_cmd) and exists(legacy.editor_cmd):
        return legacy
    return engine


def ue4cli_root(ue4: str, run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run) -> Path | None:
    """The engine root ue4cli reports (``ue4 root``), or None when it has none."""
    try:
        done = run([ue4, "root"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return Path(lines[-1]) if done.returncode == 0 and lines else None


def find_engine(engine_dir: str | None, environ: Mapping[str, str] = os.environ,
                which: Callable[[str], str | None] = shutil.which,
                ue4_root: Callable[[str], Path | None] = ue4cli_root,
                platform: str | None = None) -> tuple[Engine, str]:
    """(engine, how it was found): --engine-dir, then UE_ENGINE_DIR, then ue4cli; NoEngineError otherwise."""
    platform = platform or host_platform()
    if engine_dir:
        return engine_at(Path(engine_dir), platform), "--engine-dir"
    if environ.get(ENGINE_DIR_ENV):
        return engine_at(Path(environ[ENGINE_DIR_ENV]), platform), ENGINE_DIR_ENV
    ue4 = which("ue4")
    if ue4:
        root = ue4_root(ue4)
        if root is not None:
            return engine_at(root, platform), f"ue4cli ({ue4})"
    raise NoEngineError(NO_ENGINE_MESSAGE)


def build_plugin_command(engine: Engine, plugin: PurePath, package_dir: PurePath,
                         target_platforms: Sequence[str] = (), extra: Sequence[str] = ()) -> list[str]:
    """RunUAT BuildPlugin: compiles every module of the plugin for the editor and game targets into
    ``package_dir``, as a plugin consumer would get it (the strictest build short of a game)."""
    platforms = list(target_platforms) or [engine.platform]
    return [str(engine.run_uat), "BuildPlugin", f"-Plugin={plugin}", f"-Package={package_dir}",
            f"-TargetPlatforms={'+'.join(platforms)}", *extra]


def automation_test_command(engine: Engine, project: PurePath, test_filter: str, report_dir: PurePath,
                            gateway_args: Sequence[str] = (), extra: Sequence[str] = (),
                            null_rhi: bool = True) -> list[str]:
    """UnrealEditor-Cmd running the automation tests whose path starts with ``test_filter``, headless, then
    quitting; the report goes to ``report_dir``/index.json. ``gateway_args`` tell the tests where the
    gateway is (``GatewayEndpoint.editor_args``)."""
    command = [str(engine.editor_cmd), str(project),
               f"-ExecCmds=Automation RunTests {test_filter}; Quit",
               "-TestExit=Automation Test Queue Empty",
               f"-ReportExportPath={report_dir}",
               "-unattended", "-nopause", "-nosplash", "-NoSound", "-stdout", "-FullStdOutLogOutput"]
    if null_rhi:
        command.append("-nullrhi")
    return [*command, *gateway_args, *extra]


def windows_command_line(argv: Sequence[str]) -> str:
    """One command-line string in the form Unreal parses on Windows.

    Unreal reads its switches from the raw command line (GetCommandLineW + FParse::Value), where a value with
    spaces must be quoted right after the '=': ``-ExecCmds="Automation RunTests X; Quit"``. The usual Windows
    quoting (``"-ExecCmds=Automation RunTests X; Quit"``) would cut the value at its first space. On Linux and
    macOS the engine rebuilds exactly this form from argv itself, so a plain list is right there.
    """
    parts: list[str] = []
    for arg in argv:
        if not arg or any(ch.isspace() for ch in arg):
            key, sep, value = arg.partition("=")
            if sep and arg.startswith("-") and not any(ch.isspace() for ch in key):
                parts.append(f'{key}="{value}"')
            else:
                parts.append(f'"{arg}"')
        else:
            parts.append(arg)
    return " ".join(parts)


def shown(argv: Sequence[str]) -> str:
    """The command line as echoed to the log, tokens elided."""
    return " ".join(re.sub(r"^(-Rtnet\w*Token=).+$", r"\1...", arg) for arg in argv)


def _run(argv: Sequence[str], platform: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
         timeout: float | None = None) -> int:
    """Run one engine command, echoing it first; the exit code (124 on timeout, as timeout(1))."""
    command: str | list[str] = windows_command_line(argv) if platform == "Win64" else list(argv)
    print("+ " + shown(argv), flush=True)
    try:
        return subprocess.run(command, env=dict(env) if env is not None else None, cwd=cwd, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        print(f"rtnet ue: {Path(argv[0]).name} did not finish in {timeout:.0f} s", file=sys.stderr)
        return 124


@dataclass(frozen=True)
class BuildOptions:
    """What ``rtnet ue build`` was asked for."""

    root: Path
    engine_dir: str | None = None
    package_dir: Path | None = None
    target_platforms: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class AutomationOptions:
    """What ``rtnet ue test`` was asked for."""

    root: Path
    engine_dir: str | None = None
    test_filter: str = DEFAULT_TEST_FILTER
    report_dir: Path | None = None
    junit: Path | None = None
    gateway: bool = True
    gateway_config: str | None = None
    gateway_host: str = DEFAULT_HOST
    timeout: float | None = 3600.0
    null_rhi: bool = True
    extra: tuple[str, ...] = field(default_factory=tuple)


def _engine_or_exit(engine_dir: str | None) -> Engine | None:
    try:
        engine, how = find_engine(engine_dir)
    except NoEngineError as exc:
        print(exc, file=sys.stderr)
        return None
    print(f"rtnet ue: engine {engine.root} (from {how})", flush=True)
    return engine


def run_build(options: BuildOptions) -> int:
    """Package the plugin with BuildPlugin; 2 without an engine, else RunUAT's exit code."""
    engine = _engine_or_exit(options.engine_dir)
    if engine is None:
        return EXIT_NO_ENGINE
    plugin = (options.root / PLUGIN_FILE).resolve()
    if not plugin.exists():
        print(f"rtnet ue: {plugin} not found", file=sys.stderr)
        return EXIT_NO_ENGINE
    package_dir = (options.package_dir or options.root / DEFAULT_PACKAGE_DIR).resolve()
    argv = build_plugin_command(engine, plugin, package_dir, options.target_platforms, options.extra)
    return _run(argv, engine.platform, cwd=Path(engine.root))


def summarise_report(report_dir: Path, junit: Path | None) -> int:
    """Print the report's summary, write JUnit XML when asked; 0 when every test passed, else 1."""
    from realtimenet.ue.automation_report import ReportError, load_report, render_text, summarise, to_junit

    try:
        report = load_report(report_dir)
    except ReportError as exc:
        print(f"rtnet ue: {exc}", file=sys.stderr)
        return 1
    summary = summarise(report)
    print(render_text(summary), end="", flush=True)
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(to_junit(report), encoding="utf-8")
        print(f"rtnet ue: JUnit report {junit}")
    return 0 if summary.ok else 1


def run_test(options: AutomationOptions) -> int:
    """Run the automation tests headless against a fault-injection gateway and judge them by the report:
    2 without an engine or project, 1 when a test failed (or none ran, or the editor failed), 0 otherwise."""
    engine = _engine_or_exit(options.engine_dir)
    if engine is None:
        return EXIT_NO_ENGINE
    project = (options.root / PROJECT_FILE).resolve()
    if not project.exists():
        print(f"rtnet ue: {project} not found", file=sys.stderr)
        return EXIT_NO_ENGINE
    report_dir = (options.report_dir or options.root / DEFAULT_REPORT_DIR).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "index.json").unlink(missing_ok=True)  # a stale report must not pass for this run's
    gateway: FaultGateway | None = None
    env = dict(os.environ)
    gateway_args: list[str] = []
    try:
        if options.gateway:
            rtnet = rtnet_command(options.root)
            if rtnet is None:
                print("rtnet ue: cannot run `rtnet serve` (run `make` to create .venv)", file=sys.stderr)
                return 1
            gateway = FaultGateway(rtnet, options.gateway_host, options.gateway_config, cwd=options.root)
            endpoint = gateway.start()
            print(f"rtnet ue: fault-injection gateway on {endpoint.url}", flush=True)
            gateway_args = endpoint.editor_args()
            env.update(endpoint.environment())
        argv = automation_test_command(engine, project, options.test_filter, report_dir, gateway_args,
                                       options.extra, options.null_rhi)
        code = _run(argv, engine.platform, env=env, cwd=options.root, timeout=options.timeout)
    except GatewayError as exc:
        print(f"rtnet ue: {exc}", file=sys.stderr)
        return 1
    finally:
        if gateway is not None:
            gateway.stop()
    result = summarise_report(report_dir, options.junit or report_dir / "junit.xml")
    if result == 0 and code != 0:
        print(f"rtnet ue: every test passed but the editor exited with {code}; see its log above", file=sys.stderr)
        return 1
    return result
