"""JSON Schema -> msgspec type annotations, for the generated Python message module."""

from __future__ import annotations

import keyword
from typing import Any

from realtimenet.codegen.spec import Field, SpecError, ref_name

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}

_META_KEYS = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_length",
    "maxItems": "max_length",
    "minimum": "ge",
    "maximum": "le",
    "pattern": "pattern",
}


def python_pattern(pattern: str) -> str:
    """A JSON Schema (ECMA-262) pattern as a Python one with the same meaning: ECMA's ``$`` matches only at
    the end of the input, Python's also before a final newline (``"lobby\\n"`` would pass), so a closing
    ``$`` becomes ``\\Z``."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\Z"
    return pattern


def _constrained(base: str, schema: dict[str, Any]) -> str:
    schema = {**schema, "pattern": python_pattern(schema["pattern"])} if "pattern" in schema else schema
    meta = [f"{_META_KEYS[k]}={schema[k]!r}" for k in _META_KEYS if k in schema]
    if not meta:
        return base
    return f"Annotated[{base}, Meta({', '.join(meta)})]"


def annotation(schema: dict[str, Any]) -> str:
    """The Python annotation for ``schema``; ``{}`` (any JSON) is carried as raw, unparsed bytes."""
    name = ref_name(schema)
    if name:
        return name
    kind = schema.get("type")
    if kind is None:
        return "msgspec.Raw"
    if isinstance(kind, list):
        return " | ".join(annotation({**schema, "type": k}) for k in kind)
    if "enum" in schema:
        return "Literal[" + ", ".join(repr(v) for v in schema["enum"]) + "]"
    if kind in _SCALARS:
        return _constrained(_SCALARS[kind], schema)
    if kind == "array":
        return _constrained(f"list[{annotation(schema.get('items', {}))}]", schema)
    if kind == "object":
        if schema.get("properties"):
            raise SpecError("inline objects with properties must be component schemas ($ref)")
        values = schema.get("additionalProperties")
        if isinstance(values, dict):  # a map: every member has this schema
            return _constrained(f"dict[str, {annotation(values)}]", schema)
        return "dict[str, Any]"
    raise SpecError(f"unsupported JSON Schema type {kind!r}")


def _without_constraints(schema: dict[str, Any]) -> dict[str, Any]:
    plain = {k: v for k, v in schema.items() if k not in _META_KEYS}
    if isinstance(plain.get("items"), dict):
        plain["items"] = _without_constraints(plain["items"])
    return plain


def sdk_argument(field: Field) -> str:
    """A keyword argument of the server SDK's method for ``field``: any JSON is taken as a Python value, and an
    optional one defaults to None (left out of the request)."""
    plain = _without_constraints(field.schema)  # the gateway checks them; a signature stays readable
    ann = "Any" if annotation(plain) == "msgspec.Raw" else annotation(plain)
    name = field.name + "_" if keyword.iskeyword(field.name) else field.name
    return f"{name}: {ann}" if field.required else f"{name}: {ann} | None = None"


def sdk_value(field: Field) -> str:
    """``param=value`` building the params struct from the SDK method's argument."""
    name = field.name + "_" if keyword.iskeyword(field.name) else field.name
    value = f"_raw({name})" if annotation(field.schema) == "msgspec.Raw" else name
    if field.required:
        return f"{name}={value}"
    return f"{name}=UNSET if {name} is None else {value}"


def field_line(field: Field) -> str:
    """``name: Type`` or ``name: Type | UnsetType = UNSET`` for an optional member; a member named like a
    Python keyword (``from``) gets a trailing underscore and keeps its wire name."""
    ann = annotation(field.schema)
    name = field.name
    if keyword.iskeyword(name):
        default = "UNSET" if not field.required else ""
        spec = f'msgspec.field(name="{name}"' + (f", default={default})" if default else ")")
        return f"{name}_: {ann}{'' if field.required else ' | UnsetType'} = {spec}"
    if field.required:
        return f"{name}: {ann}"
    return f"{name}: {ann} | UnsetType = UNSET"
