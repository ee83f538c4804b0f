"""``session.resume``: take over a lost session, rejoin its rooms and replay what the client missed.

For every stream the client names, the live subscription starts first and buffers; then the history
after the client's offset is read. Either the history covers the gap exactly (same epoch, nothing
evicted) and the client gets it in order, followed by the buffered live publications it has not seen,
or the stream answers ``recovered: false`` and the client reloads a snapshot. Never a partial replay.
"""

from __future__ import annotations

import asyncio
import logging

from msgspec import UNSET

from realtimenet.backends.bus import HistoryGap
from realtimenet.backends.sessions import TAKE_REPEAT_GRACE, ResumeGrant
from realtimenet.exceptions import BackendUnavailable, RpcError
from realtimenet.gateway.connection import Connection, ReplayBuffer
from realtimenet.gateway.hub import Hub
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.presence import PresenceService
from realtimenet.gateway.registry import ConnectionRegistry
from realtimenet.gateway.rooms import RoomService
from realtimenet.gateway.router import method
from realtimenet.gateway.sessions import SessionKeeper
from realtimenet.gateway.state import StateService
from realtimenet.protocol.codes import CloseCode, ErrorCode
from realtimenet.protocol.messages import (
    Resumed,
    SessionResumeParams,
    StateDeltaParams,
    StateSnapshotParams,
    StreamPosition,
    StreamRecovery,
)
from realtimenet.protocol.streams import player_stream, room_stream
from realtimenet.state.sync import catch_up

log = logging.getLogger("realtimenet.recovery")


