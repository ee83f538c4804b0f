"""Presence across devices: status aggregation, custom payloads, last seen, room notifications."""

from __future__ import annotations

import time
from typing import Any

import pytest

from realtimenet.client import Client, RemoteError
from realtimenet.client.backoff import Backoff
from realtimenet.client.client import ClientEvent
from realtimenet.exceptions import CallTimeout
from realtimenet.protocol.codes import ErrorCode
from tests.conftest import GatewayProcess, eventually, metric_value


def changes(client: Client, count: int) -> list[dict[str, Any]]:
    return [client.wait_notification("presence.changed").params for _ in range(count)]


def test_presence_flows_to_room_members(gateway: GatewayProcess) -> None:
    bob = gateway.connect("bob")
    bob.join("lobby")
    assert changes(bob, 1)[0]["event"] == "join"  # bob's own join
    alice = gateway.connect("alice")
    alice.join("lobby")
    joined = changes(bob, 1)[0]
    assert joined["room"] == "lobby" and joined["event"] == "join"
    assert joined["presence"] == {"player_id": "alice", "status": "online", "devices": 1, "last_seen": None}
    alice.call("presence.set", {"status": "away", "custom": {"activity": "menu"}})
    status = changes(bob, 1)[0]
    assert status["event"] == "status"
    assert status["presence"]["status"] == "away" and status["presence"]["custom"] == {"activity": "menu"}
    before = time.time()
    alice.close()
    left = changes(bob, 1)[0]
    assert left["event"] == "leave" and left["presence"]["status"] == "offline"
    assert before - 1 <= left["presence"]["last_seen"] <= time.time() + 1
    bob.close()


def test_online_while_any_device_is_online(gateway: GatewayProcess) -> None:
    phone, console = gateway.connect("alice"), gateway.connect("alice")
    observer = gateway.connect("bob")
    time.sleep(0.1)
    phone.call("presence.set", {"status": "away"})
    [alice] = observer.call("presence.query", {"players": ["alice"]})["players"]
    assert (alice["status"], alice["devices"]) == ("online", 2)
    console.call("presence.set", {"status": "away", "custom": "afk"})
    [alice] = observer.call("presence.query", {"players": ["alice"]})["players"]
    assert (alice["status"], alice["custom"]) == ("away", "afk")
    phone.close()
    console.close()
    time.sleep(0.2)
    alice, nobody = observer.call("presence.query", {"players": ["alice", "never-seen"]})["players"]
    assert alice["status"] == "offline" and alice["devices"] == 0 and alice["last_seen"] > 0
    assert nobody == {"player_id": "never-seen", "status": "offline", "devices": 0, "last_seen": None}
    observer.close()


