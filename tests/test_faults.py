"""Fault-injection mode: latency, drops, garbage frames and forced closes, scripted over the wire."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import pytest

from realtimenet.client import Client, RemoteError
from realtimenet.client.backoff import Backoff
from realtimenet.client.client import ClientEvent, Notification
from realtimenet.config import load_config
from realtimenet.exceptions import ConfigError
from realtimenet.protocol.codes import CloseCode, ErrorCode
from tests.conftest import GatewayProcess, eventually

Factory = Callable[..., GatewayProcess]
FAULTS = {"faults": {"enabled": True, "seed": 7}, "rate_limit": {"rate": 10000, "burst": 10000}}


def admin(gw: GatewayProcess) -> Client:
    return Client.connect(gw.url, gw.token("qa-bot", rtnet_admin=True))


def test_off_by_default_and_refused_in_production(gateway: GatewayProcess) -> None:
    with gateway.connect() as client, pytest.raises(RemoteError) as info:
        client.call("fault.inject", {"player_id": "alice", "latency_ms": 100})
    assert info.value.code == ErrorCode.METHOD_NOT_FOUND
    with pytest.raises(ConfigError, match=r"faults\.enabled: fault injection is refused in production"):
        load_config(environ={}, overrides={"server.environment": "production", "auth.secret": "s" * 40,
                                           "faults.enabled": "true"})


def test_only_the_admin_claim_may_inject(gateway_factory: Factory) -> None:
    gw = gateway_factory(FAULTS)
    with gw.connect("alice") as player, pytest.raises(RemoteError) as info:
        player.call("fault.inject", {"player_id": "alice", "disconnect_code": 4050})
    assert (info.value.code, info.value.data) == (ErrorCode.FORBIDDEN, {"reason": "admin_claim_required"})


def test_latency_delays_frames_and_keeps_their_order(gateway_factory: Factory) -> None:
    gw = gateway_factory(FAULTS)
    bob, alice, qa = gw.connect("bob"), gw.connect("alice"), admin(gw)
    bob.join("lobby")
    alice.join("lobby")
    affected = qa.call("fault.inject", {"player_id": "bob", "latency_ms": 300, "duration": 5})["affected"]
    assert affected == [bob.welcome.session_id]  # type: ignore[union-attr]
    started = time.monotonic()
    bob.call("sys.ping", {})
    assert time.monotonic() - started >= 0.3
    for i in range(20):
        alice.publish("lobby", i)
    events = [n.params["data"] for n in (bob.wait_notification("room.event") for _ in range(20))]
    assert events == list(range(20))
    qa.call("fault.inject", {"player_id": "bob", "clear": True})
    time.sleep(0.4)
    started = time.monotonic()
    bob.call("sys.ping", {})
    assert time.monotonic() - started < 0.2


def test_drops_leave_gaps_the_client_can_see(gateway_factory: Factory) -> None:
    gw = gateway_factory(FAULTS)
    bob, alice, qa = gw.connect("bob"), gw.connect("alice"), admin(gw)
    bob.join("lobby")
    alice.join("lobby")
    carol = gw.connect("carol")
    carol.join("lobby")
    affected = qa.call("fault.inject", {"room": "lobby", "drop_probability": 0.0})["affected"]
    assert len(affected) == 3  # a room targets every member on this node
    qa.call("fault.inject", {"player_id": "bob", "drop_probability": 1.0, "duration": 0.5})
    for i in range(5):
        alice.publish("lobby", i)
    time.sleep(0.6)
    alice.publish("lobby", "after")
    event = bob.wait_notification("room.event").params
    assert (event["data"], event["offset"]) == ("after", 6)  # offsets 1..5 never arrived: a visible gap
    assert [carol.wait_notification("room.event").params["offset"] for _ in range(6)] == [1, 2, 3, 4, 5, 6]


def test_malformed_frames_do_not_break_the_client(gateway_factory: Factory) -> None:
    gw = gateway_factory(FAULTS)
    bob, qa = gw.connect("bob"), admin(gw)
    qa.call("fault.inject", {"session_id": bob.welcome.session_id, "malformed": 3})  # type: ignore[union-attr]
    assert bob.call("sys.echo", {"data": "fine"}) == {"data": "fine"}


def test_forced_disconnect_then_automatic_resume_loses_nothing(gateway_factory: Factory) -> None:
    gw = gateway_factory(FAULTS)
    received: list[Any] = []
    lifecycle: list[ClientEvent] = []

    def on_note(note: Notification) -> None:
        if note.method == "room.event":
            received.append(note.params["data"])

    bob = Client.connect(gw.url, gw.token("bob"), on_notification=on_note, on_event=lifecycle.append,
                         auto_reconnect=True, backoff=Backoff(base=0.05, cap=0.1, rng=random.Random(3)))
    bob.join("lobby")
    alice, qa = gw.connect("alice"), admin(gw)
    alice.join("lobby")
    for i in range(10):
        alice.publish("lobby", i)
    qa.call("fault.inject", {"player_id": "bob", "disconnect_code": CloseCode.FAULT_INJECTED})
    for i in range(10, 20):
        alice.publish("lobby", i)
    # Replayed events and the resume result arrive on different threads: wait for both.
    eventually(lambda: len(received) >= 20 and "resumed" in [e.kind for e in lifecycle])
    assert received == list(range(20))
    assert "resumed" in [e.kind for e in lifecycle]
    gone: list[ClientEvent] = []
    carol = Client.connect(gw.url, gw.token("carol"), auto_reconnect=True, on_event=gone.append)
    qa.call("fault.inject", {"player_id": "carol", "disconnect_code": CloseCode.FORBIDDEN})
    assert carol.wait_closed().code == CloseCode.FORBIDDEN
    time.sleep(0.2)
    assert [e.kind for e in gone] == ["gave_up"]
