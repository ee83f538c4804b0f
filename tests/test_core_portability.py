"""RealtimeNetCore builds unchanged inside Unreal and standalone: its sources include only the standard
library and its own headers. The one Unreal file, the module shell under Private/Unreal/, is outside
what CMake compiles and includes nothing but the module manager."""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "Plugins" / "RealtimeNet" / "Source" / "RealtimeNetCore"
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)
# C++17 standard headers (no extension) and the C compatibility headers the core may use.
STANDARD = re.compile(r"^[a-z_]+$")


def core_sources() -> list[Path]:
    sources = sorted((CORE / "Public" / "rtnet").glob("*.h")) + sorted((CORE / "Private").glob("*.cpp"))
    assert len(sources) > 20
    return sources


def test_the_core_includes_only_the_standard_library_and_itself() -> None:
    offending = []
    for path in core_sources():
        for kind, header in INCLUDE.findall(path.read_text()):
            ours = kind == '"' and header.startswith("rtnet/")
            standard = kind == "<" and STANDARD.match(header) is not None
            if not (ours or standard):
                offending.append(f"{path.relative_to(CORE)}: {kind}{header}")
    assert offending == []


def test_the_unreal_module_shell_is_outside_the_portable_sources() -> None:
    shells = list((CORE / "Private").rglob("*.cpp"))
    unreal = [p for p in shells if p.parent.name == "Unreal"]
    assert [p.name for p in unreal] == ["RealtimeNetCoreModule.cpp"]
    text = unreal[0].read_text()
    assert INCLUDE.findall(text) == [('"', "Modules/ModuleManager.h")]
    assert "IMPLEMENT_MODULE(FDefaultModuleImpl, RealtimeNetCore)" in text
    cmake = (CORE.parent.parent / "CMakeLists.txt").read_text()
    assert "Source/RealtimeNetCore/Private/*.cpp" in cmake and "GLOB_RECURSE" not in cmake
