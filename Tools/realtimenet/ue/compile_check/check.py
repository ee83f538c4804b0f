"""``rtnet ue compile-check``: the plugin's C++ compiled against real engine headers, UHT emulated, no link.

One run: resolve the engine (``engine``), read every Build.cs (``build_rules``) into a module graph
(``ubt``), write the generated headers of the engine modules the plugin can reach (cached per engine and
generator) and of the plugin's own modules (``uht``), then compile every ``.cpp`` of the plugin modules
with ``clang++-19 -fsyntax-only`` two at a time, and run the checks of ``ast_checks`` (MSVC's shadowing rules,
exports across modules) and the UHT rules of ``uht_lint`` over the plugin's code. Every problem prints as
``file:line:col: error: message``; the last line says ``N translation units, M errors``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from realtimenet.ue.compile_check import build_rules, engine, uht
from realtimenet.ue.compile_check.ubt import LIBCXX_INCLUDE, WARNING_FLAGS, Module, ModuleGraph, language_flags

PLUGIN_DIR = Path("Plugins") / "RealtimeNet"
PLUGIN_MODULES = ("RealtimeNetCore", "RealtimeNet", "RealtimeNetUI", "RealtimeNetSamples", "RealtimeNetEditor",
                  "RealtimeNetTests")
ENGINE_ROOTS = ("Engine/Source/Runtime", "Engine/Source/Developer", "Engine/Source/Editor", "Engine/Shaders")
COMPILER = "clang++-19"
_DIAGNOSTIC = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<kind>error|fatal error|warning): "
                         r"(?P<message>.*)$")


class CheckError(Exception):
    """Raised when the check cannot run at all (no compiler, no libc++ headers, a broken plugin layout)."""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at a place; ``note`` lines (clang's) are kept for the report, not counted."""

    path: str
    line: int
    column: int
    message: str
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: error: {self.message}"
        return "\n".join([text, *self.notes])


@dataclass(frozen=True)
class TranslationUnit:
    module: str
    source: Path


@dataclass
class Options:
    root: Path
    engine_source: str | None = None
    jobs: int = 2
    only: tuple[Path, ...] = ()
    output_dir: Path | None = None
    ast_checks: bool = True


@dataclass
class Result:
    units: list[TranslationUnit]
    diagnostics: list[Diagnostic]
    seconds: float


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def plugin_modules(root: Path) -> dict[str, Path]:
    """The plugin's modules (from RealtimeNet.uplugin) and their Build.cs files."""
    descriptor = json.loads((root / PLUGIN_DIR / "RealtimeNet.uplugin").read_text())
    modules: dict[str, Path] = {}
    for entry in descriptor["Modules"]:
        name = entry["Name"]
        rules = root / PLUGIN_DIR / "Source" / name / f"{name}.Build.cs"
        if not rules.is_file():
            raise CheckError(f"{rules}: missing (the .uplugin lists module {name})")
        modules[name] = rules
    return modules


def translation_units(root: Path, modules: Iterable[str]) -> list[TranslationUnit]:
    """Every .cpp under each module's folder, as UnrealBuildTool finds them."""
    units: list[TranslationUnit] = []
    for name in modules:
        folder = root / PLUGIN_DIR / "Source" / name
        units += [TranslationUnit(name, path) for path in sorted(folder.rglob("*.cpp"))]
    return units


def build_graph(tree: engine.EngineTree, root: Path) -> ModuleGraph:
    engine_dir = tree.root / "Engine"
    found = build_rules.find_modules(tree.root / r for r in ENGINE_ROOTS)
    directories = {name: path.parent for name, path in found.items()}
    modules = {name: Module(build_rules.read_rules(path, engine_dir, directories.get), plugin=False)
               for name, path in found.items()}
    for name, path in plugin_modules(root).items():
        directories[name] = path.parent
        modules[name] = Module(build_rules.read_rules(path, engine_dir, directories.get), plugin=True)
    return ModuleGraph(modules, engine_dir / "Source")


def _generator_key() -> str:
    source = Path(uht.__file__).read_bytes()
    return hashlib.sha256(source + str(uht.GENERATOR_VERSION).encode()).hexdigest()[:16]


def _cast_classes(tree: engine.EngineTree) -> frozenset[str]:
    macros = tree.source_dir / "Runtime" / "CoreUObject" / "Public" / "UObject" / "ObjectMacros.h"
    return frozenset(re.findall(r"\bCASTCLASS_(\w+)\s*=", macros.read_text(errors="replace")))


