"""White-box checks on a gateway running in this process, over real sockets."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from realtimenet.client import Client, RemoteError
from realtimenet.gateway.connection import Connection
from realtimenet.gateway.router import Route
from realtimenet.protocol.codes import ErrorCode
from tests.conftest import InProcessGateway

Factory = Callable[..., InProcessGateway]


def _live_connections() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, Connection))


def test_1000_connect_disconnect_cycles_leave_nothing_behind(inprocess_factory: Factory) -> None:
    gw = inprocess_factory(**{"rate_limit.burst": "100000", "sessions.ttl": "0.5"})
    token = gw.token("cycler")

    def cycle(n: int) -> None:
        for i in range(n):
            client = Client.connect(gw.url, token)
            if i % 2:
                client.call("sys.ping", {})
                client.close()
            else:
                client.abort()  # half of them vanish without a close handshake

    node = gw.gateway.node

    def settled() -> tuple[int, int, int, int]:
        """Wait for closes to finish and for resumable sessions (aborted sockets) to expire and be swept."""
        for _ in range(100):
            state = gw.call(lambda: (len(node.registry), node.registry.player_count,
                                     len(asyncio.all_tasks(gw.loop)),
                                     len(node.stores.sessions) + len(node.stores.presence)))  # type: ignore[arg-type]
            if state[0] == 0 and state[3] == 0:
                return state  # type: ignore[no-any-return]
            asyncio.run(asyncio.sleep(0.05))
        return state  # type: ignore[no-any-return]

    cycle(100)
    baseline_tasks = settled()[2]
    tracemalloc.start()
    gc.collect()  # what is garbage but not yet collected (cycles through clients and sockets) is no growth
    before = tracemalloc.take_snapshot()
    cycle(1000)
    connections, players, tasks, sessions = settled()
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    assert (connections, players, sessions) == (0, 0, 0)
    assert node.hub.local == {}  # no stream subscription left behind
    assert tasks <= baseline_tasks
    assert _live_connections() == 0
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert growth < 400_000, f"memory grew by {growth} bytes over 1000 cycles"
    metrics = gw.gateway.node.metrics
    assert metrics.connects._value.get() == 1100
    assert metrics.connections._value.get() == 0


def test_handler_exception_over_a_real_socket(inprocess_factory: Factory, caplog: pytest.LogCaptureFixture) -> None:
    gw = inprocess_factory()

    def explode(conn: Connection, params: Any) -> Any:
        raise ValueError("internal detail that must not leak")

    async def explode_later(conn: Connection, params: Any) -> Any:
        await asyncio.sleep(0)
        raise KeyError("another internal detail")

    routes = gw.gateway.node.router.routes
    routes["sys.echo"] = Route("sys.echo", msgspec.json.Decoder(), explode, False)
    routes["auth.refresh"] = Route("auth.refresh", msgspec.json.Decoder(), explode_later, True)
    with gw.connect() as client:
        for method in ("sys.echo", "auth.refresh"):
            with pytest.raises(RemoteError) as info:
                client.call(method, {"data": 1})
            assert info.value.code == ErrorCode.INTERNAL_ERROR
            assert set(info.value.data) == {"correlation_id"}
            assert "internal detail" not in str(info.value)
            assert any(info.value.data["correlation_id"] in r.getMessage() for r in caplog.records)
        assert client.call("sys.ping", {})["server_time"] > 0
    assert gw.gateway.node.metrics.handler_errors.labels("sys.echo")._value.get() == 1
