"""One gateway node: it wires the services to the backends and owns the lifecycles (admission, open and
close of connections, the housekeeping tick, draining). Sans-I/O.

The socket layer asks the node to authenticate an upgrade, to open a connection for an admitted
principal, and to forget it when the socket is gone; it ticks the node about once a second and flushes
room state at ``state.tick_rate``. What a method does lives in its service (``rooms``, ``presence``,
``state``, ``recovery``, ``system_methods``, ``faults``); docs/architecture.md draws the whole.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from realtimenet import PROTOCOL_VERSION
from realtimenet.backends.bus import EventBus
from realtimenet.backends.registry import Stores, open_bus, open_stores, options_of
from realtimenet.config import Config
from realtimenet.exceptions import AuthError
from realtimenet.gateway.api_keys import ApiKeyring, loopback
from realtimenet.gateway.auth import Principal, TokenVerifier
from realtimenet.gateway.background import Background, Spawn
from realtimenet.gateway.connection import Connection, ConnectionEnv, State, Transport
from realtimenet.gateway.control import NodeControl
from realtimenet.gateway.faults import FaultInjector, FaultService
from realtimenet.gateway.hub import Hub
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.node_report import NodeReporter
from realtimenet.gateway.presence import PresenceService
from realtimenet.gateway.recovery import ResumeService
from realtimenet.gateway.registry import ConnectionRegistry
from realtimenet.gateway.rooms import RoomService
from realtimenet.gateway.router import Router
from realtimenet.gateway.server_api import ServerApi
from realtimenet.gateway.sessions import SPENT_TOKEN_GRACE, SessionKeeper
from realtimenet.gateway.state import StateService
from realtimenet.gateway.system_methods import SystemService
from realtimenet.gateway.trace import TraceCollector
from realtimenet.protocol.codes import CloseCode, close_code_label
from realtimenet.protocol.jsonrpc import Limits, encode_notification
from realtimenet.protocol.messages import ServerDrainingParams, SessionWelcomeParams
from realtimenet.protocol.streams import player_stream

log = logging.getLogger("realtimenet.node")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an upgrade was refused: the HTTP status and the JSON body's ``error``."""

    status: int
    reason: str
    detail: str = ""
    retry_after: int = 0  # seconds, for a refusal that will pass on a retry (503)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.reason}
        if self.detail:
            body["detail"] = self.detail
        if self.retry_after:
            body["retry_after"] = self.retry_after
        return body

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


