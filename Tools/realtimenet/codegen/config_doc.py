"""The configuration reference: every section and key of ``realtimenet.config.Config``, from its schema."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgspec

from realtimenet.codegen.spec import describe_type
from realtimenet.config import ENV_PREFIX, Config

_BOUNDS = (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))


@dataclass(frozen=True)
class Key:
    name: str
    type: str
    default: str
    rule: str
    description: str
    env: str


@dataclass(frozen=True)
class Section:
    name: str
    description: str
    keys: list[Key]


def _type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " \\| ".join(json.dumps(v) for v in schema["enum"])
    if schema.get("type") == "array" and "enum" in schema.get("items", {}):
        return "list of " + ", ".join(json.dumps(v) for v in schema["items"]["enum"])
    return describe_type(schema)


def sections() -> list[Section]:
    """Sections in declaration order, with defaults taken from a default ``Config``."""
    schema = msgspec.json.schema(Config)
    defs = schema["$defs"]
    defaults = msgspec.to_builtins(Config())
    result = []
    for section, ref in defs["Config"]["properties"].items():
        body = defs[ref["$ref"].rsplit("/", 1)[1]]
        keys = []
        for name, prop in body["properties"].items():
            rule = ", ".join(f"{op} {prop[k]}" for k, op in _BOUNDS if k in prop)
            keys.append(Key(name, _type(prop), json.dumps(defaults[section][name]), rule,
                            prop.get("description", ""), f"{ENV_PREFIX}{section.upper()}__{name.upper()}"))
        result.append(Section(section, body.get("description", ""), keys))
    return result
