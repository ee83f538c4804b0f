"""Where the engine's headers come from: an engine tree or a bare git directory, extracted once into a cache.

The compile check needs only part of an engine: the headers and Build.cs files of ``Runtime``,
``Developer`` and ``Editor``, ``Shaders/Shared`` (engine headers include it), ``Build/Build.version``, and the
C# sources of UnrealHeaderTool and UnrealBuildTool (the rules the emulation follows; tests read them). That
is copied (or, from a bare git directory, read with ``git ls-tree`` and ``git cat-file --batch``) into
``<user cache>/realtimenet/ue-engine/<version>-<commit or path hash>/``, first into a temporary folder that is
renamed into place with a completion marker inside, so a half-finished extraction is never used and two
runs racing for the same engine cannot corrupt each other.

Which engine: ``--engine-source``, else ``RTNET_UE_SOURCE``, else the newest complete cache entry.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENGINE_SOURCE_ENV = "RTNET_UE_SOURCE"
CACHE_DIR_ENV = "RTNET_UE_CACHE"
MARKER = "rtnet-extracted.json"
# Bumped when what is extracted changes, so older cache entries are not mistaken for complete ones.
EXTRACT_FORMAT = 2

# (folder, file name suffixes); an empty tuple takes every file.
EXTRACTED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Engine/Source/Runtime", (".h", ".hpp", ".inl", ".Build.cs")),
    ("Engine/Source/Developer", (".h", ".hpp", ".inl", ".Build.cs")),
    ("Engine/Source/Editor", (".h", ".hpp", ".inl", ".Build.cs")),
    ("Engine/Shaders/Shared", (".h",)),
    ("Engine/Source/Programs/Shared/EpicGames.UHT", (".cs",)),
    ("Engine/Source/Programs/UnrealBuildTool", (".cs",)),
)
VERSION_FILE = "Engine/Build/Build.version"
# Single files: the version, and the rules of the header-only "Shaders" module (Shaders/Shared's include path).
EXTRACTED_FILES = (VERSION_FILE, "Engine/Shaders/Shaders.Build.cs")


class EngineSourceError(Exception):
    """Raised when the given engine source is neither an engine tree nor a git directory holding one, or
    when no engine source is configured and no complete cache entry exists."""


@dataclass(frozen=True, order=True)
class EngineVersion:
    """``Build.version``'s major, minor and patch numbers."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @classmethod
    def from_build_version(cls, text: str) -> EngineVersion:
        data = json.loads(text)
        return cls(int(data["MajorVersion"]), int(data["MinorVersion"]), int(data["PatchVersion"]))


@dataclass(frozen=True)
class EngineTree:
    """An extracted engine: ``root`` holds ``Engine/``; ``key`` names its cache entry."""

    root: Path
    version: EngineVersion
    key: str
    origin: str

    @property
    def source_dir(self) -> Path:
        return self.root / "Engine" / "Source"


