"""Per-field quantisation: fewer digits, fewer members, same merge-patch contract."""

from __future__ import annotations

import time
from typing import Any

import pytest

from realtimenet.state import merge_patch
from realtimenet.state.quantize import Quantizer
from tests.conftest import GatewayProcess

RULES = {"players.*.x": 0.01, "players.*.y": 0.05, "players.*.rot": 1}


def test_declared_numbers_are_rounded_to_their_step() -> None:
    q = Quantizer(RULES)
    patch = q.apply({"players": {"b": {"x": 0.070000001, "y": 0.1249, "rot": 89.6, "hp": 3.14159}}}, {})
    assert patch == {"players": {"b": {"x": 0.07, "y": 0.1, "rot": 90, "hp": 3.14159}}}
    assert isinstance(patch["players"]["b"]["rot"], int)


def test_changes_that_round_away_are_dropped() -> None:
    q = Quantizer(RULES)
    doc = {"players": {"a": {"x": 1.23, "y": 0.1, "rot": 90}}}
    assert q.apply({"players": {"a": {"x": 1.2349, "y": 0.11, "rot": 90.4}}}, doc) == {}
    assert q.apply({"players": {"a": {"x": 1.236}}}, doc) == {"players": {"a": {"x": 1.24}}}
    assert q.apply({"players": {"ghost": None}}, doc) == {}  # deleting what is not there
    assert q.apply({"players": {"a": None}}, doc) == {"players": {"a": None}}
    assert q.apply({"name": "x"}, doc) == {"name": "x"}  # undeclared paths pass through


def test_quantised_patches_are_still_merge_patches() -> None:
    q = Quantizer(RULES)
    doc: dict[str, Any] = {}
    for step in range(50):
        patch = q.apply({"players": {"p": {"x": step * 0.0037, "rot": step * 0.3}}}, doc)
        doc = merge_patch(doc, patch)
    assert doc == {"players": {"p": {"x": 0.18, "rot": 15}}}


def test_the_gateway_rounds_and_skips_no_op_updates(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory({"state": {"quantize": {"arena*": RULES}, "tick_rate": 50}})
    alice = gw.connect("alice")
    alice.join("arena-1")
    first = alice.call("state.update", {"room": "arena-1", "base_version": 0,
                                        "patch": {"players": {"alice": {"x": 1.23456, "rot": 44.6}}}})
    assert first["version"] == 1
    same = alice.call("state.update", {"room": "arena-1", "base_version": 1,
                                       "patch": {"players": {"alice": {"x": 1.2341, "rot": 45.2}}}})
    assert same["version"] == 1  # rounds to what is held: no new version, nothing broadcast
    time.sleep(0.2)
    deltas = [n.params for n in list(alice.notifications.queue) if n.method == "state.delta"]
    assert deltas == [{"room": "arena-1", "from": 0, "to": 1, "patch": {"players": {"alice": {"x": 1.23, "rot": 45}}}}]


def test_a_named_member_wins_over_a_wildcard_and_partial_globs_are_refused() -> None:
    quantizer = Quantizer({"players.*.x": 1, "players.boss.x": 0.5})
    assert quantizer.apply({"players": {"boss": {"x": 1.3}, "p1": {"x": 1.3}}}, {}) == {
        "players": {"boss": {"x": 1.5}, "p1": {"x": 1}}}
    with pytest.raises(ValueError, match="a name or"):
        Quantizer({"play*.x": 1})
