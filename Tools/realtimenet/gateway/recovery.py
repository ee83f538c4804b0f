"""``session.resume``: take over a lost session, rejoin its rooms and replay what the client missed.

For every stream the client names, the live subscription starts first and buffers; then the history
after the client's offset is read. Either the history covers the gap exactly (same epoch, nothing
evicted) and the client gets it in order, followed by the buffered live publications it has not seen,
or the stream answers ``recovered: false`` and the client reloads a snapshot. Never a partial replay.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from msgspec import UNSET

from realtimenet.backends.bus import HistoryGap
from realtimenet.backends.store import ResumeGrant
from realtimenet.exceptions import BackendUnavailable, RpcError
from realtimenet.gateway.rooms import player_stream, room_stream
from realtimenet.gateway.router import Router
from realtimenet.protocol.codes import CloseCode, ErrorCode
from realtimenet.protocol.messages import (
    Resumed,
    SessionResumeParams,
    StateDeltaParams,
    StateSnapshotParams,
    StreamPosition,
    StreamRecovery,
)
from realtimenet.state.sync import catch_up

if TYPE_CHECKING:
    from realtimenet.gateway.connection import Connection

router = Router()
log = logging.getLogger("realtimenet.recovery")


def _refuse(conn: Connection, reason: str) -> RpcError:
    conn.node.metrics.resumes.labels("refused").inc()
    return RpcError(ErrorCode.RESUME_FAILED, {"reason": reason})


@router.method("session.resume")
async def resume(conn: Connection, params: SessionResumeParams) -> Resumed:
    """Adopt the session the token names, rejoin its rooms, and replay or refuse per stream."""
    node = conn.node
    if conn.resumed:
        raise _refuse(conn, "already_resumed")
    grant = await node.store.take_resume_token(params.resume_token)
    if grant is None:
        raise _refuse(conn, "unknown_or_used_token")
    if grant.player_id != conn.principal.player_id:
        raise _refuse(conn, "wrong_player")
    try:
        return await _resume_session(conn, params, grant)
    except BackendUnavailable:
        # A store or bus failover mid-resume: the single-use token was already taken. Give it back so
        # the client's retry (-32009 means "retry with backoff") can still resume instead of reloading.
        conn.resumed = False
        try:
            await node.store.put_resume_token(params.resume_token, grant, node.config.sessions.ttl)
        except BackendUnavailable:
            log.warning("resume token of session %s lost in a backend outage", grant.session_id)
        raise


async def _resume_session(conn: Connection, params: SessionResumeParams, grant: ResumeGrant) -> Resumed:
    node = conn.node
    record = await node.store.load_session(grant.session_id)
    if record is None:
        raise _refuse(conn, "session_expired")
    old = node.registry.get(grant.session_id)
    if old is not None and old is not conn:
        old.close(CloseCode.SESSION_REPLACED, "session resumed elsewhere")
    await node.adopt_session(conn, grant.session_id)
    conn.resumed = True

    rejoin = []
    for room in record.rooms:
        try:
            node.rooms_policy.check(conn.principal, room)
        except RpcError:
            continue  # access was revoked while away: the room is not rejoined
        rejoin.append(room)
    allowed_streams = {player_stream(conn.principal.player_id), *map(room_stream, rejoin)}
    wanted = {p.stream: p for p in params.streams if p.stream in allowed_streams}
    for stream in wanted:
        conn.replay_buffers[stream] = []  # live publications wait while history is read
    await node.attach(conn, player_stream(conn.principal.player_id))
    for room in rejoin:
        await node.join_room(conn, room)
    results = [await _recover(conn, position) for position in wanted.values()]
    await _catch_up_state(conn, params)

    conn.resume_token = secrets.token_urlsafe(24)
    await node.store.put_resume_token(conn.resume_token, ResumeGrant(conn.session_id, conn.principal.player_id),
                                      node.config.sessions.ttl)
    node.persist(conn)
    return Resumed(session_id=conn.session_id, resume_token=conn.resume_token, rooms=sorted(conn.rooms),
                   streams=results)


async def _catch_up_state(conn: Connection, params: SessionResumeParams) -> None:
    """Bring each room's state from the version the client holds to now: deltas or a snapshot."""
    held = {} if params.state is UNSET else {s.room: s.version for s in params.state}
    for room in sorted(conn.rooms):
        state = await conn.node.store.load_state(room)
        plan = catch_up(state, held.get(room, -1))
        if plan is None:
            continue
        if plan.document is not None:
            conn.notify("state.snapshot", StateSnapshotParams(room=room, version=plan.to_version,
                                                              document=plan.document))
            continue
        for delta in plan.deltas:
            conn.notify("state.delta", StateDeltaParams(room=room, from_=delta.from_version, to=delta.to_version,
                                                        patch=delta.patch))


async def _recover(conn: Connection, seen: StreamPosition) -> StreamRecovery:
    node = conn.node
    buffered = conn.replay_buffers.get(seen.stream, [])
    try:
        missed = await node.bus.history(seen.stream, seen.epoch, seen.offset)
    except HistoryGap:
        conn.replay_buffers.pop(seen.stream, None)
        node.metrics.resumes.labels("not_recovered").inc()
        position = await node.bus.position(seen.stream)
        return StreamRecovery(stream=seen.stream, recovered=False, epoch=position.epoch, offset=position.offset)
    last = seen.offset
    for pub in missed:
        conn.send(pub.frame)
        last = pub.offset
    replayed = len(missed)
    for pub in conn.replay_buffers.pop(seen.stream, buffered):
        if pub.epoch == seen.epoch and pub.offset > last:  # live ones the history already held are dropped
            conn.send(pub.frame)
            last = pub.offset
    node.metrics.resumes.labels("recovered").inc()
    node.metrics.replayed.inc(replayed)
    return StreamRecovery(stream=seen.stream, recovered=True, epoch=seen.epoch, offset=last, replayed=replayed)
