"""Presence: ``presence.set``, ``presence.query`` and ``presence.changed`` to room co-members.

Each device's status lives in the presence store with a time-to-live that its node refreshes (``refresh``,
from the node's tick); a player is online while any device is online, away while all are away, offline
with none. ``presence.changed`` frames are published on the room's presence stream (encoded once) so
members on every node get them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

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
                 background: Background, node_id: str, wall_clock: Callable[[], float],
                 call_later: Callable[[float, Callable[[], None]], Any] | None = None,
                 resume_window: float = 0.0) -> None:
        self._config = config
        # How long a dropped device's presence waits for a resume (capped by how long its session can be resumed
        # and its device entry lives unrefreshed); without a timer (sans-I/O tests) devices leave at once.
        self._grace = min(config.resume_grace, resume_window) if call_later is not None else 0.0
        self._call_later = call_later
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

    async def enter(self, caller: Caller, room: str, announce: bool = True) -> None:
        """Record the caller's membership of ``room`` (on every node) and tell the members, unless the caller
        resumes a session whose presence never left (``announce`` False)."""
        await self._store.put_member(room, caller.session_id, caller.principal.player_id, self._config.ttl)
        if announce:
            await self.announce(caller.principal.player_id, "join", [room])

    def leave(self, caller: Caller, room: str) -> None:
        """The caller left ``room``: forget its membership and tell the members."""
        self._background.run(self._store.drop_member(room, caller.session_id))
        self._background.run(self.announce(caller.principal.player_id, "leave", [room]))

    def disconnected(self, caller: Caller, rooms: list[str], resumable: bool) -> None:
        """The caller's socket is gone. A session that can be resumed keeps its device entry (status, custom
        payload) and memberships for ``presence.resume_grace``: resumed within it, on any node, the members
        never see it leave and come back; otherwise they are told when it runs out. Nothing here holds on to
        the connection itself."""
        player, session = caller.principal.player_id, caller.session_id
        if not resumable or not self._grace or self._call_later is None:
            self._background.run(self._depart(player, session, rooms))
            return
        closed_at = self._wall_clock()
        self._call_later(self._grace, lambda: self._background.run(
            self._depart_unless_resumed(player, session, rooms, closed_at)))

    async def _depart_unless_resumed(self, player: str, session: str, rooms: list[str], closed_at: float) -> None:
        held = await self._store.device(player, session)
        if held is not None and held.updated_at > closed_at:
            return  # resumed (a node wrote the device again since): nobody saw it go
        self._metrics.presence_departures.labels("after_grace").inc()
        await self._depart(player, session, rooms)

    async def _depart(self, player: str, session: str, rooms: list[str]) -> None:
        for room in rooms:
            await self._store.drop_member(room, session)
        await self._store.drop_device(player, session, self._wall_clock())
        await self.announce(player, "leave", rooms)

    async def resumed_presence(self, caller: Caller, session_id: str) -> bool:
        """Before ``caller`` takes over ``session_id``: give it back the status and custom payload its device
        had, if that device is still present (the session resumes within the grace); whether it was."""
        held = await self._store.device(caller.principal.player_id, session_id)
        if held is None:
            return False
        caller.presence_status = held.status
        caller.presence_custom = held.custom if held.has_custom else None
        self._metrics.presence_departures.labels("resumed").inc()
        return True

    async def announce(self, player: str, event: Literal["join", "leave", "status"], rooms: list[str]) -> None:
        """Tell the members of ``rooms`` about this player (after the store holds the change)."""
        if not rooms:
            return
        presence = aggregate(player, (await self._store.presence([player]))[0])
        for room in rooms:
            frame = jsonrpc.encode_notification("presence.changed",
                                                PresenceChangedParams(room=room, event=event, presence=presence))
            await self._hub.publish(presence_stream(room), constant_frame(frame))

    def refresh(self, callers: Iterable[Caller]) -> None:
        """Keep live devices and memberships present (a dead node's expire); every ``presence.ttl`` / 3
        from the node's tick, as one bounded round of writes."""
        self._background.run_each("presence.refresh", [c for c in callers if c.is_open], self._refresh_one)

    async def _refresh_one(self, caller: Caller) -> None:
        if not caller.is_open:  # gone since the round began: its departure is under way
            return
        await self.put_device(caller)
        for room in list(caller.rooms):
            await self._store.put_member(room, caller.session_id, caller.principal.player_id, self._config.ttl)

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
        await self.announce(caller.principal.player_id, "status", sorted(caller.rooms))
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
