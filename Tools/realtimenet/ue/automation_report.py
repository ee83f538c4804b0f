"""Unreal's automation test report (``index.json`` under ``-ReportExportPath``): decode, summarise, JUnit.

Field names checked against two public sources (stored public code, searched for ``reportCreatedOn``):
Epic's Gauntlet reader ``UnrealAutomatedTestPassResults`` (C#, ``[JsonPropertyName("reportCreatedOn")]``,
``testDisplayName``, ``fullTestPath``, ``state``, ``entries[].event.{type,message,context}``,
``filename``, ``lineNumber``, ``timestamp``, ``warnings``, ``errors``, ``duration``) and a real UE 5.3
Linux report (BlueprintAttributes/BlueprintAttributes-Documentation, public/test-reports/5.3-linux).
The engine writes the file with ``FFileHelper::SaveStringToFile(..., EEncodingOptions::ForceUTF8)``
(AutomationControllerManager.cpp), which puts a UTF-8 byte order mark first; ``load_report`` drops it.

``state`` is EAutomationState: ``Success``, ``Fail``, ``NotRun``, ``InProcess`` and, since 5.1,
``Skipped``. A test still ``InProcess`` in a written report means the editor stopped while it ran.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

REPORT_FILE = "index.json"


class AutomationEvent(msgspec.Struct, rename="camel", kw_only=True):
    """What a test logged: ``type`` is ``Error``, ``Warning`` or ``Info``."""

    type: str = "Info"
    message: str = ""
    context: str = ""


class AutomationEntry(msgspec.Struct, rename="camel", kw_only=True):
    """One logged event and where the test logged it from."""

    event: AutomationEvent = msgspec.field(default_factory=AutomationEvent)
    filename: str = ""
    line_number: int = 0
    timestamp: str = ""


class AutomationTest(msgspec.Struct, rename="camel", kw_only=True):
    """One test's result."""

    test_display_name: str = ""
    full_test_path: str = ""
    state: str = "NotRun"
    duration: float = 0.0
    date_time: str = ""
    warnings: int = 0
    errors: int = 0
    entries: list[AutomationEntry] = msgspec.field(default_factory=list)


class AutomationDevice(msgspec.Struct, rename="camel", kw_only=True):
    """A machine the tests ran on."""

    device_name: str = ""
    platform: str = ""
    instance: str = ""


class AutomationReport(msgspec.Struct, rename="camel", kw_only=True):
    """The whole ``index.json``; unknown fields (artifacts, device details) are ignored."""

    devices: list[AutomationDevice] = msgspec.field(default_factory=list)
    report_created_on: str = ""
    succeeded: int = 0
    succeeded_with_warnings: int = 0
    failed: int = 0
    not_run: int = 0
    in_process: int = 0
    total_duration: float = 0.0
    comparison_exported: bool = False
    tests: list[AutomationTest] = msgspec.field(default_factory=list)


class ReportError(Exception):
    """Raised when a report is missing or is not an automation report."""


def decode_report(data: bytes) -> AutomationReport:
    """Decode ``index.json`` bytes (with or without the UTF-8 BOM the engine writes)."""
    try:
        return msgspec.json.decode(data.removeprefix(codecs.BOM_UTF8), type=AutomationReport)
    except msgspec.DecodeError as exc:
        raise ReportError(f"not an automation report: {exc}") from None


def report_file(path: Path) -> Path:
    """``path`` itself, or ``path/index.json`` for the export directory."""
    return path / REPORT_FILE if path.is_dir() else path


