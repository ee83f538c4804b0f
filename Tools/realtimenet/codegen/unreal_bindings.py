"""The protocol in Unreal terms, for the generated Blueprint bindings.

Every result and component schema becomes a USTRUCT, every string enum a UENUM, every method game code calls a
cancellable async Blueprint node (with a USTRUCT for its params) and every notification a Blueprint event; the
error and close codes become ``ERealtimeNetErrorCode`` and ``ERealtimeNetCloseCode``. The methods the description
marks ``x-client-managed`` (the client calls them itself: resume, token refresh, pings) get no node, nor do the
``x-hand-written`` ones (a hand-written node serves them: Join Room, the room object's Publish, ...), so there is
one way per task; ``x-development-only`` ones (fault injection) get a node in the Debug category, marked
development-only (refused in Shipping). ``x-secret`` members (resume tokens) are left out of the structs:
Blueprints never see a credential. Every node subclasses the hand-written ``URealtimeNetCallActionBase``
(RealtimeNetCallAction.h), which sends, ends and reports the call. This module makes the decisions (C++ names
and types, how a member may be absent, tooltips); the ``ue_*.j2`` templates only lay them out.

Members are read and written by their exact wire names in generated ``ToJson``/``FromJson`` functions, not
through ``FJsonObjectConverter``: the converter derives a JSON key from a property name by lower-casing its
first letter (``StateVersion`` -> ``stateVersion``, ``PlayerID`` -> ``playerId``), so it never meets
``state_version``, and it carries every number as a double.

Type mapping (anything else stops generation with a ``SpecError``):

========================================  =====================================================================
JSON Schema                               Unreal
========================================  =====================================================================
string / integer / number / boolean       FString / int64 / double / bool
string with ``enum``                      a generated ``UENUM(BlueprintType)``, wire text <-> value in code
``$ref`` to a component                   that component's USTRUCT
array of one of the above                 ``TArray`` of it
``{}``, object without properties, map,   FString ``<Name>Json`` holding JSON text (converted by the generated
array of those, array of arrays           code: ``FRealtimeNetJson`` keeps integers exact)
``[T, "null"]``                           T with a ``bHas<Name>`` flag (false: null)
optional number, integer, boolean,        T with a ``bHas<Name>`` flag (false: left out)
enum or struct
optional string, array or JSON text       left out while empty
========================================  =====================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from realtimenet.codegen.spec import Code, Field, Method, Spec, SpecError, Struct, describe_type, pascal, ref_name

PUBLIC_DIR = Path("Plugins/RealtimeNet/Source/RealtimeNet/Public/Protocol")
PRIVATE_DIR = Path("Plugins/RealtimeNet/Source/RealtimeNet/Private/Protocol")
# Template -> generated file. The headers go to Public/, their code to Private/, as Unreal modules lay out.
OUTPUTS: tuple[tuple[str, Path], ...] = (
    ("ue_protocol_types.h.j2", PUBLIC_DIR / "RealtimeNetProtocolTypes.h"),
    ("ue_protocol_types.cpp.j2", PRIVATE_DIR / "RealtimeNetProtocolTypes.cpp"),
    ("ue_protocol_calls.h.j2", PUBLIC_DIR / "RealtimeNetProtocolCalls.h"),
    ("ue_protocol_calls.cpp.j2", PRIVATE_DIR / "RealtimeNetProtocolCalls.cpp"),
    ("ue_protocol_events.h.j2", PUBLIC_DIR / "RealtimeNetProtocolEvents.h"),
    ("ue_protocol_events.cpp.j2", PRIVATE_DIR / "RealtimeNetProtocolEvents.cpp"),
    ("ue_protocol_codes.h.j2", PUBLIC_DIR / "RealtimeNetProtocolCodes.h"),
    ("ue_protocol_codes.cpp.j2", PRIVATE_DIR / "RealtimeNetProtocolCodes.cpp"),
    ("blueprint-api-reference.md.j2", Path("docs/blueprint-api-reference.md")),
)

# Types and events of the protocol; the call nodes go by task (TASK_CATEGORIES), as the hand-written ones do.
CATEGORY = "RealtimeNet|Protocol"
# A method's first tag -> the Blueprint category of its node: the task it serves.
TASK_CATEGORIES = {
    "rooms": "RealtimeNet|Rooms",
    "state": "RealtimeNet|State",
    "presence": "RealtimeNet|Presence",
    "sys": "RealtimeNet|Debug",
    "auth": "RealtimeNet|Connection",
    "session": "RealtimeNet|Connection",
    "testing": "RealtimeNet|Debug",
}
# Nodes of x-development-only methods: debugging tools, compiled out of shipping graphs (DevelopmentOnly).
DEVELOPMENT_CATEGORY = "RealtimeNet|Debug"
PREFIX = "RealtimeNet"
# The hand-written base every generated node subclasses (Public/RealtimeNetCallAction.h).
ACTION_BASE = "URealtimeNetCallActionBase"

# Declared by hand in the runtime module (RealtimeNetTypes.h, RealtimeNetSubsystem.h, RealtimeNetJson.h, the
# async nodes in RealtimeNetCallAction.h and RealtimeNetAsyncActions.h) or by the generated events: a schema
# that would generate one of these names is refused.
RESERVED_TYPE_NAMES = frozenset({
    "FRealtimeNetError", "FRealtimeNetCallOptions", "FRealtimeNetPresenceRow", "FRealtimeNetNetworkStats",
    "FRealtimeNetTraceRow", "FRealtimeNetCallResult", "FRealtimeNetJson", "FRealtimeNetCallCompleted",
    "ERealtimeNetConnectionState", "ERealtimeNetErrorClass", "ERealtimeNetRecovery", "ERealtimeNetQuality",
    "ERealtimeNetPresenceStatus", "ERealtimeNetLane", "URealtimeNetProtocolEvents", "URealtimeNetSubsystem",
    ACTION_BASE, "URealtimeNetJsonCallActionBase", "FRealtimeNetAsyncJsonCallDone", "FRealtimeNetAsyncConnectDone",
    "URealtimeNetConnectAction", "URealtimeNetCallAction", "URealtimeNetJoinRoomAction",
    "URealtimeNetUpdateStateAction", "URealtimeNetSetPresenceAction", "URealtimeNetLeaveRoomAction",
    "URealtimeNetPublishAction", "URealtimeNetWaitForRoomEventAction", "URealtimeNetClient", "URealtimeNetRoom",
    "URealtimeNetCollectionWatch", "FRealtimeNetRoomEvent", "FRealtimeNetPresenceChange", "FRealtimeNetToast",
    "ERealtimeNetErrorCode", "ERealtimeNetCloseCode", "ERealtimeNetCallFailure", "ERealtimeNetCollectionChange",
    "ERealtimeNetPresenceNews", "ERealtimeNetConnectStart",
})
# Names the generated member functions use (their own names, parameters and locals): a member with one of
# these names would shadow them, which Unreal's build treats as an error.
RESERVED_MEMBER_NAMES = frozenset({"ToJson", "FromJson", "InJson", "OutError", "Decoded", "Problem", "Object",
                                   "bOk", "Codec"})

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")

_SCALARS: dict[str, tuple[str, str]] = {
    # JSON type: (kind, C++ type)
    "string": ("string", "FString"),
    "integer": ("int", "int64"),
    "number": ("number", "double"),
    "boolean": ("bool", "bool"),
}
_DEFAULTS = {"int": "0", "number": "0.0", "bool": "false"}  # member initializers (FString, TArray: none)

# The C++ reader and writer of each kind (RealtimeNetProtocolTypes.cpp, namespace alias Codec); {0} is the C++ type.
_CODECS: dict[str, tuple[str, str]] = {
    "string": ("&Codec::ReadString", "&Codec::WriteString"),
    "int": ("&Codec::ReadInt", "&Codec::WriteInt"),
    "number": ("&Codec::ReadNumber", "&Codec::WriteNumber"),
    "bool": ("&Codec::ReadBool", "&Codec::WriteBool"),
    "enum": ("&Codec::ReadEnum<{0}>", "&Codec::WriteEnum<{0}>"),
    "struct": ("&Codec::ReadStruct<{0}>", "&Codec::WriteStruct<{0}>"),
    "json": ("&Codec::ReadJsonText", "&Codec::WriteJsonText"),
    "json_object": ("&Codec::ReadJsonObjectText", "&Codec::WriteJsonObjectText"),
}

_BLUEPRINT_NAMES = {"FString": "String", "int64": "Integer64", "double": "Float (double)", "bool": "Boolean"}


def tooltip(*parts: str) -> str:
    """One line of text that is safe inside a UHT metadata string: double quotes become single quotes and
    backslashes slashes (UHT keeps escapes in metadata verbatim), whitespace runs one space."""
    text = " ".join(p.strip() for p in parts if p and p.strip())
    return re.sub(r"\s+", " ", text).replace("\\", "/").replace('"', "'").strip()


def cpp_string(text: str) -> str:
    """A C++ string literal body: backslashes and double quotes escaped (for ``TEXT("...")``)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


