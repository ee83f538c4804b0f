"""Compact encoding of many moving entities: the ``state.entities`` notification, beside ``state.delta``.

A room type declares entity collections: a member of the state document (``players``) whose members are
entities with numeric fields, each quantised to a step (``x = 0.01``, ``rot = 1``). A tick's changes to
those fields travel as differences of integer quanta packed into bytes (base64 in the JSON-RPC text
frame); everything else in the tick's merge patch travels beside them, unchanged, as ``rest``. Applying a
``state.entities`` to the document at ``from`` gives exactly the document the equivalent ``state.delta``
would: the compact form is another encoding of the same change, which a client asks for per room.

Layout of one collection's bytes (the docs and the C++ core follow this text):

    varint          N: members the collection held at ``from`` (of any type), ordered by name
                    (code point order, which is UTF-8 byte order)
    N bits          bit i set: member i has changed fields (least significant bit first, padded to a byte)
    F bits each     per set member, bit j set: field j changed (fields ordered by name; LSB first;
                    one bit stream for all set members, padded to a byte)
    zigzag varints  per changed field, member order then field order: ``q_new - q_old``

A field's quantum ``q`` is ``round(value / step)``; its value is ``q * m / 10**d`` for the step
``m * 10**-d`` (see ``Step``), so both languages produce the same double.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from realtimenet.state.merge_patch import merge_patch
from realtimenet.state.quantize import Step

Quanta = list[int | None]  # per declared field: the quantum held, or None (absent or not a number)


class EntityDecodeError(ValueError):
    """A ``state.entities`` that does not fit the document it claims to apply to."""


@dataclass(frozen=True)
class EntityTable:
    """One declared collection: its name and its numeric fields, ordered by name."""

    collection: str
    fields: tuple[str, ...]
    steps: tuple[Step, ...]
    index: dict[str, int]

    @classmethod
    def declare(cls, collection: str, fields: dict[str, float]) -> EntityTable:
        if not fields:
            raise ValueError(f"entity collection {collection!r} declares no fields")
        names = tuple(sorted(fields))
        return cls(collection, names, tuple(Step.of(fields[name]) for name in names),
                   {name: j for j, name in enumerate(names)})


class EntitySchema:
    """A room type's entity collections, as configured (``state.entities``)."""

    def __init__(self, collections: dict[str, dict[str, float]]) -> None:
        self.tables = {name: EntityTable.declare(name, fields) for name, fields in sorted(collections.items())}
        self.description = {name: dict(fields) for name, fields in collections.items()}

    @classmethod
    def from_description(cls, description: dict[str, dict[str, float]]) -> EntitySchema:
        """The schema a client received in ``room.join``'s ``entities``."""
        return cls(description)

    def quantize_rules(self) -> dict[str, float]:
        """Every declared field is quantised: the encoding carries quanta, never raw doubles."""
        return {f"{name}.*.{field}": step for name, fields in self.description.items()
                for field, step in fields.items()}


def _quanta(table: EntityTable, entity: Any, held: Quanta | None = None) -> Quanta:
    """The quanta of ``entity``'s declared fields (``held`` updated by a patch of it, when given)."""
    out: Quanta = list(held) if held is not None else [None] * len(table.fields)
    for j, (field, step) in enumerate(zip(table.fields, table.steps, strict=True)):
        if field in entity:
            out[j] = _quantum(step, entity[field])
    return out


