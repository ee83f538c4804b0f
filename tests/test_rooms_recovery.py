"""Rooms, direct messages and session recovery on one gateway process with the embedded backends."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from realtimenet.client import Client, RemoteError
from realtimenet.protocol.codes import CloseCode, ErrorCode
from tests.conftest import GatewayProcess, metric_value

Factory = Callable[..., GatewayProcess]


def events(client: Client, method: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    return [client.wait_notification(method, timeout).params for _ in range(count)]


def test_join_publish_and_receive_in_order(gateway: GatewayProcess) -> None:
    alice, bob = gateway.connect("alice"), gateway.connect("bob")
    joined = alice.call("room.join", {"room": "lobby"})
    assert joined["stream"] == "room:lobby" and joined["offset"] == 0
    bob.call("room.join", {"room": "lobby"})
    for i in range(5):
        published = alice.call("room.publish", {"room": "lobby", "data": {"n": i}})
        assert published["offset"] == i + 1 and published["epoch"] == joined["epoch"]
    for receiver in (alice, bob):
        got = events(receiver, "room.event", 5)
        assert [e["data"]["n"] for e in got] == [0, 1, 2, 3, 4]
        assert [e["offset"] for e in got] == [1, 2, 3, 4, 5]
        assert {e["from"] for e in got} == {"alice"} and {e["room"] for e in got} == {"lobby"}
    alice.call("room.leave", {"room": "lobby"})
    bob.call("room.publish", {"room": "lobby", "data": "after alice left"})
    assert events(bob, "room.event", 1)[0]["data"] == "after alice left"
    with pytest.raises(RemoteError) as info:
        alice.call("room.publish", {"room": "lobby", "data": 1})
    assert info.value.code == ErrorCode.FORBIDDEN and info.value.data["reason"] == "not_a_member"
    alice.close()
    bob.close()


def test_typed_events_carry_their_type_and_untyped_ones_look_as_in_1_0(gateway: GatewayProcess) -> None:
    alice, bob = gateway.connect("alice"), gateway.connect("bob")
    for client in (alice, bob):
        client.call("room.join", {"room": "lobby"})
    alice.call("room.publish", {"room": "lobby", "type": "Event.Player.Hit", "data": {"damage": 5}})
    alice.call("room.publish", {"room": "lobby", "data": "untyped"})
    for receiver in (alice, bob):
        typed, untyped = events(receiver, "room.event", 2)
        assert typed["type"] == "Event.Player.Hit" and typed["data"] == {"damage": 5}
        # A 1.0 client sees exactly the frame it always saw: no type member at all, not even null.
        assert "type" not in untyped and set(untyped) == {"room", "epoch", "offset", "from", "data"}
    for bad in ("", "Event..Hit", ".hit", "hit.", "has space", "x" * 129, "a\n", 7):
        with pytest.raises(RemoteError) as info:
            alice.call("room.publish", {"room": "lobby", "type": bad, "data": 1})
        assert info.value.code == ErrorCode.INVALID_PARAMS, bad
    alice.call("room.publish", {"room": "lobby", "type": "x" * 128, "data": "longest"})
    assert events(bob, "room.event", 1)[0]["type"] == "x" * 128
    alice.close()
    bob.close()


def test_a_resumed_session_replays_typed_events_with_their_type(gateway: GatewayProcess) -> None:
    alice, bob = gateway.connect("alice"), gateway.connect("bob")
    joined = alice.call("room.join", {"room": "lobby"})
    bob.call("room.join", {"room": "lobby"})
    token = alice.welcome.resume_token  # type: ignore[union-attr]
    alice.abort()  # the network drops
    bob.call("room.publish", {"room": "lobby", "type": "match.started", "data": {"round": 1}})
    again = gateway.connect("alice")
    resumed = again.call("session.resume", {"resume_token": token, "streams": [
        {"stream": "room:lobby", "epoch": joined["epoch"], "offset": joined["offset"]}]})
    assert resumed["streams"][0]["recovered"] is True
    replayed = next(n.params for n in list(again.notifications.queue) if n.method == "room.event")
    assert (replayed["type"], replayed["data"]) == ("match.started", {"round": 1})
    again.close()
    bob.close()


def test_direct_messages_reach_every_device_of_the_player(gateway: GatewayProcess) -> None:
    phone, tablet, bob = gateway.connect("alice"), gateway.connect("alice"), gateway.connect("bob")
    time.sleep(0.1)
    sent = bob.call("direct.send", {"to": "alice", "data": {"hi": 1}})
    assert sent["stream"] == "player:alice" and sent["offset"] == 1
    for device in (phone, tablet):
        message = device.wait_notification("direct.message").params
        assert message == {"epoch": sent["epoch"], "offset": 1, "from": "bob", "data": {"hi": 1}}
    for c in (phone, tablet, bob):
        c.close()


def test_room_policy_unknown_forbidden_and_claims(gateway_factory: Factory) -> None:
    gw = gateway_factory({"rooms": {"known": ["lobby", "match-*"], "default_access": "deny"}})
    member = Client.connect(gw.url, gw.token("alice", rooms=["match-1*", "lobby"]))
    outsider = Client.connect(gw.url, gw.token("eve"))
    assert member.call("room.join", {"room": "match-17"})["room"] == "match-17"
    with pytest.raises(RemoteError) as info:
        member.call("room.join", {"room": "match-2"})
    assert (info.value.code, info.value.data) == (ErrorCode.FORBIDDEN, {"room": "match-2",
                                                                     "reason": "not_in_rooms_claim"})
    with pytest.raises(RemoteError) as info:
        member.call("room.join", {"room": "secret-base"})
    assert (info.value.code, info.value.data) == (ErrorCode.NOT_FOUND, {"room": "secret-base"})
    with pytest.raises(RemoteError) as info:
        outsider.call("room.join", {"room": "lobby"})
    assert (info.value.code, info.value.data) == (ErrorCode.FORBIDDEN, {"room": "lobby", "reason": "no_rooms_claim"})
    stringly = Client.connect(gw.url, gw.token("sam", rooms="lobby"))  # a string where a list belongs
    with pytest.raises(RemoteError) as info:
        stringly.call("room.join", {"room": "lobby"})
    assert info.value.data == {"room": "lobby", "reason": "malformed_rooms_claim"}
    stringly.close()
    with pytest.raises(RemoteError) as info:
        member.call("room.join", {"room": "bad room name!"})
    assert info.value.code == ErrorCode.INVALID_PARAMS
    member.close()
    outsider.close()
    text = gw.metrics()
    assert metric_value(text, "realtimenet_room_refusals_total", {"reason": "forbidden"}) == 3
    assert metric_value(text, "realtimenet_room_refusals_total", {"reason": "unknown_room"}) == 1


def test_resume_replays_exactly_what_was_missed(gateway: GatewayProcess) -> None:
    alice, bob = gateway.connect("alice"), gateway.connect("bob")
    joined = alice.call("room.join", {"room": "lobby"})
    bob.call("room.join", {"room": "lobby"})
    for i in range(3):
        bob.call("room.publish", {"room": "lobby", "data": i})
    seen = events(alice, "room.event", 3)
    token = alice.welcome.resume_token  # type: ignore[union-attr]
    alice.abort()  # the network drops
    for i in range(3, 8):
        bob.call("room.publish", {"room": "lobby", "data": i})
    again = gateway.connect("alice")
    resumed = again.call("session.resume", {"resume_token": token, "streams": [
        {"stream": "room:lobby", "epoch": joined["epoch"], "offset": seen[-1]["offset"]}]})
    assert resumed["rooms"] == ["lobby"] and resumed["resume_token"] != token
    assert resumed["streams"] == [{"stream": "room:lobby", "recovered": True, "epoch": joined["epoch"],
                                   "offset": 8, "replayed": 5}]
    replayed = [n.params["data"] for n in list(again.notifications.queue) if n.method == "room.event"]
    assert replayed == [3, 4, 5, 6, 7]  # in order, before the answer, none twice
    bob.call("room.publish", {"room": "lobby", "data": 8})  # live again
    assert [e["data"] for e in events(again, "room.event", 6)][-1] == 8
    with pytest.raises(RemoteError) as info:  # the token was single-use
        gateway.connect("alice").call("session.resume", {"resume_token": token, "streams": []})
    assert (info.value.code, info.value.data) == (ErrorCode.RESUME_FAILED, {"reason": "unknown_or_used_token"})
    text = gateway.metrics()
    assert metric_value(text, "realtimenet_resume_streams_total", {"outcome": "recovered"}) == 1
    assert metric_value(text, "realtimenet_replayed_publications_total") == 5


def test_a_resume_whose_answer_was_lost_can_be_retried_with_the_same_token(gateway: GatewayProcess) -> None:
    alice = gateway.connect("alice")
    alice.join("lobby")
    session, token = alice.welcome.session_id, alice.resume_token
    alice.abort()
    first = gateway.connect("alice")
    first.call("session.resume", {"resume_token": token, "streams": []})
    first.abort()  # the answer (and the new token in it) counts as lost: the socket said nothing after it
    retry = gateway.connect("alice")
    resumed = retry.call("session.resume", {"resume_token": token, "streams": []})
    assert resumed["session_id"] == session and resumed["rooms"] == ["lobby"]
    # Once a resumed socket has spoken, the answer evidently arrived: the old token is spent for good.
    retry.call("sys.ping", {})
    new_token = resumed["resume_token"]
    retry.abort()
    with pytest.raises(RemoteError) as info:
        gateway.connect("alice").call("session.resume", {"resume_token": token, "streams": []})
    assert info.value.data == {"reason": "unknown_or_used_token"}
    assert gateway.connect("alice").call("session.resume", {"resume_token": new_token, "streams": []})[
        "session_id"] == session


def test_resume_refuses_a_gap_outside_the_history_or_another_epoch(gateway_factory: Factory) -> None:
    gw = gateway_factory({"rooms": {"history_size": 3}})
    alice, bob = gw.connect("alice"), gw.connect("bob")
    joined = alice.call("room.join", {"room": "lobby"})
    bob.call("room.join", {"room": "lobby"})
    token = alice.welcome.resume_token  # type: ignore[union-attr]
    alice.abort()
    for i in range(5):  # more than the history keeps
        bob.call("room.publish", {"room": "lobby", "data": i})
    again = gw.connect("alice")
    resumed = again.call("session.resume", {"resume_token": token, "streams": [
        {"stream": "room:lobby", "epoch": joined["epoch"], "offset": 0},
        {"stream": "player:alice", "epoch": "not-the-epoch", "offset": 3}]})
    assert [(s["stream"], s["recovered"], s["offset"]) for s in resumed["streams"]] == [
        ("room:lobby", False, 5), ("player:alice", False, 0)]
    assert not [n for n in list(again.notifications.queue) if n.method == "room.event"]  # never partial
    assert metric_value(gw.metrics(), "realtimenet_resume_streams_total", {"outcome": "not_recovered"}) == 2


def test_resume_is_bound_to_the_player_and_a_normal_close_ends_the_session(gateway: GatewayProcess) -> None:
    alice = gateway.connect("alice")
    token = alice.welcome.resume_token  # type: ignore[union-attr]
    alice.abort()
    with pytest.raises(RemoteError) as info:
        gateway.connect("mallory").call("session.resume", {"resume_token": token, "streams": []})
    assert info.value.data == {"reason": "wrong_player"}
    resumed = gateway.connect("alice").call("session.resume", {"resume_token": token, "streams": []})
    assert resumed["session_id"] == alice.welcome.session_id  # mallory could not spend alice's token either
    bob = gateway.connect("bob")
    bob_token = bob.welcome.resume_token  # type: ignore[union-attr]
    bob.close(1000)
    time.sleep(0.2)
    with pytest.raises(RemoteError) as info:
        gateway.connect("bob").call("session.resume", {"resume_token": bob_token, "streams": []})
    assert info.value.data == {"reason": "session_expired"}
    for forged in ("", "x" * 300):
        with pytest.raises(RemoteError) as info:
            gateway.connect("carol").call("session.resume", {"resume_token": forged, "streams": []})
        assert info.value.code in (ErrorCode.RESUME_FAILED, ErrorCode.INVALID_PARAMS)


def test_resuming_while_the_old_socket_lingers_replaces_it(gateway: GatewayProcess) -> None:
    old = gateway.connect("alice")
    old.call("room.join", {"room": "lobby"})
    token = old.welcome.resume_token  # type: ignore[union-attr]
    new = gateway.connect("alice")
    resumed = new.call("session.resume", {"resume_token": token, "streams": []})
    assert resumed["session_id"] == old.welcome.session_id  # type: ignore[union-attr]
    assert old.wait_closed().code == CloseCode.SESSION_REPLACED
    time.sleep(0.2)
    bob = gateway.connect("bob")
    bob.call("room.join", {"room": "lobby"})
    bob.call("room.publish", {"room": "lobby", "data": "still reaches the new socket"})
    assert new.wait_notification("room.event").params["data"] == "still reaches the new socket"


def test_every_room_method_refuses_a_non_member_the_same_way(gateway: GatewayProcess) -> None:
    outsider = gateway.connect("outsider")
    calls = [("room.publish", {"room": "lobby", "data": 1}), ("state.get", {"room": "lobby"}),
             ("state.update", {"room": "lobby", "base_version": 0, "patch": {"a": 1}}),
             ("presence.query", {"room": "lobby"})]
    for method, params in calls:
        with pytest.raises(RemoteError) as info:
            outsider.call(method, params)
        assert (info.value.code, info.value.data) == (ErrorCode.FORBIDDEN, {"room": "lobby", "reason": "not_a_member"})
    refusals = metric_value(gateway.metrics(), "realtimenet_room_refusals_total", {"reason": "not_a_member"})
    assert refusals == len(calls)  # one check, one metric, whichever method asked
    outsider.close()