class ResumeService:
    """``session.resume``: it rewires the calling connection itself (session id, replay buffers, resume token),
    so it works on the node's ``Connection`` rather than a plain ``Caller``."""

    def __init__(self, sessions: SessionKeeper, registry: ConnectionRegistry[Connection], rooms: RoomService,
                 state: StateService, presence: PresenceService, hub: Hub, metrics: Metrics) -> None:
        self._sessions = sessions
        self._presence = presence
        self._registry = registry
        self._rooms = rooms
        self._state = state
        self._hub = hub
        self._metrics = metrics

    def _refuse(self, reason: str) -> RpcError:
        self._metrics.resumes.labels("refused").inc()
        return RpcError(ErrorCode.RESUME_FAILED, {"reason": reason})

    @method("session.resume")
    async def resume(self, conn: Connection, params: SessionResumeParams) -> Resumed:
        """Adopt the session the token names, rejoin its rooms, and replay or refuse per stream."""
        if conn.resumed:
            raise self._refuse("already_resumed")
        store = self._sessions.store
        grant = await self._take(params.resume_token)
        if grant is None:
            raise self._refuse("unknown_or_used_token")
        if grant.player_id != conn.principal.player_id:
            self._sessions.give_back(params.resume_token, grant)  # another player cannot spend it either
            raise self._refuse("wrong_player")
        try:
            return await self._resume_session(conn, params, grant)
        except RpcError:
            raise  # refused (the session expired): there is nothing to resume
        except BackendUnavailable:
            # A store or bus failover mid-resume: the single-use token was already taken. Give it back so
            # the client's retry (-32009 means "retry with backoff") can still resume instead of reloading.
            conn.resumed = False
            try:
                await store.put_resume_token(params.resume_token, grant, self._sessions.ttl)
            except BackendUnavailable:
                log.warning("resume token of session %s lost in a backend outage", grant.session_id)
            raise
        except BaseException:
            # The socket went while the resume ran (its handler is cancelled), or the resume failed: the
            # client never got an answer, and the token is its only way back, on whichever socket it tries next.
            self._sessions.give_back(params.resume_token, grant)
            raise

    async def _take(self, token: str) -> ResumeGrant | None:
        """Take the token. If the socket goes while the store answers (the handler is cancelled), the take
        still finishes, and what it took is given back: the client will present the token again elsewhere."""
        take = asyncio.ensure_future(self._sessions.store.take_resume_token(token))
        try:
            return await asyncio.shield(take)
        except asyncio.CancelledError:
            def give_back(done: asyncio.Future[ResumeGrant | None]) -> None:
                if not done.cancelled() and done.exception() is None and (grant := done.result()) is not None:
                    self._sessions.give_back(token, grant)
            take.add_done_callback(give_back)
            raise

    async def _resume_session(self, conn: Connection, params: SessionResumeParams, grant: ResumeGrant) -> Resumed:
        record = await self._sessions.store.load_session(grant.session_id)
        if record is None:
            raise self._refuse("session_expired")
        old = self._registry.get(grant.session_id)
        if old is not None and old is not conn:
            old.close(CloseCode.SESSION_REPLACED, "session resumed elsewhere")
        present = await self._presence.resumed_presence(conn, grant.session_id)  # within the grace: invisible
        if conn.session_id != grant.session_id:  # else: a resume retried on this socket after an outage
            fresh = conn.session_id
            self._registry.rename(conn, grant.session_id)
            await self._sessions.adopt(conn, fresh)
        conn.resumed = True

        rejoin = [room for room in record.rooms if self._rooms.allowed(conn.principal, room)]
        own = player_stream(conn.principal.player_id)
        allowed_streams = {own, *map(room_stream, rejoin)}
        wanted = {p.stream: p for p in params.streams if p.stream in allowed_streams}
        for stream in wanted:
            conn.replay_buffers[stream] = ReplayBuffer()  # live publications wait while history is read
        await self._hub.attach(conn, own)
        for room in rejoin:
            await self._rooms.enter(conn, room, announce=not present)
        results = [await self._recover(conn, position) for position in wanted.values()]
        await self._catch_up_state(conn, params)

        conn.resume_token = await self._sessions.rotate(conn)
        conn.spent_token = (params.resume_token, conn.env.clock())
        try:  # the resume is done: its token may no longer be taken again
            await self._sessions.store.forget_resume_token(params.resume_token)
        except BackendUnavailable:
            log.warning("spent resume token of session %s lingers until it expires (%.0f s at most): store down",
                        grant.session_id, TAKE_REPEAT_GRACE)
        self._sessions.persist(conn)
        return Resumed(session_id=conn.session_id, resume_token=conn.resume_token, rooms=sorted(conn.rooms),
                       streams=results)

    async def _catch_up_state(self, conn: Connection, params: SessionResumeParams) -> None:
        """Bring each room's state from the version the client holds to now: deltas or a snapshot."""
        held = {} if params.state is UNSET else {s.room: s.version for s in params.state}
        for room in sorted(conn.rooms):
            plan = catch_up(await self._state.load(room), held.get(room, -1))
            if plan is None:
                continue
            if plan.document is not None:
                conn.notify("state.snapshot", StateSnapshotParams(room=room, version=plan.to_version,
                                                                  document=plan.document))
                continue
            for delta in plan.deltas:
                conn.notify("state.delta", StateDeltaParams(room=room, from_=delta.from_version,
                                                            to=delta.to_version, patch=delta.patch))

    async def _recover(self, conn: Connection, seen: StreamPosition) -> StreamRecovery:
        bus = self._hub.bus
        try:
            missed = await bus.history(seen.stream, seen.epoch, seen.offset)
        except HistoryGap:
            missed = None
        buffer = conn.replay_buffers.pop(seen.stream, None)
        if missed is None or buffer is None or buffer.overflowed:  # never a partial replay
            self._metrics.resumes.labels("not_recovered").inc()
            position = await bus.position(seen.stream)
            return StreamRecovery(stream=seen.stream, recovered=False, epoch=position.epoch, offset=position.offset)
        last = seen.offset
        for pub in missed:
            conn.send(pub.frame)
            last = pub.offset
        replayed = len(missed)
        for pub in buffer.held:
            if pub.epoch == seen.epoch and pub.offset > last:  # live ones the history already held are dropped
                conn.send(pub.frame)
                last = pub.offset
        self._metrics.resumes.labels("recovered").inc()
        self._metrics.replayed.inc(replayed)
        return StreamRecovery(stream=seen.stream, recovered=True, epoch=seen.epoch, offset=last, replayed=replayed)
