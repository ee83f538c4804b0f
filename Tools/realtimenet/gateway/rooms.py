"""Rooms and direct messages: ``room.join``, ``room.leave``, ``room.publish``, ``direct.send`` (backend
services publish through the server API, ``server_api.py``, with the same frames).

Who may join is decided by ``RoomPolicy``: the room must match ``rooms.known``; then the JWT's room claim
(glob patterns), or ``rooms.default_access`` without one; then the optional server-side policy callback.
Being in a room means following its three streams on this node (events, state, presence) and a membership
in the presence store (so ``presence.query {room}`` sees members on every node).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from realtimenet.backends.bus import FrameBuilder
from realtimenet.config import RoomsConfig
from realtimenet.exceptions import RpcError
from realtimenet.gateway.auth import Principal
from realtimenet.gateway.caller import Caller
from realtimenet.gateway.hub import Hub
from realtimenet.gateway.membership import require_member
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.presence import PresenceService
from realtimenet.gateway.router import method
from realtimenet.gateway.sessions import SessionKeeper
from realtimenet.gateway.state import StateService
from realtimenet.loader import load_callable
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
from realtimenet.protocol.streams import player_stream, presence_stream, room_stream, state_stream

Policy = Callable[[Principal, str], bool]


class RoomPolicy:
    """Decides whether a room exists and whether a principal may join it."""

    def __init__(self, config: RoomsConfig, policy: Policy | None = None) -> None:
        self.config = config
        self.policy = policy or (load_callable(config.policy, "rooms.policy") if config.policy else None)

    def exists(self, room: str) -> bool:
        return any(fnmatch.fnmatchcase(room, pattern) for pattern in self.config.known)

    def check(self, principal: Principal, room: str) -> None:
        """Raise RpcError NOT_FOUND, or FORBIDDEN with the reason (``no_rooms_claim``: the token names no rooms
        and ``rooms.default_access`` is deny; ``malformed_rooms_claim``: the claim is not a list of patterns;
        ``not_in_rooms_claim``: no pattern matches; ``policy``: the server-side policy said no), unless
        ``principal`` may join ``room``."""
        if not self.exists(room):
            raise RpcError(ErrorCode.NOT_FOUND, {"room": room})
        patterns = principal.claims.get(self.config.claim)
        reason = None
        if patterns is None:
            reason = None if self.config.default_access == "allow" else "no_rooms_claim"
        elif not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            reason = "malformed_rooms_claim"
        elif not any(fnmatch.fnmatchcase(room, p) for p in patterns):
            reason = "not_in_rooms_claim"
        if reason is None and self.policy is not None and not self.policy(principal, room):
            reason = "policy"
        if reason is not None:
            raise RpcError(ErrorCode.FORBIDDEN, {"room": room, "reason": reason})


def event_frame(room: str, sender: str, data: msgspec.Raw | Any,
                event_type: str | UnsetType = UNSET) -> FrameBuilder:
    """Builds a ``room.event`` frame once the bus has assigned epoch and offset; ``event_type`` (protocol 1.1)
    is left out of the frame when unset, so untyped events look exactly as they did in 1.0."""
    def build(epoch: str, offset: int) -> bytes:
        return jsonrpc.encode_notification("room.event", RoomEventParams(
            room=room, epoch=epoch, offset=offset, from_=sender, type=event_type, data=data))
    return build


def direct_frame(sender: str, data: msgspec.Raw | Any) -> FrameBuilder:
    """Builds a ``direct.message`` frame once the bus has assigned epoch and offset."""
    def build(epoch: str, offset: int) -> bytes:
        return jsonrpc.encode_notification("direct.message", DirectMessageParams(
            epoch=epoch, offset=offset, from_=sender, data=data))
    return build


class RoomService:
    """Room membership, room events and direct messages."""

    def __init__(self, config: RoomsConfig, hub: Hub, presence: PresenceService, state: StateService,
                 sessions: SessionKeeper, metrics: Metrics, policy: RoomPolicy | None = None) -> None:
        self.config = config
        self.policy = policy or RoomPolicy(config)
        self._hub = hub
        self._presence = presence
        self._state = state
        self._sessions = sessions
        self._metrics = metrics

    # ----- membership -------------------------------------------------------------------------------

    async def enter(self, caller: Caller, room: str, announce: bool = True) -> None:
        """Follow the room's events, state changes and presence; tell the members (not when the caller
        resumes a session whose presence never left: ``announce`` False)."""
        caller.rooms.add(room)
        await self._hub.attach(caller, room_stream(room))  # first: nothing published from here on is missed
        await self._hub.attach(caller, state_stream(room))
        await self._hub.attach(caller, presence_stream(room))
        await self._presence.enter(caller, room, announce)

    def exit(self, caller: Caller, room: str) -> None:
        """The caller leaves the room: it stops following it and the members are told."""
        self.unfollow(caller, room)
        self._presence.leave(caller, room)

    def unfollow(self, caller: Caller, room: str) -> None:
        """Stop delivering the room to this connection (its socket is gone; presence decides the rest)."""
        caller.rooms.discard(room)
        self._state.unfollow_entities(caller, room)
        self._hub.detach(caller, room_stream(room))
        self._hub.detach(caller, state_stream(room))
        self._hub.detach(caller, presence_stream(room))

    def allowed(self, principal: Principal, room: str) -> bool:
        """Whether ``principal`` may be in ``room`` now (a resumed session's rooms are checked again)."""
        try:
            self.policy.check(principal, room)
        except RpcError:
            return False
        return True

    # ----- methods ----------------------------------------------------------------------------------

    @method("room.join")
    async def join(self, caller: Caller, params: RoomJoinParams) -> RoomJoined:
        """Join a room the policy allows; events after the returned offset follow."""
        try:
            self.policy.check(caller.principal, params.room)
        except RpcError as exc:
            self._metrics.room_refusals.labels("unknown_room" if exc.code == ErrorCode.NOT_FOUND else "forbidden").inc()
            raise
        stream = room_stream(params.room)
        if params.room not in caller.rooms:
            if len(caller.rooms) >= self.config.max_rooms_per_connection:
                self._metrics.room_refusals.labels("too_many_rooms").inc()
                raise RpcError(ErrorCode.LIMIT_EXCEEDED, {"max_rooms_per_connection":
                                                          self.config.max_rooms_per_connection})
            await self.enter(caller, params.room)
            self._sessions.persist(caller)
        position = await self._hub.bus.position(stream)
        state = await self._state.load(params.room)
        schema = self._state.follow_entities(caller, params.room, state) \
            if params.state_encoding == "entities" else None
        if schema is None:
            self._state.unfollow_entities(caller, params.room)  # joining again without it: back to state.delta
        return RoomJoined(room=params.room, stream=stream, epoch=position.epoch, offset=position.offset,
                          state_version=state.version, state=state.document,
                          entities=schema.description if schema is not None else msgspec.UNSET)

    @method("room.leave")
    async def leave(self, caller: Caller, params: RoomLeaveParams) -> RoomLeft:
        """Leave a room (leaving a room one is not in is not an error)."""
        if params.room in caller.rooms:
            self.exit(caller, params.room)
            self._sessions.persist(caller)
        return RoomLeft(room=params.room)

    @method("room.publish")
    async def publish(self, caller: Caller, params: RoomPublishParams) -> Published:
        """Publish to a room the caller is in."""
        require_member(caller, params.room, self._metrics)
        stream = room_stream(params.room)
        pub = await self._hub.publish(stream, event_frame(params.room, caller.principal.player_id, params.data,
                                                          params.type))
        return Published(stream=stream, epoch=pub.epoch, offset=pub.offset)

    @method("direct.send")
    async def send_direct(self, caller: Caller, params: DirectSendParams) -> Published:
        """Send to every device of one player (stored in that player's stream for replay)."""
        stream = player_stream(params.to)
        pub = await self._hub.publish(stream, direct_frame(caller.principal.player_id, params.data))
        return Published(stream=stream, epoch=pub.epoch, offset=pub.offset)
