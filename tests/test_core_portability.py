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
    # The one exception: under UBT (__UNREAL__ only, never in the CMake build) the export macro needs the
    # engine's platform header, which defines DLLEXPORT (rtnet/Export.h says why).
    export = (CORE / "Public/rtnet/Export.h").read_text()
    guarded = re.search(r'#if defined\(__UNREAL__\)\n(?://[^\n]*\n)*#include "HAL/Platform.h"\n#endif', export)
    assert guarded is not None, "HAL/Platform.h must be included only under __UNREAL__"
    assert offending == ['Public/rtnet/Export.h: "HAL/Platform.h']


def test_the_unreal_module_shell_is_outside_the_portable_sources() -> None:
    shells = list((CORE / "Private").rglob("*.cpp"))
    unreal = [p for p in shells if p.parent.name == "Unreal"]
    assert [p.name for p in unreal] == ["RealtimeNetCoreModule.cpp"]
    text = unreal[0].read_text()
    assert INCLUDE.findall(text) == [('"', "Modules/ModuleManager.h")]
    assert "IMPLEMENT_MODULE(FDefaultModuleImpl, RealtimeNetCore)" in text
    cmake = (CORE.parent.parent / "CMakeLists.txt").read_text()
    assert "Source/RealtimeNetCore/Private/*.cpp" in cmake and "GLOB_RECURSE" not in cmake


def test_every_core_class_and_function_is_exported_for_unreal_module_builds() -> None:
    """In an editor build every module is its own shared library: what RealtimeNet calls must carry
    RTNET_API (REALTIMENETCORE_API under Unreal, empty under CMake) or the editor fails to link."""
    missing = []
    out_of_line = re.compile(r"^  (?!//)[^=]*\w\(.*\)( const)?;$")  # a member function declared, defined elsewhere
    declaration = re.compile(r"^(?:class|struct) (\w+)(?: [:{]| final)|^[A-Za-z][\w:<>,\* &]* [\*&]?(\w+)\(", re.M)
    for header in sorted((CORE / "Public" / "rtnet").glob("*.h")):
        lines = header.read_text().split("\n")
        for number, line in enumerate(lines):
            match = declaration.match(line)
            previous = lines[number - 1] if number else ""
            if not match or "RTNET_API" in line or previous.startswith("template") or re.match(
                    r"(inline|template|using|enum|namespace|return|constexpr|static_assert)\b", line):
                continue
            if line.startswith("struct "):
                body = lines[number + 1:lines.index("};", number)]
                if not any(out_of_line.match(member) for member in body):
                    continue  # data and inline members only: nothing to export
            missing.append(f"{header.name}:{number + 1}: {line.strip()}")
    assert missing == []
    export = (CORE / "Public" / "rtnet" / "Export.h").read_text()
    assert "#define RTNET_API REALTIMENETCORE_API" in export
