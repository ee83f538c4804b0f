"""Presence: ``presence.set``, ``presence.query`` and ``presence.changed`` to room co-members.

Each device's status lives in the presence store with a time-to-live that its node refreshes (``refresh``,
from the node's tick); a player is online while any device is online, away while all are away, offline
with none. ``presence.changed`` frames are published on the room's presence stream (encoded once) so
members on every node get them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from msgspec import UNSET

from realtimenet.backends.bus import constant_frame
from realtimenet.backends.presence import NO_CUSTOM, DeviceEntry, PresenceRecord, PresenceStore
from realtimenet.config import PresenceConfig
from realtimenet.exceptions import RpcError
from realtimenet.gateway.background import Background
from realtimenet.gateway.caller import Caller
from realtimenet.gateway.hub import Hub
from realtimenet.gateway.membership import require_member
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.router import method
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.messages import (
    PlayerPresence,
    PresenceChangedParams,
    PresenceList,
    PresenceQueryParams,
    PresenceSetParams,
)
from realtimenet.protocol.streams import presence_stream


def aggregate(player_id: str, record: PresenceRecord) -> PlayerPresence:
    """One player's presence from its devices."""
    devices = record.devices
    status: Literal["online", "away", "offline"] = "offline"
    if any(d.status == "online" for d in devices):
        status = "online"
    elif devices:
        status = "away"
    latest = max(devices, key=lambda d: d.updated_at, default=None)
    custom = latest.custom if latest is not None and latest.has_custom else UNSET
    return PlayerPresence(player_id=player_id, status=status, devices=len(devices), custom=custom,
                          last_seen=None if devices else record.last_seen)


class PresenceService:
    """Devices and memberships in the presence store, and the announcements to co-members."""

    def __init__(self, config: PresenceConfig, store: PresenceStore, hub: Hub, metrics: Metrics,
                 background: Background, node_id: str, wall_clock: Callable[[], float]) -> None:
        self._config = config
        self._store = store
        self._hub = hub
        self._metrics = metrics
        self._background = background
        self._node_id = node_id
        self._wall_clock = wall_clock

    @property
    def store(self) -> PresenceStore:
        """The presence store (the server API reads devices, last-seen times and the room directory)."""
        return self._store

    def _device(self, caller: Caller, session_id: str) -> DeviceEntry:
        return DeviceEntry(status=caller.presence_status, node_id=self._node_id, updated_at=self._wall_clock(),
                           custom=NO_CUSTOM if caller.presence_custom is None else caller.presence_custom,
                           session_id=session_id)

    async def put_device(self, caller: Caller, session_id: str | None = None) -> None:
        """Write (or refresh) the caller's device, under ``session_id`` if given (a session it adopts)."""
        session = session_id or caller.session_id
        await self._store.put_device(caller.principal.player_id, session, self._device(caller, session),
                                     self._config.ttl)

    async def drop_device(self, player_id: str, session_id: str) -> None:
        """The device is gone; the player was last seen now."""
        await self._store.drop_device(player_id, session_id, self._wall_clock())

    async def enter(self, caller: Caller, room: str) -> None:
        """Record the caller's membership of ``room`` (on every node) and tell the members."""
        await self._store.put_member(room, caller.session_id, caller.principal.player_id, self._config.ttl)
        await self.announce(caller, "join", [room])

    def leave(self, caller: Caller, room: str, announce: bool) -> None:
        """Forget the caller's membership of ``room``; tell the members unless the whole device is going."""
        self._background.run(self._store.drop_member(room, caller.session_id))
        if announce:
            self._background.run(self.announce(caller, "leave", [room]))

    async def gone(self, caller: Caller, rooms: list[str]) -> None:
        """The device disconnected for good: drop it and tell the members of ``rooms`` it left."""
        await self.drop_device(caller.principal.player_id, caller.session_id)
        await self.announce(caller, "leave", rooms)

    async def announce(self, caller: Caller, event: Literal["join", "leave", "status"], rooms: list[str]) -> None:
        """Tell the members of ``rooms`` about this player (after the store holds the change)."""
        if not rooms:
            return
        player = caller.principal.player_id
        presence = aggregate(player, (await self._store.presence([player]))[0])
        for room in rooms:
            frame = jsonrpc.encode_notification("presence.changed",
                                                PresenceChangedParams(room=room, event=event, presence=presence))
            await self._hub.publish(presence_stream(room), constant_frame(frame))

    def refresh(self, callers: Iterable[Caller]) -> None:
        """Keep live devices and memberships present (a dead node's expire); every ``presence.ttl`` / 3
        from the node's tick."""
        for caller in callers:
            if not caller.is_open:
                continue
            self._background.run(self.put_device(caller))
            for room in caller.rooms:
                self._background.run(self._store.put_member(room, caller.session_id, caller.principal.player_id,
                                                            self._config.ttl))

    def count(self, callers: Iterable[Caller]) -> None:
        """``realtimenet_presence_devices`` by status, sampled from the node's tick."""
        statuses = {"online": 0, "away": 0}
        for caller in callers:
            if caller.is_open:
                statuses[caller.presence_status] = statuses.get(caller.presence_status, 0) + 1
        for status, count in statuses.items():
            self._metrics.presence_devices.labels(status).set(count)

    @method("presence.set")
    async def set_status(self, caller: Caller, params: PresenceSetParams) -> PlayerPresence:
        """Set this device's status and custom payload."""
        custom = None if params.custom is UNSET else params.custom
        if custom is not None and len(custom) > self._config.max_custom_bytes:
            raise RpcError(ErrorCode.LIMIT_EXCEEDED, {"max_custom_bytes": self._config.max_custom_bytes})
        caller.presence_status, caller.presence_custom = params.status, custom
        await self.put_device(caller)
        await self.announce(caller, "status", sorted(caller.rooms))
        player = caller.principal.player_id
        return aggregate(player, (await self._store.presence([player]))[0])

    @method("presence.query")
    async def query(self, caller: Caller, params: PresenceQueryParams) -> PresenceList:
        """Presence of the players asked for, in order; or of every member of a room the caller is in."""
        if (params.players is UNSET) == (params.room is UNSET):
            raise RpcError(ErrorCode.INVALID_PARAMS, {"detail": "give exactly one of players or room"})
        if isinstance(params.players, list):
            players = params.players
        else:
            room = str(params.room)
            require_member(caller, room, self._metrics)
            return await self.room_presence(room)
        return await self.players_presence(players)

    async def room_presence(self, room: str) -> PresenceList:
        """Presence of every member of ``room``, on any node, by player id."""
        return await self.players_presence(await self._store.members(room))

    async def players_presence(self, players: list[str]) -> PresenceList:
        """Presence of each player, in order."""
        records = await self._store.presence(players)
        return PresenceList(players=[aggregate(p, r) for p, r in zip(players, records, strict=True)])
