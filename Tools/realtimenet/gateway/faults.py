"""Fault-injection mode: the gateway as the "mock server" of client functional tests.

``fault.inject`` (registered only with ``faults.enabled``, refused in production, callable only with the
admin claim) scripts latency, random drops, garbage frames and forced closes for a session, a player or
a room's members on this node. Latency keeps frame order: each connection queues its delayed frames.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from msgspec import UNSET

from realtimenet.config import FaultsConfig
from realtimenet.exceptions import RpcError
from realtimenet.gateway.caller import Caller
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.registry import ConnectionLookup
from realtimenet.gateway.router import method
from realtimenet.protocol.codes import CloseCode, ErrorCode
from realtimenet.protocol.messages import FaultInjectParams, FaultResult

MALFORMED_FRAME = b'{"jsonrpc":"2.0","method":"room.event","params":{"room":'  # cut short on purpose


@dataclass
class FaultPlan:
    """The faults applied to one connection's outgoing frames."""

    latency: float = 0.0
    drop_probability: float = 0.0
    until: float | None = None  # monotonic deadline, None: until cleared
    delayed: deque[tuple[float, bytes]] = field(default_factory=deque)
    dropped: int = 0


class FaultTarget(Protocol):
    """What fault injection needs of a connection."""

    session_id: str
    rooms: set[str]
    fault: FaultPlan | None

    def transmit(self, data: bytes) -> None:
        """Hand a frame to the socket, past any fault."""

    def close(self, code: CloseCode | int, reason: str = "", initiator: str = "server", send: bool = True) -> None:
        """Start closing with ``code``."""


class FaultInjector:
    """Applies plans to outgoing frames; seeded for replayable drops."""

    def __init__(self, seed: int, clock: Callable[[], float],
                 call_later: Callable[[float, Callable[[], None]], Any] | None = None) -> None:
        self.rng = random.Random(seed)
        self._clock = clock
        self._call_later = call_later

    def outgoing(self, conn: FaultTarget, data: bytes) -> bytes | None:
        """The frame to send now, or None when it is dropped or delayed."""
        plan = conn.fault
        assert plan is not None
        now = self._clock()
        if plan.until is not None and now >= plan.until:  # the scripted period is over
            plan.latency, plan.drop_probability, plan.until = 0.0, 0.0, None
        if plan.drop_probability and self.rng.random() < plan.drop_probability:
            plan.dropped += 1
            return None
        if plan.latency or plan.delayed:  # frames still waiting keep their place ahead of this one
            self._delay(conn, plan, data, now)
            return None
        conn.fault = None
        return data

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        if self._call_later is None:
            raise RuntimeError("this node has no timer")
        self._call_later(delay, callback)

    def _delay(self, conn: FaultTarget, plan: FaultPlan, data: bytes, now: float) -> None:
        plan.delayed.append((now + plan.latency, data))
        if len(plan.delayed) == 1:
            self._later(plan.latency, lambda: self._release(conn))

    def _release(self, conn: FaultTarget) -> None:
        plan = conn.fault
        if plan is None:
            return
        now = self._clock()
        while plan.delayed and plan.delayed[0][0] <= now:
            conn.transmit(plan.delayed.popleft()[1])
        if plan.delayed:
            self._later(max(0.0, plan.delayed[0][0] - now), lambda: self._release(conn))


class FaultService:
    """``fault.inject`` over this node's connections."""

    def __init__(self, config: FaultsConfig, connections: ConnectionLookup[FaultTarget], metrics: Metrics,
                 clock: Callable[[], float]) -> None:
        self._config = config
        self._connections = connections
        self._metrics = metrics
        self._clock = clock

    def _targets(self, params: FaultInjectParams) -> list[FaultTarget]:
        found: dict[str, FaultTarget] = {}
        if params.session_id is not UNSET:
            target = self._connections.get(params.session_id)
            if target is not None:
                found[target.session_id] = target
        if params.player_id is not UNSET:
            found.update((c.session_id, c) for c in self._connections.of_player(params.player_id))
        if params.room is not UNSET:
            found.update((c.session_id, c) for c in self._connections if params.room in c.rooms)
        return list(found.values())

    @method("fault.inject")
    def inject(self, caller: Caller, params: FaultInjectParams) -> FaultResult:
        """Script faults for the targets (see the module docstring)."""
        if caller.principal.claims.get(self._config.admin_claim) is not True:
            raise RpcError(ErrorCode.FORBIDDEN, {"reason": "admin_claim_required"})
        if params.session_id is UNSET and params.player_id is UNSET and params.room is UNSET:
            raise RpcError(ErrorCode.INVALID_PARAMS, {"detail": "name a session_id, a player_id or a room"})
        targets = self._targets(params)
        now = self._clock()
        for target in targets:
            if params.clear is True:
                target.fault = None
            if params.latency_ms is not UNSET or params.drop_probability is not UNSET:
                plan = target.fault or FaultPlan()
                if params.latency_ms is not UNSET:
                    plan.latency = params.latency_ms / 1000.0
                if params.drop_probability is not UNSET:
                    plan.drop_probability = params.drop_probability
                plan.until = now + params.duration if params.duration is not UNSET and params.duration > 0 else None
                target.fault = plan
            if params.malformed is not UNSET:
                for _ in range(params.malformed):
                    target.transmit(MALFORMED_FRAME)
            if params.disconnect_code is not UNSET:
                target.close(params.disconnect_code, "fault injected")
        self._metrics.faults.inc(len(targets))
        return FaultResult(affected=sorted(t.session_id for t in targets))
