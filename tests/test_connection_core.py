"""The sans-I/O connection and node, driven with injected time and an in-memory transport."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
import pytest

from realtimenet.config import load_config
from realtimenet.gateway.auth import Principal
from realtimenet.gateway.connection import Connection, State
from realtimenet.gateway.node import GatewayNode, Refusal
from realtimenet.gateway.ratelimit import TokenBucket
from realtimenet.gateway.router import Route
from realtimenet.protocol.codes import CloseCode, ErrorCode
from realtimenet.state.sync import StateChange


class Clock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class MemoryTransport:
    """Records what the connection sends."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.sent: list[Any] = []
        self.pings = 0
        self.closed: tuple[int, str] | None = None
        self.buffered = 0

    def send(self, data: bytes) -> None:
        self.raw.append(data)
        self.sent.append(json.loads(data))

    def ping(self) -> None:
        self.pings += 1

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def buffered_bytes(self) -> int:
        return self.buffered


class Harness:
    def __init__(self, exp: float | None = None, **overrides: Any) -> None:
        self.mono, self.wall = Clock(), Clock(1_800_000_000.0)
        overrides.setdefault("server.heartbeat_interval", "1000")  # tests that want pings say so
        self.node = GatewayNode(load_config(environ={}, overrides=overrides), self.mono, self.wall)
        self.transport = MemoryTransport()
        self.spawned: list[Any] = []
        principal = Principal("alice", exp, {})
        self.conn: Connection = self.node.open(principal, self.transport, self._spawn)
        self.transport.sent.clear()  # the welcome

    def _spawn(self, coro: Any) -> Any:
        self.spawned.append(coro)
        return coro

    def send(self, message: Any) -> list[Any]:
        self.transport.sent.clear()
        self.conn.on_text(json.dumps(message).encode(), self.mono())
        return list(self.transport.sent)

    def tick(self, seconds: float) -> None:
        self.mono.now += seconds
        self.wall.now += seconds
        self.node.tick()


def req(method: str, params: Any = None, rid: Any = 1) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": rid}
    if params is not None:
        msg["params"] = params
    return msg


def test_welcome_is_sent_on_open() -> None:
    h = Harness()
    h.conn.close(CloseCode.NORMAL)
    node = h.node
    transport = MemoryTransport()
    node.open(Principal("bob", None, {}), transport, h._spawn)
    assert transport.sent[0]["method"] == "session.welcome"
    assert transport.sent[0]["params"]["player_id"] == "bob"
    assert "token_expires_at" not in transport.sent[0]["params"] or transport.sent[0]["params"]["token_expires_at"] is None


