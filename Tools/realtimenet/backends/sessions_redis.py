"""The Redis SessionStore: session records, each player's session index and resume tokens (keys ``s:``,
``ps:`` and ``t:`` of ``redis_connection``'s schema). A token is taken by a Lua script, not GETDEL, so that a take
whose reply was lost can be retried (see ``SessionStore.take_resume_token``)."""

from __future__ import annotations

import msgspec

from realtimenet.backends.redis_connection import RedisConnection, guarded
from realtimenet.backends.sessions import TAKE_REPEAT_GRACE, ResumeGrant, SessionRecord, token_key

_session_decoder = msgspec.json.Decoder(SessionRecord)
_grant_decoder = msgspec.json.Decoder(ResumeGrant)


# KEYS[1]: the token's key; ARGV[1]: the repeat grace in ms. A token's value is its grant, or "taken:<grant>" once
# taken: then it answers the same for the grace (a take whose reply was lost is retried) until it is deleted.
_TAKE = """
local value = redis.call('GET', KEYS[1])
if not value then
  return false
end
if string.sub(value, 1, 6) == 'taken:' then
  return string.sub(value, 7)
end
redis.call('SET', KEYS[1], 'taken:' .. value, 'PX', ARGV[1])
return value
"""


class _IndexEntry(msgspec.Struct):
    expires_at: float


_index_decoder = msgspec.json.Decoder(_IndexEntry)
_encode = msgspec.json.Encoder().encode


class RedisSessionStore:
    """SessionStore on a shared Redis connection."""

    def __init__(self, connection: RedisConnection) -> None:
        self._conn = connection
        self._redis = connection.redis
        self._take = self._redis.register_script(_TAKE)

    @guarded
    async def save_session(self, record: SessionRecord, ttl: float) -> None:
        await self._redis.set(self._conn.key("s", record.session_id), _encode(record), px=int(ttl * 1000))
        await self._conn.put_field(self._conn.key("ps", record.player_id), record.session_id,
                                   _encode(_IndexEntry(self._conn.clock() + ttl)), ttl)

    @guarded
    async def load_session(self, session_id: str) -> SessionRecord | None:
        data = await self._redis.get(self._conn.key("s", session_id))
        return None if data is None else _session_decoder.decode(data)

    @guarded
    async def delete_session(self, session_id: str) -> None:
        await self._redis.delete(self._conn.key("s", session_id))

    @guarded
    async def sessions_of(self, player_id: str) -> list[SessionRecord]:
        index = self._conn.key("ps", player_id)
        records, gone = [], []
        for field in sorted(await self._conn.live_field_names(index, _index_decoder.decode)):
            data = await self._redis.get(self._conn.key("s", field))
            record = None if data is None else _session_decoder.decode(data)
            if record is None or record.player_id != player_id:
                gone.append(field)  # deleted (ended, revoked) or expired before its index entry
            else:
                records.append(record)
        if gone:
            await self._redis.hdel(index, *gone)
        return records

    @guarded
    async def put_resume_token(self, token: str, grant: ResumeGrant, ttl: float) -> None:
        await self._redis.set(self._conn.key("t", token_key(token)), _encode(grant), px=int(ttl * 1000))

    @guarded
    async def take_resume_token(self, token: str) -> ResumeGrant | None:
        data = await self._take(keys=[self._conn.key("t", token_key(token))], args=[int(TAKE_REPEAT_GRACE * 1000)])
        return None if data is None else _grant_decoder.decode(data)

    @guarded
    async def forget_resume_token(self, token: str) -> None:
        await self._redis.delete(self._conn.key("t", token_key(token)))
