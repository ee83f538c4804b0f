"""A static check of the Unreal Header Tool rules that otherwise fail late, on a machine with an engine.

Nothing here parses C++ in full: each header is reduced to a skeleton (comments and string contents
blanked, offsets kept) and the reflection macros are read from it with balanced brackets. That is enough
for the rules below, which are the ones UHT or the compiler enforce on reflected code and which cost a
full engine build to discover. Every finding prints as ``path:line: rule: message``.

The rules (``RULES``) name what UHT refuses; a few of them go slightly further than UHT on purpose
(a Category on every editor- or Blueprint-visible member, as UHT demands of engine plugins).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

RULES: dict[str, str] = {
    "generated-include": 'a header with reflected types includes "<FileName>.generated.h" as its last #include',
    "generated-body": "every UCLASS, USTRUCT and UINTERFACE body (and the interface's I-class) has GENERATED_BODY()",
    "interface-class": "a UINTERFACE UFoo is followed by its native class IFoo",
    "missing-category": "Blueprint-callable functions and editor- or Blueprint-visible properties have a Category",
    "unsupported-type": "UHT has no `unsigned`, `signed`, `long`, `short`, `char` or `size_t`; use int32, uint8, int64",
    "blueprint-type": "Blueprints have no int8, int16, uint16, uint32 or uint64 (bitfields excepted)",
    "std-type": "no std:: type in a reflected property or Blueprint signature",
    "smart-pointer": "no TSharedPtr/TSharedRef/TUniquePtr/TWeakPtr in a reflected property or Blueprint signature",
    "nested-container": "no container directly inside another (TArray<TArray<...>>): wrap the inner one in a USTRUCT",
    "raw-pointer": "raw pointers only to UObject types (U.../A... classes)",
    "type-prefix": "USTRUCT names start with F, UCLASS with U or A (as their base), UENUM with E, UINTERFACE with U",
    "enum-blueprint-type": "a UENUM(BlueprintType) is `enum class EName : uint8`",
    "delegate-prefix": "dynamic delegate types (DECLARE_DYNAMIC_*DELEGATE*) start with F",
    "declaration": "a reflection macro is followed by the declaration it annotates",
}

# Modules that are plain C++ (no UObject): never linted.
SKIP_MODULES = frozenset({"RealtimeNetCore", "RealtimeNetStandalone"})

_REFLECTED = re.compile(r"\b(?:UCLASS|USTRUCT|UENUM|UINTERFACE)\s*\(|\bDECLARE_DYNAMIC_\w*DELEGATE\w*\s*\(")
_MACRO = re.compile(r"\b(UCLASS|USTRUCT|UENUM|UINTERFACE|UFUNCTION|UPROPERTY)\s*\(")
_DELEGATE = re.compile(r"\b(DECLARE_DYNAMIC_\w*DELEGATE\w*)\s*\(")
_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^>"\n]+)[>"]', re.M)
_GENERATED_BODY = re.compile(
    r"\bGENERATED_(?:BODY|UCLASS_BODY|USTRUCT_BODY|UINTERFACE_BODY|IINTERFACE_BODY|BODY_LEGACY)\s*\(")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_CONTAINER = re.compile(r"\b(TArray|TSet|TMap)\s*<")
_SMART_POINTER = re.compile(r"\b(TSharedPtr|TSharedRef|TUniquePtr|TWeakPtr)\b")
_UNSUPPORTED = re.compile(r"\b(unsigned|signed|long|short|char|wchar_t|size_t)\b")
_NOT_IN_BLUEPRINT = re.compile(r"\b(int8|int16|uint16|uint32|uint64)\b")
_UOBJECT_NAME = re.compile(r"^[UA][A-Z]\w*$")
_QUALIFIERS = frozenset({"const", "mutable", "volatile", "class", "struct", "enum", "typename", "static", "virtual",
                         "inline", "FORCEINLINE", "FORCENOINLINE", "explicit"})

_FUNCTION_NEEDS_CATEGORY = frozenset({"blueprintcallable", "blueprintpure", "blueprintimplementableevent",
                                      "blueprintnativeevent"})
_PROPERTY_NEEDS_CATEGORY = frozenset({"blueprintreadwrite", "blueprintreadonly", "blueprintassignable",
                                      "blueprintcallable", "editanywhere", "editdefaultsonly", "editinstanceonly",
                                      "visibleanywhere", "visibledefaultsonly", "visibleinstanceonly"})
_BLUEPRINT_PROPERTY = frozenset({"blueprintreadwrite", "blueprintreadonly"})


@dataclass(frozen=True, order=True)
class Finding:
    """One broken rule, at a 1-based line of a header."""

    path: Path
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class _Header:
    """A header's text twice, offsets aligned: ``code`` without comments, ``skeleton`` also without string
    contents (so braces and commas inside strings never count)."""

    path: Path
    code: str
    skeleton: str
    newlines: list[int]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def in_directive(self, offset: int) -> bool:
        """True inside a preprocessor line (a #define that mentions a macro is not a use of it)."""
        line_start = self.skeleton.rfind("\n", 0, offset) + 1
        return self.skeleton[line_start:offset].lstrip().startswith("#")

    def finding(self, offset: int, rule: str, message: str) -> Finding:
        return Finding(self.path, self.line(offset), rule, message)


def _blank(text: str) -> tuple[str, str]:
    """(code, skeleton): comments replaced by spaces; in the skeleton, string and char literal contents too."""
    code: list[str] = []
    skeleton: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            code.append(" " * (end - i))
            skeleton.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blanked = "".join("\n" if ch == "\n" else " " for ch in text[i:end])
            code.append(blanked)
            skeleton.append(blanked)
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j, n)
            closed = j < n and text[j] == c
            end = j + 1 if closed else j  # an unterminated literal stops before its line's end
            literal = text[i:end]
            inner = literal[1:-1] if closed else literal[1:]
            code.append(literal)
            skeleton.append(c + "".join("\n" if ch == "\n" else " " for ch in inner) + (c if closed else ""))
            i = end
        else:
            code.append(c)
            skeleton.append(c)
            i += 1
    return "".join(code), "".join(skeleton)


