"""An emulation of UnrealHeaderTool 5.5's generated headers, far enough for the compiler.

For every header that includes ``"<Name>.generated.h"`` (the plugin's and the engine's), this writes that
file with what UHT's ``UhtHeaderCodeGeneratorHFile`` (Engine/Source/Programs/Shared/EpicGames.UHT/Exporters/
CodeGen) declares in it: the ``CURRENT_FILE_ID`` and one macro per ``GENERATED_BODY`` line
(``<FileId>_<Line>_GENERATED_BODY``), per ``UCLASS`` line (``_PROLOG``) and per line a dynamic delegate
declaration spans (``_DELEGATE``), with the same contents UHT puts there. Nothing is defined that a
``.gen.cpp`` would define: the check compiles, it never links.

The shapes follow UHT 5.5 with GeneratedCodeVersion V1 (UHT's default; the engine's configuration does not
change it):

* UCLASS: ``StaticRegisterNatives<C>``, the ``Z_Construct_UClass_<C>_Statics`` friend, ``DECLARE_CLASS``
  (``CASTCLASS_<C>`` when the engine has one, the package, ``<MODULE>_API`` only for ``MinimalAPI`` classes,
  else ``NO_API``), ``DECLARE_SERIALIZER``, the missing ``Serialize`` overload, ``DECLARE_WITHIN``,
  ``StaticConfigName``, ``_getUObject`` for interface implementers, replication enums
  (``ENetFields_Private``, ``ValidateGeneratedRepEnums``, ``REPLICATED_BASE_CLASS``), ``DECLARE_FUNCTION``
  thunks, the ``_Implementation``/``_Validate`` declarations the user left out, FieldNotify descriptors (unless
  ``CustomFieldNotify``), the constructor the parent chain calls for, private move and copy constructors,
  the vtable-helper constructor and caller, a virtual destructor when none is declared, and the access level
  in force at ``GENERATED_BODY`` restored afterwards; ``StaticClass<C>`` after the class.
* USTRUCT: the ``Statics`` friend, ``StaticStruct``, ``Super`` only when the base is a USTRUCT; ``StaticStruct<S>``.
* UENUM: ``FOREACH_ENUM_<NAME>``, the typed forward declaration, ``TIsUEnumClass``, ``StaticEnum<E>``.
* UINTERFACE: the ``U`` side like a class (abstract, ``CLASS_Interface``), the ``I`` side with ``UClassType``,
  ``ThisClass``, ``_getUObject`` and an ``Execute_<F>`` per Blueprint event.
* Dynamic delegates (sparse ones too): ``F<Name>_DelegateWrapper``, static inside a class.
* Forward declarations of the classes, structs and typed enums used in UFUNCTION and delegate signatures.

The headers are read with regular expressions over a copy with comments, string contents and preprocessor
lines blanked (``#if 0`` and ``#if !CPP`` blocks dropped, as the compiler drops them); that is enough for the
declarations UHT accepts, which are themselves restricted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = 1  # part of the cache key of the engine's generated headers

_COMMENT_OR_STRING = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_DIRECTIVE = re.compile(r"^[ \t]*#(?:[^\n\\]|\\.)*(?:\\\n(?:[^\n\\]|\\.)*)*", re.M)
_MACRO = re.compile(r"\b(UCLASS|UINTERFACE|USTRUCT|UENUM|DECLARE_DYNAMIC_\w*DELEGATE\w*)\s*\(")
_GENERATED_INCLUDE = re.compile(r'#\s*include\s*"([^"]+)\.generated\.h"')
_GENERATED_BODY = re.compile(
    r"\bGENERATED_(BODY|UCLASS_BODY|USTRUCT_BODY|UINTERFACE_BODY|IINTERFACE_BODY|BODY_LEGACY)\s*\(")
_ACCESS = re.compile(r"\b(public|protected|private)\s*:(?!:)")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_SKIP_DECL_WORDS = {"static", "virtual", "inline", "FORCEINLINE", "FORCENOINLINE", "explicit", "constexpr",
                    "FORCEINLINE_DEBUGGABLE", "UE_NODISCARD", "[[nodiscard]]", "friend"}


def blank(text: str) -> tuple[str, str]:
    """(code, skeleton), offsets kept: comments and preprocessor lines blanked in both; string and character
    literal contents also blanked in the skeleton. ``#if 0`` / ``#if !CPP`` / ``#if CPP ... #else`` parts the
    compiler never sees are blanked too."""

    def spaces(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group())

    def literal(match: re.Match[str]) -> str:
        token = match.group()
        if token[0] in "\"'":
            return token
        return spaces(match)

    code = _COMMENT_OR_STRING.sub(literal, text)
    code = _drop_dead_blocks(code)
    code = _DIRECTIVE.sub(spaces, code)

    def skeleton_literal(match: re.Match[str]) -> str:
        token = match.group()
        return token[0] + " " * (len(token) - 2) + token[-1] if len(token) >= 2 else token

    skeleton = re.sub(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', skeleton_literal, code)
    return code, skeleton


_IF_LINE = re.compile(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b([^\n]*)", re.M)


def _drop_dead_blocks(code: str) -> str:
    """Blank ``#if 0``, ``#if !CPP`` and the ``#else`` of ``#if CPP`` (UHT-only or disabled code)."""
    out = list(code)
    stack: list[tuple[bool, bool]] = []  # (dead now, dead in the else branch)
    dead_from: int | None = None
    for match in _IF_LINE.finditer(code):
        kind, rest = match.group(1), match.group(2).strip()
        was_dead = any(d for d, _ in stack)
        if kind in ("if", "ifdef", "ifndef"):
            condition = rest.replace(" ", "")
            dead = kind == "if" and condition in ("0", "!CPP")
            dead_else = kind == "if" and condition == "CPP"
            stack.append((dead, dead_else))
        elif kind in ("elif", "else") and stack:
            dead, dead_else = stack[-1]
            stack[-1] = (dead_else, False)
        elif kind == "endif" and stack:
            stack.pop()
        now_dead = any(d for d, _ in stack)
        if now_dead and not was_dead:
            dead_from = match.end()
        elif was_dead and not now_dead and dead_from is not None:
            for i in range(dead_from, match.start()):
                if out[i] != "\n":
                    out[i] = " "
            dead_from = None
    return "".join(out)


