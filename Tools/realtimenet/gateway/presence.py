"""Presence: ``presence.set``, ``presence.query`` and ``presence.changed`` to room co-members.

Each device's status lives in the store with a time-to-live that its node refreshes; a player is online
while any device is online, away while all are away, offline with none. ``presence.changed`` frames are
published on the bus stream ``presence:<room>`` (encoded once) so members on every node get them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from msgspec import UNSET

from realtimenet.backends.bus import constant_frame
from realtimenet.backends.store import DeviceEntry, PresenceRecord
from realtimenet.exceptions import RpcError
from realtimenet.gateway.router import Router
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.messages import (
    PlayerPresence,
    PresenceChangedParams,
    PresenceList,
    PresenceQueryParams,
    PresenceSetParams,
)

if TYPE_CHECKING:
    from realtimenet.gateway.connection import Connection

router = Router()


def presence_stream(room: str) -> str:
    return f"presence:{room}"


def aggregate(player_id: str, record: PresenceRecord) -> PlayerPresence:
    """One player's presence from its devices."""
    devices = record.devices
    status: Literal["online", "away", "offline"] = "offline"
    if any(d.status == "online" for d in devices):
        status = "online"
    elif devices:
        status = "away"
    latest = max(devices, key=lambda d: d.updated_at, default=None)
    custom = latest.custom if latest is not None and latest.custom is not None else UNSET
    return PlayerPresence(player_id=player_id, status=status, devices=len(devices), custom=custom,
                          last_seen=None if devices else record.last_seen)


def device_entry(conn: Connection) -> DeviceEntry:
    return DeviceEntry(status=conn.presence_status, node_id=conn.node.node_id, updated_at=conn.node.wall_clock(),
                       custom=conn.presence_custom)


async def announce(conn: Connection, event: Literal["join", "leave", "status"], rooms: list[str]) -> None:
    """Tell the members of ``rooms`` about this player (after the store holds the change)."""
    if not rooms:
        return
    node = conn.node
    player = conn.principal.player_id
    presence = aggregate(player, (await node.store.presence([player]))[0])
    for room in rooms:
        frame = jsonrpc.encode_notification("presence.changed",
                                            PresenceChangedParams(room=room, event=event, presence=presence))
        await node.publish(presence_stream(room), constant_frame(frame))


@router.method("presence.set")
async def set_status(conn: Connection, params: PresenceSetParams) -> PlayerPresence:
    """Set this device's status and custom payload."""
    node = conn.node
    custom = None if params.custom is UNSET else params.custom
    if custom is not None and len(custom) > node.config.presence.max_custom_bytes:
        raise RpcError(ErrorCode.LIMIT_EXCEEDED, {"max_custom_bytes": node.config.presence.max_custom_bytes})
    conn.presence_status, conn.presence_custom = params.status, custom
    await node.store.put_device(conn.principal.player_id, conn.session_id, device_entry(conn),
                                node.config.presence.ttl)
    await announce(conn, "status", sorted(conn.rooms))
    return aggregate(conn.principal.player_id, (await node.store.presence([conn.principal.player_id]))[0])


@router.method("presence.query")
async def query(conn: Connection, params: PresenceQueryParams) -> PresenceList:
    """Presence of the players asked for, in order; or of every member of a room the caller is in."""
    if (params.players is UNSET) == (params.room is UNSET):
        raise RpcError(ErrorCode.INVALID_PARAMS, {"detail": "give exactly one of players or room"})
    if isinstance(params.players, list):
        players = params.players
    else:
        room = str(params.room)
        if room not in conn.rooms:
            conn.node.metrics.room_refusals.labels("not_a_member").inc()
            raise RpcError(ErrorCode.FORBIDDEN, {"room": room, "reason": "not_a_member"})
        players = await conn.node.store.members(room)
    records = await conn.node.store.presence(players)
    return PresenceList(players=[aggregate(p, r) for p, r in zip(players, records, strict=True)])