def test_heartbeat_pings_when_idle_and_closes_4010_without_a_pong() -> None:
    h = Harness(**{"server.heartbeat_interval": "10", "server.heartbeat_timeout": "5"})
    h.tick(9)
    assert h.transport.pings == 0
    h.tick(1.5)
    assert h.transport.pings == 1
    h.conn.on_pong(h.mono())  # answered: the timer starts again
    h.tick(10.5)
    assert h.transport.pings == 2
    h.tick(5.5)
    assert h.transport.closed == (CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout")
    assert h.conn.state is State.CLOSING and h.conn.closed_by == "server"


def test_any_frame_counts_as_a_sign_of_life() -> None:
    h = Harness(**{"server.heartbeat_interval": "10", "server.heartbeat_timeout": "5"})
    for _ in range(10):
        h.tick(6)
        h.send(req("sys.ping"))
    assert h.transport.pings == 0 and h.transport.closed is None


def test_token_bucket_refills_with_time() -> None:
    bucket = TokenBucket(rate=2, burst=4, now=0.0)
    assert all(bucket.take(0.0) for _ in range(4))
    assert not bucket.take(0.0)
    assert bucket.retry_after() == pytest.approx(0.5)
    assert bucket.take(0.5)
    assert not bucket.take(0.5)
    assert bucket.take(10.0, cost=4) and not bucket.take(10.0)


def test_rate_limit_counts_batch_items_and_closes_after_persistent_violations() -> None:
    h = Harness(**{"rate_limit.rate": "1", "rate_limit.burst": "3", "rate_limit.max_violations": "2"})
    answer = h.send([req("sys.ping", rid=1), req("sys.ping", rid=2), req("sys.ping", rid=3)])
    assert [a["id"] for a in answer[0]] == [1, 2, 3]
    answer = h.send([req("sys.ping", rid=4), {"jsonrpc": "2.0", "method": "sys.ping"}])
    assert [(a["id"], a["error"]["code"]) for a in answer[0]] == [(4, ErrorCode.RATE_LIMITED)]
    h.mono.now += 1.0
    assert "result" in h.send(req("sys.ping", rid=5))[0]  # a good request resets the violation count
    h.send(req("sys.ping", rid=6))
    assert h.transport.closed is None
    h.send(req("sys.ping", rid=7))
    assert h.transport.closed == (CloseCode.RATE_LIMITED, "rate limited")


def test_token_expiry_notice_then_4001_unless_refreshed() -> None:
    h = Harness(exp=1_800_000_010.0, **{"auth.expiry_grace": "30"})
    h.tick(11)
    notice = h.transport.sent[-1]
    assert notice["method"] == "session.token_expiring"
    assert notice["params"] == {"expired_at": 1_800_000_010.0, "close_at": 1_800_000_040.0}
    h.tick(10)
    assert h.transport.closed is None and len(h.transport.sent) == 1  # notified once
    h.tick(20)
    assert h.transport.closed == (CloseCode.TOKEN_EXPIRED, "token expired")


def test_refreshed_principal_moves_the_deadline() -> None:
    h = Harness(exp=1_800_000_010.0, **{"auth.expiry_grace": "5"})
    h.tick(11)
    h.conn.refresh_principal(Principal("alice", 1_800_003_600.0, {}))
    h.tick(100)
    assert h.transport.closed is None


def test_send_queue_overflow_while_paused_closes_4009() -> None:
    h = Harness(**{"server.send_queue_max_bytes": "4096"})
    h.conn.on_backpressure(True, h.mono())
    h.transport.buffered = 4000
    h.conn.send(b'{"jsonrpc":"2.0","method":"x","params":{"pad":"' + b"x" * 200 + b'"}}')
    assert h.transport.closed == (CloseCode.SLOW_CONSUMER, "slow consumer")
    assert h.node.metrics.slow_consumers._value.get() == 1


def test_send_queue_stalled_too_long_closes_4009() -> None:
    h = Harness(**{"server.send_queue_stall_timeout": "2"})
    h.conn.on_backpressure(True, h.mono())
    h.tick(1)
    assert h.transport.closed is None
    h.conn.on_backpressure(False, h.mono())
    h.tick(5)
    assert h.transport.closed is None
    h.conn.on_backpressure(True, h.mono())
    h.tick(2.5)
    assert h.transport.closed == (CloseCode.SLOW_CONSUMER, "slow consumer")


def test_handler_exception_is_internal_error_with_correlation_id(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness()

    def explode(conn: Connection, params: Any) -> Any:
        raise RuntimeError("secret internal detail: db password hunter2")

    h.node.router.routes["sys.echo"] = Route("sys.echo", msgspec.json.Decoder(), explode, False)
    answer = h.send(req("sys.echo", {"data": 1}, rid=9))[0]
    assert answer["id"] == 9 and answer["error"]["code"] == ErrorCode.INTERNAL_ERROR
    assert answer["error"]["message"] == "Internal error"
    correlation_id = answer["error"]["data"]["correlation_id"]
    assert "hunter2" not in json.dumps(answer)
    assert any(correlation_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert "result" in h.send(req("sys.ping", rid=10))[0]  # the connection keeps working


def test_async_handlers_answer_later_and_are_bounded_and_cancelled_on_close() -> None:
    h = Harness(**{"server.max_inflight_calls": "2"})
    gate: asyncio.Future[None] | None = None

    async def slow(conn: Connection, params: Any) -> Any:
        assert gate is not None
        await gate
        return {"data": "late"}

    h.node.router.routes["sys.echo"] = Route("sys.echo", msgspec.json.Decoder(), slow, True)

    async def scenario() -> None:
        nonlocal gate
        gate = asyncio.get_running_loop().create_future()
        tasks = []
        h._spawn = lambda coro: tasks.append(asyncio.ensure_future(coro)) or tasks[-1]  # type: ignore[method-assign]
        h.conn._spawn = h._spawn
        assert h.send(req("sys.echo", {}, rid=1)) == []
        batch = h.send([req("sys.echo", {}, rid=2), req("sys.ping", rid=3)])
        assert batch == []  # the batch waits for its slow member
        assert h.send(req("sys.echo", {}, rid=4))[0]["error"]["code"] == ErrorCode.OVERLOADED
        gate.set_result(None)
        await asyncio.sleep(0.01)
        answers = h.transport.sent
        assert {"jsonrpc": "2.0", "id": 1, "result": {"data": "late"}} in answers
        batch_answer = next(a for a in answers if isinstance(a, list))
        assert [a["id"] for a in batch_answer] == [3, 2]
        gate = asyncio.get_running_loop().create_future()
        h.send(req("sys.echo", {}, rid=5))
        assert len(h.conn.tasks) == 1
        h.node.closed(h.conn, 1006, "lost")
        await asyncio.sleep(0)
        assert h.conn.tasks == set() and tasks[-1].cancelled()

    asyncio.run(scenario())


def test_device_limit_and_capacity_refusals() -> None:
    h = Harness(**{"server.max_connections": "2", "server.max_connections_per_player": "1",
                   "server.device_limit_policy": "reject_new"})
    token = h.node.verifier.mint("alice")
    refusal = h.node.authenticate(token)
    assert isinstance(refusal, Refusal) and (refusal.status, refusal.reason) == (409, "device_limit")
    bob = h.node.authenticate(h.node.verifier.mint("bob"))
    assert isinstance(bob, Principal)
    h.node.open(bob, MemoryTransport(), h._spawn)
    full = h.node.authenticate(h.node.verifier.mint("carol"))
    assert isinstance(full, Refusal) and (full.status, full.reason) == (503, "server_full")
    assert isinstance(h.node.authenticate(None), Refusal)


def test_closed_connection_is_forgotten_once_and_counted() -> None:
    h = Harness()
    h.conn.close(CloseCode.NORMAL)
    h.node.closed(h.conn, None, "")
    h.node.closed(h.conn, None, "")
    assert len(h.node.registry) == 0 and h.node.registry.player_count == 0
    assert h.node.metrics.disconnects.labels("1000", "server")._value.get() == 1


def test_a_tick_of_state_changes_is_encoded_once_for_every_open_member() -> None:
    h = Harness()
    transports = [MemoryTransport() for _ in range(3)]
    conns = [h.node.open(Principal(f"p{i}", None, {}), t, h._spawn) for i, t in enumerate(transports)]
    conns[1].close(CloseCode.NORMAL)
    h.node.hub.local["room:arena"] = set(conns)
    h.node.state.pending = {"arena": [StateChange(1, {"a": 1}), StateChange(2, {"b": 2})]}
    h.node.state.flush()
    first, last = transports[0].raw[-1], transports[2].raw[-1]
    assert first is last  # one encoding, shared
    assert json.loads(first) == {"jsonrpc": "2.0", "method": "state.delta",
                                 "params": {"room": "arena", "from": 0, "to": 2, "patch": {"a": 1, "b": 2}}}
    assert transports[1].raw[-1] != first  # closed: nothing more sent


def test_state_changes_that_arrive_out_of_order_reach_members_in_order() -> None:
    h = Harness()
    member = MemoryTransport()
    h.node.hub.local["room:arena"] = {h.node.open(Principal("p", None, {}), member, h._spawn)}
    state = h.node.state

    def tick(*changes: StateChange) -> list[tuple[int, int, Any]]:
        state.pending.setdefault("arena", []).extend(changes)
        member.sent.clear()
        state.flush()
        return [(m["params"]["from"], m["params"]["to"], m["params"]["patch"]) for m in member.sent]

    assert tick(StateChange(1, {"a": 1})) == [(0, 1, {"a": 1})]
    # Another node's version 2 is still on its way when version 3 arrives: 3 waits for it.
    assert tick(StateChange(3, {"c": 3})) == []
    assert tick(StateChange(2, {"b": 2}), StateChange(2, {"b": 2})) == [(1, 3, {"b": 2, "c": 3})]
    assert tick(StateChange(3, {"c": 3})) == []  # delivered twice: sent once
    # A version that never comes is waited for three ticks; then what follows goes on its own, so a
    # member at 3 sees from=4, not its version, and reloads.
    assert [tick(StateChange(5, {"e": 5})) for _ in range(3)] == [[], [], []]
    assert tick() == [(4, 5, {"e": 5})]
    assert h.node.metrics.state_gaps._value.get() == 1
    assert tick(StateChange(6, {"f": 6})) == [(5, 6, {"f": 6})]
    h.node.hub.local.clear()
    h.tick(1.0)  # housekeeping forgets rooms nobody here follows
    assert state.broadcast_versions == {}
