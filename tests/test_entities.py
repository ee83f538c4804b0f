"""The compact entity encoding (``state.entities``): the shared vectors, its equivalence with merge patches
over random movement, and the gateway sending it to the members that ask while others get state.delta."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtimenet.client import Client, RemoteError
from realtimenet.config import load_config
from realtimenet.exceptions import ConfigError
from realtimenet.gateway.node import GatewayNode
from realtimenet.protocol.codes import ErrorCode
from realtimenet.state import merge_patch
from realtimenet.state.entities import EntityDecodeError, EntityMirror, EntitySchema, apply_entities
from realtimenet.state.quantize import Quantizer, Step
from tests.conftest import ROOT, GatewayProcess, eventually, metric_value

VECTORS = json.loads((ROOT / "protocol/vectors/entities.json").read_text())


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_encode_vectors(case: dict[str, Any]) -> None:
    mirror = EntityMirror(EntitySchema(case["schema"]), case["document"], 1)
    packed, rest = mirror.encode(1, 2, case["patch"])
    assert packed == case["entities"]
    assert rest == case.get("rest", {})


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_decode_vectors(case: dict[str, Any]) -> None:
    document = copy.deepcopy(case["document"])
    assert apply_entities(document, EntitySchema(case["schema"]), case["entities"], case.get("rest")) == case[
        "expected"]
    assert document == case["document"]  # input untouched


@pytest.mark.parametrize("case", VECTORS["errors"], ids=lambda c: c["name"])
def test_malformed_messages_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(EntityDecodeError):
        apply_entities(case["document"], EntitySchema(case["schema"]), case["entities"])


def test_steps_give_the_double_of_the_decimal_literal() -> None:
    assert (Step.of(0.01), Step.of(5), Step.of(0.25), Step.of(10)) == (Step(1, 2), Step(5, 0), Step(25, 2),
                                                                        Step(10, 0))
    step = Step.of(0.01)
    for q in (-1_000_000, -7, 0, 3, 1234, 99_999_999):
        assert step.value(q) == float(f"{q}e-2")
    with pytest.raises(ValueError):
        Step.of(0)
    with pytest.raises(ValueError):
        step.quantum(1e300)


SCHEMA = {"e": {"x": 0.01, "y": 0.05, "rot": 1}}
names = st.sampled_from(["a", "b", "c", "d", "é"])
numbers = st.floats(-1000, 1000, allow_nan=False) | st.integers(-1000, 1000)
entity_patch = st.dictionaries(st.sampled_from(["x", "y", "rot", "hp"]), numbers | st.none() | st.just("s"),
                               max_size=4)
tick = st.dictionaries(names, entity_patch | st.none() | st.just(5), max_size=5).map(lambda e: {"e": e})


@settings(max_examples=300, deadline=None)
@given(st.lists(tick | st.just({"e": None}) | st.just({"other": 1}), min_size=1, max_size=12))
def test_a_mirror_follows_any_sequence_and_every_tick_decodes_to_the_merge_patch(ticks: list[Any]) -> None:
    schema = EntitySchema(SCHEMA)
    quantizer = Quantizer(schema.quantize_rules())
    document: dict[str, Any] = {"e": {"a": {"x": 1, "y": 2, "rot": 3}}}
    mirror = EntityMirror(schema, document, 0)
    for version, raw in enumerate(ticks):
        patch = quantizer.apply(raw, document)
        packed, rest = mirror.encode(version, version + 1, patch)
        expected = merge_patch(document, patch)
        assert apply_entities(document, schema, packed, rest) == expected
        document = expected
        assert mirror.version == version + 1
    assert mirror.collections == EntityMirror(schema, document, 0).collections  # no drift


ENTITIES = {"state": {"entities": {"arena*": {"e": {"x": 0.01, "y": 0.01, "rot": 1}}}, "tick_rate": 50}}


def test_members_who_ask_get_state_entities_and_end_at_the_same_document(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory(ENTITIES)
    mover, compact, plain = gw.connect("mover"), gw.connect("compact"), gw.connect("plain")
    mover.join("arena-1")
    mover.call("state.update", {"room": "arena-1", "base_version": 0,
                                "patch": {"e": {f"n{i}": {"x": i, "y": 0, "rot": 0} for i in range(20)}}})
    joined = compact.join("arena-1", state_encoding="entities")
    assert joined["entities"] == {"e": {"x": 0.01, "y": 0.01, "rot": 1}}
    assert "entities" not in plain.join("arena-1")
    documents = {"compact": (joined["state_version"], joined["state"]), "plain": (1, joined["state"])}
    schema = EntitySchema.from_description(joined["entities"])
    version = 1
    for step in range(1, 31):
        patch = {"e": {f"n{i}": {"x": i + step * 0.137, "rot": step * 7 % 360} for i in range(0, 20, 2)}}
        if step == 10:
            patch["e"]["new"] = {"x": 1, "y": 1, "rot": 1}
            patch["round"] = 2
        version = mover.call("state.update", {"room": "arena-1", "base_version": version, "patch": patch})["version"]
        time.sleep(0.01)

    def follow(client: Client, who: str) -> bool:
        while not client.notifications.empty():
            note = client.notifications.get_nowait()
            held, doc = documents[who]
            if note.method == "state.delta" and note.params["from"] <= held < note.params["to"]:  # idempotent
                documents[who] = (note.params["to"], merge_patch(doc, note.params["patch"]))
                kinds.append(f"{who} state.delta")
            elif note.method == "state.entities":
                assert who == "compact" and note.params["from"] == held
                documents[who] = (note.params["to"], apply_entities(doc, schema, note.params["entities"],
                                                                    note.params.get("rest")))
                kinds.append("compact state.entities")
        return documents[who][0] == version

    kinds: list[str] = []
    assert eventually(lambda: follow(compact, "compact") and follow(plain, "plain"))
    current = mover.call("state.get", {"room": "arena-1"})
    assert documents["compact"] == documents["plain"] == (current["version"], current["document"])
    # Every tick after the first two (joined mid-change: the mirror catches up) went packed.
    assert kinds.count("compact state.entities") >= kinds.count("plain state.delta") - 2 >= 10
    encoded = kinds.count("plain state.delta") + kinds.count("compact state.entities")  # each encoded once
    assert metric_value(gw.metrics(), "realtimenet_state_delta_bytes_count") >= encoded


def test_a_room_type_without_entities_or_a_bad_encoding(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory(ENTITIES)
    alice = gw.connect("alice")
    assert "entities" not in alice.join("lobby", state_encoding="entities")  # not declared: state.delta only
    with pytest.raises(RemoteError) as info:
        alice.call("room.join", {"room": "arena-1", "state_encoding": "binary"})
    assert info.value.code == ErrorCode.INVALID_PARAMS
    with pytest.raises(RemoteError) as info:  # refused before anything happened: not a member
        alice.call("state.get", {"room": "arena-1"})
    assert info.value.code == ErrorCode.FORBIDDEN


def test_a_bad_step_fails_at_start_naming_its_key() -> None:
    config = load_config(environ={}, overrides={"state.entities": '{"arena*" = {e = {x = 0}}}'})
    with pytest.raises(ConfigError, match=r"state\.entities\.arena\*: .*positive"):
        GatewayNode(config)