@dataclass(frozen=True)
class UType:
    """The Unreal type of a member, or of an array's items."""

    kind: str  # string | int | number | bool | enum | struct | json | json_object | array
    cpp: str
    item: UType | None = None

    @property
    def reader(self) -> str:
        """The C++ reader function for a ``ReadMember`` call (a function pointer expression)."""
        if self.item is not None:
            return f"&Codec::ReadArray<{self.item.cpp}, {self.item.reader}>"
        return _CODECS[self.kind][0].format(self.cpp)

    @property
    def writer(self) -> str:
        """The C++ writer function for a ``WriteMember`` call."""
        if self.item is not None:
            return f"&Codec::WriteArray<{self.item.cpp}, {self.item.writer}>"
        return _CODECS[self.kind][1].format(self.cpp)

    @property
    def blueprint(self) -> str:
        """The pin type as the Blueprint editor names it (for the reference)."""
        if self.item is not None:
            return f"Array of {self.item.blueprint}"
        if self.kind in ("json", "json_object"):
            return "String (JSON text)"
        return _BLUEPRINT_NAMES.get(self.cpp, self.cpp)


@dataclass(frozen=True)
class UEnumValue:
    """One enumerator and the text it travels as."""

    name: str
    wire: str


@dataclass(frozen=True)
class UEnum:
    """A ``UENUM(BlueprintType)`` generated for a string enum."""

    name: str
    values: tuple[UEnumValue, ...]
    tooltip: str
    owner: str  # "FRealtimeNetRoomJoinParams.StateEncoding", for the reference


