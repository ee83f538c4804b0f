"""The Redis SessionStore: session records and resume tokens (keys ``s:`` and ``t:`` of
``redis_connection``'s schema)."""

from __future__ import annotations

import msgspec

from realtimenet.backends.redis_connection import RedisConnection, guarded
from realtimenet.backends.sessions import ResumeGrant, SessionRecord, token_key

_session_decoder = msgspec.json.Decoder(SessionRecord)
_grant_decoder = msgspec.json.Decoder(ResumeGrant)
_encode = msgspec.json.Encoder().encode


class RedisSessionStore:
    """SessionStore on a shared Redis connection."""

    def __init__(self, connection: RedisConnection) -> None:
        self._conn = connection
        self._redis = connection.redis

    @guarded
    async def save_session(self, record: SessionRecord, ttl: float) -> None:
        await self._redis.set(self._conn.key("s", record.session_id), _encode(record), px=int(ttl * 1000))

    @guarded
    async def load_session(self, session_id: str) -> SessionRecord | None:
        data = await self._redis.get(self._conn.key("s", session_id))
        return None if data is None else _session_decoder.decode(data)

    @guarded
    async def delete_session(self, session_id: str) -> None:
        await self._redis.delete(self._conn.key("s", session_id))

    @guarded
    async def put_resume_token(self, token: str, grant: ResumeGrant, ttl: float) -> None:
        await self._redis.set(self._conn.key("t", token_key(token)), _encode(grant), px=int(ttl * 1000))

    @guarded
    async def take_resume_token(self, token: str) -> ResumeGrant | None:
        data = await self._redis.getdel(self._conn.key("t", token_key(token)))
        return None if data is None else _grant_decoder.decode(data)
