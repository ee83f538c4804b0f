"""Every resource a client can grow is bounded by configuration, and trying to exceed a bound finds it holding.

The bounds tested elsewhere, each by an attempt to exceed it: the send queue (4009,
test_connection_core/test_connection_management), calls in flight (-32006, test_connection_core), presence
payloads (-32005, test_presence), state documents (-32005, test_state_sync), message size (1009,
test_websocket_conformance), history by count, bytes and age (test_bus_contract), room state and last-seen
times by age (the store contracts). docs/security.md gives every bound with its default and formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import generate_latest

from realtimenet.backends.bus import Publication
from realtimenet.backends.bus_memory import MemoryBus
from realtimenet.client import RemoteError
from realtimenet.gateway.connection import ReplayBuffer
from realtimenet.protocol.codes import ErrorCode
from tests.conftest import InProcessGateway, metric_value

Factory = Callable[..., InProcessGateway]


def test_direct_messages_to_players_who_never_connect_stay_within_the_history_bounds(
        inprocess_factory: Factory) -> None:
    gw = inprocess_factory(**{"rooms.history_max_bytes": "65536", "rooms.history_max_streams": "64",
                              "rate_limit.rate": "10000", "rate_limit.burst": "10000"})
    bus = gw.gateway.node.bus
    assert isinstance(bus, MemoryBus)
    with gw.connect("spammer") as client:
        for i in range(400):  # 400 strangers, 1 KB each: 400 streams and ~450 KB if nothing held
            client.call("direct.send", {"to": f"stranger-{i}", "data": "x" * 1000})
        assert client.call("sys.ping", {})  # still served
    streams, held = gw.call(lambda: (len(bus), bus.history_bytes))
    assert streams <= 64 and 0 < held <= 65536
    newest = gw.run(bus.position("player:stranger-399"))
    assert len(gw.run(bus.history("player:stranger-399", newest.epoch, 0))) == 1  # the newest are still kept


def test_one_connection_is_in_at_most_max_rooms_per_connection(inprocess_factory: Factory) -> None:
    gw = inprocess_factory(**{"rooms.max_rooms_per_connection": "2"})
    with gw.connect("hopper") as client:
        client.join("a")
        client.join("b")
        with pytest.raises(RemoteError) as info:
            client.join("c")
        assert (info.value.code, info.value.data) == (ErrorCode.LIMIT_EXCEEDED, {"max_rooms_per_connection": 2})
        client.join("a")  # joining a room it is in is no new room
        client.leave("b")
        client.join("c")  # leaving makes room
    text = gw.call(lambda: generate_latest(gw.gateway.node.metrics.registry).decode())
    assert metric_value(text, "realtimenet_room_refusals_total", {"reason": "too_many_rooms"}) == 1


def _publication(offset: int, size: int) -> Publication:
    return Publication("room:flood", "e", offset, b"x" * size)


def test_a_resume_under_a_flood_drops_its_replay_buffer_instead_of_growing() -> None:
    buffer = ReplayBuffer()
    for offset in range(1, 200):
        buffer.add(_publication(offset, 64 * 1024), limit=1 << 20)  # 12 MB at a 1 MB bound
    assert buffer.overflowed and buffer.held == []
    buffer.add(_publication(500, 10), limit=1 << 20)
    assert buffer.held == []  # once over, the stream is reloaded, never partly replayed


def test_a_replay_buffer_within_its_bound_keeps_every_publication() -> None:
    buffer = ReplayBuffer()
    for offset in range(1, 11):
        buffer.add(_publication(offset, 100), limit=1 << 20)
    assert not buffer.overflowed and [p.offset for p in buffer.held] == list(range(1, 11))


def test_every_bound_has_a_default_in_the_configuration() -> None:
    from realtimenet.config import Config

    config: Any = Config()
    bounds = {
        "server.max_connections": config.server.max_connections,
        "server.max_connections_per_player": config.server.max_connections_per_player,
        "server.max_message_bytes": config.server.max_message_bytes,
        "server.send_queue_max_bytes": config.server.send_queue_max_bytes,
        "server.max_inflight_calls": config.server.max_inflight_calls,
        "rooms.max_rooms_per_connection": config.rooms.max_rooms_per_connection,
        "rooms.history_size": config.rooms.history_size,
        "rooms.history_max_bytes": config.rooms.history_max_bytes,
        "rooms.history_max_age": config.rooms.history_max_age,
        "rooms.history_max_streams": config.rooms.history_max_streams,
        "state.max_document_bytes": config.state.max_document_bytes,
        "state.log_size": config.state.log_size,
        "state.ttl": config.state.ttl,
        "presence.max_custom_bytes": config.presence.max_custom_bytes,
        "presence.last_seen_ttl": config.presence.last_seen_ttl,
        "presence.last_seen_max_players": config.presence.last_seen_max_players,
        "state.kept_rooms": config.state.kept_rooms,
        "sessions.ttl": config.sessions.ttl,
        "limits.max_batch_size": config.limits.max_batch_size,
    }
    assert all(value > 0 for value in bounds.values())
    from tests.conftest import ROOT

    security = (ROOT / "docs/security.md").read_text(encoding="utf-8")
    missing = [key for key in bounds if f"`{key}`" not in security]
    assert not missing, f"docs/security.md does not give these bounds: {missing}"