def load_report(path: Path) -> AutomationReport:
    """Read a report from the export directory or the ``index.json`` file itself."""
    file = report_file(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise ReportError(f"{file}: no automation report (did the editor run with -ReportExportPath?)") from None
    try:
        return decode_report(data)
    except ReportError as exc:
        raise ReportError(f"{file}: {exc}") from None


@dataclass(frozen=True)
class Problem:
    """A failed (or unfinished) test and the errors it logged."""

    path: str
    state: str
    messages: list[str]


@dataclass(frozen=True)
class Summary:
    """Counts over the tests, the failures with their error messages, and the warnings."""

    total: int
    passed: int
    passed_with_warnings: int
    failed: int
    not_run: int
    in_process: int
    skipped: int
    duration: float
    failures: list[Problem] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when tests ran and every one finished without failing.

        An empty report fails too: it is what a filter that matched nothing, or a test module that did not
        load, produces."""
        return self.total > 0 and self.failed == 0 and self.in_process == 0 and self.not_run == 0


def _located(entry: AutomationEntry) -> str:
    message = entry.event.message.strip() or "(empty message)"
    if entry.filename:
        return f"{message} [{Path(entry.filename).name}:{entry.line_number}]"
    return message


def summarise(report: AutomationReport) -> Summary:
    """Count the tests by their own state (the header counts go stale when a run is resumed or cut short)."""
    passed = with_warnings = failed = not_run = in_process = skipped = 0
    failures: list[Problem] = []
    warnings: list[tuple[str, str]] = []
    for test in report.tests:
        errors = [_located(e) for e in test.entries if e.event.type == "Error"]
        warnings.extend((test.full_test_path, _located(e)) for e in test.entries if e.event.type == "Warning")
        if test.state == "Success":
            if test.warnings or any(e.event.type == "Warning" for e in test.entries):
                with_warnings += 1
            else:
                passed += 1
        elif test.state == "Fail":
            failed += 1
            failures.append(Problem(test.full_test_path, test.state, errors or ["failed without an error message"]))
        elif test.state == "InProcess":
            in_process += 1
            failures.append(Problem(test.full_test_path, test.state,
                                    [*errors, "did not finish: the editor stopped while this test ran"]))
        elif test.state == "Skipped":
            skipped += 1
        else:
            not_run += 1
    duration = report.total_duration or sum(t.duration for t in report.tests)
    return Summary(len(report.tests), passed, with_warnings, failed, not_run, in_process, skipped, duration,
                   failures, warnings)


def render_text(summary: Summary, max_warnings: int = 20) -> str:
    """A short human summary: one count line, then each failure with its errors, then warnings."""
    counts = [f"{summary.passed + summary.passed_with_warnings} passed"]
    if summary.passed_with_warnings:
        counts[0] += f" ({summary.passed_with_warnings} with warnings)"
    for label, value in (("failed", summary.failed), ("did not finish", summary.in_process),
                         ("not run", summary.not_run), ("skipped", summary.skipped)):
        if value:
            counts.append(f"{value} {label}")
    verdict = "OK" if summary.ok else "FAILED"
    lines = [f"Unreal automation: {verdict}: {summary.total} tests: {', '.join(counts)} ({summary.duration:.1f} s)"]
    if summary.total == 0:
        lines.append("  no tests ran: check the test filter and that the test module loaded")
    for problem in summary.failures:
        lines.append(f"FAIL {problem.path}")
        lines.extend(f"  {message}" for message in problem.messages)
    for path, message in summary.warnings[:max_warnings]:
        lines.append(f"WARN {path}: {message}")
    if len(summary.warnings) > max_warnings:
        lines.append(f"... and {len(summary.warnings) - max_warnings} more warnings")
    return "\n".join(lines) + "\n"


# XML 1.0 has no place for most control characters; engine log lines sometimes carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("?", text)


def _split_path(test: AutomationTest) -> tuple[str, str]:
    """(classname, name): the display name may itself hold dots (``receives session.welcome``), so it is cut
    off the full path whole rather than at the last dot."""
    path = test.full_test_path or test.test_display_name
    name = test.test_display_name or path.rpartition(".")[2]
    if path.endswith("." + name):
        return path[:-len(name) - 1], name
    head, _, tail = path.rpartition(".")
    return (head or path), (test.test_display_name or tail)


def to_junit(report: AutomationReport, suite: str = "Unreal Automation") -> str:
    """JUnit XML (one testsuite, a testcase per test) that CI systems display; classname is the test path
    without its last part."""
    summary = summarise(report)
    counts = {"name": suite, "tests": str(summary.total), "failures": str(summary.failed),
              "errors": str(summary.in_process), "skipped": str(summary.not_run + summary.skipped),
              "time": f"{summary.duration:.3f}"}
    root = ET.Element("testsuites", counts)
    testsuite = ET.SubElement(root, "testsuite", counts, timestamp=report.report_created_on)
    for test in report.tests:
        classname, name = _split_path(test)
        case = ET.SubElement(testsuite, "testcase", classname=_xml_text(classname), name=_xml_text(name),
                             time=f"{test.duration:.3f}")
        errors = [_located(e) for e in test.entries if e.event.type == "Error"]
        if test.state == "Fail":
            failure = ET.SubElement(case, "failure", type="Fail",
                                    message=_xml_text(errors[0] if errors else "failed without an error message"))
            failure.text = _xml_text("\n".join(errors))
        elif test.state == "InProcess":
            error = ET.SubElement(case, "error", type="InProcess",
                                  message="did not finish: the editor stopped while this test ran")
            error.text = _xml_text("\n".join(errors))
        elif test.state in ("NotRun", "Skipped"):
            ET.SubElement(case, "skipped", message="skipped" if test.state == "Skipped" else "not run")
        logged = [f"[{e.event.type}] {_located(e)}" for e in test.entries if e.event.type != "Error"]
        if logged:
            ET.SubElement(case, "system-out").text = _xml_text("\n".join(logged))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