def _parse(path: Path, text: str) -> _Header:
    code, skeleton = _blank(text)
    return _Header(path, code, skeleton, [m.start() for m in re.finditer("\n", text)])


def _matching(text: str, start: int, pairs: str = "()[]{}") -> int:
    """Index of the bracket closing the one at ``start`` (or len(text) when unbalanced)."""
    opening = pairs[0::2]
    closing = pairs[1::2]
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _split_top(skeleton: str, code: str, start: int, end: int, angles: bool = False) -> list[tuple[int, str]]:
    """Split code[start:end] at commas outside brackets (and outside <> when ``angles``): (offset, part)."""
    parts: list[tuple[int, str]] = []
    depth = 0
    begin = start
    opening, closing = ("([{<", ")]}>") if angles else ("([{", ")]}")
    for i in range(start, end):
        ch = skeleton[i]
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((begin, code[begin:i]))
            begin = i + 1
    if code[begin:end].strip():
        parts.append((begin, code[begin:end]))
    return parts


def _specifiers(header: _Header, open_paren: int, close_paren: int) -> dict[str, str]:
    """A macro's specifiers, keys lower-cased (UHT reads them case-insensitively); ``meta=(...)`` kept whole."""
    result: dict[str, str] = {}
    for _, part in _split_top(header.skeleton, header.code, open_paren + 1, close_paren):
        key, _, value = part.partition("=")
        if key.strip():
            result[key.strip().lower()] = value.strip()
    return result


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _strip_qualifiers(type_text: str) -> str:
    words = [w for w in re.split(r"(\W)", type_text) if w]
    return "".join(w for w in words if w not in _QUALIFIERS).strip()


def _pointee(type_text: str) -> str | None:
    """The type a raw pointer points to (``const UFoo*`` -> ``UFoo``), or None for a non-pointer; nested
    template arguments are checked separately."""
    depth = 0
    for i, ch in enumerate(type_text):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "*" and depth == 0:
            before = _strip_qualifiers(type_text[:i])
            names = _IDENT.findall(before)
            if type_text[i + 1:].lstrip().startswith("*"):
                return "pointer-to-pointer"
            return names[-1] if names else ""
    return None