def matching(text: str, start: int, opening: str = "(", closing: str = ")") -> int:
    """Index of the bracket closing the one at ``start`` (len(text) when unbalanced)."""
    depth = 0
    pattern = re.compile(re.escape(opening) + "|" + re.escape(closing))
    for match in pattern.finditer(text, start):
        if match.group() == opening:
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.start()
    return len(text)


def split_top(text: str, separator: str = ",", angles: bool = False) -> list[str]:
    """Split at ``separator`` outside brackets (and outside <> when ``angles``)."""
    parts: list[str] = []
    depth = 0
    begin = 0
    opening, closing = ("([{<", ")]}>") if angles else ("([{", ")]}")
    for i, ch in enumerate(text):
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        elif ch == separator and depth == 0:
            parts.append(text[begin:i])
            begin = i + 1
    parts.append(text[begin:])
    return [p.strip() for p in parts if p.strip()]


def specifiers(text: str) -> dict[str, str]:
    """``Abstract, config=Game, meta=(...)`` -> {"abstract": "", "config": "Game", "meta": "(...)"}; keys lower."""
    result: dict[str, str] = {}
    for part in split_top(text):
        key, _, value = part.partition("=")
        result[key.strip().lower()] = value.strip().strip('"')
    return result


# ---------------------------------------------------------------------------------------------------------
@dataclass
class Function:
    """A UFUNCTION (in a class or interface) or a dynamic delegate."""

    name: str
    return_type: str
    params: list[tuple[str, str]]  # (type text, name)
    flags: set[str]
    line: int
    is_static: bool = False
    is_const: bool = False
    is_override: bool = False

    @property
    def is_event(self) -> bool:
        return "blueprintimplementableevent" in self.flags or "blueprintnativeevent" in self.flags

    @property
    def is_native(self) -> bool:
        return "blueprintimplementableevent" not in self.flags

    @property
    def is_net(self) -> bool:
        return bool(self.flags & {"server", "client", "netmulticast"})

    @property
    def impl_name(self) -> str:
        if "blueprintnativeevent" in self.flags or self.is_net:
            return self.name + "_Implementation"
        return self.name

    def parameter_text(self, extra: str | None = None) -> str:
        parts = [extra] if extra else []
        parts += [f"{t} {n}" for t, n in self.params]
        return ", ".join(parts)


@dataclass
class Property:
    name: str
    flags: dict[str, str]
    array_dim: str | None = None

    @property
    def replicated(self) -> bool:
        return "replicated" in self.flags or "replicatedusing" in self.flags

    @property
    def field_notify(self) -> bool:
        return "fieldnotify" in self.flags


@dataclass
class ClassDecl:
    """A UCLASS, or either side of a UINTERFACE (``kind`` is class, interface or native_interface)."""

    kind: str
    name: str
    bases: list[str]
    api: str | None
    flags: dict[str, str]
    prolog_lines: range
    body_line: int = 0
    legacy: bool = False
    access: str = "private"
    functions: list[Function] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)
    has_constructor: bool = False
    has_default_constructor: bool = False
    has_oi_constructor: bool = False
    has_vtable_constructor: bool = False
    has_destructor: bool = False
    serializers: set[str] = field(default_factory=set)

    @property
    def super_name(self) -> str | None:
        return self.bases[0] if self.bases else None


@dataclass
class StructDecl:
    name: str
    base: str | None
    api: str | None
    flags: dict[str, str]
    body_line: int


@dataclass
class EnumDecl:
    name: str
    form: str  # "enum class", "regular", "namespaced"
    underlying: str | None
    values: list[tuple[str, int | None]]


@dataclass
class Delegate:
    function: Function
    lines: range
    multicast: bool
    owner: ClassDecl | None


@dataclass
class HeaderScan:
    """What one header declares for UHT, in order."""

    path: Path
    module: str
    file_id: str
    generated_name: str | None
    types: list[ClassDecl | StructDecl | EnumDecl | Delegate] = field(default_factory=list)


def file_id(relative: str) -> str:
    """UHT's ``FID_`` + the header's path with every non-alphanumeric character as ``_``."""
    return "FID_" + re.sub(r"[^A-Za-z0-9]", "_", relative)


class _Source:
    def __init__(self, text: str) -> None:
        self.code, self.skeleton = blank(text)
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1


def scan_header(path: Path, module: str, relative: str, text: str | None = None) -> HeaderScan:
    """Read the reflected declarations of one header."""
    raw = path.read_text(encoding="utf-8", errors="replace") if text is None else text
    include = _GENERATED_INCLUDE.search(raw)
    scan = HeaderScan(path, module, file_id(relative), include.group(1) if include else None)
    if include is None:
        return scan
    source = _Source(raw)
    class_bodies: list[tuple[int, int, ClassDecl]] = []
    position = 0
    skeleton = source.skeleton
    while True:
        match = _MACRO.search(skeleton, position)
        if match is None:
            break
        macro = match.group(1)
        open_paren = match.end() - 1
        close_paren = matching(skeleton, open_paren)
        position = close_paren + 1
        arguments = source.code[open_paren + 1:close_paren]
        lines = range(source.line(match.start()), source.line(close_paren) + 1)
        if macro in ("UCLASS", "UINTERFACE"):
            parsed = _parse_class(source, close_paren + 1, specifiers(arguments), lines,
                                  "interface" if macro == "UINTERFACE" else "class")
            if parsed is None:
                continue
            decl, body_start, body_end = parsed
            scan.types.append(decl)
            class_bodies.append((body_start, body_end, decl))
            if macro == "UINTERFACE":
                native = _parse_native_interface(source, body_end + 1, decl)
                if native is not None:
                    native_decl, native_start, native_end = native
                    scan.types.append(native_decl)
                    class_bodies.append((native_start, native_end, native_decl))
        elif macro == "USTRUCT":
            struct = _parse_struct(source, close_paren + 1, specifiers(arguments))
            if struct is not None:
                scan.types.append(struct)
        elif macro == "UENUM":
            enum = _parse_enum(source, close_paren + 1)
            if enum is not None:
                scan.types.append(enum)
        else:
            owner = next((decl for start, end, decl in class_bodies if start < match.start() < end), None)
            delegate = _parse_delegate(macro, arguments, lines, owner)
            if delegate is not None:
                scan.types.append(delegate)
    return scan