@dataclass(frozen=True)
class UField:
    """One UPROPERTY of a generated struct and how it travels."""

    wire: str  # the JSON member name, exactly
    name: str  # the C++ member name
    type: UType
    presence: str  # EPresence in the generated code: Required, Nullable, Optional, Any, AnyOptional
    has_flag: str | None  # the bHas<Name> companion, when presence is tracked by a flag
    empty_means_absent: bool  # an optional string, array or JSON text: left out of the JSON while empty
    default: str  # C++ default member initializer ("" for none)
    tooltip: str
    description: str
    json_type: str  # the schema's type, for the reference
    required: bool
    nullable: bool

    @property
    def write_condition(self) -> str:
        """The C++ condition under which ToJson writes this member ("" for always)."""
        if self.has_flag:
            return self.has_flag
        if self.empty_means_absent:
            return f"{self.name}.Num() > 0" if self.type.kind == "array" else f"!{self.name}.IsEmpty()"
        return ""

    @property
    def absence(self) -> str:
        """How absence is expressed, for the reference."""
        if self.has_flag and self.nullable and self.required:
            return f"`{self.has_flag}` false sends null"
        if self.has_flag:
            return f"`{self.has_flag}` false: absent" + (" or null" if self.nullable else "")
        if self.empty_means_absent:
            return "left out while empty"
        if self.type.kind == "json":
            return "required; empty text sends null"
        if self.type.kind == "json_object":
            return "required; empty text sends {}"
        return "required"


