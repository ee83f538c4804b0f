"""A typed view of the OpenRPC document that the templates render from.

Only the JSON Schema subset the protocol uses is accepted; anything else fails loudly at generation
time instead of producing a type that silently accepts the wrong thing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SpecError(ValueError):
    """Raised when protocol/openrpc.json uses something the generators do not support."""


@dataclass(frozen=True)
class Field:
    """One member of a generated struct."""

    name: str
    schema: dict[str, Any]
    required: bool
    description: str
    # ``x-secret``: a credential (a resume token, a JWT). The clients handle it themselves; bindings for game
    # code never expose it (the Unreal structs leave it out), and the reference says so.
    secret: bool = False

    @property
    def json_type(self) -> str:
        """A short human-readable type for reference docs."""
        return describe_type(self.schema)


@dataclass(frozen=True)
class Struct:
    """A named object type: a component schema, a method's params or a notification's params."""

    name: str
    description: str
    fields: list[Field]


@dataclass(frozen=True)
class Method:
    """A client-to-server call (``result`` set) or a server-to-client notification (``result`` None)."""

    name: str
    summary: str
    description: str
    params: Struct
    result: str | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    # ``x-client-managed``: the clients call it themselves (resume, token refresh, pings); bindings for game
    # code (the Blueprint nodes) leave it out.
    client_managed: bool = False
    # ``x-development-only``: test and debug tooling (fault injection); never part of a shipped game's flow.
    development_only: bool = False
    scope: str = ""  # the server API's ``x-scope``: what an API key needs to call it
    # ``x-hand-written``: the Blueprint node(s) that call it (the room object's Publish, Join Room, ...): they add
    # client-side bookkeeping a generated node would bypass, so no generated node competes with them.
    hand_written: str = ""
    # The first of the method's tags (``rooms``, ``presence``, ...): what task it serves.
    tag: str = ""

    @property
    def is_notification(self) -> bool:
        return self.result is None


@dataclass(frozen=True)
class Code:
    """A close code or an error code."""

    code: int
    name: str
    text: str
    description: str
    action: str = ""


@dataclass(frozen=True)
class Stream:
    """A kind of bus stream and how its names are built: ``prefix`` + the ``key`` (a room, a player id)."""

    kind: str
    prefix: str
    key: str
    wire: bool  # clients see and name these streams (room.join, session.resume)
    resumable: bool  # epoch and offsets, history, replay
    notification: str | None  # what its publications are delivered as, None for internal records
    description: str


@dataclass(frozen=True)
class Spec:
    """Everything the templates need."""

    title: str
    version: str
    components: list[Struct]
    methods: list[Method]
    notifications: list[Method]
    close_codes: list[Code]
    error_codes: list[Code]
    streams: list[Stream]
    source: str
    description: str = ""
    scopes: list[dict[str, str]] = field(default_factory=list)  # the server API's ``x-scopes``
    http_errors: list[dict[str, Any]] = field(default_factory=list)  # the server API's ``x-http-errors``


def pascal(name: str) -> str:
    """``session.token_expiring`` -> ``SessionTokenExpiring``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[._\-]", name) if part)


def ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    if ref is None:
        return None
    prefix = "#/components/schemas/"
    if not isinstance(ref, str) or not ref.startswith(prefix):
        raise SpecError(f"unsupported $ref {ref!r}: only {prefix}NAME is allowed")
    return ref[len(prefix):]


_SUPPORTED_KEYS = {
    "type", "description", "$ref", "items", "minLength", "maxLength", "minimum", "maximum",
    "maxItems", "minItems", "pattern", "enum", "properties", "required", "additionalProperties", "x-secret",
}


def _validate_schema(schema: dict[str, Any], where: str) -> None:
    unknown = set(schema) - _SUPPORTED_KEYS
    if unknown:
        raise SpecError(f"{where}: unsupported JSON Schema keywords {sorted(unknown)}")
    if "items" in schema:
        _validate_schema(schema["items"], f"{where}.items")
    if isinstance(schema.get("additionalProperties"), dict):
        _validate_schema(schema["additionalProperties"], f"{where}.additionalProperties")


def describe_type(schema: dict[str, Any]) -> str:
    """Human-readable type of a schema, for docs tables."""
    name = ref_name(schema)
    if name:
        return name
    kind = schema.get("type")
    if kind is None:
        return "any"
    if isinstance(kind, list):
        return " | ".join(describe_type({**schema, "type": k}) for k in kind)
    if kind == "array":
        return f"array of {describe_type(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    return str(kind)


def _struct(name: str, description: str, schema: dict[str, Any]) -> Struct:
    if schema.get("type") != "object":
        raise SpecError(f"component {name} must be an object schema")
    required = set(schema.get("required", []))
    fields = []
    for prop, sub in schema.get("properties", {}).items():
        _validate_schema(sub, f"{name}.{prop}")
        fields.append(Field(prop, sub, prop in required, sub.get("description", ""),
                            _secret(sub, f"{name}.{prop}")))
    return Struct(name, description or schema.get("description", ""), fields)


def _params_struct(name: str, description: str, params: list[dict[str, Any]]) -> Struct:
    fields = []
    for param in params:
        schema = param.get("schema", {})
        _validate_schema(schema, f"{name}.{param['name']}")
        fields.append(Field(param["name"], schema, bool(param.get("required", False)),
                            param.get("description", ""), _secret(param, f"{name}.{param['name']}")))
    return Struct(name, description, fields)