def cache_root() -> Path:
    """``$RTNET_UE_CACHE``, else the user's cache directory (``$XDG_CACHE_HOME/realtimenet/ue-engine``)."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("realtimenet")) / "ue-engine"


def _wanted(path: str) -> bool:
    for folder, suffixes in EXTRACTED:
        if path.startswith(folder + "/"):
            return not suffixes or path.endswith(suffixes)
    return path in EXTRACTED_FILES


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _git(git_dir: Path, *args: str) -> str:
    result = subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EngineSourceError(f"git {' '.join(args)} in {git_dir} failed: {result.stderr.strip()}")
    return result.stdout


def _complete(entry: Path) -> bool:
    try:
        return bool(json.loads((entry / MARKER).read_text()).get("format") == EXTRACT_FORMAT)
    except (OSError, ValueError):
        return False


def complete_entries(root: Path | None = None) -> list[EngineTree]:
    """Every complete cache entry, newest engine version first."""
    base = root or cache_root()
    trees: list[EngineTree] = []
    if not base.is_dir():
        return trees
    for entry in base.iterdir():
        marker = entry / MARKER
        if not marker.is_file():
            continue
        try:
            data = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        if data.get("format") != EXTRACT_FORMAT:
            continue
        major, minor, patch = (int(x) for x in data["version"].split("."))
        trees.append(EngineTree(entry, EngineVersion(major, minor, patch), entry.name, data.get("origin", "")))
    return sorted(trees, key=lambda tree: (tree.version, tree.key), reverse=True)


def resolve(engine_source: str | None, *, progress: Callable[[str], None] = lambda _: None) -> EngineTree:
    """The engine to check against: ``engine_source`` (a tree or a bare git directory; extracted into the
    cache unless it already is), else ``$RTNET_UE_SOURCE``, else the newest complete cache entry."""
    given = engine_source or os.environ.get(ENGINE_SOURCE_ENV)
    if given:
        return ensure_extracted(Path(given), progress=progress)
    entries = complete_entries()
    if not entries:
        raise EngineSourceError(
            f"no engine source: pass --engine-source PATH, set {ENGINE_SOURCE_ENV}, or extract one once "
            f"(no complete cache entry in {cache_root()}); DEVELOPERS.md says how to bring the engine source here")
    return entries[0]


def ensure_extracted(source: Path, *, progress: Callable[[str], None] = lambda _: None) -> EngineTree:
    """Extract the needed part of ``source`` into the cache once; return the cache entry."""
    source = source.expanduser().resolve()
    if _is_git_dir(source):
        commit = _git(source, "rev-parse", "HEAD^{commit}").strip()
        version = EngineVersion.from_build_version(_git(source, "show", f"{commit}:{VERSION_FILE}"))
        key = f"{version}-{commit[:12]}"
        origin = f"git {commit}"
        writer: Callable[[Path], int] = functools.partial(_extract_git, source, commit)
    elif (source / VERSION_FILE).is_file():
        version = EngineVersion.from_build_version((source / VERSION_FILE).read_text())
        key = f"{version}-dir-{hashlib.sha256(str(source).encode()).hexdigest()[:12]}"
        origin = f"tree {source}"
        writer = functools.partial(_copy_tree, source)
    else:
        raise EngineSourceError(f"{source} is neither an engine tree (no {VERSION_FILE}) nor a git directory")

    base = cache_root()
    entry = base / key
    if _complete(entry):
        return EngineTree(entry, version, key, origin)
    base.mkdir(parents=True, exist_ok=True)
    if entry.exists():  # an older format, or a folder left by hand: never trusted
        shutil.rmtree(entry)
    staging = base / f".{key}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    progress(f"extracting UE {version} ({origin}) into {entry} (once)")
    try:
        count = writer(staging)
        (staging / MARKER).write_text(json.dumps(
            {"format": EXTRACT_FORMAT, "version": str(version), "origin": origin, "files": count}, indent=1))
        try:
            staging.rename(entry)
        except OSError:
            if not _complete(entry):  # another run did not finish it either
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return EngineTree(entry, version, key, origin)


def _tree_entries(git_dir: Path, commit: str) -> Iterator[tuple[str, str]]:
    """(blob id, path) of every wanted file at ``commit``."""
    folders = [folder for folder, _ in EXTRACTED] + list(EXTRACTED_FILES)
    listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", commit, "--", *folders],
                             capture_output=True, check=True).stdout.decode()
    for record in listing.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, blob = meta.split()
        if kind == "blob" and mode != "120000" and _wanted(path):
            yield blob, path


def _extract_git(git_dir: Path, commit: str, target: Path) -> int:
    """Write the wanted blobs of ``commit`` under ``target`` with one ``git cat-file --batch``; blobs the
    mirror lacks (large files it left out) are skipped."""
    entries = list(_tree_entries(git_dir, commit))
    process = subprocess.Popen(["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    # Ids go in batches small enough for the pipe, each batch's contents read back before the next: writing
    # every id first would deadlock once git's output pipe is full.
    written = 0
    batch = 256
    for start in range(0, len(entries), batch):
        chunk = entries[start:start + batch]
        process.stdin.write("".join(f"{blob}\n" for blob, _ in chunk).encode())
        process.stdin.flush()
        for _blob, path in chunk:
            header = process.stdout.readline().decode().split()
            if len(header) < 3 or header[1] != "blob":
                continue  # "<id> missing"
            data = process.stdout.read(int(header[2]))
            process.stdout.read(1)
            destination = target / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
            written += 1
    process.stdin.close()
    if process.wait() != 0:
        raise EngineSourceError(f"git cat-file failed in {git_dir}")
    return written


def _copy_tree(source: Path, target: Path) -> int:
    written = 0
    for folder, _ in EXTRACTED:
        base = source / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            relative = path.relative_to(source).as_posix()
            if path.is_file() and _wanted(relative):
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)
                written += 1
    for single in EXTRACTED_FILES:
        if (source / single).is_file():
            destination = target / single
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / single, destination)
            written += 1
    return written