def _template_arguments(type_text: str) -> Iterator[str]:
    """Every template argument at any depth (``TMap<FString, TArray<UFoo*>>`` -> FString, TArray<UFoo*>, UFoo*)."""
    for match in re.finditer(r"<", type_text):
        end = _matching(type_text, match.start(), "<>")
        inner = type_text[match.start() + 1:end]
        depth = 0
        begin = 0
        for i, ch in enumerate(inner):
            if ch == "<":
                depth += 1
            elif ch == ">":
                depth -= 1
            elif ch == "," and depth == 0:
                yield inner[begin:i].strip()
                begin = i + 1
        yield inner[begin:].strip()


def _type_problems(type_text: str, blueprint: bool, bitfield: bool = False) -> list[tuple[str, str]]:
    """(rule, reason) for a reflected type; ``blueprint`` when Blueprints see it."""
    problems: list[tuple[str, str]] = []
    if "std::" in type_text:
        problems.append(("std-type", f"`{type_text}` uses a std:: type, which UHT cannot reflect"))
    smart = _SMART_POINTER.search(type_text)
    if smart:
        problems.append(("smart-pointer", f"`{type_text}` holds a {smart[1]}, which UHT cannot reflect "
                                          "(use TObjectPtr/TWeakObjectPtr or a USTRUCT)"))
    for container in _CONTAINER.finditer(type_text):
        inner = type_text[container.end():_matching(type_text, container.end() - 1, "<>")]
        nested = _CONTAINER.search(inner)
        if nested:
            problems.append(("nested-container", f"`{type_text}` puts a {nested[1]} directly inside a "
                                                 f"{container[1]}; wrap the inner one in a USTRUCT"))
            break
    unsupported = _UNSUPPORTED.search(type_text)
    if unsupported and "std::" not in type_text:
        problems.append(("unsupported-type", f"`{type_text}` uses `{unsupported[1]}`, which UHT does not support "
                                             "(use int32, uint8, int64 or float)"))
    if blueprint and not bitfield:
        narrow = _NOT_IN_BLUEPRINT.search(type_text)
        if narrow:
            problems.append(("blueprint-type", f"`{type_text}` is exposed to Blueprints, which have no "
                                               f"{narrow[1]} (use int32, uint8 or int64)"))
    for candidate in [type_text, *_template_arguments(type_text)]:
        pointee = _pointee(candidate)
        if pointee is None or "std::" in candidate or _SMART_POINTER.search(candidate):
            continue
        if not _UOBJECT_NAME.match(pointee):
            what = "a pointer to a pointer" if pointee == "pointer-to-pointer" else f"a raw pointer to {pointee or '?'}"
            problems.append(("raw-pointer", f"`{type_text}` is {what}; reflected pointers must point to UObject "
                                            "types (use a USTRUCT value, TObjectPtr<U...> or an id)"))
            break
    return problems