def _method(raw: dict[str, Any], notification: bool) -> Method:
    name = raw["name"]
    if not notification and raw.get("paramStructure", "by-name") != "by-name":
        raise SpecError(f"{name}: only by-name params are supported")
    result = None
    if not notification:
        result = ref_name(raw["result"]["schema"])
        if result is None:
            raise SpecError(f"{name}: a result must be a $ref to a component schema")
    return Method(
        name=name,
        summary=raw.get("summary", ""),
        description=raw.get("description", ""),
        params=_params_struct(pascal(name) + "Params", raw.get("summary", ""), raw.get("params", [])),
        result=result,
        errors=list(raw.get("errors", [])),
        client_managed=_flag(raw, "x-client-managed", notification),
        development_only=_flag(raw, "x-development-only", notification),
        scope=str(raw.get("x-scope", "")),
        hand_written=_hand_written(raw, notification),
        tag=str(raw.get("tags", [{}])[0].get("name", "")) if raw.get("tags") else "",
    )


def _hand_written(raw: dict[str, Any], notification: bool) -> str:
    """A method's ``x-hand-written`` (the node that serves it, as text; absent: "")."""
    value = raw.get("x-hand-written", "")
    if not isinstance(value, str):
        raise SpecError(f"{raw['name']}: x-hand-written must name the node that serves it, got {value!r}")
    if value and notification:
        raise SpecError(f"{raw['name']}: x-hand-written is for methods; a notification is never called")
    if value and raw.get("x-client-managed"):
        raise SpecError(f"{raw['name']}: a client-managed method has no node at all, hand-written or generated")
    return value


def _secret(raw: dict[str, Any], where: str) -> bool:
    """A param's or property's ``x-secret`` (absent: false)."""
    value = raw.get("x-secret", False)
    if not isinstance(value, bool):
        raise SpecError(f"{where}: x-secret must be true or false, got {value!r}")
    return value


def _flag(raw: dict[str, Any], key: str, notification: bool) -> bool:
    """A method's boolean extension (absent: false); notifications have none."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise SpecError(f"{raw['name']}: {key} must be true or false, got {value!r}")
    if value and notification:
        raise SpecError(f"{raw['name']}: {key} is for methods; a notification is never called")
    return value


def load(path: Path, source: str = "protocol/openrpc.json") -> Spec:
    """Read and check the OpenRPC document at ``path`` (``source``: its name in generated files)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not str(doc.get("openrpc", "")).startswith("1."):
        raise SpecError("only OpenRPC 1.x documents are supported")
    components = [
        _struct(name, schema.get("description", ""), schema)
        for name, schema in doc.get("components", {}).get("schemas", {}).items()
    ]
    methods = [_method(m, notification=False) for m in doc.get("methods", [])]
    notifications = [_method(m, notification=True) for m in doc.get("x-notifications", [])]
    close_codes = [Code(c["code"], c["name"], c["reason"], c["description"], c["action"])
                   for c in doc.get("x-close-codes", [])]
    error_codes = [Code(c["code"], c["name"], c["message"], c["description"])
                   for c in doc.get("x-error-codes", [])]
    names = [m.name for m in methods + notifications]
    if len(names) != len(set(names)):
        raise SpecError("method and notification names must be unique")
    streams = [Stream(s["kind"], s["prefix"], s["key"], bool(s["wire"]), bool(s["resumable"]), s.get("notification"),
                      s["description"]) for s in doc.get("x-streams", [])]
    _check_streams(streams, set(names))
    _check_scopes(methods, {s["name"] for s in doc.get("x-scopes", [])})
    return Spec(
        title=doc["info"]["title"],
        version=doc["info"]["version"],
        components=components,
        methods=methods,
        notifications=notifications,
        close_codes=close_codes,
        error_codes=error_codes,
        streams=streams,
        source=source,
        description=doc["info"].get("description", ""),
        scopes=list(doc.get("x-scopes", [])),
        http_errors=list(doc.get("x-http-errors", [])),
    )


def _check_streams(streams: list[Stream], notifications: set[str]) -> None:
    """Prefixes must tell the kinds apart (no prefix starts another) and name notifications that exist."""
    for stream in streams:
        if not re.fullmatch(r"[a-z]+:", stream.prefix):
            raise SpecError(f"x-streams {stream.kind}: prefix {stream.prefix!r} must be lowercase letters and ':'")
        if stream.notification is not None and stream.notification not in notifications:
            raise SpecError(f"x-streams {stream.kind}: unknown notification {stream.notification!r}")
    prefixes = [s.prefix for s in streams]
    if len(set(prefixes)) != len(prefixes) or len({s.kind for s in streams}) != len(streams):
        raise SpecError("x-streams: kinds and prefixes must be unique")


def _check_scopes(methods: list[Method], scopes: set[str]) -> None:
    """A document with ``x-scopes`` (the server API) gives every method one of them."""
    if not scopes:
        return
    for method in methods:
        if method.scope not in scopes:
            raise SpecError(f"{method.name}: x-scope {method.scope!r} is not one of {sorted(scopes)}")