def _declaration_head(source: _Source, start: int, keyword: str) -> tuple[str, int] | None:
    """The text from ``keyword`` up to the opening brace of its body, and that brace's offset."""
    match = re.compile(r"\s*(?:" + keyword + r")\b").match(source.skeleton, start)
    if match is None:
        return None
    brace = source.skeleton.find("{", match.end())
    semicolon = source.skeleton.find(";", match.end())
    if brace < 0 or (0 <= semicolon < brace):
        return None
    return source.code[match.end():brace], brace


def _name_api_bases(head: str) -> tuple[str, str | None, list[str], bool]:
    """``ENGINE_API UFoo final : public UBar, public IBaz`` -> (UFoo, ENGINE_API, [UBar, IBaz], final)."""
    head = re.sub(r"\b(?:UE_DEPRECATED|DEPRECATED|alignas|UE_EXPERIMENTAL)\s*\([^)]*\)", " ", head)
    head = re.sub(r"\[\[[^\]]*\]\]", " ", head)
    before, colon, after = head.partition(":")
    words = _IDENT.findall(before)
    api = next((w for w in words if w.endswith("_API")), None)
    names = [w for w in words if not w.endswith("_API") and w not in ("final", "UE_DEPRECATED")]
    name = names[0] if names else ""
    bases: list[str] = []
    if colon:
        for part in split_top(after, angles=True):
            words_part = part.split()
            bases.append(" ".join(w for w in words_part if w not in ("public", "protected", "private", "virtual")))
    return name, api, bases, "final" in words


def _parse_class(source: _Source, start: int, flags: dict[str, str], lines: range,
                 kind: str) -> tuple[ClassDecl, int, int] | None:
    head = _declaration_head(source, start, "class|struct")
    if head is None:
        return None
    text, brace = head
    name, api, bases, _ = _name_api_bases(text)
    end = matching(source.skeleton, brace, "{", "}")
    decl = ClassDecl(kind, name, bases, api, flags, lines)
    _read_body(source, brace, end, decl, default_access="private")
    return decl, brace, end


def _parse_native_interface(source: _Source, start: int, uclass: ClassDecl) -> tuple[ClassDecl, int, int] | None:
    wanted = "I" + uclass.name[1:]
    pattern = re.compile(r"\bclass\b[^;{]*?\b" + re.escape(wanted) + r"\b")
    match = pattern.search(source.skeleton, start)
    if match is None:
        return None
    head = _declaration_head(source, match.start(), "class")
    if head is None:
        return None
    text, brace = head
    name, api, bases, _ = _name_api_bases(text)
    end = matching(source.skeleton, brace, "{", "}")
    decl = ClassDecl("native_interface", name, bases, api, uclass.flags, range(0))
    _read_body(source, brace, end, decl, default_access="private")
    return decl, brace, end


def _flatten(skeleton: str, brace: int, end: int) -> str:
    """The body between ``brace`` and ``end`` with nested blocks' contents blanked (braces kept)."""
    body = list(skeleton[brace + 1:end])
    depth = 0
    for match in re.finditer(r"[{}]", skeleton[brace + 1:end]):
        i = match.start()
        if match.group() == "{":
            depth += 1
            if depth == 1:
                begin = i + 1
        else:
            depth -= 1
            if depth == 0:
                for j in range(begin, i):
                    if body[j] != "\n":
                        body[j] = " "
    return "".join(body)


# Statements of a class body end at ';', braces and access specifiers; a GENERATED_BODY() (no ';' after it)
# ends one too, and a reflection macro always starts one.
_STATEMENT_BOUNDARY = re.compile(r"[;{}]|\b(?:public|protected|private)\s*:(?!:)|\bGENERATED_\w+\s*\(\s*\)"
                                 r"|(?=\bU(?:FUNCTION|PROPERTY)\s*\()")
_LEADING_MACRO = re.compile(r"^\s*[A-Z][A-Z0-9_]+\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)")
_REFLECTION_PREFIX = re.compile(r"^\s*(UFUNCTION|UPROPERTY)\s*\(")


def _read_body(source: _Source, brace: int, end: int, decl: ClassDecl, default_access: str) -> None:
    flat = _flatten(source.skeleton, brace, end)
    base = brace + 1
    generated = _GENERATED_BODY.search(flat)
    if generated is not None:
        decl.body_line = source.line(base + generated.start())
        decl.legacy = generated.group(1) not in ("BODY", "USTRUCT_BODY")
        accesses = [m for m in _ACCESS.finditer(flat, 0, generated.start())]
        decl.access = accesses[-1].group(1) if accesses else default_access
    position = 0
    for boundary in _STATEMENT_BOUNDARY.finditer(flat):
        statement_start, statement_end = position, boundary.start()
        position = boundary.end()
        _read_statement(source, flat, base, statement_start, statement_end, decl)
    _read_statement(source, flat, base, position, len(flat), decl)


