"""Rooms and direct messages: ``room.join``, ``room.leave``, ``room.publish``, ``direct.send``.

Who may join is decided by ``RoomPolicy``: the room must match ``rooms.known``; then the JWT's room claim
(glob patterns), or ``rooms.default_access`` without one; then the optional server-side policy callback.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from realtimenet.config import RoomsConfig
from realtimenet.exceptions import ConfigError, RpcError
from realtimenet.gateway.auth import Principal
from realtimenet.gateway.router import Router
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.messages import (
    DirectMessageParams,
    DirectSendParams,
    Published,
    RoomEventParams,
    RoomJoined,
    RoomJoinParams,
    RoomLeaveParams,
    RoomLeft,
    RoomPublishParams,
)

if TYPE_CHECKING:
    from realtimenet.gateway.connection import Connection

router = Router()

Policy = Callable[[Principal, str], bool]


def room_stream(room: str) -> str:
    return f"room:{room}"


def player_stream(player_id: str) -> str:
    return f"player:{player_id}"


def _load_policy(path: str) -> Policy | None:
    if not path:
        return None
    module, _, name = path.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"rooms.policy: cannot load {path!r}: {exc}") from None
    if not callable(fn):
        raise ConfigError(f"rooms.policy: {path!r} is not callable")
    return fn  # type: ignore[no-any-return]


class RoomPolicy:
    """Decides whether a room exists and whether a principal may join it."""

    def __init__(self, config: RoomsConfig, policy: Policy | None = None) -> None:
        self.config = config
        self.policy = policy or _load_policy(config.policy)

    def exists(self, room: str) -> bool:
        return any(fnmatch.fnmatchcase(room, pattern) for pattern in self.config.known)

    def check(self, principal: Principal, room: str) -> None:
        """Raise RpcError NOT_FOUND or FORBIDDEN unless ``principal`` may join ``room``."""
        if not self.exists(room):
            raise RpcError(ErrorCode.NOT_FOUND, {"room": room})
        patterns = principal.claims.get(self.config.claim)
        if patterns is None:
            allowed = self.config.default_access == "allow"
        else:
            allowed = isinstance(patterns, list) and any(
                isinstance(p, str) and fnmatch.fnmatchcase(room, p) for p in patterns)
        if allowed and self.policy is not None:
            allowed = bool(self.policy(principal, room))
        if not allowed:
            raise RpcError(ErrorCode.FORBIDDEN, {"room": room})


_encoder = msgspec.json.Encoder()


def event_frame(room: str, sender: str, data: msgspec.Raw | Any) -> Callable[[str, int], bytes]:
    """Builds a ``room.event`` frame once the bus has assigned epoch and offset."""
    def build(epoch: str, offset: int) -> bytes:
        return jsonrpc.encode_notification("room.event", RoomEventParams(
            room=room, epoch=epoch, offset=offset, from_=sender, data=data))
    return build


def direct_frame(sender: str, data: msgspec.Raw | Any) -> Callable[[str, int], bytes]:
    """Builds a ``direct.message`` frame once the bus has assigned epoch and offset."""
    def build(epoch: str, offset: int) -> bytes:
        return jsonrpc.encode_notification("direct.message", DirectMessageParams(
            epoch=epoch, offset=offset, from_=sender, data=data))
    return build


@router.method("room.join")
async def join(conn: Connection, params: RoomJoinParams) -> RoomJoined:
    """Join a room the policy allows; events after the returned offset follow."""
    node = conn.node
    try:
        node.rooms_policy.check(conn.principal, params.room)
    except RpcError as exc:
        node.metrics.room_refusals.labels("unknown_room" if exc.code == ErrorCode.NOT_FOUND else "forbidden").inc()
        raise
    stream = room_stream(params.room)
    if params.room not in conn.rooms:
        if len(conn.rooms) >= node.config.rooms.max_rooms_per_connection:
            node.metrics.room_refusals.labels("too_many_rooms").inc()
            raise RpcError(ErrorCode.LIMIT_EXCEEDED, {"max_rooms_per_connection":
                                                      node.config.rooms.max_rooms_per_connection})
        await node.join_room(conn, params.room)  # subscribe first: nothing published from here on is missed
        node.persist(conn)
    position = await node.bus.position(stream)
    state = await node.store.load_state(params.room)
    schema = node.follow_entities(conn, params.room, state) if params.state_encoding == "entities" else None
    if schema is None:
        node.unfollow_entities(conn, params.room)  # joining again without it switches back to state.delta
    return RoomJoined(room=params.room, stream=stream, epoch=position.epoch, offset=position.offset,
                      state_version=state.version, state=state.document,
                      entities=schema.description if schema is not None else msgspec.UNSET)


@router.method("room.leave")
async def leave(conn: Connection, params: RoomLeaveParams) -> RoomLeft:
    """Leave a room (leaving a room one is not in is not an error)."""
    if params.room in conn.rooms:
        conn.node.leave_room(conn, params.room)
        conn.node.persist(conn)
    return RoomLeft(room=params.room)


@router.method("room.publish")
async def publish(conn: Connection, params: RoomPublishParams) -> Published:
    """Publish to a room the caller is in."""
    if params.room not in conn.rooms:
        conn.node.metrics.room_refusals.labels("not_a_member").inc()
        raise RpcError(ErrorCode.FORBIDDEN, {"room": params.room, "reason": "not_a_member"})
    stream = room_stream(params.room)
    pub = await conn.node.publish(stream, event_frame(params.room, conn.principal.player_id, params.data))
    return Published(stream=stream, epoch=pub.epoch, offset=pub.offset)


@router.method("direct.send")
async def send_direct(conn: Connection, params: DirectSendParams) -> Published:
    """Send to every device of one player (stored in that player's stream for replay)."""
    stream = player_stream(params.to)
    pub = await conn.node.publish(stream, direct_frame(conn.principal.player_id, params.data))
    return Published(stream=stream, epoch=pub.epoch, offset=pub.offset)