def _end(skeleton: str, start: int, stops: str, brackets: str) -> int:
    """Offset of the first character of ``stops`` at or after ``start`` outside ``brackets`` (opening and
    closing pairs, "([{}])" style), or len(skeleton)."""
    opening, closing = brackets[: len(brackets) // 2], brackets[len(brackets) // 2:]
    depth = 0
    for i in range(start, len(skeleton)):
        ch = skeleton[i]
        if ch in stops and depth == 0:
            return i
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
    return len(skeleton)


def _declaration_end(skeleton: str, start: int) -> int:
    """Offset of the ';' (or '{' of an inline body) ending the declaration that starts at ``start``."""
    return _end(skeleton, start, "{;", "([)]")


def _statement_end(skeleton: str, start: int) -> int:
    """Offset of the ';' ending the statement at ``start`` (brackets, default values included)."""
    return _end(skeleton, start, ";", "([{)]}")


def _property(header: _Header, macro_end: int, specifiers: dict[str, str]) -> Iterator[Finding]:
    start = _skip_space(header.skeleton, macro_end + 1)
    end = _statement_end(header.skeleton, start)
    declaration = header.code[start:end]
    skeleton = header.skeleton[start:end]
    # Cut the default value (= x or {x}), then a bitfield width, then a C array size.
    cut = len(skeleton)
    angle = 0
    for i, ch in enumerate(skeleton):
        if ch == "<":
            angle += 1
        elif ch == ">":
            angle -= 1
        elif angle == 0 and (ch == "=" or ch == "{"):
            cut = i
            break
    declaration = declaration[:cut].strip()
    bitfield = re.search(r"(?<!:):\s*\d+\s*$", declaration) is not None
    declaration = re.sub(r"(?<!:):\s*\d+\s*$", "", declaration).strip()
    declaration = re.sub(r"\[[^\]]*\]\s*$", "", declaration).strip()
    name_match = re.search(r"([A-Za-z_]\w*)\s*$", declaration)
    if not name_match or not declaration[:name_match.start()].strip():
        yield header.finding(start, "declaration", "UPROPERTY is not followed by a `Type Name;` declaration")
        return
    name = name_match[1]
    type_text = _strip_qualifiers(declaration[:name_match.start()])
    if _PROPERTY_NEEDS_CATEGORY & specifiers.keys() and "category" not in specifiers:
        shown = ", ".join(sorted(k for k in specifiers if k in _PROPERTY_NEEDS_CATEGORY))
        yield header.finding(start, "missing-category", f"UPROPERTY {name} is {shown} but has no Category=")
    blueprint = bool(_BLUEPRINT_PROPERTY & specifiers.keys())
    for rule, reason in _type_problems(type_text, blueprint, bitfield):
        yield header.finding(start, rule, f"UPROPERTY {name}: {reason}")


def _function(header: _Header, macro_end: int, specifiers: dict[str, str]) -> Iterator[Finding]:
    start = _skip_space(header.skeleton, macro_end + 1)
    open_paren = header.skeleton.find("(", start)
    stop = _declaration_end(header.skeleton, start)
    if open_paren < 0 or open_paren > stop:
        yield header.finding(start, "declaration", "UFUNCTION is not followed by a function declaration")
        return
    head = header.code[start:open_paren].strip()
    name_match = re.search(r"([A-Za-z_]\w*)\s*$", head)
    if not name_match:
        yield header.finding(start, "declaration", "UFUNCTION is not followed by a function declaration")
        return
    name = name_match[1]
    exposed = _FUNCTION_NEEDS_CATEGORY & specifiers.keys()
    if exposed and "category" not in specifiers:
        shown = ", ".join(sorted(exposed))
        yield header.finding(start, "missing-category", f"UFUNCTION {name} is {shown} but has no Category=")
    if not exposed:
        return
    return_type = _strip_qualifiers(head[:name_match.start()])
    close_paren = _matching(header.skeleton, open_paren)
    signature: list[tuple[str, str]] = []
    if return_type and return_type != "void":
        signature.append(("return type", return_type))
    for _, part in _split_top(header.skeleton, header.code, open_paren + 1, close_paren, angles=True):
        param = re.sub(r"\bUPARAM\s*\([^)]*\)", " ", part).split("=", 1)[0].strip()
        if not param or param == "void":
            continue
        param_name = re.search(r"([A-Za-z_]\w*)\s*$", param)
        param_type = param[:param_name.start()] if param_name else param
        label = f"parameter {param_name[1]}" if param_name else "parameter"
        signature.append((label, _strip_qualifiers(param_type.replace("&", " "))))
    for label, type_text in signature:
        for rule, reason in _type_problems(type_text, blueprint=True):
            yield header.finding(start, rule, f"UFUNCTION {name} {label}: {reason}")


@dataclass(frozen=True)
class _Record:
    """A class or struct declaration after a reflection macro."""

    keyword: str
    name: str
    base: str
    name_offset: int
    body_start: int  # offset of '{', -1 for none
    body_end: int


def _record(header: _Header, start: int) -> _Record | None:
    match = re.compile(r"\s*(class|struct)\b").match(header.skeleton, start)
    if not match:
        return None
    stop = len(header.skeleton)
    for ch in ":{;":
        found = header.skeleton.find(ch, match.end())
        while ch == ":" and found >= 0 and header.skeleton.startswith("::", found):
            found = header.skeleton.find(ch, found + 2)
        if found >= 0:
            stop = min(stop, found)
    idents = [m for m in _IDENT.finditer(header.skeleton, match.end(), stop)
              if m[0] != "final" and not m[0].endswith("_API")]
    if not idents:
        return None
    name = idents[-1]
    base = ""
    if header.skeleton[stop:stop + 1] == ":":
        brace = header.skeleton.find("{", stop)
        first = header.code[stop + 1:brace if brace >= 0 else len(header.code)].split(",")[0]
        words = [w for w in _IDENT.findall(first) if w not in {"public", "protected", "private", "virtual"}]
        base = words[0] if words else ""
        stop = brace if brace >= 0 else len(header.skeleton)
    if header.skeleton[stop:stop + 1] != "{":
        return _Record(match[1], name[0], base, name.start(), -1, -1)
    return _Record(match[1], name[0], base, name.start(), stop, _matching(header.skeleton, stop))


def _has_generated_body(header: _Header, record: _Record) -> bool:
    return record.body_start >= 0 and _GENERATED_BODY.search(
        header.skeleton, record.body_start, record.body_end) is not None


def _class_like(header: _Header, kind: str, macro_end: int, specifiers: dict[str, str]) -> Iterator[Finding]:
    record = _record(header, macro_end + 1)
    if record is None or record.body_start < 0:
        yield header.finding(macro_end, "declaration", f"{kind} is not followed by a class or struct definition")
        return
    at = record.name_offset
    if not _has_generated_body(header, record):
        yield header.finding(at, "generated-body", f"{kind} {record.name} has no GENERATED_BODY() in its body")
    if kind == "USTRUCT" and not record.name.startswith("F"):
        yield header.finding(at, "type-prefix", f"USTRUCT {record.name} must be named F{record.name.lstrip('UAEFI')}")
    elif kind == "UCLASS":
        expected = record.base[0] if re.match(r"^[UA][A-Z]", record.base) else None
        if expected and not record.name.startswith(expected):
            yield header.finding(at, "type-prefix", f"UCLASS {record.name} derives from {record.base}, so its name "
                                                    f"must start with {expected}")
        elif not re.match(r"^[UA][A-Z]", record.name):
            yield header.finding(at, "type-prefix", f"UCLASS {record.name} must start with U (UObject) or A (AActor)")
    elif kind == "UINTERFACE":
        if not record.name.startswith("U"):
            yield header.finding(at, "type-prefix", f"UINTERFACE {record.name} must start with U "
                                                    "(its native class with I)")
            return
        native = "I" + record.name[1:]
        pattern = re.compile(rf"\bclass\s+(?:[A-Z0-9_]+_API\s+)?{re.escape(native)}\b")
        found = pattern.search(header.skeleton, record.body_end)
        if found is None:
            yield header.finding(at, "interface-class", f"UINTERFACE {record.name} has no native class {native} "
                                                        "after it")
            return
        native_record = _record(header, found.start())
        if native_record is not None and not _has_generated_body(header, native_record):
            yield header.finding(native_record.name_offset, "generated-body",
                                 f"interface class {native} has no GENERATED_BODY() in its body")


def _enum(header: _Header, macro_end: int, specifiers: dict[str, str]) -> Iterator[Finding]:
    start = _skip_space(header.skeleton, macro_end + 1)
    match = re.compile(r"enum\s+(class\s+|struct\s+)?([A-Za-z_]\w*)\s*(?::\s*([A-Za-z_]\w*))?\s*\{").match(
        header.skeleton, start)
    namespaced = re.compile(r"namespace\s+([A-Za-z_]\w*)").match(header.skeleton, start)
    if match is None and namespaced is None:
        yield header.finding(start, "declaration", "UENUM is not followed by an enum definition")
        return
    name = match[2] if match else namespaced[1] if namespaced else ""
    offset = match.start(2) if match else start
    if not name.startswith("E"):
        yield header.finding(offset, "type-prefix", f"UENUM {name} must be named E{name}")
    if "blueprinttype" in specifiers and (match is None or not match[1] or match[3] != "uint8"):
        yield header.finding(offset, "enum-blueprint-type",
                             f"UENUM(BlueprintType) {name} must be declared `enum class {name} : uint8`")


def _delegates(header: _Header) -> Iterator[Finding]:
    for match in _DELEGATE.finditer(header.skeleton):
        if header.in_directive(match.start()):
            continue
        close = _matching(header.skeleton, match.end() - 1)
        args = _split_top(header.skeleton, header.code, match.end(), close, angles=True)
        index = 1 if "RetVal" in match[1] else 0
        if len(args) <= index:
            yield header.finding(match.start(), "declaration", f"{match[1]} has no delegate type name")
            continue
        name = args[index][1].strip()
        if not name.startswith("F"):
            yield header.finding(match.start(), "delegate-prefix",
                                 f"{match[1]} declares {name}; dynamic delegate types must start with F")


def _generated_include(header: _Header) -> Iterator[Finding]:
    includes = [(m.start(), m[1].strip()) for m in _INCLUDE.finditer(header.code)]
    expected = f"{header.path.stem}.generated.h"
    generated = [(at, target) for at, target in includes if target.endswith(".generated.h")]
    first_macro = _REFLECTED.search(header.skeleton)
    if not generated:
        yield header.finding(first_macro.start() if first_macro else 0, "generated-include",
                             f'has reflected types but no #include "{expected}"')
        return
    at, target = generated[-1]
    if Path(target).name != expected:
        yield header.finding(at, "generated-include",
                             f'includes "{target}" but the file is {header.path.name}: it must be "{expected}"')
    later = [(offset, name) for offset, name in includes if offset > at]
    if later:
        offset, name = later[0]
        yield header.finding(at, "generated-include",
                             f'"{target}" must be the last #include (line {header.line(offset)} includes "{name}")')


def lint_text(path: Path, text: str) -> list[Finding]:
    """Every finding in one header's text (an empty list for a header without reflected types)."""
    header = _parse(path, text)
    return _lint(header) if _REFLECTED.search(header.skeleton) else []


def _lint(header: _Header) -> list[Finding]:
    findings: list[Finding] = [*_generated_include(header), *_delegates(header)]
    for match in _MACRO.finditer(header.skeleton):
        if header.in_directive(match.start()):
            continue
        kind = match[1]
        open_paren = match.end() - 1
        close_paren = _matching(header.skeleton, open_paren)
        specifiers = _specifiers(header, open_paren, close_paren)
        if kind == "UPROPERTY":
            findings.extend(_property(header, close_paren, specifiers))
        elif kind == "UFUNCTION":
            findings.extend(_function(header, close_paren, specifiers))
        elif kind == "UENUM":
            findings.extend(_enum(header, close_paren, specifiers))
        else:
            findings.extend(_class_like(header, kind, close_paren, specifiers))
    return sorted(set(findings))


def plugin_headers(root: Path) -> list[Path]:
    """Headers under Plugins/RealtimeNet/Source/<Module>/{Public,Private} of the Unreal modules (not the
    plain C++ ones), whether or not they declare reflected types."""
    source = root / "Plugins" / "RealtimeNet" / "Source"
    if not source.is_dir():
        return []
    headers: list[Path] = []
    for module in sorted(p for p in source.iterdir() if p.is_dir() and p.name not in SKIP_MODULES):
        for part in ("Public", "Private"):
            if (module / part).is_dir():
                headers.extend((module / part).rglob("*.h"))
    return sorted(headers)


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(path.rglob("*.h"))
        else:
            yield path


def lint_paths(paths: Sequence[Path]) -> tuple[list[Finding], int]:
    """(findings, number of headers with reflected types checked) over files and directories (``*.h``)."""
    findings: list[Finding] = []
    checked = 0
    for path in _expand(paths):
        header = _parse(path, path.read_text(encoding="utf-8-sig", errors="replace"))  # blanked once per header
        if not _REFLECTED.search(header.skeleton):
            continue
        checked += 1
        findings.extend(_lint(header))
    return findings, checked