@dataclass(frozen=True)
class UStruct:
    """A generated ``USTRUCT(BlueprintType)``."""

    name: str
    origin: str  # where it comes from in the description, for comments and the reference
    description: str
    tooltip: str
    fields: tuple[UField, ...]
    refs: tuple[str, ...]  # names of the structs it contains (declared before it)
    secrets: tuple[str, ...] = ()  # wire names of the x-secret members left out


@dataclass(frozen=True)
class UAction:
    """A generated async Blueprint node for one method."""

    method: str
    class_name: str
    factory: str
    display_name: str
    keywords: str
    tooltip: str
    summary: str
    description: str
    params: UStruct
    result: UStruct
    delegate: str
    errors: tuple[tuple[int, str], ...]
    category: str
    development_only: bool


@dataclass(frozen=True)
class HandWritten:
    """A method a hand-written node serves (``x-hand-written``): no generated node, the reference points there."""

    method: str
    summary: str
    node: str


@dataclass(frozen=True)
class UCode:
    """One enumerator of ERealtimeNetErrorCode or ERealtimeNetCloseCode."""

    name: str
    code: int
    text: str
    tooltip: str


@dataclass(frozen=True)
class ClientManaged:
    """A method the client calls itself (``x-client-managed``): no node, named in the reference."""

    method: str
    summary: str


@dataclass(frozen=True)
class UEvent:
    """A generated Blueprint event (and its native twin) for one notification."""

    method: str
    property: str
    native_property: str
    delegate: str
    native_delegate: str
    params: UStruct
    tooltip: str
    summary: str
    description: str


@dataclass(frozen=True)
class ResultDelegate:
    """The delegate type of both pins (Result, Error) of every node with this result: one signature per node, as
    the Blueprint node makes its data pins from its first delegate's signature only."""

    name: str
    result: str


@dataclass(frozen=True)
class Bindings:
    """Everything the Unreal templates render."""

    enums: tuple[UEnum, ...]
    structs: tuple[UStruct, ...]  # in declaration order: a struct follows every struct it contains
    actions: tuple[UAction, ...]
    events: tuple[UEvent, ...]
    result_delegates: tuple[ResultDelegate, ...]
    client_managed: tuple[ClientManaged, ...]
    hand_written: tuple[HandWritten, ...] = ()
    error_codes: tuple[UCode, ...] = ()
    close_codes: tuple[UCode, ...] = ()
    category: str = CATEGORY
    development_category: str = DEVELOPMENT_CATEGORY
    action_base: str = ACTION_BASE


def _identifier(name: str, where: str) -> str:
    if not _IDENTIFIER.match(name):
        raise SpecError(f"{where}: {name!r} does not make a C++ identifier")
    return name


