"""Module rules read from ``*.Build.cs`` files, for a Development Editor build on Linux.

A Build.cs file is C#: a constructor that fills lists (``PublicDependencyModuleNames.Add("Core")``) inside
``if`` statements whose conditions ask the target (``Target.bBuildEditor``, ``Target.Platform ==
UnrealTargetPlatform.Win64``), sometimes through local variables or properties of the class. This reader runs
that subset: it evaluates conditions with three-valued logic against ``TARGET`` (the values UnrealBuildTool's
``TargetRules`` has for the ``UnrealEditor`` target on Linux, Development), follows ``if``/``else``, locals,
getter properties, string concatenation and ternaries, and the ``ModuleRules`` helpers the engine's files
call (``SetupIrisSupport`` and friends, written out in ``HELPERS`` as ModuleRules.cs has them). A condition it
cannot decide counts as false and is recorded in ``ModuleRules.undecided``; a value it cannot compute is
recorded in ``ModuleRules.unresolved``. ``OVERRIDES`` then gives, per module, what those would have added,
each with the reason; a test keeps that table in step with the engine it was written for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------------------------------------
# The target: UnrealEditor (Type = Editor), Development, Linux x64, modular. Values from TargetRules.cs
# (UE 5.5) defaults and UEBuildTarget's editor settings.
TARGET: dict[str, Any] = {
    "Target.Platform": "Linux",
    "Target.Type": "Editor",
    "Target.Configuration": "Development",
    "Target.LinkType": "Modular",
    "Target.Architecture": "X64",
    "Target.bBuildEditor": True,
    "Target.bBuildWithEditorOnlyData": True,
    "Target.bBuildDeveloperTools": True,
    "Target.bBuildRequiresCookedData": False,
    "Target.bCompileAgainstEngine": True,
    "Target.bCompileAgainstCoreUObject": True,
    "Target.bCompileAgainstApplicationCore": True,
    "Target.bCompileAgainstEditor": True,
    "Target.bUsesSlate": True,
    "Target.bWithServerCode": True,
    "Target.bWithClientCode": True,
    "Target.bUseIris": True,
    "Target.bWithPushModel": True,
    "Target.bEnableTrace": True,
    "Target.bCompileChaosVisualDebuggerSupport": True,
    "Target.bUseGameplayDebugger": True,
    "Target.bUseGameplayDebuggerCore": True,
    "Target.bCompileICU": True,
    "Target.bCompileCEF3": True,
    "Target.bCompileRecast": True,
    "Target.bCompileNavmeshSegmentLinks": True,
    "Target.bCompileNavmeshClusterLinks": True,
    "Target.bCompileFreeType": True,
    "Target.bCompilePython": True,
    "Target.bUseChaos": True,
    "Target.bCompileChaos": True,
    "Target.bIsEngineInstalled": False,
    "Target.bIsBuildingConsoleApplication": False,
    "Target.bUsePCHFiles": True,
    "Target.bUseUnityBuild": True,
    "Target.bShouldCompileAsDLL": False,
    "Target.bWithLiveCoding": False,
    "Target.bUseAutoRTFMCompiler": False,
    "Target.bForceEnableExceptions": False,
    "Target.bEnableMeshEditor": False,
    "Target.bCompileWithStatsWithoutEngine": False,
    "Target.bUseLoggingInShipping": False,
    "Target.bWithPerfCounters": True,
    "Target.bUseStaticFNameHashes": False,
    "Target.bBuildAllModules": True,
    "Target.bUseVerse": False,
    "Target.StaticAnalyzer": "None",
    "Target.bCodeCoverage": False,
    "Target.bMergeModules": False,
    "Target.bAllowLTCG": False,
    "Target.bPGOOptimize": False,
    "Target.bPGOProfile": False,
}
# Platform groups Linux belongs to (UEBuildLinux.cs registers Linux in Unix and Desktop).
PLATFORM_GROUPS = frozenset({"Linux", "Unix", "Desktop"})

LIST_FIELDS = frozenset({
    "PublicDependencyModuleNames", "PrivateDependencyModuleNames", "PublicIncludePathModuleNames",
    "PrivateIncludePathModuleNames", "PublicIncludePaths", "PrivateIncludePaths", "PublicSystemIncludePaths",
    "PublicDefinitions", "PrivateDefinitions", "DynamicallyLoadedModuleNames", "InternalIncludePaths",
})
SCALAR_FIELDS = frozenset({"bEnableExceptions", "bUseRTTI", "CppStandard", "PCHUsage", "Type", "bTreatAsEngineModule",
                           "bUseUnity", "bWarningsAsErrors", "ShadowVariableWarningLevel", "DefaultBuildSettings"})


class _Unknown:
    """A value this reader cannot compute (three-valued logic: ``x and UNKNOWN`` is ``x`` only when false)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass
