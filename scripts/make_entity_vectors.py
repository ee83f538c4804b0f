"""Regenerate protocol/vectors/entities.json from realtimenet.state.entities (run after a deliberate format
change; tests/test_entities.py then pins both languages to it): python scripts/make_entity_vectors.py"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from realtimenet.state.entities import EntityMirror, EntitySchema, apply_entities
from realtimenet.state.merge_patch import merge_patch
from realtimenet.state.quantize import Quantizer

OUT = Path(__file__).resolve().parent.parent / "protocol/vectors/entities.json"
cases: list[dict[str, Any]] = []


def case(name: str, schema: dict[str, Any], doc: dict[str, Any], patch: dict[str, Any]) -> None:
    s = EntitySchema(schema)
    q = Quantizer(s.quantize_rules())
    patch = q.apply(patch, doc)
    m = EntityMirror(s, doc, 1)
    packed, rest = m.encode(1, 2, patch)
    after = merge_patch(doc, patch)
    assert apply_entities(doc, s, packed, rest) == after
    cases.append({"name": name, "schema": schema, "document": doc, "patch": patch,
                  "entities": packed, **({"rest": rest} if rest else {}), "expected": after})

E = {"e": {"x": 0.01, "y": 0.01, "rot": 1}}
case("moves two of three entities", E,
     {"e": {"a": {"x": 1.5, "y": 2.25, "rot": 90}, "b": {"x": 0, "y": 0, "rot": 0},
            "c": {"x": -3.1, "y": 4, "rot": 180}}},
     {"e": {"a": {"x": 1.61, "rot": 91}, "c": {"x": -3.2, "y": 3.99, "rot": 179}}})
case("new, removed and non-numeric changes travel in rest", E,
     {"e": {"a": {"x": 1, "y": 1, "rot": 0, "hp": 10}, "b": {"x": 2, "y": 2, "rot": 0}, "flag": True}, "round": 3},
     {"e": {"a": {"x": 1.25, "hp": 9}, "b": None, "n": {"x": 5, "y": 5, "rot": 45}, "flag": False}, "round": 4})
case("large and negative differences, wrap-around headings", E,
     {"e": {"p": {"x": 0, "y": 1000000, "rot": 359}}},
     {"e": {"p": {"x": -123456.78, "y": 0.01, "rot": 0}}})
case("a field that was absent or not a number goes in rest", E,
     {"e": {"p": {"x": 1, "rot": "north"}}},
     {"e": {"p": {"x": 2, "y": 3, "rot": 90}}})
case("steps that are not powers of ten", {"units": {"hp": 5, "pos": 0.25, "t": 0.001}},
     {"units": {"u1": {"hp": 100, "pos": 10.5, "t": 1.5}, "u2": {"hp": 50, "pos": 0, "t": 0}}},
     {"units": {"u1": {"hp": 95, "pos": 10.75, "t": 1.501}, "u2": {"pos": -0.25}}})
case("members are ordered by code point (UTF-8 byte order)", {"e": {"x": 1}},
     {"e": {"b": {"x": 1}, "Z": {"x": 2}, "é": {"x": 3}, "a": {"x": 4}, "aa": {"x": 5}, "🙂": {"x": 6}}},
     {"e": {"é": {"x": 4}, "a": {"x": 3}, "🙂": {"x": 7}, "Z": {"x": 1}}})
case("two collections in one tick", {"ships": {"x": 0.1}, "shots": {"d": 1}},
     {"ships": {"s1": {"x": 1.5}}, "shots": {"k": {"d": 10}, "j": {"d": 3}}},
     {"ships": {"s1": {"x": 1.7}}, "shots": {"j": {"d": 2}}})
big = {f"n{i}": {"x": i * 1.5, "y": 100 - i, "rot": i * 6 % 360} for i in range(60)}
case("sixty entities moving", E, {"e": big},
     {"e": {f"n{i}": {"x": i * 1.5 + 0.13, "y": 100 - i - 0.07, "rot": (i * 6 + 2) % 360} for i in range(60)}})

def b64(raw: list[int]) -> str:
    return base64.b64encode(bytes(raw)).decode()

doc = {"e": {"a": {"x": 1, "y": 1, "rot": 0}, "b": {"x": 2, "y": 2, "rot": 0}}}
errors: list[dict[str, Any]] = [
    {"name": "member count differs (document not at from)", "entities": {"e": b64([3, 1, 1, 2])}},
    {"name": "truncated varint", "entities": {"e": b64([2, 1, 1, 0x80])}},
    {"name": "truncated bit field", "entities": {"e": b64([2])}},
    {"name": "trailing bytes", "entities": {"e": b64([2, 1, 1, 2, 0])}},
    {"name": "not base64", "entities": {"e": "!!!"}},
    {"name": "undeclared collection", "entities": {"f": b64([0])}},
    {"name": "varint longer than 64 bits", "entities": {"e": b64([2, 1, 1] + [0xFF] * 10 + [1])}},
]
for e in errors:
    e.update({"schema": E, "document": doc})
DESCRIPTION = ("Compact entity encoding (state.entities): encode (mirror at `document`, `patch` -> `entities` + "
               "`rest`) and decode (`document` + `entities` + `rest` -> `expected`); `errors` must be refused. "
               "Made by scripts/make_entity_vectors.py; see docs/event-protocol.md.")
json.dump({"description": DESCRIPTION,
           "cases": cases, "errors": errors}, OUT.open("w"), indent=1, ensure_ascii=False)
print(f"wrote {OUT}: {len(cases)} cases, {len(errors)} errors")