class _Builder:
    """Collects enums and structs while it walks the spec, checking that every generated name is unique."""

    def __init__(self) -> None:
        self.enums: dict[str, UEnum] = {}
        self.names: set[str] = set(RESERVED_TYPE_NAMES)

    def claim(self, name: str, where: str) -> str:
        if name in self.names:
            raise SpecError(f"{where}: the generated name {name} is already taken")
        self.names.add(name)
        return name

    def enum(self, owner_struct: str, member: str, schema: dict[str, Any], where: str) -> UType:
        values = schema["enum"]
        if not values or not all(isinstance(v, str) for v in values):
            raise SpecError(f"{where}: only non-empty enums of strings are supported")
        name = self.claim(f"E{owner_struct[1:].removesuffix('Params')}{member}", where)
        enumerators = tuple(UEnumValue(_identifier(pascal(v), f"{where} enum value"), v) for v in values)
        if len({e.name for e in enumerators}) != len(enumerators):
            raise SpecError(f"{where}: enum values collide once in PascalCase")
        allowed = ", ".join(values)
        self.enums[name] = UEnum(name, enumerators, tooltip(schema.get("description", ""), f"Wire values: {allowed}."),
                                 f"{owner_struct}.{member}")
        return UType("enum", name)

    def type_of(self, schema: dict[str, Any], owner_struct: str, member: str, where: str) -> tuple[UType, bool]:
        """(the member's type, whether JSON null is allowed)."""
        ref = ref_name(schema)
        if ref is not None:
            return UType("struct", f"F{PREFIX}{ref}"), False
        kind = schema.get("type")
        nullable = False
        if isinstance(kind, list):
            others = [k for k in kind if k != "null"]
            if len(others) != 1 or len(kind) != 2:
                raise SpecError(f"{where}: only [T, \"null\"] type lists are supported, got {kind}")
            kind, nullable = others[0], True
        if kind is None or (kind == "object" and "properties" not in schema):
            return UType("json" if kind is None else "json_object", "FString"), nullable
        if kind == "object":
            raise SpecError(f"{where}: inline objects with properties must be component schemas ($ref)")
        if kind == "string" and "enum" in schema:
            return self.enum(owner_struct, member, schema, where), nullable
        if kind in _SCALARS:
            return UType(*_SCALARS[kind]), nullable
        if kind == "array":
            item, item_nullable = self.type_of(schema.get("items", {}), owner_struct, member, f"{where}.items")
            if item.kind in ("json", "json_object", "array") or item_nullable:
                return UType("json", "FString"), nullable  # TArray cannot hold JSON values or nested arrays
            return UType("array", f"TArray<{item.cpp}>", item), nullable
        raise SpecError(f"{where}: unsupported JSON Schema type {kind!r}")

    def field(self, owner_struct: str, field: Field) -> UField:
        where = f"{owner_struct}.{field.name}"
        utype, nullable = self.type_of(field.schema, owner_struct, pascal(field.name), where)
        base = _identifier(pascal(field.name), where)
        json_text = utype.kind in ("json", "json_object")
        if json_text:
            name = base + "Json"
        elif utype.kind == "bool":
            name = "b" + base
        else:
            name = base
        has_flag = None
        if not json_text and (nullable or (not field.required and utype.kind in ("int", "number", "bool", "enum",
                                                                                    "struct"))):
            has_flag = f"bHas{base}"
        empty_means_absent = not field.required and has_flag is None
        if json_text:
            presence = "Any" if field.required else "AnyOptional"
        elif field.required:
            presence = "Nullable" if nullable else "Required"
        else:
            presence = "Optional"
        default = _DEFAULTS.get(utype.kind, "")
        if utype.kind == "enum":
            default = f"{utype.cpp}::{self.enums[utype.cpp].values[0].name}"
        notes = []
        if utype.kind == "json":
            notes.append("JSON text (any JSON value" + ("; empty sends null)." if field.required else
                                                       "; empty leaves it out, 'null' sends null)."))
        elif utype.kind == "json_object":
            notes.append("JSON text of an object" + ("; empty sends {}." if field.required else
                                                     "; empty leaves it out."))
        enum_type = utype.item if utype.item is not None else utype
        if enum_type.kind == "enum":
            notes.append("Wire values: " + ", ".join(v.wire for v in self.enums[enum_type.cpp].values) + ".")
        if has_flag and nullable and field.required:
            notes.append(f"Null unless {has_flag} is set.")
        elif has_flag:
            notes.append(f"Optional: only with {has_flag} set.")
        elif empty_means_absent and not json_text:
            notes.append("Optional: left out while empty.")
        if field.schema.get("type") == "array" and utype.kind == "json":
            notes.append("Held as JSON text because an array of JSON values or arrays has no Blueprint type.")
        # A method param has a description of its own and often one on its schema too (the room name rules).
        described = [field.description, field.schema.get("description", "")]
        description = " ".join(d.strip() for i, d in enumerate(described) if d.strip() and d not in described[:i])
        return UField(
            wire=field.name,
            name=name,
            type=utype,
            presence=presence,
            has_flag=has_flag,
            empty_means_absent=empty_means_absent,
            default=default,
            tooltip=tooltip(description, *notes),
            description=description,
            json_type=describe_type(field.schema),
            required=field.required,
            nullable=nullable,
        )

    def struct(self, struct: Struct, origin: str, description: str, sent: bool = False) -> UStruct:
        """``sent``: the params of a call node, which cannot leave a member out."""
        name = self.claim(f"F{PREFIX}{_identifier(struct.name, origin)}", origin)
        secrets = tuple(f.name for f in struct.fields if f.secret)
        if secrets and sent:
            raise SpecError(f"{origin}: x-secret members {list(secrets)} cannot be sent from a node; mark the "
                            "method x-client-managed")
        fields = tuple(self.field(name, f) for f in struct.fields if not f.secret)
        members = [f.name for f in fields] + [f.has_flag for f in fields if f.has_flag]
        clash = sorted({m for m in members if members.count(m) > 1} | (set(members) & RESERVED_MEMBER_NAMES))
        if clash:
            raise SpecError(f"{origin}: generated member names collide: {clash}")
        refs = []
        for f in fields:
            target = f.type.item if f.type.item is not None else f.type
            if target.kind == "struct" and target.cpp not in refs:
                refs.append(target.cpp)
        return UStruct(name, origin, description, tooltip(description or origin), fields, tuple(refs), secrets)