def generate_headers(graph: ModuleGraph, tree: engine.EngineTree, root: Path, output: Path,
                     modules: list[str]) -> None:
    """Write the generated headers of every module the plugin modules can include: the engine's into the
    engine's cache entry (once per generator version), the plugin's into ``output``."""
    closure = graph.closure(modules)
    engine_modules = [m for m in closure if not graph.modules[m].plugin]
    plugin_names = [m for m in closure if graph.modules[m].plugin]
    engine_out = tree.root / f"generated-{_generator_key()}"
    scans: list[uht.HeaderScan] = []
    by_module: dict[str, list[uht.HeaderScan]] = {}
    for name in closure:
        module = graph.modules[name]
        base = tree.root if not module.plugin else root
        for header in uht.reflected_headers(module.directory):
            scan = uht.scan_header(header, name, header.relative_to(base).as_posix())
            scans.append(scan)
            by_module.setdefault(name, []).append(scan)
    database = uht.TypeDatabase(cast_classes=_cast_classes(tree))
    database.add(scans)

    def write(name: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for scan in by_module.get(name, []):
            if scan.generated_name:
                (folder / f"{scan.generated_name}.generated.h").write_text(
                    uht.generate(scan, database, f"{name.upper()}_API"))

    marker = engine_out / "complete"
    if not marker.is_file():
        staging = tree.root / f".generated.partial-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        for name in engine_modules:
            write(name, staging / name / "UHT")
        (staging / "complete").write_text(json.dumps(sorted(engine_modules)))
        try:
            staging.rename(engine_out)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not marker.is_file():
                raise
    for name in engine_modules:
        graph.modules[name].generated_dir = engine_out / name / "UHT"
    for name in plugin_names:
        folder = output / "Inc" / name / "UHT"
        shutil.rmtree(folder, ignore_errors=True)
        write(name, folder)
        graph.modules[name].generated_dir = folder


def compile_command(graph: ModuleGraph, unit: TranslationUnit, output: Path) -> list[str]:
    env = graph.environment(unit.module)
    definitions = output / "Definitions" / f"Definitions.{unit.module}.h"
    definitions.parent.mkdir(parents=True, exist_ok=True)
    text = env.definitions_header()
    if not definitions.is_file() or definitions.read_text() != text:
        definitions.write_text(text)
    command = [COMPILER, "-fsyntax-only", *language_flags(env.cpp_standard, env.use_rtti), *WARNING_FLAGS,
               "-fno-color-diagnostics", "-fdiagnostics-absolute-paths", "-ferror-limit=0",
               "-include", str(definitions)]
    command += [f"-I{path}" for path in env.include_paths]
    for path in env.system_include_paths:
        command += ["-isystem", str(path)]
    command.append(str(unit.source))
    return command


_NOTE = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): note: (?P<message>.*)$")


def parse_diagnostics(output: str, root: Path) -> list[Diagnostic]:
    """clang's errors (``-Werror`` turns warnings into them), each with the notes that follow it. An error
    inside an engine or library header that clang traces back into the plugin ("in instantiation of ...
    requested here") is reported at the first plugin line of that trace, the header's place in the message."""
    diagnostics: list[Diagnostic] = []
    plugin = (root / PLUGIN_DIR).resolve()
    current: re.Match[str] | None = None
    notes: list[re.Match[str]] = []

    def flush() -> None:
        if current is None:
            return
        path, line, column = Path(current["file"]), int(current["line"]), int(current["col"])
        message = current["message"]
        inside = [n for n in notes if Path(n["file"]).resolve().is_relative_to(plugin)]
        if not path.resolve().is_relative_to(plugin) and inside:
            anchor = inside[0]
            message = f"{message} (at {_display(path, root)}:{line}:{column})"
            path, line, column = Path(anchor["file"]), int(anchor["line"]), int(anchor["col"])
        # Notes in the plugin (where it went wrong for us) and the first two others (the engine's side).
        kept = [n for i, n in enumerate(notes) if i < 2 or Path(n["file"]).resolve().is_relative_to(plugin)]
        texts = tuple(f"  note: {n['message']} ({_display(Path(n['file']), root)}:{n['line']})" for n in kept)
        diagnostics.append(Diagnostic(_display(path, root), line, column, message, notes=texts))

    for text in output.splitlines():
        match = _DIAGNOSTIC.match(text)
        if match is not None:
            flush()
            current, notes = match, []
            continue
        note = _NOTE.match(text)
        if note is not None and current is not None:
            notes.append(note)
    flush()
    return diagnostics


