"""One gateway node: admission, the connection registry, methods and housekeeping. Sans-I/O.

The socket layer asks the node to authenticate an upgrade, to open a connection for an admitted
principal, and to forget it when the socket is gone; it ticks the node about once a second.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from realtimenet import PROTOCOL_VERSION
from realtimenet.backends.bus import EventBus, FrameBuilder, Publication
from realtimenet.backends.bus_memory import MemoryBus
from realtimenet.backends.store import ResumeGrant, SessionRecord, SessionStore
from realtimenet.backends.store_memory import MemorySessionStore
from realtimenet.config import Config
from realtimenet.exceptions import AuthError, BackendUnavailable
from realtimenet.gateway import faults, presence, recovery, rooms, state_methods, system_methods
from realtimenet.gateway.auth import Principal, TokenVerifier
from realtimenet.gateway.connection import Connection, Spawn, State, TaskHandle, Transport
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.registry import ConnectionRegistry
from realtimenet.gateway.router import Router
from realtimenet.protocol.codes import CloseCode
from realtimenet.protocol.jsonrpc import Limits, encode_notification
from realtimenet.protocol.messages import (
    ServerDrainingParams,
    SessionWelcomeParams,
    StateDeltaParams,
    StateEntitiesParams,
)
from realtimenet.state.entities import EntityMirror, EntitySchema
from realtimenet.state.sync import Delta, RoomState, StateChange, coalesce

_state_change_decoder = msgspec.json.Decoder(StateChange)


class _BackendPublication(msgspec.Struct):
    from_: str = msgspec.field(name="from")
    data: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"null"))


_backend_decoder = msgspec.json.Decoder(_BackendPublication)

log = logging.getLogger("realtimenet.node")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an upgrade was refused: the HTTP status and the JSON body's ``error``."""

    status: int
    reason: str
    detail: str = ""

    def body(self) -> dict[str, Any]:
        return {"error": self.reason, "detail": self.detail} if self.detail else {"error": self.reason}


def _make_store(config: Config) -> SessionStore:
    if config.backends.store == "memory":
        return MemorySessionStore()
    from realtimenet.backends.store_redis import RedisSessionStore

    return RedisSessionStore(config.backends.store, prefix=config.backends.prefix)


def _make_bus(config: Config) -> EventBus:
    if config.backends.bus == "memory":
        return MemoryBus(config.rooms.history_size)
    from realtimenet.backends.bus_nats import NatsBus

    return NatsBus(config.backends.bus, prefix=config.backends.prefix, history_size=config.rooms.history_size)


_STREAM_NOTIFICATION = {"room": "room.event", "player": "direct.message", "presence": "presence.changed"}