def _ordered(structs: list[UStruct]) -> tuple[UStruct, ...]:
    """Structs in an order where each comes after the structs it holds by value (UHT needs them declared)."""
    by_name = {s.name: s for s in structs}
    done: list[UStruct] = []
    state: dict[str, str] = {}

    def visit(struct: UStruct, path: tuple[str, ...]) -> None:
        if state.get(struct.name) == "done":
            return
        if state.get(struct.name) == "visiting":
            raise SpecError(f"component schemas contain each other: {' -> '.join((*path, struct.name))}")
        state[struct.name] = "visiting"
        for ref in struct.refs:
            if ref not in by_name:
                raise SpecError(f"{struct.origin}: refers to an unknown component {ref}")
            visit(by_name[ref], (*path, struct.name))
        state[struct.name] = "done"
        done.append(struct)

    for struct in structs:
        visit(struct, ())
    return tuple(done)


def _words(method: str) -> str:
    """``session.token_expiring`` -> ``Session Token Expiring``."""
    return " ".join(p[:1].upper() + p[1:] for p in re.split(r"[._\-]", method) if p)


def _action(builder: _Builder, method: Method, params: UStruct, result: UStruct,
            delegates: dict[str, ResultDelegate]) -> UAction:
    pascal_name = _identifier(pascal(method.name), method.name)
    if result.name not in delegates:
        delegates[result.name] = ResultDelegate(builder.claim(f"{result.name}CallDone", method.name), result.name)
    development = "Development only: for test environments, never a shipped game's flow." if method.development_only \
        else ""
    if method.development_only:
        category = DEVELOPMENT_CATEGORY
    elif method.tag in TASK_CATEGORIES:
        category = TASK_CATEGORIES[method.tag]
    else:
        raise SpecError(f"{method.name}: its first tag {method.tag!r} names no Blueprint category "
                        f"(known: {sorted(TASK_CATEGORIES)})")
    words = method.name.replace(".", " ").replace("_", " ")
    return UAction(
        method=method.name,
        class_name=builder.claim(f"U{PREFIX}{pascal_name}Action", method.name),
        factory=pascal_name,
        display_name=f"{_words(method.name)} ({method.name})",
        keywords=tooltip(f"{PREFIX} protocol {words} {method.tag}",
                         "development debug test" if method.development_only else ""),
        tooltip=tooltip(f"Calls {method.name}: {method.summary}", development, method.description),
        summary=method.summary,
        description=method.description,
        params=params,
        result=result,
        delegate=delegates[result.name].name,
        errors=tuple((int(e["code"]), str(e["message"])) for e in method.errors),
        category=category,
        development_only=method.development_only,
    )


