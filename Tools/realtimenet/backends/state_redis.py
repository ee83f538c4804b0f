"""The Redis StateStore: one hash per room (key ``rs:`` of ``redis_connection``'s schema) holding the version
(field ``v``) and the state as JSON (field ``s``), committed by a Lua compare-and-set on ``v``: one round trip,
and a lost race costs no WATCH/MULTI retry. The hash expires ``ttl`` seconds after the last commit (0: never).
"""

from __future__ import annotations

import msgspec

from realtimenet.backends.redis_connection import RedisConnection, guarded
from realtimenet.state.sync import RoomState

_state_decoder = msgspec.json.Decoder(RoomState)
_encode = msgspec.json.Encoder().encode

# KEYS[1]: the room's hash; ARGV: expected version, new version, state JSON, expiry in ms (0: none).
_COMPARE_AND_SET = """
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
if ARGV[4] == '0' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
"""


class RedisStateStore:
    """StateStore on a shared Redis connection."""

    def __init__(self, connection: RedisConnection, ttl: float = 0.0) -> None:
        self._conn = connection
        self._redis = connection.redis
        self._ttl_ms = int(ttl * 1000)  # a room's state outlives its last update by this
        self._compare_and_set = self._redis.register_script(_COMPARE_AND_SET)

    @guarded
    async def load_state(self, room: str) -> RoomState:
        data = await self._redis.hget(self._conn.key("rs", room), "s")
        return RoomState() if data is None else _state_decoder.decode(data)

    @guarded
    async def commit_state(self, room: str, expected_version: int, state: RoomState) -> bool:
        stored = await self._compare_and_set(keys=[self._conn.key("rs", room)],
                                             args=[expected_version, state.version, _encode(state), self._ttl_ms])
        return bool(stored)
