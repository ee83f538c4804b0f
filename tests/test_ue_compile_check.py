"""`rtnet ue compile-check` proves it can fail: the plugin is copied to a temporary tree, one known-bad edit is
made, one translation unit is compiled against the engine's headers, and the error must be reported at the
file and line of the edit.

These need an engine source (RTNET_UE_SOURCE, or an engine extracted once into the cache: DEVELOPERS.md);
without one they are skipped, saying so. The edits are found by anchors in the plugin's code, so the tests
follow the code as it changes; a missing anchor fails the test (the fault would silently not be injected)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from realtimenet.ue.compile_check import check, engine

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("Plugins/RealtimeNet/Source")
SUBSYSTEM_H = SOURCE / "RealtimeNet/Public/RealtimeNetSubsystem.h"
SUBSYSTEM_CPP = SOURCE / "RealtimeNet/Private/RealtimeNetSubsystem.cpp"
STATUS_WIDGET_CPP = SOURCE / "RealtimeNetUI/Private/RealtimeNetConnectionStatusWidget.cpp"
SPAWNER_H = SOURCE / "RealtimeNet/Public/RealtimeNetEntitySpawnerComponent.h"
SAMPLE_CONTROLLER_CPP = SOURCE / "RealtimeNetSamples/Private/RealtimeNetSamplePlayerController.cpp"
EDITOR_LIBRARY_CPP = SOURCE / "RealtimeNetEditor/Private/RealtimeNetEditorLibrary.cpp"

pytestmark = pytest.mark.skipif(
    not (os.environ.get(engine.ENGINE_SOURCE_ENV) or engine.complete_entries()),
    reason=f"no engine source: {engine.ENGINE_SOURCE_ENV} is not set and no engine is extracted in "
           f"{engine.cache_root()} (DEVELOPERS.md says how to get one)")


@pytest.fixture(scope="module")
def plugin_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """A fresh copy of the plugin (its sources and descriptor) per call."""
    base = tmp_path_factory.mktemp("ue-check")
    counter = iter(range(1000))

    def make() -> Path:
        root = base / f"tree{next(counter)}"
        shutil.copytree(ROOT / "Plugins" / "RealtimeNet", root / "Plugins" / "RealtimeNet",
                        ignore=shutil.ignore_patterns("fuzz", "bench", "headless", "tests", "tools"))
        return root
    return make


def _edit(root: Path, relative: Path, pattern: str, replacement: str) -> int:
    """Apply one regex edit (exactly one match) and return the 1-based line where the replacement starts."""
    path = root / relative
    text = path.read_text()
    matches = list(re.finditer(pattern, text, re.M))
    assert len(matches) == 1, f"{relative}: the anchor {pattern!r} matched {len(matches)} times"
    match = matches[0]
    path.write_text(text[:match.start()] + match.expand(replacement) + text[match.end():])
    return text.count("\n", 0, match.start()) + 1


def _check(root: Path, *units: Path) -> list[check.Diagnostic]:
    result = check.run(check.Options(root=root, only=tuple(root / u for u in units), output_dir=root / "build"),
                       progress=lambda _: None)
    assert len(result.units) == len(units)
    return result.diagnostics


def _at(diagnostics: list[check.Diagnostic], relative: Path, line: int, text: str) -> check.Diagnostic:
    path = relative.as_posix()
    for diagnostic in diagnostics:
        if diagnostic.path == path and diagnostic.line == line and text in diagnostic.message:
            return diagnostic
    raise AssertionError(f"no error at {path}:{line} mentioning {text!r}; got:\n" + "\n".join(map(str, diagnostics)))


def test_the_untouched_units_compile_cleanly(plugin_copy: Callable[[], Path]) -> None:
    assert _check(plugin_copy(), SUBSYSTEM_CPP, STATUS_WIDGET_CPP) == []


def test_a_wrong_engine_signature(plugin_copy: Callable[[], Path]) -> None:
    root = plugin_copy()
    # USubsystem::Initialize takes a reference; a pointer no longer overrides it.
    line = _edit(root, SUBSYSTEM_H, r"virtual void Initialize\(FSubsystemCollectionBase& Collection\) override;",
                 "virtual void Initialize(FSubsystemCollectionBase* Collection) override;")
    _at(_check(root, SUBSYSTEM_CPP), SUBSYSTEM_H, line, "does not override")


def test_a_missing_include(plugin_copy: Callable[[], Path]) -> None:
    root = plugin_copy()
    _edit(root, STATUS_WIDGET_CPP, r'^#include "Components/ProgressBar.h"\n', "")
    text = (root / STATUS_WIDGET_CPP).read_text().splitlines()
    first_use = next(i for i, line in enumerate(text, 1) if re.search(r"\w*Progress\w*->", line))
    _at(_check(root, STATUS_WIDGET_CPP), STATUS_WIDGET_CPP, first_use, "incomplete type 'UProgressBar'")


def test_a_local_that_hides_an_engine_base_class_member(plugin_copy: Callable[[], Path]) -> None:
    root = plugin_copy()
    # UObjectBase (the subsystem's distant engine base) has a private field InternalIndex: MSVC's C4458.
    line = _edit(root, SUBSYSTEM_CPP, r"(void URealtimeNetSubsystem::Deinitialize\(\)\n\{\n)",
                 "\\1\tconst int32 InternalIndex = 0;\n\t(void)InternalIndex;\n") + 2
    found = _at(_check(root, SUBSYSTEM_CPP), SUBSYSTEM_CPP, line, "hides the class member 'UObjectBase::InternalIndex'")
    assert "C4458" in found.message


def test_a_static_member_functions_parameter_that_shares_a_field_name(plugin_copy: Callable[[], Path]) -> None:
    root = plugin_copy()
    line = _edit(root, SUBSYSTEM_H, r"(\n\tvirtual void Initialize\(FSubsystemCollectionBase& Collection\) override;)",
                 "\n\tstatic int32 CountOf(int32 TickHandle) { return TickHandle; }\\1") + 1
    _at(_check(root, SUBSYSTEM_CPP), SUBSYSTEM_H, line, "parameter 'TickHandle' hides the class member")


def test_a_uproperty_of_a_type_uht_refuses(plugin_copy: Callable[[], Path]) -> None:
    root = plugin_copy()
    line = _edit(root, SUBSYSTEM_H, r"(\n\tvirtual void Initialize\(FSubsystemCollectionBase& Collection\) override;)",
                 "\n\tUPROPERTY()\n\tTSharedPtr<FJsonObject> RefusedByUht;\\1") + 2
    _at(_check(root, SUBSYSTEM_CPP), SUBSYSTEM_H, line, "UnrealHeaderTool would refuse")


def test_a_call_removed_in_5_5(plugin_copy: Callable[[], Path]) -> None:
    root = plugin_copy()
    # UGameInstance::GetPrimaryPlayerUniqueId, deprecated since 5.0, is gone from 5.5's GameInstance.h.
    line = _edit(root, SUBSYSTEM_CPP, r"(void URealtimeNetSubsystem::Deinitialize\(\)\n\{\n)",
                 "\\1\t(void)GetGameInstance()->GetPrimaryPlayerUniqueId();\n") + 2
    _at(_check(root, SUBSYSTEM_CPP), SUBSYSTEM_CPP, line, "no member named 'GetPrimaryPlayerUniqueId'")


def test_a_missing_api_macro_across_modules(plugin_copy: Callable[[], Path]) -> None:
    root = plugin_copy()
    # RealtimeNetUI calls the subsystem's out-of-line members: without REALTIMENET_API they do not link.
    line = _edit(root, SUBSYSTEM_H, r"^class REALTIMENET_API URealtimeNetSubsystem\b", "class URealtimeNetSubsystem")
    found = _at(_check(root, STATUS_WIDGET_CPP), SUBSYSTEM_H, line, "not exported")
    assert "RealtimeNetUI" in found.message and "REALTIMENET_API" in found.message


def test_the_samples_module_is_checked_as_the_others_are(plugin_copy: Callable[[], Path]) -> None:
    root = plugin_copy()
    assert _check(root, SAMPLE_CONTROLLER_CPP, EDITOR_LIBRARY_CPP) == []
    # The sample controller starts the spawner of the RealtimeNet module: without REALTIMENET_API it does not link.
    line = _edit(root, SPAWNER_H, r"^class REALTIMENET_API URealtimeNetEntitySpawnerComponent\b",
                 "class URealtimeNetEntitySpawnerComponent")
    found = _at(_check(root, SAMPLE_CONTROLLER_CPP), SPAWNER_H, line, "not exported")
    assert "RealtimeNetSamples" in found.message and "REALTIMENET_API" in found.message