class GatewayNode:
    """Everything one gateway process knows, without any socket."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time, *, spawn: Spawn | None = None,
                 bus: EventBus | None = None, stores: Stores | None = None,
                 call_later: Callable[[float, Callable[[], None]], Any] | None = None) -> None:
        self.config = config
        self.clock = clock
        self.wall_clock = wall_clock
        self.node_id = config.server.node_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.metrics = metrics = Metrics()
        self.verifier = TokenVerifier(config.auth, wall_clock)
        self.background = background = Background(spawn, metrics)
        options = options_of(config)
        self.stores = stores or open_stores(config.backends.store, options)
        self.bus = bus or open_bus(config.backends.bus, options)
        self.registry: ConnectionRegistry[Connection] = ConnectionRegistry()
        self.hub = hub = Hub(self.bus, metrics, background, wall_clock, clock)
        self.presence = PresenceService(config.presence, self.stores.presence, hub, metrics, background,
                                        self.node_id, wall_clock, call_later,
                                        resume_window=min(config.sessions.ttl, config.presence.ttl * 2 / 3))
        self.state = StateService(config.state, self.stores.state, hub, metrics, background)
        self.sessions = SessionKeeper(config.sessions, self.stores.sessions, self.presence, background,
                                      self.node_id, wall_clock)
        self.rooms = RoomService(config.rooms, hub, self.presence, self.state, self.sessions, metrics)
        self.router = Router()
        for service in (SystemService(self.verifier, metrics), self.rooms, self.state, self.presence,
                        ResumeService(self.sessions, self.registry, self.rooms, self.state, self.presence, hub,
                                      metrics)):
            self.router.add_service(service)
        if config.faults.enabled:
            self.router.add_service(FaultService(config.faults, self.registry, metrics, clock))
        # The server API (POST /api, the NATS request path) and what it needs besides the services above.
        self.control = NodeControl(hub, self.registry, self.sessions, background, self.node_id, wall_clock)
        self.reporter = NodeReporter(self.node_id, self.stores.nodes, hub, metrics, background, wall_clock,
                                     lambda: (len(self.registry), self.registry.player_count))
        api_host = config.server.internal_host if config.server.internal_port else config.server.host
        development_key = config.server.environment == "development" and loopback(api_host)
        if config.server.environment == "development" and not config.api.keys and not development_key:
            log.warning("no api.keys and the server API listens on %s: it accepts no key (the development "
                        "key is offered on loopback only; rtnet genconfig writes keys)", api_host)
        self.api = ServerApi(config, ApiKeyring(config.api, development_key), hub,
                             self.rooms, self.state, self.presence, self.sessions, self.control, self.reporter,
                             TraceCollector(hub, wall_clock), metrics, wall_clock)
        lim = config.limits
        self.env = ConnectionEnv(config, Limits(lim.max_depth, lim.max_string_length, lim.max_array_length,
                                                lim.max_batch_size),
                                 self.router, metrics, clock, FaultInjector(config.faults.seed, clock, call_later))
        self._last_persist = self._last_presence = clock()
        self.draining = False

    async def start(self) -> None:
        """Connect the bus (backend services' publications go to the server API's handlers), follow the
        control stream and enter the node directory."""
        await self.bus.start(self.api.publish_from_bus)
        await self.control.start()
        self.background.run(self.reporter.publish_now())

    # ----- admission --------------------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Principal | Refusal:
        """Verify the upgrade's token and the node's capacity; a Refusal becomes an HTTP error."""
        if self.draining:
            return self._refuse(Refusal(503, "draining"))
        try:
            principal = self.verifier.verify(token)
        except AuthError as exc:
            self.metrics.auth_failed(exc.reason, exc.detail)
            if exc.reason == "keys_refreshing":  # an unknown kid: the keys are being fetched, come back soon
                return self._refuse(Refusal(503, exc.reason, exc.detail, retry_after=1))
            return self._refuse(Refusal(401, exc.reason, exc.detail))
        if len(self.registry) >= self.config.server.max_connections:
            return self._refuse(Refusal(503, "server_full"))
        server = self.config.server
        if (server.device_limit_policy == "reject_new"
                and len(self.registry.of_player(principal.player_id)) >= server.max_connections_per_player):
            return self._refuse(Refusal(409, "device_limit", f"at most {server.max_connections_per_player}"))
        return principal

    def _refuse(self, refusal: Refusal) -> Refusal:
        self.metrics.upgrade_refusals.labels(refusal.reason).inc()
        return refusal

    # ----- connection lifecycle ---------------------------------------------------------------------

    def open(self, principal: Principal, transport: Transport, spawn: Spawn) -> Connection:
        """Register a connection for an admitted principal and send ``session.welcome``."""
        server = self.config.server
        devices = self.registry.of_player(principal.player_id)
        for old in devices[: max(0, len(devices) - server.max_connections_per_player + 1)]:
            old.close(CloseCode.SESSION_REPLACED)
        conn = Connection(self.env, principal, transport, spawn, self.clock())
        self.registry.add(conn)
        self.control.adopt(conn)  # a traced player's new connection is traced too
        self.metrics.connects.inc()
        self._update_gauges()
        self.background.run(self.hub.attach(conn, player_stream(principal.player_id)))
        self.sessions.save(conn)
        self.background.run(self.presence.put_device(conn))
        conn.notify("session.welcome", SessionWelcomeParams(
            session_id=conn.session_id,
            player_id=principal.player_id,
            resume_token=conn.resume_token,
            heartbeat_interval=server.heartbeat_interval,
            server_time=self.wall_clock() * 1000.0,
            protocol_version=PROTOCOL_VERSION,
            node_id=self.node_id,
            token_expires_at=principal.expires_at,
        ))
        return conn

    def closed(self, conn: Connection, code: int | None, reason: str) -> None:
        """The socket is gone: record why, cancel the connection's work and forget it."""
        if conn.state is State.OPEN:  # the peer or the network closed first
            conn.close(code if code is not None else 1006, reason, initiator="client")
        conn.state = State.CLOSED
        conn.cancel_tasks()
        if not self.registry.remove(conn):
            return
        left = sorted(conn.rooms)
        for room in left:
            self.rooms.unfollow(conn, room)
        self.hub.detach(conn, player_stream(conn.principal.player_id))
        ended = conn.close_code == CloseCode.NORMAL and conn.closed_by == "client"
        if ended:
            self.sessions.ended(conn.session_id)  # ended on purpose: not resumable
        elif conn.spent_token is not None and not conn.replaced and \
                self.clock() - conn.spent_token[1] <= SPENT_TOKEN_GRACE:
            # It resumed moments ago and sent nothing since: the answer carrying its new token may never have
            # arrived, so the token it resumed with resumes the session again (the same player's JWT only).
            self.background.run(self.sessions.grant(conn, conn.spent_token[0]))
        if not conn.replaced:  # a replaced socket's session lives on in another: nothing left
            self.presence.disconnected(conn, left, resumable=not ended)
        self.metrics.disconnects.labels(close_code_label(conn.close_code), conn.closed_by).inc()
        self.metrics.fold(conn)
        self._update_gauges()
        log.debug("closed session=%s player=%s code=%s reason=%r by=%s", conn.session_id,
                  conn.principal.player_id, conn.close_code, conn.close_reason, conn.closed_by)

    # ----- housekeeping -----------------------------------------------------------------------------

    def tick(self) -> None:
        """Per-connection timers, metric folding, session and presence refresh, store sweeping; about once a
        second."""
        now, wall = self.clock(), self.wall_clock()
        queued = largest = 0
        for conn in self.registry:
            conn.tick(now, wall)
            self.metrics.fold(conn)
            buffered = conn.transport.buffered_bytes()  # sampled here, never per message
            queued += buffered
            largest = max(largest, buffered)
        self.metrics.send_queue_bytes.set(queued)
        self.metrics.send_queue_max_bytes.set(largest)
        self.presence.count(self.registry)
        if now - self._last_persist >= self.config.sessions.ttl / 3:
            self._last_persist = now
            self.sessions.refresh(self.registry)
        if now - self._last_presence >= self.config.presence.ttl / 3:
            self._last_presence = now
            self.presence.refresh(self.registry)
        self.sessions.retry_unsaved()
        self.stores.connection.sweep()
        self.state.forget_quiet_rooms()
        self.control.tick()
        self.reporter.tick()

    def _update_gauges(self) -> None:
        self.metrics.connections.set(len(self.registry))
        self.metrics.players.set(self.registry.player_count)

    def start_drain(self, deadline: float) -> int:
        """Stop taking sockets (``/readyz`` 503, upgrades 503) and tell every connection it has ``deadline``
        seconds before the close with 1012; returns how many were told."""
        self.draining = self.reporter.draining = True
        self.metrics.draining.set(1)
        frame = encode_notification("server.draining", ServerDrainingParams(deadline=deadline))
        told = self.hub.broadcast(list(self.registry), frame)
        self.metrics.notified("server.draining", len(frame), told)
        return told

    def close_all(self, code: CloseCode) -> None:
        """Close every connection with ``code`` (shutdown)."""
        for conn in self.registry:
            conn.close(code)

    async def close_backends(self) -> None:
        """Leave the node directory; release the bus and the stores."""
        try:
            await self.reporter.withdraw()
        except Exception as exc:  # the store may be the reason we stop; the entry then expires by itself
            log.warning("could not leave the node directory: %s", exc)
        await self.bus.close()
        await self.stores.connection.close()