class GatewayNode:
    """Everything one gateway process knows, without any socket."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time, *, spawn: Spawn | None = None,
                 bus: EventBus | None = None, store: SessionStore | None = None,
                 call_later: Callable[[float, Callable[[], None]], Any] | None = None) -> None:
        self.config = config
        self.clock = clock
        self.wall_clock = wall_clock
        self.node_id = config.server.node_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.verifier = TokenVerifier(config.auth, wall_clock)
        self.metrics = Metrics()
        self.registry = ConnectionRegistry()
        self.router = Router()
        self.router.include(system_methods.router)
        self.router.include(rooms.router)
        self.router.include(recovery.router)
        self.router.include(state_methods.router)
        self.router.include(presence.router)
        self.faults = faults.FaultInjector(config.faults.seed)
        if config.faults.enabled:
            self.router.include(faults.router)
        self.state_validators = state_methods.load_validators(config.state.validators)
        self.state_quantizers, self.entity_schemas = state_methods.load_room_types(config.state)
        self.state_pending: dict[str, list[StateChange]] = {}  # room -> changes not yet broadcast here
        self.entity_followers: dict[str, set[Connection]] = {}  # room -> members taking state.entities
        self.entity_mirrors: dict[str, EntityMirror] = {}  # room -> entity fields as last broadcast here
        self._reseeding: set[str] = set()
        self.rooms_policy = rooms.RoomPolicy(config.rooms)
        self.bus: EventBus = bus or _make_bus(config)
        self.store: SessionStore = store or _make_store(config)
        self.bus.set_listener(self._deliver)
        self.local: dict[str, set[Connection]] = {}  # stream -> this node's connections following it
        self._spawn = spawn
        self._call_later = call_later
        self._background: set[TaskHandle] = set()
        self._last_persist = self._last_presence = clock()
        lim = config.limits
        self.limits = Limits(lim.max_depth, lim.max_string_length, lim.max_array_length, lim.max_batch_size)
        self.draining = False

    # ----- admission --------------------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Principal | Refusal:
        """Verify the upgrade's token and the node's capacity; a Refusal becomes an HTTP error."""
        if self.draining:
            return self._refuse(Refusal(503, "draining"))
        try:
            principal = self.verifier.verify(token)
        except AuthError as exc:
            self.metrics.auth_failures.labels(exc.reason).inc()
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

    def open(self, principal: Principal, transport: Transport, spawn: Spawn) -> Connection:
        """Register a connection for an admitted principal and send ``session.welcome``."""
        server = self.config.server
        devices = self.registry.of_player(principal.player_id)
        for old in devices[: max(0, len(devices) - server.max_connections_per_player + 1)]:
            old.close(CloseCode.SESSION_REPLACED)
        conn = Connection(self, principal, transport, spawn, self.clock())
        self.registry.add(conn)
        self.metrics.connects.inc()
        self._update_gauges()
        self.background(self.attach(conn, rooms.player_stream(principal.player_id)))
        self.persist(conn)
        self.background(self.store.put_device(principal.player_id, conn.session_id, presence.device_entry(conn),
                                              self.config.presence.ttl))
        self.background(self.store.put_resume_token(
            conn.resume_token, ResumeGrant(conn.session_id, principal.player_id), self.config.sessions.ttl))
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
            self.leave_room(conn, room, announce=False)
        self.detach(conn, rooms.player_stream(conn.principal.player_id))
        if not conn.replaced:
            self.background(self._gone(conn, left))
        if conn.close_code == CloseCode.NORMAL and conn.closed_by == "client":
            self.background(self.store.delete_session(conn.session_id))  # ended on purpose: not resumable
        self.metrics.disconnects.labels(str(conn.close_code), conn.closed_by).inc()
        self._fold(conn)
        self._update_gauges()
        log.debug("closed session=%s player=%s code=%s reason=%r by=%s", conn.session_id,
                  conn.principal.player_id, conn.close_code, conn.close_reason, conn.closed_by)

    # ----- streams and sessions ---------------------------------------------------------------------

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` after ``delay`` seconds (fault-injection latency)."""
        if self._call_later is None:
            raise RuntimeError("this node has no timer")
        self._call_later(delay, callback)

    def background(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run node-level work (store writes, bus subscriptions) without blocking the caller."""
        if self._spawn is None:
            coro.close()  # no event loop (sans-I/O tests): nothing to persist to
            return
        handle = self._spawn(self._logged(coro))
        self._background.add(handle)
        done = getattr(handle, "add_done_callback", None)
        if done is not None:
            done(lambda _: self._background.discard(handle))

    async def _logged(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except BackendUnavailable as exc:
            self.metrics.backend_errors.labels(exc.backend).inc()
            log.warning("background write skipped: %s", exc)
        except Exception:  # background work must never kill the loop's error handler quietly
            log.exception("background task failed")

    async def attach(self, conn: Connection, stream: str) -> None:
        """Make ``conn`` receive ``stream``; the bus subscription is shared by all local followers."""
        followers = self.local.get(stream)
        if followers is None:
            followers = self.local[stream] = set()
            followers.add(conn)
            await self.bus.subscribe(stream)
        else:
            followers.add(conn)

    async def join_room(self, conn: Connection, room: str) -> None:
        """Follow the room's events, state changes and presence; tell the members."""
        conn.rooms.add(room)
        await self.attach(conn, rooms.room_stream(room))
        await self.attach(conn, state_methods.state_stream(room))
        await self.attach(conn, presence.presence_stream(room))
        await self.store.put_member(room, conn.session_id, conn.principal.player_id, self.config.presence.ttl)
        await presence.announce(conn, "join", [room])

    def leave_room(self, conn: Connection, room: str, announce: bool = True) -> None:
        conn.rooms.discard(room)
        self.unfollow_entities(conn, room)
        self.detach(conn, rooms.room_stream(room))
        self.detach(conn, state_methods.state_stream(room))
        self.detach(conn, presence.presence_stream(room))
        self.background(self.store.drop_member(room, conn.session_id))
        if announce:
            self.background(presence.announce(conn, "leave", [room]))

    def detach(self, conn: Connection, stream: str) -> None:
        followers = self.local.get(stream)
        if followers is None:
            return
        followers.discard(conn)
        if not followers:
            del self.local[stream]
            self.background(self.bus.unsubscribe(stream))

    def _deliver(self, publication: Publication) -> None:
        if publication.stream.startswith("state:"):
            change = _state_change_decoder.decode(publication.frame)
            self.state_pending.setdefault(publication.stream[len("state:"):], []).append(change)
            return
        if publication.published_at:
            self.metrics.bus_delivery_lag.observe(max(0.0, self.wall_clock() - publication.published_at))
        followers = self.local.get(publication.stream)
        if followers:
            for conn in followers:
                conn.deliver(publication)
            self.metrics.publications.inc(len(followers))
            kind = publication.stream.partition(":")[0]
            self.metrics.notified(_STREAM_NOTIFICATION.get(kind, kind), len(publication.frame), len(followers))

    async def publish(self, stream: str, build: FrameBuilder) -> Publication:
        """Publish through the bus, timed (``realtimenet_bus_publish_seconds``)."""
        started = self.clock()
        publication = await self.bus.publish(stream, build)
        self.metrics.bus_publish_seconds.observe(self.clock() - started)
        return publication

    def flush_state(self) -> None:
        """Broadcast the state changes gathered since the last tick: per room, as few deltas as the patches
        compose into, each encoded once for all local members (once more, packed, for the members that
        take ``state.entities``)."""
        pending, self.state_pending = self.state_pending, {}
        for room, changes in pending.items():
            followers = self.local.get(rooms.room_stream(room))
            if not followers:
                continue
            deltas = coalesce(changes, changes[0].version - 1)
            compact = self.entity_followers.get(room)
            packed = self._entities_frame(room, deltas) if compact else None
            plain = followers if packed is None or compact is None else followers - compact
            if packed is not None and compact is not None:
                self.metrics.delta_bytes.observe(len(packed))
                self.metrics.notified("state.entities", len(packed), self.broadcast_frame(compact, packed))
            if not plain:
                continue
            for delta in deltas:
                frame = encode_notification("state.delta", StateDeltaParams(
                    room=room, from_=delta.from_version, to=delta.to_version, patch=delta.patch))
                self.metrics.delta_bytes.observe(len(frame))
                self.metrics.notified("state.delta", len(frame), self.broadcast_frame(plain, frame))

    # ----- the compact entity encoding (realtimenet.state.entities) ---------------------------------

    def follow_entities(self, conn: Connection, room: str, state: RoomState) -> EntitySchema | None:
        """``conn`` takes ``state.entities`` in ``room`` (joined at ``state``), if the room type declares
        entity collections; the schema it was given, or None."""
        schema = state_methods.first_match(room, self.entity_schemas)
        if schema is None:
            return None
        self.entity_followers.setdefault(room, set()).add(conn)
        mirror = self.entity_mirrors.get(room)
        if mirror is None or mirror.version < state.version:
            self.entity_mirrors[room] = EntityMirror(schema, state.document, state.version)
        return schema

    def unfollow_entities(self, conn: Connection, room: str) -> None:
        followers = self.entity_followers.get(room)
        if followers is None:
            return
        followers.discard(conn)
        if not followers:
            del self.entity_followers[room]
            self.entity_mirrors.pop(room, None)

    def _entities_frame(self, room: str, deltas: list[Delta]) -> bytes | None:
        """The tick's ``state.entities`` frame, or None when it must go as ``state.delta`` (several deltas,
        no entity field moved, or this node's mirror of the room is not at ``from``)."""
        mirror = self.entity_mirrors.get(room)
        if mirror is None:
            return None
        frame = None
        for delta in deltas:
            if delta.to_version <= mirror.version:
                continue  # the mirror was seeded after this change
            if delta.from_version > mirror.version:
                self._reseed_mirror(room)  # a change this node never saw (bus gap): reload the document
                return None
            if delta.from_version < mirror.version or len(deltas) > 1:
                # Merge patches are idempotent, so one that spans the mirror's version still brings it to
                # ``to``; but packed differences are only right for a client exactly at ``from``.
                mirror.advance(delta.to_version, delta.patch)
                continue
            packed, rest = mirror.encode(delta.from_version, delta.to_version, delta.patch)
            if packed:
                frame = encode_notification("state.entities", StateEntitiesParams(
                    room=room, from_=delta.from_version, to=delta.to_version, entities=packed,
                    rest=rest if rest else msgspec.UNSET))
        return frame

    def _reseed_mirror(self, room: str) -> None:
        if room in self._reseeding:
            return
        self._reseeding.add(room)

        async def reseed() -> None:
            try:
                state = await self.store.load_state(room)
                mirror = self.entity_mirrors.get(room)
                if mirror is not None and state.version > mirror.version:
                    self.entity_mirrors[room] = EntityMirror(mirror.schema, state.document, state.version)
            finally:
                self._reseeding.discard(room)

        self.background(reseed())

    def broadcast_frame(self, connections: Iterable[Connection], frame: bytes) -> int:
        """Send already-encoded bytes to every open connection given."""
        sent = 0
        for conn in connections:
            if conn.state is State.OPEN:
                conn.send(frame)
                sent += 1
        return sent

    async def _gone(self, conn: Connection, left: list[str]) -> None:
        await self.store.drop_device(conn.principal.player_id, conn.session_id, self.wall_clock())
        await presence.announce(conn, "leave", left)

    async def publish_from_backend(self, kind: str, name: str, msg: Any) -> None:
        """A backend service published into a room or to a player through NATS (see bus_nats)."""
        try:
            body = _backend_decoder.decode(msg.data)
        except msgspec.DecodeError as exc:
            self.metrics.bad_input.labels("backend_publication").inc()
            log.warning("refused a backend publication on %s: %s", msg.subject, exc)
            return
        sender = f"server:{body.from_}"
        if kind == "room":
            pub = await self.publish(rooms.room_stream(name), rooms.event_frame(name, sender, body.data))
        elif kind == "player":
            pub = await self.publish(rooms.player_stream(name), rooms.direct_frame(sender, body.data))
        else:
            return
        if msg.reply:
            await msg.respond(msgspec.json.encode({"stream": pub.stream, "epoch": pub.epoch, "offset": pub.offset}))

    def persist(self, conn: Connection) -> None:
        """Write the connection's session record (rooms and all) so any node can resume it."""
        record = SessionRecord(session_id=conn.session_id, player_id=conn.principal.player_id,
                               node_id=self.node_id, rooms=sorted(conn.rooms), updated_at=self.wall_clock())
        self.background(self.store.save_session(record, self.config.sessions.ttl))

    async def adopt_session(self, conn: Connection, session_id: str) -> None:
        """``conn`` continues the session ``session_id`` (session.resume); its own fresh one is dropped."""
        old_id = conn.session_id
        if old_id == session_id:
            return  # a resume retried on the same socket after a backend outage: adopted already
        self.registry.rename(conn, session_id)
        await self.store.delete_session(old_id)
        player = conn.principal.player_id
        await self.store.drop_device(player, old_id, self.wall_clock())
        await self.store.put_device(player, session_id, presence.device_entry(conn), self.config.presence.ttl)

    # ----- housekeeping -----------------------------------------------------------------------------

    def tick(self) -> None:
        """Per-connection timers, metric folding, session refresh and store sweeping; about once a second."""
        now, wall = self.clock(), self.wall_clock()
        queued = largest = 0
        statuses = {"online": 0, "away": 0}
        for conn in self.registry:
            conn.tick(now, wall)
            self._fold(conn)
            buffered = conn.transport.buffered_bytes()  # sampled here, never per message
            queued += buffered
            largest = max(largest, buffered)
            if conn.state is State.OPEN:
                statuses[conn.presence_status] = statuses.get(conn.presence_status, 0) + 1
        self.metrics.send_queue_bytes.set(queued)
        self.metrics.send_queue_max_bytes.set(largest)
        for status, count in statuses.items():
            self.metrics.presence_devices.labels(status).set(count)
        if now - self._last_persist >= self.config.sessions.ttl / 3:
            self._last_persist = now
            for conn in self.registry:
                if conn.state is State.OPEN:
                    self.persist(conn)  # keep live sessions from expiring
        if now - self._last_presence >= self.config.presence.ttl / 3:
            self._last_presence = now
            for conn in self.registry:
                if conn.state is State.OPEN:  # keep live devices and memberships present; a dead node's expire
                    self.background(self.store.put_device(conn.principal.player_id, conn.session_id,
                                                          presence.device_entry(conn), self.config.presence.ttl))
                    for room in conn.rooms:
                        self.background(self.store.put_member(room, conn.session_id, conn.principal.player_id,
                                                              self.config.presence.ttl))
        self.store.sweep()

    def _fold(self, conn: Connection) -> None:
        m = self.metrics
        if conn.frames_in:
            m.frames_in.inc(conn.frames_in)
            m.bytes_in.inc(conn.bytes_in)
            conn.frames_in = conn.bytes_in = 0
        if conn.frames_out:
            m.frames_out.inc(conn.frames_out)
            m.bytes_out.inc(conn.bytes_out)
            conn.frames_out = conn.bytes_out = 0
        if conn.calls:
            for method, count in conn.calls.items():
                m.calls.labels(method).inc(count)
            for method, size in conn.call_bytes.items():
                m.bytes_in_by_method.labels(method).inc(size)
            conn.calls.clear()
            conn.call_bytes.clear()

    def _update_gauges(self) -> None:
        self.metrics.connections.set(len(self.registry))
        self.metrics.players.set(self.registry.player_count)

    def start_drain(self, deadline: float) -> int:
        """Stop taking sockets (``/readyz`` 503, upgrades 503) and tell every connection it has ``deadline``
        seconds before the close with 1012; returns how many were told."""
        self.draining = True
        self.metrics.draining.set(1)
        frame = encode_notification("server.draining", ServerDrainingParams(deadline=deadline))
        told = self.broadcast_frame(list(self.registry), frame)
        self.metrics.notified("server.draining", len(frame), told)
        return told

    def close_all(self, code: CloseCode) -> None:
        """Close every connection with ``code`` (shutdown)."""
        for conn in self.registry:
            conn.close(code)