class ModuleRules:
    """What one Build.cs declares, for the target above."""

    name: str
    directory: Path
    lists: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in LIST_FIELDS})
    scalars: dict[str, Any] = field(default_factory=dict)
    undecided: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    def add(self, list_name: str, values: Iterable[str]) -> None:
        for value in values:
            if value not in self.lists[list_name]:
                self.lists[list_name].append(value)

    @property
    def public_dependencies(self) -> list[str]:
        return self.lists["PublicDependencyModuleNames"]

    @property
    def private_dependencies(self) -> list[str]:
        return self.lists["PrivateDependencyModuleNames"]

    @property
    def is_external(self) -> bool:
        return str(self.scalars.get("Type", "")).endswith("External")


# ---------------------------------------------------------------------------------------------------------
# Tokens
_TOKEN = re.compile(r"""
    (?P<string>[@$]*"(?:[^"\\]|\\.|"")*")
  | (?P<char>'(?:[^'\\]|\\.)')
  | (?P<number>\d+(?:\.\d+)?[fFdDuUlL]?|0x[0-9a-fA-F]+)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<op>==|!=|<=|>=|&&|\|\||\+=|-=|=>|\?\?|::|[-+*/%<>=!?:.,;(){}\[\]&|^~])
""", re.X | re.S)
_COMMENTS = re.compile(r'//[^\n]*|/\*.*?\*/|([@$]*"(?:[^"\\]|\\.|"")*")', re.S)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    """C# tokens with comments dropped (strings kept whole)."""
    text = _COMMENTS.sub(lambda m: m.group(1) or " ", text)
    return [Token(m.lastgroup or "", m.group()) for m in _TOKEN.finditer(text)]


