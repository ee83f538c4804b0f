"""``rtnet ue package``: the plugin as a source archive for other projects, Fab or an engine's Plugins folder.

What goes in follows RunUAT BuildPlugin of UE 5.5.2 (``BuildPluginCommand.Automation.cs``, ``FilterPluginFiles``
and ``PackagePlugin``): the descriptor, ``/Source/...``, ``/Resources/...``, ``/Content/...``, ``/Shaders/...``,
minus ``/Tests/...``, plus the rules of ``Config/FilterPlugin.ini`` (section ``[FilterPlugin]``, read with
``FileFilter``'s rules), minus every folder named after a restricted folder (``NotForLicensees``, ``NoRedist``,
``EpicInternal``, ``CarefullyRedist``, ``LimitedAccess``). It is a source package, as Fab takes code plugins:
no ``Binaries/`` or ``Intermediate/`` (BuildPlugin adds its build products there). The descriptor is rewritten
as ``PackagePlugin`` does (``Installed: true``, no ``EnabledByDefault``, ``EngineVersion: "<major>.<minor>.0"``)
with the links given, and the archive is checked against the rules docs/packaging.md cites.

Standard library only (``zipfile``, ``json``, ``struct`` for the icon's PNG header), so it runs wherever Python
does; the archive's names always use ``/``.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

PLUGIN_DIR = Path("Plugins") / "RealtimeNet"
PLUGIN_NAME = "RealtimeNet"
DEFAULT_OUTPUT_DIR = Path("build") / "ue" / "package"
DEFAULT_ENGINE_VERSION = "5.5"
DEFAULT_COPYRIGHT = "Copyright RealtimeNet contributors. Released under the MIT License."

# FilterPluginFiles' defaults (UE 5.5.2), in their order; the build products and Binaries/ThirdParty are left out
# because this is a source package.
DEFAULT_RULES = ("/Resources/...", "/Content/...", "/Intermediate/Build/.../Inc/...", "/Shaders/...", "/Source/...",
                 "-/Tests/...")
RESTRICTED_FOLDERS = ("EpicInternal", "CarefullyRedist", "LimitedAccess", "NotForLicensees", "NoRedist")
NEVER_SHIPPED = ("Binaries", "Intermediate")  # Fab builds code plugins itself; a source package has neither
SOURCE_SUFFIXES = (".h", ".hpp", ".inl", ".cpp", ".cs", ".py")
MAX_PATH = 170  # Marketplace guideline 2.7.3.c, counted from the plugin's folder
FORBIDDEN_SUFFIXES = (".exe", ".msi")  # Marketplace guideline 2.6.2.e
ICON = PurePosixPath("Resources/Icon128.png")
FILTER_FILE = PurePosixPath("Config/FilterPlugin.ini")
REQUIRED_FIELDS = ("Version", "VersionName", "FriendlyName", "Description", "Category", "CreatedBy", "DocsURL",
                   "SupportURL", "EngineVersion")
# Engine plugins the descriptor may depend on (each read as Engine/Plugins/.../<Name>.uplugin in UE 5.5.2): Fab
# takes no dependency on a plugin that is not the engine's.
ENGINE_PLUGINS = frozenset({"PythonScriptPlugin", "EditorScriptingUtilities"})


class PackageError(Exception):
    """Raised when the plugin cannot be packaged: a missing descriptor, link or file, or a broken rule."""


# ----- FileFilter: UAT's rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One include or exclude rule, as ``FileFilter.AddRule`` normalises it."""

    pattern: str
    include: bool
    regex: re.Pattern[str]


def _fragment(fragment: str) -> str:
    return "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in fragment)


def parse_rule(text: str) -> Rule:
    """A rule as ``FileFilter.AddRule`` reads it: ``-`` excludes; a leading ``/`` anchors at the plugin's folder; a
    pattern without ``/`` matches in any folder; a trailing ``/`` means everything below; ``...`` is any number of
    folders, ``*`` and ``?`` part of a name."""
    rule = text.strip()
    include = not rule.startswith("-")
    pattern = rule.replace("\\", "/") if include else rule[1:].strip().replace("\\", "/")
    if pattern.startswith("/"):
        pattern = pattern[1:]
    elif "/" not in pattern and not pattern.startswith("..."):
        pattern = ".../" + pattern
    if pattern.endswith("/"):
        pattern += "..."
    pattern = re.sub(r"(?<=[^/])\.\.\.", "*/...", pattern)  # "a..." -> "a*/..."
    pattern = re.sub(r"\.\.\.(?=[^/])", ".../*", pattern)  # "...b" -> ".../*b"
    parts = pattern.split("/")
    regex = ""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "...":
            regex += ".+" if last else "(?:[^/]+/)*"
        else:
            regex += _fragment(part) + ("" if last else "/")
    return Rule(pattern, include, re.compile(regex, re.IGNORECASE))


