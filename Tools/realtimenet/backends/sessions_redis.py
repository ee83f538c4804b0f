"""The Redis SessionStore: session records, each player's session index and resume tokens (keys ``s:``,
``ps:`` and ``t:`` of ``redis_connection``'s schema)."""

from __future__ import annotations

import msgspec

from realtimenet.backends.redis_connection import RedisConnection, guarded
from realtimenet.backends.sessions import ResumeGrant, SessionRecord, token_key

_session_decoder = msgspec.json.Decoder(SessionRecord)
_grant_decoder = msgspec.json.Decoder(ResumeGrant)


class _IndexEntry(msgspec.Struct):
    expires_at: float


_index_decoder = msgspec.json.Decoder(_IndexEntry)
_encode = msgspec.json.Encoder().encode


class RedisSessionStore:
    """SessionStore on a shared Redis connection."""

    def __init__(self, connection: RedisConnection) -> None:
        self._conn = connection
        self._redis = connection.redis

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
        data = await self._redis.getdel(self._conn.key("t", token_key(token)))
        return None if data is None else _grant_decoder.decode(data)