def test_bad_presence_input(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory({"presence": {"max_custom_bytes": 64}})
    with gw.connect() as client:
        for params, code in (({"status": "busy"}, ErrorCode.INVALID_PARAMS),
                             ({"status": "away", "custom": "x" * 100}, ErrorCode.LIMIT_EXCEEDED)):
            with pytest.raises(RemoteError) as info:
                client.call("presence.set", params)
            assert info.value.code == code
        with pytest.raises(RemoteError) as info:
            client.call("presence.query", {"players": [f"p{i}" for i in range(101)]})
        assert info.value.code == ErrorCode.INVALID_PARAMS
        [me] = client.call("presence.query", {"players": ["alice"]})["players"]
        assert me["status"] == "online"  # unchanged by the refused updates


def test_a_late_joiner_asks_a_room_for_its_members(gateway: GatewayProcess) -> None:
    bob, ann = gateway.connect("bob"), gateway.connect("ann")
    bob.join("lobby")
    ann.join("lobby")
    ann.call("presence.set", {"status": "away"})
    zed = gateway.connect("zed")
    zed.join("elsewhere")
    late = gateway.connect("late")
    late.join("lobby")
    members = late.call("presence.query", {"room": "lobby"})["players"]
    assert [(m["player_id"], m["status"]) for m in members] == [("ann", "away"), ("bob", "online"),
                                                                ("late", "online")]
    bob.call("room.leave", {"room": "lobby"})
    ann.close()
    time.sleep(0.2)
    assert [m["player_id"] for m in late.call("presence.query", {"room": "lobby"})["players"]] == ["late"]
    for client in (bob, zed, late):
        client.close()


def test_connected_players_stay_present_long_past_the_presence_ttl(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory({"presence": {"ttl": 1.0, "resume_grace": 0.2}})
    players = [gw.connect(f"p{n}") for n in range(40)]
    for client in players:
        client.join("lobby")
    time.sleep(3.5)  # more than three times presence.ttl: only the node's refresh rounds keep them
    members = players[0].call("presence.query", {"room": "lobby"})["players"]
    assert sorted(m["player_id"] for m in members) == sorted(f"p{n}" for n in range(40))
    assert {m["status"] for m in members} == {"online"}
    for client in players:
        client.close()


def test_only_members_may_list_a_room_and_the_question_must_be_one(gateway: GatewayProcess) -> None:
    with gateway.connect("bob") as bob, gateway.connect("eve") as eve:
        bob.join("vault")
        with pytest.raises(RemoteError) as info:
            eve.call("presence.query", {"room": "vault"})  # not a member: who is inside is not hers to know
        assert (info.value.code, info.value.data) == (ErrorCode.FORBIDDEN, {"room": "vault", "reason": "not_a_member"})
        for params in ({}, {"room": "vault", "players": ["bob"]}):
            with pytest.raises(RemoteError) as info:
                bob.call("presence.query", params)
            assert info.value.code == ErrorCode.INVALID_PARAMS
            assert info.value.data == {"detail": "give exactly one of players or room"}
        refusals = metric_value(gateway.metrics(), "realtimenet_room_refusals_total", {"reason": "not_a_member"})
        assert refusals >= 1


def _presence_events(client: Client, seconds: float) -> list[dict[str, Any]]:
    """Every presence.changed the client gets within ``seconds``."""
    got = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            got.append(client.wait_notification("presence.changed", timeout=left).params)
        except CallTimeout:
            break
    return got


def test_a_resume_within_the_grace_is_invisible_to_the_other_members(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory({"presence": {"resume_grace": 5.0}})
    bob = gw.connect("bob")
    bob.join("lobby")
    lifecycle: list[ClientEvent] = []
    alice = Client.connect(gw.url, gw.token("alice"), auto_reconnect=True, on_event=lifecycle.append,
                           backoff=Backoff(base=0.05, cap=0.1))
    alice.join("lobby")
    alice.call("presence.set", {"status": "away", "custom": {"activity": "menu"}})
    assert [e["event"] for e in changes(bob, 3)] == ["join", "join", "status"]  # bob's, alice's, alice's status
    alice.drop_network()
    assert eventually(lambda: "resumed" in [e.kind for e in lifecycle])
    assert _presence_events(bob, 1.0) == []  # no leave, no join: the drop never showed
    [seen] = bob.call("presence.query", {"room": "lobby"})["players"][:1]  # sorted: alice first
    assert (seen["player_id"], seen["status"], seen["custom"]) == ("alice", "away", {"activity": "menu"})
    [own] = alice.call("presence.query", {"players": ["alice"]})["players"]
    assert (own["status"], own["devices"]) == ("away", 1)  # the resumed device kept its status
    alice.call("presence.set", {"status": "online"})
    assert [e["event"] for e in changes(bob, 1)] == ["status"]  # and it is still in the room
    alice.close()
    assert [e["event"] for e in changes(bob, 1)] == ["leave"]  # a normal close leaves at once
    metrics = gw.metrics()
    assert metric_value(metrics, "realtimenet_presence_grace_total", {"outcome": "resumed"}) == 1
    bob.close()


def test_a_device_that_does_not_come_back_leaves_when_the_grace_runs_out(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory({"presence": {"resume_grace": 1.5}})
    bob = gw.connect("bob")
    bob.join("lobby")
    alice = gw.connect("alice")
    alice.join("lobby")
    assert [e["event"] for e in changes(bob, 2)] == ["join", "join"]
    dropped = time.monotonic()
    alice.abort()  # the network drops and alice never returns
    assert _presence_events(bob, 0.8) == []  # still within the grace: alice may come back
    [left] = changes(bob, 1)
    assert left["event"] == "leave" and left["presence"]["status"] == "offline"
    assert 1.4 <= time.monotonic() - dropped < 4
    assert bob.call("presence.query", {"room": "lobby"})["players"][0]["player_id"] == "bob"  # alice is gone
    assert metric_value(gw.metrics(), "realtimenet_presence_grace_total", {"outcome": "after_grace"}) == 1
    bob.close()