class FileFilter:
    """Rules applied in order: the last one that matches a path decides; a path nothing matches is left out."""

    def __init__(self, rules: Iterable[str] = ()) -> None:
        self.rules: list[Rule] = [parse_rule(rule) for rule in rules]

    def add(self, rule: str) -> None:
        self.rules.append(parse_rule(rule))

    def add_section(self, ini_text: str, section: str = "FilterPlugin") -> None:
        """The lines of ``[section]`` (``FileFilter.ReadRulesFromFile``: ``;`` starts a comment line)."""
        inside = False
        for line in ini_text.splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith(";"):
                continue
            if stripped.startswith("["):
                inside = stripped == f"[{section}]"
            elif inside:
                self.add(stripped)

    def matches(self, path: PurePath | str) -> bool:
        """Whether ``path`` (relative to the plugin's folder, either separator) is in."""
        text = str(path).replace("\\", "/").lstrip("/")
        decision = False
        for rule in self.rules:
            if rule.regex.fullmatch(text):
                decision = rule.include
        return decision


def plugin_filter(filter_ini: str | None) -> FileFilter:
    """BuildPlugin's filter for a source package: the defaults, the plugin's FilterPlugin.ini, the restricted
    folders, and never Binaries or Intermediate."""
    rules = FileFilter(DEFAULT_RULES)
    if filter_ini is not None:
        rules.add_section(filter_ini)
    for folder in RESTRICTED_FOLDERS:
        rules.add(f"-.../{folder}/...")
    for folder in NEVER_SHIPPED:
        rules.add(f"-/{folder}/...")
    return rules


# ----- what goes in -------------------------------------------------------------------------------------------


