"""The Redis PresenceStore: devices, last-seen times, room members and the room directory (keys
``p:``, ``l:``, ``m:`` and ``{rooms}`` of ``redis_connection``'s schema). Device and member entries carry their
own deadline: readers skip stale ones and delete them, and the hash itself expires when no node refreshes it."""

from __future__ import annotations

import msgspec

from realtimenet.backends.presence import DeviceEntry, PresenceRecord, RoomCount
from realtimenet.backends.redis_connection import RedisConnection, guarded


class _StoredDevice(msgspec.Struct):
    expires_at: float
    entry: DeviceEntry


class _StoredMember(msgspec.Struct):
    expires_at: float
    player_id: str


_device_decoder = msgspec.json.Decoder(_StoredDevice)
_member_decoder = msgspec.json.Decoder(_StoredMember)
_encode = msgspec.json.Encoder().encode


class RedisPresenceStore:
    """PresenceStore on a shared Redis connection."""

    def __init__(self, connection: RedisConnection, last_seen_ttl: float = 30 * 86_400.0) -> None:
        self._conn = connection
        self._redis = connection.redis
        self._last_seen_ttl = last_seen_ttl
        self._rooms_key = f"{connection.prefix}:{{rooms}}"

    @guarded
    async def put_device(self, player_id: str, session_id: str, entry: DeviceEntry, ttl: float) -> None:
        await self._conn.put_field(self._conn.key("p", player_id), session_id,
                                   _encode(_StoredDevice(self._conn.clock() + ttl, entry)), ttl)

    @guarded
    async def drop_device(self, player_id: str, session_id: str, last_seen: float) -> None:
        await self._redis.hdel(self._conn.key("p", player_id), session_id)
        await self._redis.set(self._conn.key("l", player_id), repr(last_seen),
                              px=int(self._last_seen_ttl * 1000))

    @guarded
    async def presence(self, player_ids: list[str]) -> list[PresenceRecord]:
        records = []
        for player in player_ids:
            devices: list[_StoredDevice] = await self._conn.live_fields(self._conn.key("p", player),
                                                                        _device_decoder.decode)
            seen = await self._redis.get(self._conn.key("l", player))
            records.append(PresenceRecord(devices=[d.entry for d in devices],
                                          last_seen=float(seen) if seen is not None else None))
        return records

    @guarded
    async def device(self, player_id: str, session_id: str) -> DeviceEntry | None:
        data = await self._redis.hget(self._conn.key("p", player_id), session_id)
        if data is None:
            return None
        stored = _device_decoder.decode(data)
        return stored.entry if stored.expires_at > self._conn.clock() else None

    @guarded
    async def put_member(self, room: str, session_id: str, player_id: str, ttl: float) -> None:
        await self._conn.put_field(self._conn.key("m", room), session_id,
                                   _encode(_StoredMember(self._conn.clock() + ttl, player_id)), ttl)
        await self._redis.zadd(self._rooms_key, {room: 0})

    @guarded
    async def drop_member(self, room: str, session_id: str) -> None:
        await self._redis.hdel(self._conn.key("m", room), session_id)

    @guarded
    async def members(self, room: str) -> list[str]:
        members: list[_StoredMember] = await self._conn.live_fields(self._conn.key("m", room),
                                                                    _member_decoder.decode)
        return sorted({m.player_id for m in members})

    @guarded
    async def rooms(self, after: str, limit: int) -> list[RoomCount]:
        found: list[RoomCount] = []
        start = f"({after}" if after else "-"
        while len(found) < limit:
            names = await self._redis.zrangebylex(self._rooms_key, start, "+", start=0, num=limit)
            if not names:
                break
            empty = []
            for raw in names:
                room = raw.decode() if isinstance(raw, bytes) else str(raw)
                members: list[_StoredMember] = await self._conn.live_fields(self._conn.key("m", room),
                                                                            _member_decoder.decode)
                if members:
                    found.append(RoomCount(room, len({m.player_id for m in members}), len(members)))
                else:
                    # Every member left or expired. A member joining at this very moment is listed again at its
                    # node's next refresh (presence.ttl / 3), which writes the directory entry again.
                    empty.append(room)
                if len(found) >= limit:
                    break
            if empty:
                await self._redis.zrem(self._rooms_key, *empty)
            start = f"({room}"
        return found