def _read_statement(source: _Source, flat: str, base: int, start: int, end: int, decl: ClassDecl) -> None:
    text = flat[start:end]
    if not text.strip():
        return
    macro = _REFLECTION_PREFIX.match(text)
    flags: dict[str, str] = {}
    if macro is not None:
        open_paren = start + macro.end() - 1
        close_paren = matching(flat, open_paren)
        flags = specifiers(source.code[base + open_paren + 1:base + close_paren])
        if close_paren >= end:  # the specifiers held a ';' or brace: read the declaration after them
            return
        text = flat[close_paren + 1:end]
        code_text = source.code[base + close_paren + 1:base + end]
        line = source.line(base + close_paren + 1)
        if macro.group(1) == "UFUNCTION":
            function = _parse_function_declaration(code_text, flags, line)
            if function is not None:
                decl.functions.append(function)
                decl.declared.add(function.name)
        else:
            prop = _parse_property(code_text, flags)
            if prop is not None:
                decl.properties.append(prop)
        return
    code_text = source.code[base + start:base + end]
    while (leading := _LEADING_MACRO.match(code_text)) is not None:  # UE_DEPRECATED(...), UE_NONCOPYABLE(...)
        code_text = code_text[leading.end():]
    stripped = re.sub(r"^\s*(?:template\s*<[^>]*>\s*)?", "", code_text)
    words = stripped.split()
    while words and (words[0] in ("explicit", "virtual", "inline", "FORCEINLINE", "constexpr")
                     or words[0].endswith("_API")):
        words.pop(0)
    rest = " ".join(words)
    constructor = re.match(re.escape(decl.name) + r"\s*\(", rest)
    if constructor is not None:
        _constructor(rest[constructor.end() - 1:], decl)
    elif re.match(r"~\s*" + re.escape(decl.name) + r"\s*\(", rest):
        decl.has_destructor = True
    name_match = re.search(r"(~?\w+)\s*\(", code_text)
    if name_match is not None:
        decl.declared.add(name_match.group(1))
        if name_match.group(1) == "Serialize":
            arguments = code_text[name_match.end():]
            if re.match(r"\s*FArchive\s*&", arguments):
                decl.serializers.add("archive")
            elif re.match(r"\s*FStructuredArchive(?:::FRecord|Record)\b", arguments):
                decl.serializers.add("record")
    if "REPLICATED_BASE_CLASS" in code_text:
        decl.declared.add("REPLICATED_BASE_CLASS")


def _constructor(arguments: str, decl: ClassDecl) -> None:
    """UhtHeaderFileParser.CheckForConstructor: which constructors the user declared."""
    close = matching(arguments, 0)
    inner = arguments[1:close].strip()
    vtable = False
    if not inner and not decl.has_default_constructor:
        decl.has_default_constructor = True
    else:
        tokens = re.findall(r"[A-Za-z_]\w*|[&,<(]", inner)
        oi = "FObjectInitializer" in tokens or "FPostConstructInitializeProperties" in tokens
        vtable = "FVTableHelper" in tokens
        if "," in tokens or "<" in tokens:
            oi = vtable = False
        if oi and "&" in tokens and "const" in tokens:
            decl.has_oi_constructor = True
        if vtable and "&" in tokens:
            decl.has_vtable_constructor = True
    if not vtable:
        decl.has_constructor = True


def _parse_function_declaration(text: str, flags: dict[str, str], line: int) -> Function | None:
    paren = text.find("(")
    if paren < 0:
        return None
    head = text[:paren].split()
    if not head:
        return None
    name = head[-1]
    modifiers = head[:-1]
    is_static = "static" in modifiers
    return_words = [w for w in modifiers if w not in _SKIP_DECL_WORDS and not w.endswith("_API")]
    close = matching(text, paren)
    params = _parameters(text[paren + 1:close])
    tail = text[close + 1:]
    return Function(name=name, return_type=" ".join(return_words) or "void", params=params,
                    flags=set(flags), line=line, is_static=is_static,
                    is_const=bool(re.match(r"\s*const\b", tail)), is_override=bool(re.search(r"\boverride\b", tail)))


_UPARAM = re.compile(r"\bUPARAM\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)")


def _parameters(text: str) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for part in split_top(text, angles=True):
        part = _UPARAM.sub("", part).split("=")[0].strip()
        match = re.match(r"(.*?)([A-Za-z_]\w*)\s*((?:\[[^\]]*\])*)$", part, re.S)
        if match is None or not match.group(1).strip():
            result.append((part, f"Param{len(result) + 1}"))
            continue
        result.append((match.group(1).strip() + match.group(3), match.group(2)))
    return result


def _parse_property(text: str, flags: dict[str, str]) -> Property | None:
    text = text.split("=")[0]
    text = re.sub(r":\s*\d+\s*$", "", text.strip())  # bitfield
    match = re.search(r"([A-Za-z_]\w*)\s*(?:\[([^\]]+)\])?\s*$", text)
    if match is None:
        return None
    return Property(match.group(1), flags, match.group(2).strip() if match.group(2) else None)


def _parse_struct(source: _Source, start: int, flags: dict[str, str]) -> StructDecl | None:
    head = _declaration_head(source, start, "struct|class")
    if head is None:
        return None
    text, brace = head
    name, api, bases, _ = _name_api_bases(text)
    end = matching(source.skeleton, brace, "{", "}")
    flat = _flatten(source.skeleton, brace, end)
    generated = _GENERATED_BODY.search(flat)
    line = source.line(brace + 1 + generated.start()) if generated else 0
    return StructDecl(name, bases[0] if bases else None, api, flags, line)


def _parse_enum(source: _Source, start: int) -> EnumDecl | None:
    skeleton = source.skeleton
    namespaced = re.compile(r"\s*namespace\s+(\w+)\s*\{\s*enum\s+(\w+)\s*(?::\s*([\w:]+))?\s*\{").match(skeleton, start)
    if namespaced is not None:
        brace = namespaced.end() - 1
        end = matching(skeleton, brace, "{", "}")
        return EnumDecl(f"{namespaced.group(1)}::{namespaced.group(2)}", "namespaced", namespaced.group(3),
                        _enum_values(source.code[brace + 1:end], skeleton[brace + 1:end]))
    match = re.compile(r"\s*enum\s+(class\s+|struct\s+)?(\w+)\s*(?::\s*([\w:]+))?\s*\{").match(skeleton, start)
    if match is None:
        return None
    brace = match.end() - 1
    end = matching(skeleton, brace, "{", "}")
    form = "enum class" if match.group(1) else "regular"
    return EnumDecl(match.group(2), form, match.group(3),
                    _enum_values(source.code[brace + 1:end], skeleton[brace + 1:end]))


