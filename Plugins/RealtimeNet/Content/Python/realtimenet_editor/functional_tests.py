"""Run the plugin's automation tests against a fault-injection gateway, inside the editor or headless.

Inside the editor (RealtimeNet > Run Functional Tests, or ``py PythonScripts/run_functional_tests.py`` in the
Output Log): starts ``rtnet serve`` in fault mode (``rtnet`` from ``RTNET_EXE``, the repository's or the
project's ``.venv``, or PATH) on 127.0.0.1 and a free port, hands its address and tokens to the tests
through the ``RTNET_TEST_*`` environment variables of the editor process, queues ``Automation RunTests
RealtimeNet`` and stops the gateway once the run is over, watched from the editor's tick so the editor stays
responsive. The editor writes index.json only when it was started with ``-ReportExportPath=DIR``; then the
report is summarised with ``rtnet ue report``.

In plain Python (``.venv/bin/python PythonScripts/run_functional_tests.py [--engine-dir DIR]``, the entry
point that runs ``main``): the same as ``rtnet ue test``: UnrealEditor-Cmd headless with the command line of
``realtimenet.ue.commands``, the gateway's address on its command line, the report summarised by
``realtimenet.ue.automation_report``; exit code 0 (all passed), 1 (a failure, or no test ran) or 2 (no engine).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from realtimenet_editor.env import ROOT, TOOLS_ENV, editor_unreal, find_rtnet, use_repository_tools

if TYPE_CHECKING:
    from realtimenet.ue.commands import AutomationOptions
    from realtimenet.ue.fault_gateway import FaultGateway

DEFAULT_FILTER = "RealtimeNet"

Outcome = Literal["running", "finished", "never-started", "timeout"]


def automation_command(test_filter: str) -> str:
    """The console command that queues the tests whose path starts with ``test_filter``."""
    if not re.fullmatch(r"[\w.+ ]+", test_filter) or ";" in test_filter:
        raise ValueError(f"test filter {test_filter!r}: expected a test path prefix such as RealtimeNet.Connection")
    return f"Automation RunTests {test_filter}"


def report_export_path(command_line: str) -> str | None:
    """The editor's ``-ReportExportPath=`` (quoted or not) from its command line, or None."""
    match = re.search(r'-ReportExportPath=(?:"([^"]*)"|(\S+))', command_line, re.IGNORECASE)
    if match is None:
        return None
    return match[1] if match[1] is not None else match[2]