def check_toolchain(platform: str | None = None) -> None:
    """CheckError, saying what to install, when the toolchain the check emulates UBT with is missing."""
    if (platform or sys.platform) == "win32":
        raise CheckError("the compile check emulates UnrealBuildTool's Linux editor build with Debian's clang 19, "
                         "libc++ 19 and GSL, so it runs on Linux: on Windows, run it in WSL 2 (a Linux clone of "
                         "the repository), or compile with MSVC for real: rtnet ue build --engine-dir DIR")
    if shutil.which(COMPILER) is None:
        raise CheckError(f"{COMPILER} is missing (Debian: apt-get install clang-19; scripts/install-system-deps.sh)")
    if not (LIBCXX_INCLUDE / "vector").is_file():
        raise CheckError(f"libc++ headers are missing at {LIBCXX_INCLUDE} (apt-get install libc++-19-dev)")
    if not Path("/usr/include/gsl/gsl").is_file():
        raise CheckError("GSL headers are missing at /usr/include/gsl (apt-get install libmsgsl-dev)")


def run(options: Options, progress: Callable[[str], None] = _progress) -> Result:
    """Compile every plugin translation unit (or ``options.only``) and collect the errors."""
    started = time.monotonic()
    check_toolchain()
    root = options.root.resolve()
    tree = engine.resolve(options.engine_source, progress=progress)
    output = (options.output_dir or root / "build" / "ue-check").resolve()
    graph = build_graph(tree, root)
    names = list(plugin_modules(root))
    progress(f"rtnet ue compile-check: UE {tree.version} ({tree.origin}), clang 19, {len(names)} plugin modules")
    generate_headers(graph, tree, root, output, names)
    units = translation_units(root, names)
    if options.only:
        wanted = {path.resolve() for path in options.only}
        units = [unit for unit in units if unit.source.resolve() in wanted]
    diagnostics: list[Diagnostic] = []
    diagnostics += _uht_findings(root, names)
    done = 0

    def compile_one(unit: TranslationUnit) -> tuple[TranslationUnit, list[Diagnostic], float]:
        begin = time.monotonic()
        command = compile_command(graph, unit, output)
        ast_file: Path | None = None
        if options.ast_checks:
            # The same analysis as -fsyntax-only, with clang's AST written for the checks of ast_checks
            # (loading it costs milliseconds; parsing the file a second time would double the run).
            digest = hashlib.sha256(str(unit.source).encode()).hexdigest()[:8]
            ast_file = output / "ast" / f"{unit.source.stem}-{digest}.ast"
            ast_file.parent.mkdir(parents=True, exist_ok=True)
            command = [a for a in command if a != "-fsyntax-only"]
            command[1:1] = ["-emit-ast", "-o", str(ast_file)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            found = parse_diagnostics(result.stderr, root)
            if result.returncode != 0 and not found:
                found = [Diagnostic(_display(unit.source, root), 1, 1,
                                    f"clang failed: {result.stderr.strip()[-400:]}")]
            if result.returncode == 0 and ast_file is not None:
                from realtimenet.ue.compile_check import ast_checks

                found += ast_checks.check(ast_file, root)
        finally:
            if ast_file is not None:
                ast_file.unlink(missing_ok=True)
        return unit, found, time.monotonic() - begin

    interactive = sys.stderr.isatty()
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        for unit, found, seconds in pool.map(compile_one, units):
            done += 1
            diagnostics += found
            status = f"{len(found)} errors" if found else "ok"
            line = f"[{done}/{len(units)}] {unit.module}: {_display(unit.source, root)} ({seconds:.1f} s, {status})"
            if interactive:
                print(f"\r\033[K{line}", end="" if done < len(units) else "\n", file=sys.stderr, flush=True)
            else:
                progress(line)
    unique = sorted(set(diagnostics))
    return Result(units, unique, time.monotonic() - started)


def _uht_findings(root: Path, modules: list[str]) -> list[Diagnostic]:
    """UHT's refusals (types it cannot reflect, missing GENERATED_BODY...) from the project's UHT rules."""
    from realtimenet.ue.uht_lint import lint_paths

    folders = [root / PLUGIN_DIR / "Source" / m for m in modules if m != "RealtimeNetCore"]
    findings, _ = lint_paths([f for f in folders if f.is_dir()])
    diagnostics = []
    for finding in findings:
        text = finding.path.read_text(errors="replace").splitlines()
        line_text = text[finding.line - 1] if 0 < finding.line <= len(text) else ""
        column = len(line_text) - len(line_text.lstrip()) + 1
        diagnostics.append(Diagnostic(_display(finding.path, root), finding.line, column,
                                      f"UnrealHeaderTool would refuse this ({finding.rule}): {finding.message}"))
    return diagnostics