def plugin_files(plugin_dir: Path) -> list[PurePosixPath]:
    """The files of the plugin a package holds (its descriptor apart), relative, sorted."""
    filter_path = plugin_dir / FILTER_FILE
    rules = plugin_filter(filter_path.read_text(encoding="utf-8") if filter_path.is_file() else None)
    found = []
    for path in sorted(plugin_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = PurePosixPath(path.relative_to(plugin_dir).as_posix())
        if relative.suffix != ".uplugin" and rules.matches(relative):
            found.append(relative)
    return found


def engine_version_field(engine_version: str) -> str:
    """``EngineVersion`` as PackagePlugin writes it: ``5.5`` or ``5.5.2`` -> ``5.5.0``."""
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", engine_version.strip())
    if match is None:
        raise PackageError(f"engine version {engine_version!r}: expected MAJOR.MINOR such as 5.5")
    return f"{match[1]}.{match[2]}.0"


def packaged_descriptor(source: dict[str, Any], engine_version: str, links: dict[str, str]) -> dict[str, Any]:
    """The descriptor as PackagePlugin saves it (``Installed``, no ``EnabledByDefault``, ``EngineVersion``), with the
    links given (``DocsURL``, ``SupportURL``, ``CreatedByURL``, ``FabURL``) filled in."""
    descriptor = dict(source)
    descriptor.pop("EnabledByDefault", None)
    descriptor["Installed"] = True
    descriptor["EngineVersion"] = engine_version_field(engine_version)
    for key, value in links.items():
        if value:
            descriptor[key] = value
    return descriptor


def with_copyright(text: str, notice: str, suffix: str = ".cpp") -> str:
    """``text`` with the notice as a comment on its first line (``#`` for Python, ``//`` otherwise), unless it
    already names a copyright near its top."""
    if "copyright" in "\n".join(text.splitlines()[:5]).lower():
        return text
    return f"{'#' if suffix == '.py' else '//'} {notice}\n{text}"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG from its IHDR chunk, or None when ``data`` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ----- checks -------------------------------------------------------------------------------------------------


@dataclass
class Contents:
    """A package before it is written: the descriptor and every other file by archive path (under the plugin's
    folder name)."""

    descriptor: dict[str, Any]
    files: dict[PurePosixPath, bytes] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [f"{PLUGIN_NAME}/{PLUGIN_NAME}.uplugin", *(f"{PLUGIN_NAME}/{path}" for path in sorted(self.files))]


def problems(contents: Contents) -> list[str]:
    """What keeps the package from being one Unreal and Fab take (docs/packaging.md gives each rule's source)."""
    found: list[str] = []
    descriptor = contents.descriptor
    for key in REQUIRED_FIELDS:
        if descriptor.get(key) in (None, ""):
            found.append(f"the descriptor has no {key}")
    if descriptor.get("FileVersion") != 3:
        found.append("the descriptor's FileVersion is not 3")
    modules = descriptor.get("Modules") or []
    code = [m for m in modules
            if PurePosixPath("Source", m.get("Name", ""), f"{m.get('Name')}.Build.cs") in contents.files]
    if not code:
        found.append("no C++ module: a code plugin needs at least one Source/<Module>/<Module>.Build.cs")
    for module in modules:
        name = module.get("Name", "?")
        if module not in code:
            found.append(f"module {name} has no Source/{name}/{name}.Build.cs in the package")
        if not module.get("PlatformAllowList") and not module.get("PlatformDenyList"):
            found.append(f"module {name} lists no PlatformAllowList (or PlatformDenyList)")
    for plugin in descriptor.get("Plugins") or []:
        if plugin.get("Name") not in ENGINE_PLUGINS:
            found.append(f"depends on plugin {plugin.get('Name')}, which is not one of the engine's")
    icon = contents.files.get(ICON)
    if icon is None:
        found.append(f"no {ICON}")
    elif png_size(icon) != (128, 128):
        found.append(f"{ICON} is not a 128 x 128 PNG")
    if FILTER_FILE not in contents.files:
        found.append(f"no {FILTER_FILE}")
    for name in contents.names():
        parts = PurePosixPath(name).parts
        if len(name) > MAX_PATH:
            found.append(f"{name}: {len(name)} characters, over {MAX_PATH}")
        if any(part in NEVER_SHIPPED for part in parts[1:2]):
            found.append(f"{name}: build output does not ship in a source package")
        if name.lower().endswith(FORBIDDEN_SUFFIXES):
            found.append(f"{name}: executables and installers do not ship in a plugin")
    for path, data in contents.files.items():
        if path.suffix in SOURCE_SUFFIXES and b"copyright" not in b"\n".join(data.splitlines()[:5]).lower():
            found.append(f"{path}: no copyright notice in its first lines")
    return found


# ----- building -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageOptions:
    """What ``rtnet ue package`` was asked for."""

    root: Path
    engine_version: str = DEFAULT_ENGINE_VERSION
    output: Path | None = None
    links: dict[str, str] = field(default_factory=dict)
    copyright: str = DEFAULT_COPYRIGHT


def collect(plugin_dir: Path, engine_version: str, links: dict[str, str], notice: str) -> Contents:
    """The package's contents from the plugin's folder: descriptor rewritten, sources with their notice."""
    descriptor_path = plugin_dir / f"{PLUGIN_NAME}.uplugin"
    if not descriptor_path.is_file():
        raise PackageError(f"{descriptor_path} not found")
    try:
        source = json.loads(descriptor_path.read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        raise PackageError(f"{descriptor_path}: not JSON ({exc})") from None
    contents = Contents(packaged_descriptor(source, engine_version, links))
    for relative in plugin_files(plugin_dir):
        data = (plugin_dir / relative).read_bytes()
        if relative.suffix in SOURCE_SUFFIXES:
            data = with_copyright(data.decode("utf-8"), notice, relative.suffix).encode("utf-8")
        contents.files[relative] = data
    return contents


def archive_name(descriptor: dict[str, Any]) -> str:
    """``RealtimeNet-0.1.0-UE5.5.zip``."""
    major_minor = ".".join(str(descriptor["EngineVersion"]).split(".")[:2])
    return f"{PLUGIN_NAME}-{descriptor.get('VersionName') or descriptor.get('Version')}-UE{major_minor}.zip"


def write_archive(contents: Contents, path: Path) -> None:
    """A zip with the plugin's folder at its top; fixed timestamps and order, so the same input gives the same
    bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = (json.dumps(contents.descriptor, indent="\t", ensure_ascii=False) + "\n").encode("utf-8")
    entries = {f"{PLUGIN_NAME}/{PLUGIN_NAME}.uplugin": descriptor,
               **{f"{PLUGIN_NAME}/{relative}": data for relative, data in contents.files.items()}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name])


def package(options: PackageOptions) -> tuple[Path, Contents]:
    """Collect, check and write the archive; PackageError listing every problem when it is not shippable."""
    plugin_dir = options.root / PLUGIN_DIR
    contents = collect(plugin_dir, options.engine_version, options.links, options.copyright)
    found = problems(contents)
    if found:
        raise PackageError("the package would not be accepted:\n  " + "\n  ".join(found))
    output = options.output or options.root / DEFAULT_OUTPUT_DIR / archive_name(contents.descriptor)
    write_archive(contents, output)
    return output, contents


def summary(path: Path, contents: Contents) -> Sequence[str]:
    """What was written, for the command's output."""
    by_folder: dict[str, int] = {}
    for relative in contents.files:
        by_folder[relative.parts[0]] = by_folder.get(relative.parts[0], 0) + 1
    folders = ", ".join(f"{folder}/ {n}" for folder, n in sorted(by_folder.items()))
    return [f"rtnet ue package: {path}",
            f"  {PLUGIN_NAME} {contents.descriptor.get('VersionName')} for UE {contents.descriptor['EngineVersion']}: "
            f"{len(contents.files) + 1} files ({PLUGIN_NAME}.uplugin, {folders})"]