@dataclass
class RunWatch:
    """Decides, tick by tick, when an automation run queued from the editor is over.

    ``AutomationLibrary.are_automated_tests_running()`` is GIsAutomationTesting: true while a test runs and
    false between two tests. So a run counts as finished after ``quiet`` seconds with no test running (or at
    once when the report file appears), as never started when no test ran within ``start_grace`` seconds (a
    filter that matches nothing), and as timed out after ``timeout`` seconds.
    """

    started: float
    quiet: float = 5.0
    start_grace: float = 60.0
    timeout: float = 3600.0
    seen_running: bool = False
    idle_since: float | None = None

    def update(self, running: bool, now: float, report_written: bool = False) -> Outcome:
        """The run's state after this tick."""
        if running:
            self.seen_running = True
            self.idle_since = None
        elif self.idle_since is None:
            self.idle_since = now
        if now - self.started >= self.timeout:
            return "timeout"
        if self.seen_running and report_written:
            return "finished"
        if self.seen_running and self.idle_since is not None and now - self.idle_since >= self.quiet:
            return "finished"
        if not self.seen_running and now - self.started >= self.start_grace:
            return "never-started"
        return "running"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options (argv without the program name)."""
    parser = argparse.ArgumentParser(prog="run_functional_tests.py", description=__doc__.splitlines()[0])
    parser.add_argument("--filter", default=DEFAULT_FILTER, help="test path prefix (default %(default)s)")
    parser.add_argument("--engine-dir", help="headless only: engine folder (default $UE_ENGINE_DIR, then ue4cli)")
    parser.add_argument("--report-dir", help="headless only: -ReportExportPath (default build/ue/automation)")
    parser.add_argument("--junit", help="headless only: JUnit XML output (default <report-dir>/junit.xml)")
    parser.add_argument("--gateway-config", help="TOML configuration of the fault-injection gateway")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before the run is abandoned")
    parser.add_argument("--quiet", type=float, default=5.0,
                        help="in the editor: seconds without a running test that end the run")
    options = parser.parse_args(list(argv))
    automation_command(options.filter)  # reject a filter that would smuggle in more console commands
    return options


def headless_options(options: argparse.Namespace, root: Path = ROOT) -> AutomationOptions:
    """The ``rtnet ue test`` options for a headless run: always with the fault-injection gateway."""
    use_repository_tools(root)
    from realtimenet.ue.commands import AutomationOptions

    return AutomationOptions(
        root=root, engine_dir=options.engine_dir, test_filter=options.filter,
        report_dir=Path(options.report_dir) if options.report_dir else None,
        junit=Path(options.junit) if options.junit else None,
        gateway=True, gateway_config=options.gateway_config, timeout=options.timeout)


def run_headless(options: argparse.Namespace) -> int:
    """Launch UnrealEditor-Cmd headless (as ``rtnet ue test``); its exit code."""
    from realtimenet.ue.commands import run_test

    return run_test(headless_options(options))


class EditorRun:
    """One run inside the editor: gateway up, tests queued, then a tick callback until the run is over."""

    def __init__(self, options: argparse.Namespace, root: Path = ROOT) -> None:
        self.options = options
        self.root = root
        self.gateway: FaultGateway | None = None
        self.watch = RunWatch(time.monotonic(), quiet=options.quiet, timeout=options.timeout)
        self.started_at = time.time()  # wall clock, to tell this run's index.json from an older one
        self.handle: object | None = None
        self.report_dir: str | None = None
        self.rtnet: list[str] | None = None

    def start(self) -> None:
        """Start the gateway, queue the tests, and hook the tick that watches them."""
        import unreal

        if use_repository_tools(self.root) is None:
            raise RuntimeError("the RealtimeNet tooling is not importable here: set the environment variable "
                               f"{TOOLS_ENV} to the Tools folder of a RealtimeNet checkout")
        from realtimenet.ue.fault_gateway import FaultGateway

        self.rtnet = find_rtnet([self.root])
        if self.rtnet is None:
            raise RuntimeError(f"no `rtnet` (RTNET_EXE, {self.root / '.venv'} or PATH): install it with pip install "
                               "realtimenet, or run `make` in the repository")
        self.gateway = FaultGateway(self.rtnet, config=self.options.gateway_config, cwd=self.root)
        endpoint = self.gateway.start()
        os.environ.update(endpoint.environment())  # the tests read RTNET_TEST_* in this same process
        print(f"run_functional_tests: fault-injection gateway on {endpoint.url}")
        exported = report_export_path(unreal.SystemLibrary.get_command_line())
        # A relative path is relative to the editor's working directory, which is this process's too.
        self.report_dir = str(Path(exported).resolve()) if exported else None
        subsystem = unreal.get_editor_subsystem(unreal.UnrealEditorSubsystem)
        if subsystem is None:
            self.gateway.stop()
            raise RuntimeError("no UnrealEditorSubsystem: run this script in the editor")
        unreal.SystemLibrary.execute_console_command(subsystem.get_editor_world(),
                                                     automation_command(self.options.filter))
        self.handle = unreal.register_slate_post_tick_callback(self.tick)

    def _report_written(self) -> bool:
        if self.report_dir is None:
            return False
        report = Path(self.report_dir) / "index.json"
        return report.exists() and report.stat().st_mtime >= self.started_at

    def tick(self, delta_seconds: float) -> None:
        """Slate post-tick callback."""
        import unreal

        outcome = self.watch.update(unreal.AutomationLibrary.are_automated_tests_running(), time.monotonic(),
                                    self._report_written())
        if outcome == "running":
            return
        if self.handle is not None:
            unreal.unregister_slate_post_tick_callback(self.handle)
            self.handle = None
        if self.gateway is not None:
            self.gateway.stop()
        self.finish(outcome)

    def finish(self, outcome: Outcome) -> None:
        """Say how the run ended and summarise the report when the editor exported one."""
        import unreal

        if outcome == "never-started":
            unreal.log_error(f"no test matching {self.options.filter!r} started: is the RealtimeNetTests module "
                             "loaded (Session Frontend > Automation lists it)?")
            return
        if outcome == "timeout":
            unreal.log_error(f"the tests did not finish in {self.options.timeout:.0f} s")
        if self.report_dir is None or self.rtnet is None:
            print("run_functional_tests: results are in the Session Frontend; start the editor with "
                  "-ReportExportPath=DIR for an index.json summary")
            return
        done = subprocess.run([*self.rtnet, "ue", "report", self.report_dir], capture_output=True, text=True,
                              cwd=self.root)
        print(done.stdout + done.stderr)
        if done.returncode != 0:
            unreal.log_error("RealtimeNet automation tests failed (summary above)")


_active: EditorRun | None = None  # the editor holds only the tick callback; this keeps the run alive


def main(argv: Sequence[str]) -> int:
    """Entry point: in the editor the run continues on ticks after this returns 0; headless, the exit code."""
    global _active
    options = parse_args(argv)
    if editor_unreal() is None:
        return run_headless(options)
    _active = EditorRun(options)
    _active.start()
    return 0

