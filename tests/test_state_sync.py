"""Versioned room state: the conflict policy, catch-up planning, and the whole flow through a gateway."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import generate_latest

from realtimenet.client import RemoteError
from realtimenet.config import load_config
from realtimenet.exceptions import RpcError
from realtimenet.gateway.auth import Principal
from realtimenet.gateway.node import GatewayNode
from realtimenet.protocol.codes import ErrorCode
from realtimenet.state import compose, merge_patch
from realtimenet.state.sync import (
    Conflict,
    RoomState,
    StateChange,
    VersionFromTheFuture,
    apply_update,
    catch_up,
    coalesce,
)
from tests.conftest import GatewayProcess, metric_value
from tests.services import Service

Factory = Callable[..., GatewayProcess]


def build(*patches: dict[str, Any], log_size: int = 100) -> RoomState:
    state = RoomState()
    for patch in patches:
        state = apply_update(state, state.version, patch, log_size)
    return state


# ----- the policy, sans-I/O ---------------------------------------------------------------------------


def test_disjoint_changes_against_an_old_version_merge() -> None:
    state = build({"score": {"a": 1}})
    state = apply_update(state, 0, {"score": {"b": 2}}, 100)
    assert (state.version, state.document) == (2, {"score": {"a": 1, "b": 2}})


def test_overlapping_changes_conflict_with_the_current_version_and_paths() -> None:
    state = build({"score": {"a": 1}}, {"pos": {"x": 1}})
    for patch, paths in (({"score": {"a": 5}}, ["score/a"]), ({"score": None}, ["score/a"]),
                         ({"pos": {"x": {"deep": 1}}}, ["pos/x"])):
        with pytest.raises(Conflict) as info:
            apply_update(state, 0, patch, 100)
        assert (info.value.current_version, info.value.paths) == (2, paths)
    assert apply_update(state, 1, {"score": {"a": 5}}, 100).document["score"] == {"a": 5}  # rebased: fine


def test_an_authors_own_earlier_changes_are_no_conflict_but_anyone_elses_are() -> None:
    state = RoomState()
    for x in (1, 2, 3):  # a pawn moving every 50 ms, each move made against the version it last saw: 0
        state = apply_update(state, 0, {"players": {"p1": {"x": x}}}, 100, author="p1")
    assert (state.version, state.document) == (3, {"players": {"p1": {"x": 3}}})
    with pytest.raises(Conflict) as info:  # someone else wrote p1's x since version 0
        apply_update(state, 0, {"players": {"p1": {"x": 9}}}, 100, author="p2")
    assert info.value.paths == ["players/p1/x"]
    anonymous = apply_update(RoomState(), 0, {"a": 1}, 100)
    with pytest.raises(Conflict):  # without an author every change is someone else's, as before
        apply_update(anonymous, 0, {"a": 2}, 100)


def test_future_and_forgotten_versions_are_refused() -> None:
    state = build(*({"n": i} for i in range(10)), log_size=3)
    with pytest.raises(VersionFromTheFuture):
        apply_update(state, 11, {"x": 1}, 3)
    with pytest.raises(Conflict) as info:
        apply_update(state, 2, {"x": 1}, 3)
    assert info.value.reason == "base_version_too_old"
    assert apply_update(state, 7, {"x": 1}, 3).version == 11  # the oldest checkable version


def test_catch_up_composes_falls_back_to_deltas_in_order_or_a_snapshot() -> None:
    state = build({"big": "x" * 100}, {"a": {"x": 1}}, {"a": {"y": 2}}, {"b": 1})
    plan = catch_up(state, 1)
    assert plan is not None and plan.document is None
    assert [(d.from_version, d.to_version, d.patch) for d in plan.deltas] == [(1, 4, {"a": {"x": 1, "y": 2}, "b": 1})]
    state = build({"big": "x" * 200}, {"a": None}, {"a": {"b": 1}})  # delete then object: no single patch
    plan = catch_up(state, 1)
    assert plan is not None and [(d.from_version, d.to_version) for d in plan.deltas] == [(1, 2), (2, 3)]
    state = build({"a": 1}, {"b": 2}, {"a": 3})
    plan = catch_up(state, 0)
    assert plan is not None and plan.document == {"a": 3, "b": 2}  # a snapshot is smaller here
    assert catch_up(state, 3) is None
    evicted = build(*({"n": i, "pad": "x" * 50} for i in range(10)), log_size=2)
    plan = catch_up(evicted, 3)
    assert plan is not None and plan.document == evicted.document


def test_coalesce_composes_consecutive_versions_but_never_across_a_missing_one() -> None:
    changes = [StateChange(5, {"a": 1}), StateChange(7, {"b": 1}), StateChange(8, {"c": 1})]
    deltas = coalesce(changes, 4)
    # A client at 4 applies 4->5; at 6 it would apply 6->8; at 5 it sees from=6 and reloads: no patch
    # ever claims to bring a client past version 6 without it.
    assert [(d.from_version, d.to_version, d.patch) for d in deltas] == [(4, 5, {"a": 1}),
                                                                        (6, 8, {"b": 1, "c": 1})]


keys = st.sampled_from(["a", "b"])
values = st.recursive(st.none() | st.integers(0, 3), lambda inner: st.dictionaries(keys, inner, max_size=2),
                      max_leaves=6)
objects = st.dictionaries(keys, values, max_size=2)


@settings(max_examples=300, deadline=None)
@given(objects, objects, objects)
def test_a_client_part_way_through_a_composed_delta_can_still_apply_it(doc: Any, a: Any, b: Any) -> None:
    doc = merge_patch(None, doc)
    composed = compose(a, b)
    if composed is not None:  # the rule clients follow: apply when from <= version < to
        assert merge_patch(merge_patch(doc, a), composed) == merge_patch(doc, composed)


# ----- through the node, on a real Redis ------------------------------------------------------------


def test_concurrent_updates_to_one_room_commit_together_and_none_loses_a_race(redis_service: Service) -> None:
    """Forty players at once, each against the version it knows, on two nodes sharing Redis: every update
    commits (the node batches a room's waiting updates into one compare-and-set; the nodes retry each
    other's wins), each with its own version, and the log says who wrote what."""
    url = f"redis://127.0.0.1:{redis_service.port}/0"
    config = load_config(environ={}, overrides={"backends.store": url, "backends.prefix": "group-commit"})
    nodes = [GatewayNode(config), GatewayNode(config)]

    async def scenario() -> list[int]:
        players = [Principal(f"p{i}", None, {}) for i in range(40)]
        versions = await asyncio.gather(*(
            nodes[i % 2].state.commit("arena", 0, {"players": {p.player_id: {"x": i}}}, p)
            for i, p in enumerate(players)))
        state = await nodes[0].state.load("arena")
        assert state.document == {"players": {p.player_id: {"x": i} for i, p in enumerate(players)}}
        assert sorted(c.author for c in state.log) == sorted(p.player_id for p in players)
        for node in nodes:
            await node.stores.connection.close()
        return versions

    versions = asyncio.run(scenario())
    assert sorted(versions) == list(range(1, 41))
    committed = sum(metric_value(generate_latest(n.metrics.registry).decode(), "realtimenet_state_updates_total",
                                 {"outcome": "committed"}) for n in nodes)
    assert committed == 40


def test_a_node_starting_from_the_state_it_committed_last_still_sees_other_nodes_commits(
        redis_service: Service) -> None:
    url = f"redis://127.0.0.1:{redis_service.port}/0"
    config = load_config(environ={}, overrides={"backends.store": url, "backends.prefix": "known-state"})
    a, b = GatewayNode(config), GatewayNode(config)
    alice, bob = Principal("alice", None, {}), Principal("bob", None, {})

    async def scenario() -> None:
        assert await a.state.commit("arena", 0, {"a": 1}, alice) == 1  # a keeps version 1
        assert await b.state.commit("arena", 1, {"b": 2}, bob) == 2
        # bob saw version 2 on b; his next update reaches a, whose kept state is still at 1
        assert await a.state.commit("arena", 2, {"b": 3}, bob) == 3
        assert await a.state.commit("arena", 1, {"a": 4}, alice) == 4  # b's change touched no path of hers
        with pytest.raises(RpcError) as refused:
            await a.state.commit("arena", 1, {"b": 5}, alice)  # but b/ changed after 1: refused, from the store
        assert refused.value.code == ErrorCode.CONFLICT and refused.value.data["current_version"] == 4
        state = await b.state.load("arena")
        assert (state.version, state.document) == (4, {"a": 4, "b": 3})
        for node in (a, b):
            await node.stores.connection.close()

    asyncio.run(scenario())


def test_a_node_keeps_the_states_it_committed_only_briefly() -> None:
    node = GatewayNode(load_config(environ={}, overrides={"state.ttl": "0.4"}))  # kept at most ttl / 2

    async def scenario() -> None:
        for room in ("a", "b"):
            await node.state.commit(room, 0, {"x": 1}, Principal("p", None, {}))
        assert set(node.state._known) == {"a", "b"}
        await asyncio.sleep(0.3)
        node.state.forget_quiet_rooms()  # the node's housekeeping
        assert node.state._known == {}

    asyncio.run(scenario())


def test_a_node_keeps_the_states_of_at_most_state_kept_rooms_rooms() -> None:
    node = GatewayNode(load_config(environ={}, overrides={"state.kept_rooms": "2"}))
    nobody = GatewayNode(load_config(environ={}, overrides={"state.kept_rooms": "0"}))

    async def scenario() -> None:
        for room in ("a", "b", "c", "a"):
            for each in (node, nobody):
                state = await each.state.load(room)
                await each.state.commit(room, state.version, {"x": state.version}, Principal("p", None, {}))
        assert list(node.state._known) == ["c", "a"]  # the least recently committed went first
        assert nobody.state._known == {}
        assert (await nobody.state.load("a")).version == 2  # commits still work, from the store

    asyncio.run(scenario())


# ----- through the gateway ----------------------------------------------------------------------------


def _apply(document: dict[str, Any], version: int, note: Any) -> tuple[dict[str, Any], int]:
    if note.method == "state.snapshot":
        return note.params["document"], note.params["version"]
    params = note.params
    if params["from"] <= version < params["to"]:
        return merge_patch(document, params["patch"]), params["to"]
    return document, version


def test_updates_merge_conflict_and_reach_members_as_coalesced_deltas(gateway_factory: Factory) -> None:
    gw = gateway_factory({"state": {"tick_rate": 5}, "rate_limit": {"rate": 1000, "burst": 1000}})
    alice, bob = gw.connect("alice"), gw.connect("bob")
    joined = alice.join("arena")
    assert (joined["state_version"], joined["state"]) == (0, {})
    bob.join("arena")
    assert alice.call("state.update", {"room": "arena", "base_version": 0, "patch": {"score": {"a": 1}}}) == {
        "room": "arena", "version": 1}
    assert bob.call("state.update", {"room": "arena", "base_version": 0, "patch": {"score": {"b": 2}}})[
        "version"] == 2
    with pytest.raises(RemoteError) as info:
        bob.call("state.update", {"room": "arena", "base_version": 0, "patch": {"score": {"a": 9}}})
    assert info.value.code == ErrorCode.CONFLICT
    assert info.value.data == {"current_version": 2, "paths": ["score/a"], "reason": "conflict"}
    for i in range(20):  # a burst inside one 200 ms tick
        alice.call("state.update", {"room": "arena", "base_version": 2 + i, "patch": {"tick": i}})
    time.sleep(0.6)
    final = alice.call("state.get", {"room": "arena"})
    assert final["version"] == 22 and final["document"] == {"score": {"a": 1, "b": 2}, "tick": 19}
    for member in (alice, bob):
        document, version = joined["state"], 0
        deltas = [n for n in list(member.notifications.queue) if n.method == "state.delta"]
        assert 0 < len(deltas) < 22  # coalesced per tick
        for note in deltas:
            document, version = _apply(document, version, note)
        assert (document, version) == (final["document"], 22)
    assert metric_value(gw.metrics(), "realtimenet_state_rejections_total", {"reason": "conflict"}) == 1


def test_bad_state_input_is_refused_and_leaves_state_untouched(gateway_factory: Factory) -> None:
    gw = gateway_factory({"state": {"max_document_bytes": 200,
                                    "validators": {"arena*": "tests.state_rules:arena"}}})
    alice, outsider = gw.connect("alice"), gw.connect("eve")
    alice.join("arena-1")
    alice.call("state.update", {"room": "arena-1", "base_version": 0, "patch": {"scores": {"alice": 5}}})
    cases = [
        ({"room": "arena-1", "base_version": 1, "patch": [1, 2]}, ErrorCode.INVALID_PARAMS),
        ({"room": "arena-1", "base_version": 1, "patch": "x"}, ErrorCode.INVALID_PARAMS),
        ({"room": "arena-1", "base_version": 99, "patch": {"a": 1}}, ErrorCode.UNKNOWN_VERSION),
        ({"room": "arena-1", "base_version": 99, "patch": {}}, ErrorCode.UNKNOWN_VERSION),  # nothing to change
        ({"room": "arena-1", "base_version": -1, "patch": {"a": 1}}, ErrorCode.INVALID_PARAMS),
        ({"room": "arena-1", "base_version": 1, "patch": {"blob": "x" * 300}}, ErrorCode.LIMIT_EXCEEDED),
        ({"room": "arena-1", "base_version": 1, "patch": {"scores": {"alice": 1}}}, ErrorCode.INVALID_PARAMS),
        ({"room": "arena-1", "base_version": 1, "patch": {"players": {"p": {"x": 500}}}}, ErrorCode.INVALID_PARAMS),
        ({"room": "arena-1", "base_version": 1, "patch": {"d": {"e": {"f": {}}}} | {"x": [[[[[[1]]]]]]}}, None),
    ]
    version = 1
    for params, code in cases:
        if code is None:
            version = alice.call("state.update", params)["version"]
            continue
        with pytest.raises(RemoteError) as info:
            alice.call("state.update", params)
        assert info.value.code == code, params
    with pytest.raises(RemoteError) as info:
        outsider.call("state.update", {"room": "arena-1", "base_version": version, "patch": {"a": 1}})
    assert info.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(RemoteError) as info:
        outsider.call("state.get", {"room": "arena-1"})
    assert info.value.code == ErrorCode.FORBIDDEN
    state = alice.call("state.get", {"room": "arena-1"})
    assert state["version"] == 2 and state["document"]["scores"] == {"alice": 5}
    text = gw.metrics()
    assert metric_value(text, "realtimenet_state_rejections_total", {"reason": "invalid"}) == 2
    assert metric_value(text, "realtimenet_state_rejections_total", {"reason": "unknown_version"}) == 2
    assert metric_value(text, "realtimenet_state_rejections_total", {"reason": "too_large"}) == 1


def test_resume_brings_state_up_to_date(gateway: GatewayProcess) -> None:
    alice, bob = gateway.connect("alice"), gateway.connect("bob")
    alice.join("arena")
    bob.join("arena")
    bob.call("state.update", {"room": "arena", "base_version": 0, "patch": {"hp": {"alice": 10}, "map": "m" * 200}})
    time.sleep(0.2)
    token = alice.resume_token
    alice.abort()
    bob.call("state.update", {"room": "arena", "base_version": 1, "patch": {"hp": {"bob": 7}}})
    bob.call("state.update", {"room": "arena", "base_version": 2, "patch": {"hp": {"alice": 9}}})
    again = gateway.connect("alice")
    again.call("session.resume", {"resume_token": token, "streams": [], "state": [{"room": "arena", "version": 1}]})
    catch = [n for n in list(again.notifications.queue) if n.method in ("state.delta", "state.snapshot")]
    document, version = {"hp": {"alice": 10}, "map": "m" * 200}, 1
    for note in catch:
        document, version = _apply(document, version, note)
    assert (document, version) == ({"hp": {"alice": 9, "bob": 7}, "map": "m" * 200}, 3)
    assert len(catch) == 1 and catch[0].method == "state.delta"  # one composed patch


def test_a_loop_blocked_past_several_state_ticks_shows_as_lag_and_skipped_ticks(gateway_factory: Factory) -> None:
    gw = gateway_factory({"state": {"tick_rate": 20, "validators": {"slow*": "tests.state_rules:slow"}}})
    alice = gw.connect("alice")
    alice.join("slow-room")
    alice.call("state.update", {"room": "slow-room", "base_version": 0, "patch": {"block": 0.6}})
    text = gw.metrics()
    assert metric_value(text, "realtimenet_state_ticks_skipped_total") >= 10  # 0.6 s at 20 Hz: about 12
    waited_long = metric_value(text, "realtimenet_event_loop_lag_seconds_count") - metric_value(
        text, "realtimenet_event_loop_lag_seconds_bucket", {"le": "0.5"})
    assert waited_long >= 1  # the blocked tick's wait is observed, not lost with the skipped ticks
