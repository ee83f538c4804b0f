"""The Redis StateStore: one JSON string per room (key ``r:`` of ``redis_connection``'s schema), committed
with WATCH/MULTI on that one key, expiring ``ttl`` seconds after the last commit (0: never)."""

from __future__ import annotations

import msgspec
from redis.exceptions import WatchError

from realtimenet.backends.redis_connection import RedisConnection, guarded
from realtimenet.state.sync import RoomState

_state_decoder = msgspec.json.Decoder(RoomState)
_encode = msgspec.json.Encoder().encode


class RedisStateStore:
    """StateStore on a shared Redis connection."""

    def __init__(self, connection: RedisConnection, ttl: float = 0.0) -> None:
        self._conn = connection
        self._redis = connection.redis
        self._ttl_ms = int(ttl * 1000) or None  # a room's state outlives its last update by this

    @guarded
    async def load_state(self, room: str) -> RoomState:
        data = await self._redis.get(self._conn.key("r", room))
        return RoomState() if data is None else _state_decoder.decode(data)

    @guarded
    async def commit_state(self, room: str, expected_version: int, state: RoomState) -> bool:
        key = self._conn.key("r", room)
        async with self._redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                data = await pipe.get(key)
                current = 0 if data is None else _state_decoder.decode(data).version
                if current != expected_version:
                    await pipe.unwatch()
                    return False
                pipe.multi()
                pipe.set(key, _encode(state), px=self._ttl_ms)
                await pipe.execute()
                return True
            except WatchError:
                return False