def _quantum(step: Step, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return step.quantum(value)
    except ValueError:
        return None


def _members(table: EntityTable, collection: Any) -> dict[str, Quanta | None] | None:
    if not isinstance(collection, dict):
        return None
    return {name: _quanta(table, entity) if isinstance(entity, dict) else None
            for name, entity in collection.items()}


class EntityMirror:
    """What one node last broadcast of one room's entity fields: the quanta at ``version``. The encoder's
    old values and member order come from here, so the node never loads the document per tick."""

    def __init__(self, schema: EntitySchema, document: dict[str, Any], version: int) -> None:
        self.schema = schema
        self.version = version
        self.collections = {name: _members(table, document.get(name)) for name, table in schema.tables.items()}

    def encode(self, from_version: int, to_version: int, patch: dict[str, Any]) -> tuple[dict[str, str],
                                                                                         dict[str, Any]]:
        """Split the patch taking version ``from_version`` (this mirror's) to ``to_version`` into packed
        entity updates per collection (base64) and the rest, and move the mirror to ``to_version``."""
        assert from_version == self.version, "the mirror encodes from the version it holds"
        packed: dict[str, str] = {}
        rest = dict(patch)
        for name, table in self.schema.tables.items():
            members, sub = self.collections[name], patch.get(name)
            if members is None or not isinstance(sub, dict):
                continue
            updates: dict[str, tuple[list[bool], list[int]]] = {}
            rest_sub: dict[str, Any] = {}
            for member, change in sub.items():
                held = members.get(member)
                if held is None or not isinstance(change, dict):
                    rest_sub[member] = change  # new, deleted, replaced or not an object: a plain patch
                    continue
                mask, deltas, left = _split(table, held, change)  # moves ``held`` by the packed fields
                if deltas:
                    updates[member] = (mask, deltas)
                if left:
                    rest_sub[member] = left
            if not updates:
                continue
            packed[name] = base64.b64encode(_pack(sorted(members), updates, len(table.fields))).decode()
            if rest_sub:
                rest[name] = rest_sub
            else:
                del rest[name]
        self.advance(to_version, rest)  # the packed fields moved already; the rest is disjoint from them
        return packed, rest

    def advance(self, to_version: int, patch: dict[str, Any]) -> None:
        """Apply ``patch`` (from this mirror's version) to the mirror."""
        for name, table in self.schema.tables.items():
            if name not in patch:
                continue
            sub, members = patch[name], self.collections[name]
            if members is None or not isinstance(sub, dict):
                self.collections[name] = _members(table, merge_patch(None, sub)) if sub is not None else None
                continue
            for member, change in sub.items():
                if change is None:
                    members.pop(member, None)
                elif not isinstance(change, dict):
                    members[member] = None
                else:
                    members[member] = _quanta(table, change, members.get(member))
        self.version = to_version


def _split(table: EntityTable, held: Quanta, change: dict[str, Any]) -> tuple[list[bool], list[int],
                                                                               dict[str, Any]]:
    """One entity's patch: (changed-field mask, quantum differences, what cannot be packed); the packed
    fields' new quanta are written into ``held``. Runs once per moved entity per tick: kept to plain lookups."""
    packable: dict[int, int] = {}
    left: dict[str, Any] = {}
    index, steps = table.index, table.steps
    for field, value in change.items():
        j = index.get(field)
        old = None if j is None else held[j]
        if j is None or old is None or type(value) not in (int, float):
            left[field] = value  # not a declared number both before and after: a plain patch
            continue
        step = steps[j]
        try:
            new = step.quantum(value)
        except ValueError:  # too large to carry a fraction: the quantiser kept it as it is
            left[field] = value
            continue
        if step.value(new) != value:
            left[field] = value  # not on the step
            continue
        packable[j] = new - old
        held[j] = new
    return [j in packable for j in range(len(steps))], [packable[j] for j in sorted(packable)], left


def _pack(names: list[str], updates: dict[str, tuple[list[bool], list[int]]], field_count: int) -> bytes:
    out = bytearray()
    _put_varint(out, len(names))
    present = [name in updates for name in names]
    out += _bits(present)
    out += _bits(bit for name in names if name in updates for bit in updates[name][0])
    for name in names:
        if name in updates:
            for delta in updates[name][1]:
                _put_varint(out, (delta << 1) ^ (delta >> 63))  # zigzag: small magnitudes, small varints
    return bytes(out)


def _bits(flags: Iterable[bool]) -> bytes:
    out = bytearray()
    for i, flag in enumerate(flags):
        if i % 8 == 0:
            out.append(0)
        if flag:
            out[-1] |= 1 << (i % 8)
    return bytes(out)


def _put_varint(out: bytearray, value: int) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def varint(self) -> int:
        value = shift = 0
        while True:
            if self.pos >= len(self.data):
                raise EntityDecodeError("truncated varint")
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 63:
                raise EntityDecodeError("varint longer than 64 bits")

    def bits(self, count: int) -> list[bool]:
        size = (count + 7) // 8
        chunk = self.data[self.pos:self.pos + size]
        if len(chunk) < size:
            raise EntityDecodeError("truncated bit field")
        self.pos += size
        return [bool(chunk[i // 8] >> (i % 8) & 1) for i in range(count)]


def apply_entities(document: dict[str, Any], schema: EntitySchema, entities: dict[str, str],
                   rest: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document a ``state.entities`` produces from the document at its ``from`` (inputs untouched).
    Raises EntityDecodeError when the message does not fit that document (then ask ``state.get``)."""
    result = dict(document)
    for name, encoded in entities.items():
        table = schema.tables.get(name)
        collection = result.get(name)
        if table is None or not isinstance(collection, dict):
            raise EntityDecodeError(f"{name!r} is not a declared entity collection of this document")
        try:
            data = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise EntityDecodeError(f"{name!r}: not base64: {exc}") from None
        result[name] = _unpack(table, collection, _Reader(data))
    return merge_patch(result, rest) if rest else result


def _unpack(table: EntityTable, collection: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    names = sorted(collection)
    if reader.varint() != len(names):
        raise EntityDecodeError("the collection's member count differs: the document is not at `from`")
    present = [name for name, flag in zip(names, reader.bits(len(names)), strict=True) if flag]
    masks = reader.bits(len(present) * len(table.fields))
    out = dict(collection)
    for i, name in enumerate(present):
        entity = out[name]
        if not isinstance(entity, dict):
            raise EntityDecodeError(f"member {name!r} is not an entity")
        entity = out[name] = dict(entity)
        for j, (field, step) in enumerate(zip(table.fields, table.steps, strict=True)):
            if not masks[i * len(table.fields) + j]:
                continue
            old = _quantum(step, entity.get(field))
            if old is None:
                raise EntityDecodeError(f"{name}.{field} holds no number to move")
            zigzag = reader.varint()
            entity[field] = step.value(old + ((zigzag >> 1) ^ -(zigzag & 1)))
    if reader.pos != len(reader.data):
        raise EntityDecodeError("trailing bytes")
    return out