def _enum_values(code: str, skeleton: str) -> list[tuple[str, int | None]]:
    values: list[tuple[str, int | None]] = []
    cleaned = re.sub(r"\bUMETA\s*\((?:[^()]|\([^()]*\))*\)", "", code)
    previous: int | None = -1
    known: dict[str, int] = {}
    for part in split_top(cleaned):
        name, _, expression = part.partition("=")
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            continue
        value: int | None
        if expression.strip():
            text = expression.strip()
            try:
                value = int(text.rstrip("uUlL"), 0)
            except ValueError:
                value = known.get(text)
        else:
            value = previous + 1 if previous is not None else None
        previous = value
        if value is not None:
            known[name] = value
        values.append((name, value))
    return values


_DELEGATE_PARAMS = {"": 0, "OneParam": 1, "TwoParams": 2, "ThreeParams": 3, "FourParams": 4, "FiveParams": 5,
                    "SixParams": 6, "SevenParams": 7, "EightParams": 8, "NineParams": 9}


def _parse_delegate(macro: str, arguments: str, lines: range, owner: ClassDecl | None) -> Delegate | None:
    parts = split_top(arguments)
    retval = "_RetVal" in macro
    sparse = "_SPARSE_" in macro
    multicast = "_MULTICAST_" in macro
    return_type = "void"
    if retval:
        return_type, parts = parts[0], parts[1:]
    if not parts:
        return None
    name = parts[0]
    parts = parts[3:] if sparse else parts[1:]
    params = [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
    function = Function(name=name, return_type=return_type, params=params, flags=set(), line=lines.start)
    return Delegate(function, lines, multicast, owner)


# ---------------------------------------------------------------------------------------------------------
@dataclass
class TypeDatabase:
    """Every reflected type the scans found (engine and plugin), for what needs more than one header: the
    parent chain's constructor kind, configuration and replication, and which names are USTRUCTs."""

    classes: dict[str, ClassDecl] = field(default_factory=dict)
    structs: dict[str, StructDecl] = field(default_factory=dict)
    enums: dict[str, EnumDecl] = field(default_factory=dict)
    cast_classes: frozenset[str] = frozenset()

    def add(self, scans: Iterable[HeaderScan]) -> None:
        for scan in scans:
            for item in scan.types:
                if isinstance(item, ClassDecl):
                    self.classes.setdefault(item.name, item)
                elif isinstance(item, StructDecl):
                    self.structs.setdefault(item.name, item)
                elif isinstance(item, EnumDecl):
                    self.enums.setdefault(item.name, item)

    def constructor_kind(self, decl: ClassDecl, depth: int = 0) -> str:
        """UhtHeaderCodeGenerator.GetConstructorType: "oi", "default" or "forbidden"."""
        if not decl.has_constructor:
            parent = self.classes.get(decl.super_name or "")
            if parent is None or depth > 64:
                return "oi"
            return "oi" if self.constructor_kind(parent, depth + 1) == "oi" else "default"
        if decl.has_oi_constructor:
            return "oi"
        if decl.has_default_constructor:
            return "default"
        return "forbidden"

    def config(self, decl: ClassDecl | None, depth: int = 0) -> str:
        if decl is None or depth > 64:
            return ""
        if "config" in decl.flags:
            return decl.flags["config"]
        return self.config(self.classes.get(decl.super_name or ""), depth + 1)

    def has_replicated(self, decl: ClassDecl | None, depth: int = 0) -> bool:
        if decl is None or depth > 64:
            return False
        if any(p.replicated for p in decl.properties):
            return True
        return self.has_replicated(self.classes.get(decl.super_name or ""), depth + 1)

    def declares_in_chain(self, decl: ClassDecl | None, name: str, depth: int = 0) -> bool:
        if decl is None or depth > 64:
            return False
        return name in decl.declared or self.declares_in_chain(self.classes.get(decl.super_name or ""), name, depth + 1)

    def is_interface(self, name: str) -> bool:
        decl = self.classes.get(name)
        return decl is not None and decl.kind == "native_interface"


# ---------------------------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, scan: HeaderScan, db: TypeDatabase, package: str, api: str) -> None:
        self.scan = scan
        self.db = db
        self.package = package
        self.api = api  # "ENGINE_API"
        self.lines: list[str] = []
        self.push_model = False

    def define(self, line: int, suffix: str, body: list[str]) -> None:
        name = f"{self.scan.file_id}_{line}_{suffix}"
        if not body:
            self.lines.append(f"#define {name}")
            return
        self.lines.append(f"#define {name} \\")
        self.lines.extend(f"\t{text} \\" for text in body[:-1])
        self.lines.append(f"\t{body[-1]}")
        self.lines.append("")

    # -- classes ------------------------------------------------------------------------------------------
    def class_decl(self, decl: ClassDecl) -> None:
        api = f"{self.api} " if "minimalapi" in decl.flags else "NO_API "
        if decl.kind == "native_interface":
            return  # written with its UINTERFACE
        for line in decl.prolog_lines:
            self.define(line, "PROLOG", [])
        if decl.kind == "interface":
            self.interface(decl, api)
        else:
            self.uclass(decl, api)
        self.lines.append(f"template<> {self.api} UClass* StaticClass<class {decl.name}>();")
        self.lines.append("")

    def common_body(self, decl: ClassDecl, api: str, super_name: str, flags: str) -> list[str]:
        body = ["private:", f"static void StaticRegisterNatives{decl.name}();"]
        if "noexport" not in decl.flags:
            body.append(f"friend struct Z_Construct_UClass_{decl.name}_Statics;")
        body.append("public:")
        cast = f"CASTCLASS_{decl.name}" if decl.name in self.db.cast_classes else "CASTCLASS_None"
        body.append(f'DECLARE_CLASS({decl.name}, {super_name}, COMPILED_IN_FLAGS({flags}), {cast}, '
                    f'TEXT("{self.package}"), {api.strip()})')
        body.append(f"DECLARE_SERIALIZER({decl.name})")
        if len(decl.serializers) == 1:
            if "archive" not in decl.serializers:
                body.append(f"DECLARE_FARCHIVE_SERIALIZER({decl.name}, {api.strip()})")
            else:
                body.append(f"DECLARE_FSTRUCTUREDARCHIVE_SERIALIZER({decl.name}, {api.strip()})")
        within = decl.flags.get("within")
        if within:
            resolved = next((n for n in (within, "U" + within, "A" + within) if n in self.db.classes), None)
            if resolved:
                body.append(f"DECLARE_WITHIN({resolved})")
        return body

    def class_flags(self, decl: ClassDecl, interface: bool = False) -> str:
        parts = ["CLASS_Abstract" if "abstract" in decl.flags or interface else "0"]
        for specifier, flag in (("transient", "CLASS_Transient"), ("optional", "CLASS_Optional"),
                                ("defaultconfig", "CLASS_DefaultConfig"),
                                ("globaluserconfig", "CLASS_GlobalUserConfig"),
                                ("projectuserconfig", "CLASS_ProjectUserConfig"), ("config", "CLASS_Config"),
                                ("deprecated", "CLASS_Deprecated")):
            if specifier in decl.flags:
                parts.append(flag)
        if interface:
            parts.append("CLASS_Interface")
        return " | ".join(parts)

    def constructors(self, decl: ClassDecl, api: str, legacy: bool, abstract: bool) -> list[str]:
        body: list[str] = []
        kind = self.db.constructor_kind(decl)
        copy = ["private:", f"{decl.name}({decl.name}&&);", f"{decl.name}(const {decl.name}&);", "public:"]
        if legacy:
            if "customconstructor" not in decl.flags:
                default = "" if decl.has_default_constructor else " = FObjectInitializer::Get()"
                body.append(f"{api}{decl.name}(const FObjectInitializer& ObjectInitializer{default});")
            prefix = "ABSTRACT_" if abstract else ""
            body.append(f"DEFINE_{prefix}DEFAULT_OBJECT_INITIALIZER_CONSTRUCTOR_CALL({decl.name})")
            body += self.vtable(decl, api)
            body += copy
        else:
            if not decl.has_constructor:
                if kind == "oi":
                    body.append(f"{api}{decl.name}(const FObjectInitializer& ObjectInitializer = "
                                "FObjectInitializer::Get());")
                elif kind == "default":
                    body.append(f"{api}{decl.name}();")
            body += copy
            body += self.vtable(decl, api)
            prefix = "ABSTRACT_" if abstract else ""
            if kind == "oi":
                body.append(f"DEFINE_{prefix}DEFAULT_OBJECT_INITIALIZER_CONSTRUCTOR_CALL({decl.name})")
            elif kind == "default":
                body.append(f"DEFINE_{prefix}DEFAULT_CONSTRUCTOR_CALL({decl.name})")
            else:
                body.append(f"DEFINE_FORBIDDEN_DEFAULT_CONSTRUCTOR_CALL({decl.name})")
        if not decl.has_destructor:
            body.append(f"{api}virtual ~{decl.name}();")
        return body

    def vtable(self, decl: ClassDecl, api: str) -> list[str]:
        body = []
        if not decl.has_vtable_constructor:
            body.append(f"DECLARE_VTABLE_PTR_HELPER_CTOR({api.strip()}, {decl.name});")
        body.append(f"DEFINE_VTABLE_PTR_HELPER_CTOR_CALLER({decl.name});")
        return body

    def rpc_wrappers(self, decl: ClassDecl, legacy: bool) -> list[str]:
        body: list[str] = []
        functions = [f for f in reversed(decl.functions) if f.is_native and "customthunk" not in f.flags]
        for function in functions:
            if function.impl_name == function.name:
                continue
            virtual = "" if function.is_static or "final" in function.flags else "virtual "
            params = function.parameter_text()
            const = " const" if function.is_const else ""
            if "withvalidation" in function.flags and f"{function.name}_Validate" not in decl.declared:
                body.append(f"{virtual}bool {function.name}_Validate({params}){const};")
            if function.impl_name not in decl.declared:
                body.append(f"{virtual}{function.return_type} {function.impl_name}({params}){const};")
        for function in functions:
            if function.is_override and not function.is_static:
                continue
            body.append(f"DECLARE_FUNCTION(exec{function.name});")
        return body

    def replication(self, decl: ClassDecl, api: str) -> list[str]:
        replicated = [p for p in decl.properties if p.replicated]
        if not replicated:
            return []
        body: list[str] = []
        if "GetLifetimeReplicatedProps" not in decl.declared:
            body.append(f"{api}void GetLifetimeReplicatedProps(TArray<FLifetimeProperty>& OutLifetimeProps) "
                        "const override;")
        arrays = [p for p in replicated if p.array_dim]
        if arrays:
            body.append("enum class EArrayDims_Private : uint16")
            body.append("{")
            body += [f"{p.name}={p.array_dim}," for p in arrays]
            body.append("};")
        body.append("enum class ENetFields_Private : uint16")
        body.append("{")
        body.append("NETFIELD_REP_START=(uint16)((int32)Super::ENetFields_Private::NETFIELD_REP_END + (int32)1),")
        for index, prop in enumerate(replicated):
            start = "=NETFIELD_REP_START" if index == 0 else ""
            if prop.array_dim:
                body.append(f"{prop.name}_STATIC_ARRAY{start},")
                body.append(f"{prop.name}_STATIC_ARRAY_END=((uint16){prop.name}_STATIC_ARRAY + "
                            f"(uint16)EArrayDims_Private::{prop.name} - (uint16)1),")
            else:
                body.append(f"{prop.name}{start},")
        last = replicated[-1]
        body.append(f"NETFIELD_REP_END={last.name}{'_STATIC_ARRAY_END' if last.array_dim else ''}}};")
        body.append(f"{api}virtual void ValidateGeneratedRepEnums(const TArray<struct FRepRecord>& ClassReps) "
                    "const override;")
        parent = self.db.classes.get(decl.super_name or "")
        if not self.db.has_replicated(parent) and not self.db.declares_in_chain(decl, "REPLICATED_BASE_CLASS"):
            self.push_model = True
            body += ["private:", f"REPLICATED_BASE_CLASS({decl.name})", "public:"]
        return body

    def field_notify(self, decl: ClassDecl) -> list[str]:
        if "customfieldnotify" in decl.flags:
            return []
        names = [p.name for p in decl.properties if p.field_notify]
        names += [f.name for f in decl.functions if "fieldnotify" in f.flags]
        if not names:
            return []
        body = [f"UE_FIELD_NOTIFICATION_DECLARE_CLASS_DESCRIPTOR_BEGIN({self.api} )"]
        body += [f"UE_FIELD_NOTIFICATION_DECLARE_FIELD({n})" for n in names]
        body.append(f"UE_FIELD_NOTIFICATION_DECLARE_ENUM_FIELD_BEGIN({names[0]})")
        body += [f"UE_FIELD_NOTIFICATION_DECLARE_ENUM_FIELD({n})" for n in names[1:]]
        body.append("UE_FIELD_NOTIFICATION_DECLARE_ENUM_FIELD_END()")
        body.append("UE_FIELD_NOTIFICATION_DECLARE_CLASS_DESCRIPTOR_END();")
        return body

    def sparse_data(self, decl: ClassDecl) -> list[str]:
        types = decl.flags.get("sparseclassdatatypes") or decl.flags.get("sparseclassdatatype")
        if not types:
            return []
        api = f"{self.api} " if "minimalapi" in decl.flags else ""
        body: list[str] = []
        for sparse in split_top(types.strip("()")):
            sparse = sparse.strip('"')
            body.append(f"{api}F{sparse}* Get{sparse}() const;")
            body.append(f"{api}const F{sparse}* Get{sparse}(EGetSparseClassDataMethod GetMethod) const;")
            body.append(f"{api}static UScriptStruct* StaticGet{sparse}ScriptStruct();")
        return body

    def uclass(self, decl: ClassDecl, api: str) -> None:
        super_name = decl.super_name or "None"
        body = ["PRAGMA_DISABLE_DEPRECATION_WARNINGS", "public:"]
        body += self.sparse_data(decl)
        body += self.rpc_wrappers(decl, decl.legacy)
        body += self.common_body(decl, api, super_name, self.class_flags(decl))
        parent = self.db.classes.get(decl.super_name or "")
        config = decl.flags.get("config")
        if config and config != self.db.config(parent):
            body.append(f'static const TCHAR* StaticConfigName() {{return TEXT("{config}");}}')
        if any(self.db.is_interface(b) for b in decl.bases[1:]):
            body.append(f"virtual UObject* _getUObject() const override {{ return const_cast<{decl.name}*>(this); }}")
        body += self.replication(decl, api)
        body += self.constructors(decl, api, decl.legacy, "abstract" in decl.flags)
        body += self.field_notify(decl)
        body.append("public:" if decl.legacy else f"{decl.access}:")
        body.append("PRAGMA_ENABLE_DEPRECATION_WARNINGS")
        self.define(decl.body_line, "GENERATED_BODY_LEGACY" if decl.legacy else "GENERATED_BODY", body)

    def interface(self, decl: ClassDecl, api: str) -> None:
        native = next((t for t in self.scan.types if isinstance(t, ClassDecl) and t.kind == "native_interface"
                       and t.name == "I" + decl.name[1:]), None)
        super_name = decl.super_name or "UInterface"
        body = ["PRAGMA_DISABLE_DEPRECATION_WARNINGS"]
        body += self.common_body(decl, api, super_name, self.class_flags(decl, interface=True))
        body += self.constructors(decl, api, decl.legacy, True)
        if not decl.legacy:
            body.append(f"{decl.access}:")
        body.append("PRAGMA_ENABLE_DEPRECATION_WARNINGS")
        self.define(decl.body_line, "GENERATED_BODY_LEGACY" if decl.legacy else "GENERATED_BODY", body)
        if native is None:
            return
        events = sorted((f for f in native.functions if f.is_event), key=lambda f: f.name.lower())
        inner = ["PRAGMA_DISABLE_DEPRECATION_WARNINGS", "public:"]
        inner += self.rpc_wrappers(native, native.legacy)
        inner += ["protected:", f"virtual ~{native.name}() {{}}", "public:",
                  f"typedef {decl.name} UClassType;", f"typedef {native.name} ThisClass;"]
        for event in events:
            extra = "const UObject* O" if event.is_const else "UObject* O"
            inner.append(f"static {event.return_type} Execute_{event.name}({event.parameter_text(extra)});")
        inner.append("virtual UObject* _getUObject() const { return nullptr; }")
        inner.append("public:" if native.legacy else f"{native.access}:")
        inner.append("PRAGMA_ENABLE_DEPRECATION_WARNINGS")
        self.define(native.body_line, "GENERATED_BODY_LEGACY" if native.legacy else "GENERATED_BODY", inner)

    # -- structs, enums, delegates -----------------------------------------------------------------------
    def struct(self, decl: StructDecl) -> None:
        if "noexport" in decl.flags or not decl.body_line:
            return
        body = [f"friend struct Z_Construct_UScriptStruct_{decl.name}_Statics;",
                f"{'' if decl.api else self.api + ' '}static class UScriptStruct* StaticStruct();"]
        if decl.base and decl.base in self.db.structs:
            body.append(f"typedef {decl.base} Super;")
        self.define(decl.body_line, "GENERATED_BODY", body)
        self.lines.append(f"template<> {self.api} UScriptStruct* StaticStruct<struct {decl.name}>();")
        self.lines.append("")

    def delegate(self, delegate: Delegate) -> None:
        function = delegate.function
        kind = "FMulticastScriptDelegate" if delegate.multicast else "FScriptDelegate"
        prefix = "static " if delegate.owner is not None else ""
        if delegate.owner is None or not delegate.owner.api:
            prefix += f"{self.api} "
        text = (f"{prefix}{function.return_type} {function.name}_DelegateWrapper("
                f"{function.parameter_text(f'const {kind}& {function.name[1:]}')});")
        for line in delegate.lines:
            self.define(line, "DELEGATE", [text])

    def enum(self, decl: EnumDecl) -> None:
        values = decl.values
        upper = decl.name.replace("::", "_").upper() if decl.form != "namespaced" else decl.name.split("::")[0].upper()
        names = [n for n, _ in values]
        prefix = _enum_prefix(names) or decl.name
        max_names = {"MAX", f"{prefix}_MAX"}
        has_max = any(n in max_names for n in names)
        known = [v for _, v in values if v is not None]
        max_value = max(known) if known else None
        listed = [n for n, v in values if not (has_max and (v == max_value if v is not None else n in max_names))]
        qualified = [n if decl.form == "regular" else f"{decl.name}::{n}" for n in listed]
        macro = f"#define FOREACH_ENUM_{upper}(op) " + "".join(f"\\\n\top({n}) " for n in qualified)
        self.lines.append(macro)
        self.lines.append("")
        if decl.form == "enum class":
            self.lines.append(f"enum class {decl.name}{f' : {decl.underlying}' if decl.underlying else ''};")
            self.lines.append(f"template<> struct TIsUEnumClass<{decl.name}> {{ enum {{ Value = true }}; }};")
        elif decl.form == "regular" and decl.underlying:
            self.lines.append(f"enum {decl.name} : {decl.underlying};")
        elif decl.form == "namespaced" and decl.underlying:
            outer, inner = decl.name.split("::")
            self.lines.append(f"namespace {outer} {{ enum {inner} : {decl.underlying}; }}")
        if decl.form == "enum class" or decl.underlying:
            self.lines.append(f"template<> {self.api} UEnum* StaticEnum<{decl.name}>();")
        self.lines.append("")


def _enum_prefix(names: list[str]) -> str:
    """UhtHeaderCodeGeneratorHFile.GenerateEnumPrefix: the common prefix up to its last underscore."""
    if not names:
        return ""
    prefix = names[0]
    for name in names[1:]:
        i = 0
        while i < len(prefix) and i < len(name) and prefix[i] == name[i]:
            i += 1
        prefix = prefix[:i]
    underscore = prefix.rfind("_")
    return prefix[:underscore] if underscore > 0 else ""


def _forward_declarations(scan: HeaderScan, db: TypeDatabase) -> list[str]:
    """The classes, structs and typed enum classes named in the header's UFUNCTION and delegate
    signatures (UHT's References.ForwardDeclarations)."""
    declarations: set[str] = set()
    functions: list[Function] = []
    for item in scan.types:
        if isinstance(item, ClassDecl):
            functions += item.functions
        elif isinstance(item, Delegate):
            functions.append(item.function)
    for function in functions:
        texts = [t for t, _ in function.params] + [function.return_type]
        for word in _IDENT.findall(" ".join(texts)):
            if word in db.classes:
                declarations.add(f"class {word};")
            elif word in db.structs:
                declarations.add(f"struct {word};")
            elif word in db.enums:
                enum = db.enums[word]
                if enum.form == "enum class" and enum.underlying:
                    declarations.add(f"enum class {word} : {enum.underlying};")
    return sorted(declarations, key=str.lower)


def generate(scan: HeaderScan, db: TypeDatabase, api: str) -> str:
    """The ``.generated.h`` text for one scanned header; ``api`` is the module's ``<MODULE>_API``."""
    writer = _Writer(scan, db, f"/Script/{scan.module}", api)
    for item in scan.types:
        if isinstance(item, ClassDecl):
            writer.class_decl(item)
        elif isinstance(item, StructDecl):
            writer.struct(item)
        elif isinstance(item, Delegate):
            writer.delegate(item)
    body = writer.lines
    writer.lines = []
    for item in scan.types:
        if isinstance(item, EnumDecl):
            writer.enum(item)
    enums = writer.lines
    stem = scan.generated_name or scan.path.stem
    only_enums = bool(scan.types) and all(isinstance(t, EnumDecl) for t in scan.types)
    out = [f"// Generated by rtnet ue compile-check (an emulation of UnrealHeaderTool 5.5) from {scan.path.name}.",
           "// IWYU pragma: private"]
    if only_enums:
        out += ['#include "Templates/IsUEnumClass.h"', '#include "UObject/ObjectMacros.h"',
                '#include "UObject/ReflectedTypeAccessors.h"']
    else:
        out += ['#include "UObject/ObjectMacros.h"', '#include "UObject/ScriptMacros.h"']
    if writer.push_model:
        out.append('#include "Net/Core/PushModel/PushModelMacros.h"')
    out += ["", "PRAGMA_DISABLE_DEPRECATION_WARNINGS"]
    out += _forward_declarations(scan, db)
    guard = f"{scan.module.upper()}_{stem}_generated_h".replace(".", "_")
    out += [f"#ifdef {guard}", f'#error "{stem}.generated.h already included, missing \'#pragma once\' in {stem}.h"',
            "#endif", f"#define {guard}", ""]
    out += body
    out += ["#undef CURRENT_FILE_ID", f"#define CURRENT_FILE_ID {scan.file_id}", "", ""]
    out += enums
    out += ["PRAGMA_ENABLE_DEPRECATION_WARNINGS", ""]
    return "\n".join(out)


def reflected_headers(directory: Path) -> Iterator[Path]:
    """Headers under ``directory`` that include a ``.generated.h``."""
    for path in sorted(directory.rglob("*.h")):
        try:
            with path.open("rb") as handle:
                if b".generated.h" in handle.read():
                    yield path
        except OSError:
            continue
