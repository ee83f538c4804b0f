"""Fault-injection mode: the gateway as the "mock server" of client functional tests.

``fault.inject`` (registered only with ``faults.enabled``, refused in production, callable only with the
admin claim) scripts latency, random drops, garbage frames and forced closes for a session, a player or
a room's members on this node. Latency keeps frame order: each connection queues its delayed frames.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from msgspec import UNSET

from realtimenet.exceptions import RpcError
from realtimenet.gateway.rooms import room_stream
from realtimenet.gateway.router import Router
from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.messages import FaultInjectParams, FaultResult

if TYPE_CHECKING:
    from realtimenet.gateway.connection import Connection

router = Router()

MALFORMED_FRAME = b'{"jsonrpc":"2.0","method":"room.event","params":{"room":'  # cut short on purpose


@dataclass
class FaultPlan:
    """The faults applied to one connection's outgoing frames."""

    latency: float = 0.0
    drop_probability: float = 0.0
    until: float | None = None  # monotonic deadline, None: until cleared
    delayed: deque[tuple[float, bytes]] = field(default_factory=deque)
    dropped: int = 0


class FaultInjector:
    """Applies plans to outgoing frames; owned by the node, seeded for replayable drops."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def outgoing(self, conn: Connection, data: bytes, now: float) -> bytes | None:
        """The frame to send now, or None when it is dropped or delayed."""
        plan = conn.fault
        assert plan is not None
        if plan.until is not None and now >= plan.until:  # the scripted period is over
            plan.latency, plan.drop_probability, plan.until = 0.0, 0.0, None
        if plan.drop_probability and self.rng.random() < plan.drop_probability:
            plan.dropped += 1
            return None
        if plan.latency or plan.delayed:  # frames still waiting keep their place ahead of this one
            self._delay(conn, data, now, plan.latency)
            return None
        conn.fault = None
        return data

    def _delay(self, conn: Connection, data: bytes, now: float, latency: float) -> None:
        plan = conn.fault
        assert plan is not None
        plan.delayed.append((now + latency, data))
        if len(plan.delayed) == 1:
            conn.node.call_later(latency, lambda: self._release(conn))
        return None

    def _release(self, conn: Connection) -> None:
        plan = conn.fault
        if plan is None:
            return
        now = conn.node.clock()
        while plan.delayed and plan.delayed[0][0] <= now:
            conn.transmit(plan.delayed.popleft()[1])
        if plan.delayed:
            conn.node.call_later(max(0.0, plan.delayed[0][0] - now), lambda: self._release(conn))


def _targets(conn: Connection, params: FaultInjectParams) -> list[Connection]:
    node = conn.node
    found: dict[str, Connection] = {}
    if params.session_id is not UNSET:
        target = node.registry.get(params.session_id)
        if target is not None:
            found[target.session_id] = target
    if params.player_id is not UNSET:
        found.update((c.session_id, c) for c in node.registry.of_player(params.player_id))
    if params.room is not UNSET:
        found.update((c.session_id, c) for c in node.local.get(room_stream(params.room), ()))
    return list(found.values())


@router.method("fault.inject")
def inject(conn: Connection, params: FaultInjectParams) -> FaultResult:
    """Script faults for the targets (see the module docstring)."""
    node = conn.node
    if node.config.faults.admin_claim not in conn.principal.claims or \
            conn.principal.claims[node.config.faults.admin_claim] is not True:
        raise RpcError(ErrorCode.FORBIDDEN, {"reason": "admin_claim_required"})
    if params.session_id is UNSET and params.player_id is UNSET and params.room is UNSET:
        raise RpcError(ErrorCode.INVALID_PARAMS, {"detail": "name a session_id, a player_id or a room"})
    targets = _targets(conn, params)
    now = node.clock()
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
    node.metrics.faults.inc(len(targets))
    return FaultResult(affected=sorted(t.session_id for t in targets))