def _event(builder: _Builder, notification: Method, params: UStruct) -> UEvent:
    pascal_name = _identifier(pascal(notification.name), notification.name)
    return UEvent(
        method=notification.name,
        property=f"On{pascal_name}",
        native_property=f"On{pascal_name}Native",
        delegate=builder.claim(f"F{PREFIX}{pascal_name}Notification", notification.name),
        native_delegate=builder.claim(f"F{PREFIX}{pascal_name}NotificationNative", notification.name),
        params=params,
        tooltip=tooltip(f"{notification.name}: {notification.summary}", notification.description),
        summary=notification.summary,
        description=notification.description,
    )


def build(spec: Spec) -> Bindings:
    """The Unreal view of ``spec``; raises ``SpecError`` for anything it cannot map exactly."""
    builder = _Builder()
    components = {s.name: builder.struct(s, f"components/schemas/{s.name}", s.description) for s in spec.components}
    structs = list(components.values())
    delegates: dict[str, ResultDelegate] = {}
    actions = []
    client_managed = []
    hand_written = []
    for method in spec.methods:
        if method.client_managed:
            # The client calls it itself: a node (and a params struct only a node would use) would race it.
            client_managed.append(ClientManaged(method.name, method.summary))
            continue
        if method.hand_written:
            # A hand-written node adds the client-side bookkeeping; a generated one would be a second way.
            hand_written.append(HandWritten(method.name, method.summary, method.hand_written))
            continue
        params = builder.struct(method.params, f"params of `{method.name}`",
                                f"Params of `{method.name}`: {method.summary}", sent=True)
        structs.append(params)
        if method.result not in components:
            raise SpecError(f"{method.name}: result {method.result} is not a component schema")
        actions.append(_action(builder, method, params, components[method.result], delegates))
    events = []
    for notification in spec.notifications:
        params = builder.struct(notification.params, f"params of notification `{notification.name}`",
                                f"Params of the `{notification.name}` notification: {notification.summary}")
        structs.append(params)
        events.append(_event(builder, notification, params))
    return Bindings(
        enums=tuple(builder.enums.values()),
        structs=_ordered(structs),
        actions=tuple(actions),
        events=tuple(events),
        result_delegates=tuple(delegates.values()),
        client_managed=tuple(client_managed),
        hand_written=tuple(hand_written),
        error_codes=_codes(spec.error_codes, "x-error-codes"),
        close_codes=_codes(spec.close_codes, "x-close-codes"),
    )


def _codes(codes: list[Code], where: str) -> tuple[UCode, ...]:
    """The enumerators for a code list: PascalCase of its names; None and Other are the enums' own."""
    result = []
    for c in codes:
        name = _identifier("".join(part.capitalize() for part in c.name.split("_")), f"{where} {c.name}")
        if name in ("None", "Other"):
            raise SpecError(f"{where}: {c.name} would collide with the enum's own {name}")
        result.append(UCode(name, c.code, c.text, tooltip(f"{c.code} {c.text}: {c.description}")))
    if len({c.name for c in result}) != len(result) or len(result) > 250:
        raise SpecError(f"{where}: names collide in PascalCase, or too many for a uint8 enum")
    return tuple(result)