def _string_value(token: str) -> str:
    body = token.lstrip("@$")[1:-1]
    if token.startswith("@") or token.startswith("$@"):
        return body.replace('""', '"')
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _matching(tokens: list[Token], start: int) -> int:
    """Index of the token closing the bracket at ``start``."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    opening = tokens[start].text
    closing = pairs[opening]
    depth = 0
    for i in range(start, len(tokens)):
        if tokens[i].text == opening:
            depth += 1
        elif tokens[i].text == closing:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced {opening}")


def _split_commas(tokens: list[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text in "({[":
            depth += 1
        elif token.text in ")}]":
            depth -= 1
        if token.text == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


# ---------------------------------------------------------------------------------------------------------
class _Evaluator:
    """Runs one module's constructor over ``ModuleRules``."""

    def __init__(self, rules: ModuleRules, engine_dir: Path, properties: dict[str, list[Token]],
                 module_dirs: Callable[[str], Path | None]) -> None:
        self.rules = rules
        self.engine_dir = engine_dir
        self.properties = properties
        self.module_dirs = module_dirs
        self.locals: dict[str, Any] = {}

    # -- statements --------------------------------------------------------------------------------------
    def run(self, tokens: list[Token]) -> None:
        i = 0
        while i < len(tokens):
            i = self.statement(tokens, i, execute=True)

    def statement(self, tokens: list[Token], i: int, execute: bool) -> int:
        token = tokens[i]
        if token.text == "{":
            end = _matching(tokens, i)
            j = i + 1
            while j < end:
                j = self.statement(tokens, j, execute)
            return end + 1
        if token.text == ";":
            return i + 1
        if token.text == "if":
            close = _matching(tokens, i + 1)
            condition = self.expression(tokens[i + 2:close]) if execute else UNKNOWN
            if execute and condition is UNKNOWN:
                self.rules.undecided.append(" ".join(t.text for t in tokens[i + 2:close]))
            taken = condition is True
            j = self.statement(tokens, close + 1, execute and taken)
            if j < len(tokens) and tokens[j].text == "else":
                j = self.statement(tokens, j + 1, execute and not taken)
            return j
        if token.text in ("foreach", "for", "while", "switch", "using", "lock"):
            close = _matching(tokens, i + 1)
            if execute:
                self.rules.undecided.append(f"{token.text} ({' '.join(t.text for t in tokens[i + 2:close])})")
            return self.statement(tokens, close + 1, False)
        if token.text == "try":
            j = self.statement(tokens, i + 1, execute)
            while j < len(tokens) and tokens[j].text in ("catch", "finally"):
                j += 1
                if tokens[j].text == "(":
                    j = _matching(tokens, j) + 1
                j = self.statement(tokens, j, False)
            return j
        if token.text == "return":
            end = self._statement_end(tokens, i)
            if execute:
                raise _Return(self.expression(tokens[i + 1:end]))
            return end + 1
        end = self._statement_end(tokens, i)
        if execute:
            self.simple(tokens[i:end])
        return end + 1

    @staticmethod
    def _statement_end(tokens: list[Token], i: int) -> int:
        depth = 0
        for j in range(i, len(tokens)):
            text = tokens[j].text
            if text in "({[":
                depth += 1
            elif text in ")}]":
                depth -= 1
            elif text == ";" and depth == 0:
                return j
        return len(tokens)

    def simple(self, tokens: list[Token]) -> None:
        texts = [t.text for t in tokens]
        # List.Add(...) / List.AddRange(...)
        if len(tokens) >= 4 and texts[0] in LIST_FIELDS and texts[1] == "." and texts[2] in ("Add", "AddRange"):
            values = self.arguments(tokens[3:])
            flat: list[str] = []
            for value in values:
                flat.extend(value if isinstance(value, list) else [value])
            known = [v for v in flat if isinstance(v, str)]
            if len(known) != len(flat):
                self.rules.unresolved.append(f"{texts[0]}: {' '.join(texts[3:])}")
            self.rules.add(texts[0], known)
            return
        if texts and texts[0] in HELPERS:
            arguments = self.arguments(tokens[1:]) if len(tokens) > 1 else []
            HELPERS[texts[0]](self.rules, arguments)
            return
        # Assignments: locals (with a type in front) and the rule fields this check reads.
        if "=" in texts:
            at = texts.index("=")
            target = texts[at - 1]
            value = self.expression(tokens[at + 1:])
            if target in SCALAR_FIELDS and at == 1:
                self.rules.scalars[target] = value
            elif at in (1, 2) or (at > 2 and texts[at - 2] in (">", "]")):
                self.locals[target] = value
            return
        if texts and texts[0] in ("var", "bool", "string", "int") and len(texts) == 2:
            self.locals[texts[1]] = UNKNOWN

    def arguments(self, tokens: list[Token]) -> list[Any]:
        if not tokens or tokens[0].text != "(":
            return []
        close = _matching(tokens, 0)
        return [self.expression(part) for part in _split_commas(tokens[1:close])]

    # -- expressions -------------------------------------------------------------------------------------
    def expression(self, tokens: list[Token]) -> Any:
        try:
            value, rest = self._ternary(tokens, 0)
        except (IndexError, ValueError):
            return UNKNOWN
        return value if rest == len(tokens) else UNKNOWN

    def _ternary(self, tokens: list[Token], i: int) -> tuple[Any, int]:
        condition, i = self._or(tokens, i)
        if i < len(tokens) and tokens[i].text == "?":
            yes, i = self._ternary(tokens, i + 1)
            if tokens[i].text != ":":
                raise ValueError("ternary")
            no, i = self._ternary(tokens, i + 1)
            if condition is True:
                return yes, i
            if condition is False:
                return no, i
            return UNKNOWN, i
        return condition, i

    def _or(self, tokens: list[Token], i: int) -> tuple[Any, int]:
        left, i = self._and(tokens, i)
        while i < len(tokens) and tokens[i].text == "||":
            right, i = self._and(tokens, i + 1)
            left = True if left is True or right is True else (False if left is False and right is False else UNKNOWN)
        return left, i

    def _and(self, tokens: list[Token], i: int) -> tuple[Any, int]:
        left, i = self._compare(tokens, i)
        while i < len(tokens) and tokens[i].text == "&&":
            right, i = self._compare(tokens, i + 1)
            left = False if left is False or right is False else (True if left is True and right is True else UNKNOWN)
        return left, i

    def _compare(self, tokens: list[Token], i: int) -> tuple[Any, int]:
        left, i = self._sum(tokens, i)
        while i < len(tokens) and tokens[i].text in ("==", "!=", "<", ">", "<=", ">="):
            op = tokens[i].text
            right, i = self._sum(tokens, i + 1)
            if left is UNKNOWN or right is UNKNOWN:
                left = UNKNOWN
            elif op == "==":
                left = left == right
            elif op == "!=":
                left = left != right
            else:
                try:
                    left = {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
                except TypeError:
                    left = UNKNOWN
        return left, i

    def _sum(self, tokens: list[Token], i: int) -> tuple[Any, int]:
        left, i = self._unary(tokens, i)
        while i < len(tokens) and tokens[i].text == "+":
            right, i = self._unary(tokens, i + 1)
            if isinstance(left, str) or isinstance(right, str):
                left = UNKNOWN if UNKNOWN in (left, right) else f"{_text(left)}{_text(right)}"
            elif isinstance(left, int) and isinstance(right, int):
                left = left + right
            else:
                left = UNKNOWN
        return left, i

    def _unary(self, tokens: list[Token], i: int) -> tuple[Any, int]:
        if tokens[i].text == "!":
            value, i = self._unary(tokens, i + 1)
            return (not value) if isinstance(value, bool) else UNKNOWN, i
        return self._primary(tokens, i)

    def _primary(self, tokens: list[Token], i: int) -> tuple[Any, int]:
        token = tokens[i]
        if token.text == "(":
            close = _matching(tokens, i)
            value = self.expression(tokens[i + 1:close])
            return value, close + 1
        if token.kind == "string":
            if token.text.startswith("$"):
                return UNKNOWN, i + 1
            return _string_value(token.text), i + 1
        if token.kind == "number":
            try:
                return int(token.text, 0), i + 1
            except ValueError:
                return UNKNOWN, i + 1
        if token.text == "new":
            return self._new(tokens, i)
        if token.kind != "name":
            raise ValueError(f"unexpected {token.text}")
        # A dotted name, possibly called.
        j = i + 1
        parts = [token.text]
        while j + 1 < len(tokens) and tokens[j].text == "." and tokens[j + 1].kind == "name":
            parts.append(tokens[j + 1].text)
            j += 2
        name = ".".join(parts)
        if j < len(tokens) and tokens[j].text == "(":
            close = _matching(tokens, j)
            arguments = [self.expression(part) for part in _split_commas(tokens[j + 1:close])]
            return self.call(name, arguments), close + 1
        return self.name(name), j

    def _new(self, tokens: list[Token], i: int) -> tuple[Any, int]:
        j = i + 1
        while j < len(tokens) and tokens[j].text not in ("{", "("):
            j += 1
        if tokens[j].text == "(":
            j = _matching(tokens, j) + 1
        if j < len(tokens) and tokens[j].text == "{":
            close = _matching(tokens, j)
            values = [self.expression(part) for part in _split_commas(tokens[j + 1:close])]
            return values, close + 1
        return UNKNOWN, j

    def name(self, name: str) -> Any:
        if name in ("true", "false"):
            return name == "true"
        if name == "null":
            return None
        if name in TARGET:
            return TARGET[name]
        if name in self.locals:
            return self.locals[name]
        if name in self.properties:
            return self.property(name)
        if name == "ModuleDirectory":
            return str(self.rules.directory)
        if name in ("EngineDirectory", "Target.RelativeEnginePath"):
            return str(self.engine_dir)
        if name == "EngineSourceDirectory":
            return str(self.engine_dir / "Source")
        head, _, tail = name.rpartition(".")
        if head in ("UnrealTargetPlatform", "TargetType", "UnrealTargetConfiguration", "TargetLinkType", "UnrealArch",
                    "UnrealPlatformGroup", "StaticAnalyzer"):
            return tail
        if head.endswith("Target.Platform") or head == "Target.Platform":
            return UNKNOWN
        return UNKNOWN

    def property(self, name: str) -> Any:
        body = self.properties.pop(name)  # a property that refers to itself reads UNKNOWN
        try:
            if body and body[0].text == "=>":
                return self.expression(body[1:])
            try:
                saved = dict(self.locals)
                self.run(body)
            except _Return as result:
                return result.value
            finally:
                self.locals = saved
            return UNKNOWN
        finally:
            self.properties[name] = body

    def call(self, name: str, arguments: list[Any]) -> Any:
        if name in ("Target.IsInPlatformGroup", "Target.Platform.IsInGroup"):
            return arguments[0] in PLATFORM_GROUPS if arguments and isinstance(arguments[0], str) else UNKNOWN
        if name in ("Path.Combine", "System.IO.Path.Combine"):
            if all(isinstance(a, str) for a in arguments):
                return str(Path(*arguments))
            return UNKNOWN
        if name == "GetModuleDirectory" and arguments and isinstance(arguments[0], str):
            directory = self.module_dirs(arguments[0])
            return str(directory) if directory else UNKNOWN
        if name in ("Path.GetFullPath",) and arguments and isinstance(arguments[0], str):
            return arguments[0]
        return UNKNOWN


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


# ---------------------------------------------------------------------------------------------------------
# ModuleRules helpers (ModuleRules.cs, UE 5.5), for the target above.
def _third_party_static(rules: ModuleRules, arguments: list[Any]) -> None:
    rules.add("PrivateDependencyModuleNames", [a for a in arguments[1:] if isinstance(a, str)])


def _third_party_dynamic(rules: ModuleRules, arguments: list[Any]) -> None:
    rules.add("PrivateIncludePathModuleNames", [a for a in arguments[1:] if isinstance(a, str)])


def _public_or_private(arguments: list[Any]) -> str:
    public = len(arguments) > 1 and arguments[1] is True
    return "PublicDependencyModuleNames" if public else "PrivateDependencyModuleNames"


def _iris(rules: ModuleRules, arguments: list[Any]) -> None:
    # TARGET["Target.bUseIris"] is true in 5.5 editor targets.
    rules.add("PublicDefinitions", ["UE_WITH_IRIS=1"])
    rules.add("PrivateDefinitions", ["UE_NET_HAS_IRIS_FASTARRAY_BINDING=1"])
    rules.add(_public_or_private(arguments), ["IrisCore"])


def _gameplay_debugger(rules: ModuleRules, arguments: list[Any]) -> None:
    rules.add("PublicDefinitions", ["WITH_GAMEPLAY_DEBUGGER_CORE=1", "WITH_GAMEPLAY_DEBUGGER=1",
                                    "WITH_GAMEPLAY_DEBUGGER_MENU=1"])
    rules.add(_public_or_private(arguments), ["GameplayDebugger", "GameplayDebuggerEditor"])


def _chaos_visual_debugger(rules: ModuleRules, arguments: list[Any]) -> None:
    rules.add("PublicDependencyModuleNames", ["ChaosVDRuntime"])
    rules.add("PublicDefinitions", ["WITH_CHAOS_VISUAL_DEBUGGER=1"])


def _physics(rules: ModuleRules, arguments: list[Any]) -> None:
    rules.add("PublicIncludePathModuleNames", ["Chaos"])
    rules.add("PublicDependencyModuleNames", ["PhysicsCore", "ChaosCore", "Chaos"])
    rules.add("PublicDefinitions", ["WITH_CLOTH_COLLISION_DETECTION=1"])
    _chaos_visual_debugger(rules, arguments)


def _mesh_editor(rules: ModuleRules, arguments: list[Any]) -> None:
    rules.add("PublicDefinitions", ["ENABLE_MESH_EDITOR=0"])


def _verse_vm(rules: ModuleRules, arguments: list[Any]) -> None:
    rules.add("PublicDependencyModuleNames", ["VerseVM"] if False else [])  # bUseVerse is false in 5.5 editors


HELPERS: dict[str, Callable[[ModuleRules, list[Any]], None]] = {
    "AddEngineThirdPartyPrivateStaticDependencies": _third_party_static,
    "AddEngineThirdPartyPrivateDynamicDependencies": _third_party_dynamic,
    "SetupIrisSupport": _iris,
    "SetupGameplayDebuggerSupport": _gameplay_debugger,
    "SetupModuleChaosVisualDebuggerSupport": _chaos_visual_debugger,
    "SetupModulePhysicsSupport": _physics,
    "EnableMeshEditorSupport": _mesh_editor,
    "AddVerseVMDependencies": _verse_vm,
}


# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Override:
    """What a module's C# logic adds that the reader cannot compute, and why."""

    public_definitions: tuple[str, ...] = ()
    public_dependencies: tuple[str, ...] = ()
    reason: str = ""


OVERRIDES: dict[str, Override] = {
    "CoreOnline": Override(
        public_definitions=("PLATFORM_MAX_LOCAL_PLAYERS=0",),
        reason="GetPlatformMaxLocalPlayers(Target) is a method of the rules class; it returns 0 (no platform "
               "override) on Linux"),
    "HTTP": Override(
        public_definitions=("UE_HTTP_CONNECTION_TIMEOUT_MAX_DEVIATION=0.5",),
        reason="a float local (0.5f) that only XCurl and Apple platforms change"),
}


def read_rules(path: Path, engine_dir: Path, module_dirs: Callable[[str], Path | None] = lambda _: None) -> ModuleRules:
    """Run ``path`` (a ``<Name>.Build.cs``) for the target above."""
    name = path.name[: -len(".Build.cs")]
    rules = ModuleRules(name=name, directory=path.parent)
    tokens = tokenize(path.read_text(encoding="utf-8-sig", errors="replace"))
    constructor, properties = _class_members(tokens, name)
    evaluator = _Evaluator(rules, engine_dir, properties, module_dirs)
    if constructor is not None:
        try:
            evaluator.run(constructor)
        except _Return:
            pass
    override = OVERRIDES.get(name)
    if override:
        rules.add("PublicDefinitions", override.public_definitions)
        rules.add("PublicDependencyModuleNames", override.public_dependencies)
    return rules


def _class_members(tokens: list[Token], name: str) -> tuple[list[Token] | None, dict[str, list[Token]]]:
    """The body of ``public Name(ReadOnlyTargetRules Target) : base(Target) { ... }`` and the class's getter
    properties (``bool X { get { ... } }`` or ``bool X => ...;``), by name."""
    texts = [t.text for t in tokens]
    constructor: list[Token] | None = None
    properties: dict[str, list[Token]] = {}
    try:
        start = next(i for i in range(len(texts) - 2) if texts[i] == "class" and texts[i + 1] == name)
    except StopIteration:
        return None, properties
    body_open = texts.index("{", start)
    body_close = _matching(tokens, body_open)
    i = body_open + 1
    while i < body_close:
        if texts[i] == name and texts[i + 1] == "(":
            j = _matching(tokens, i + 1) + 1
            while texts[j] != "{":
                j += 1
            end = _matching(tokens, j)
            constructor = tokens[j + 1:end]
            i = end + 1
            continue
        if texts[i] == "{":
            i = _matching(tokens, i) + 1
            continue
        if tokens[i].kind == "name" and i + 1 < body_close and texts[i + 1] in ("{", "=>") and texts[i - 1] not in (
                "class", "new", "=", "return"):
            if texts[i + 1] == "=>":
                end = texts.index(";", i)
                properties[texts[i]] = tokens[i + 1:end]
                i = end + 1
                continue
            end = _matching(tokens, i + 1)
            inner = tokens[i + 2:end]
            inner_texts = [t.text for t in inner]
            if "get" in inner_texts:
                g = inner_texts.index("get")
                if g + 1 < len(inner) and inner_texts[g + 1] == "=>":
                    stop = inner_texts.index(";", g)
                    properties[texts[i]] = inner[g + 1:stop]
                elif g + 1 < len(inner) and inner_texts[g + 1] == "{":
                    stop = _matching(inner, g + 1)
                    properties[texts[i]] = inner[g + 2:stop]
            i = end + 1
            continue
        i += 1
    return constructor, properties


def find_modules(roots: Iterable[Path]) -> dict[str, Path]:
    """Every ``<Name>.Build.cs`` under ``roots``: name -> file."""
    found: dict[str, Path] = {}
    for root in roots:
        for path in sorted(root.rglob("*.Build.cs")):
            found.setdefault(path.name[: -len(".Build.cs")], path)
    return found
