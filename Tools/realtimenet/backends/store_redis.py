"""The Redis SessionStore (redis-py asyncio). Key schema, all under one prefix (docs/session-management.md):

| key | type | what | expiry |
| --- | --- | --- | --- |
| ``rtnet:{s:<session_id>}`` | string (JSON) | session record | ``sessions.ttl``, refreshed while connected |
| ``rtnet:{t:<sha256(token)>}`` | string (JSON) | resume grant, taken with GETDEL (single use) | ``sessions.ttl`` |
| ``rtnet:{p:<player_id>}`` | hash session_id -> JSON device entry | presence devices | ``presence.ttl`` per entry |
| ``rtnet:{l:<player_id>}`` | string | last seen (Unix seconds) | 30 days |
| ``rtnet:{r:<room>}`` | string (JSON) | room state: version, document, change log | none |

Every key holds one hash tag and no command spans two keys, so the schema works unchanged on Redis
Cluster. Device entries carry their own deadline (Redis 7.0 has no per-field expiry): readers skip
stale ones and delete them, and the hash itself expires when no node refreshes it.
"""

from __future__ import annotations

from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError, WatchError

from realtimenet.backends.store import DeviceEntry, PresenceRecord, ResumeGrant, SessionRecord, token_key
from realtimenet.exceptions import BackendUnavailable
from realtimenet.state.sync import RoomState

LAST_SEEN_TTL = 30 * 24 * 3600


class _StoredDevice(msgspec.Struct):
    expires_at: float
    entry: DeviceEntry


_session_decoder = msgspec.json.Decoder(SessionRecord)
_grant_decoder = msgspec.json.Decoder(ResumeGrant)
_device_decoder = msgspec.json.Decoder(_StoredDevice)
_state_decoder = msgspec.json.Decoder(RoomState)
_encode = msgspec.json.Encoder().encode


def _guarded(method: Any) -> Any:
    """Turn a lost Redis into BackendUnavailable (answered -32009; redis-py reconnects by itself)."""
    async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except (RedisError, OSError) as exc:
            if isinstance(exc, WatchError):
                raise
            raise BackendUnavailable("store", str(exc) or type(exc).__name__) from None
    call.__name__, call.__doc__ = method.__name__, method.__doc__
    return call


class RedisSessionStore:
    """SessionStore on Redis; ``clock`` gives wall-clock seconds (device deadlines are shared by nodes)."""

    def __init__(self, url: str, prefix: str = "rtnet", clock: Any = None) -> None:
        import time

        self.url = url
        self._prefix = prefix
        self._clock = clock or time.time
        self.redis: aioredis.Redis = aioredis.Redis.from_url(
            url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=5,
            retry_on_timeout=False)

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}:{{{kind}:{name}}}"

    async def ping(self) -> bool:
        """Whether Redis answers (readiness)."""
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    @_guarded
    async def save_session(self, record: SessionRecord, ttl: float) -> None:
        await self.redis.set(self._key("s", record.session_id), _encode(record), px=int(ttl * 1000))

    @_guarded
    async def load_session(self, session_id: str) -> SessionRecord | None:
        data = await self.redis.get(self._key("s", session_id))
        return None if data is None else _session_decoder.decode(data)

    @_guarded
    async def delete_session(self, session_id: str) -> None:
        await self.redis.delete(self._key("s", session_id))

    @_guarded
    async def put_resume_token(self, token: str, grant: ResumeGrant, ttl: float) -> None:
        await self.redis.set(self._key("t", token_key(token)), _encode(grant), px=int(ttl * 1000))

    @_guarded
    async def take_resume_token(self, token: str) -> ResumeGrant | None:
        data = await self.redis.getdel(self._key("t", token_key(token)))
        return None if data is None else _grant_decoder.decode(data)

    @_guarded
    async def put_device(self, player_id: str, session_id: str, entry: DeviceEntry, ttl: float) -> None:
        key = self._key("p", player_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, session_id, _encode(_StoredDevice(self._clock() + ttl, entry)))
            pipe.pexpire(key, int(ttl * 1000))
            await pipe.execute()

    @_guarded
    async def drop_device(self, player_id: str, session_id: str, last_seen: float) -> None:
        await self.redis.hdel(self._key("p", player_id), session_id)
        await self.redis.set(self._key("l", player_id), repr(last_seen), ex=LAST_SEEN_TTL)

    @_guarded
    async def presence(self, player_ids: list[str]) -> list[PresenceRecord]:
        now = self._clock()
        records = []
        for player in player_ids:
            key = self._key("p", player)
            raw = await self.redis.hgetall(key)
            live: list[tuple[bytes | str, DeviceEntry]] = []
            stale: list[tuple[bytes | str, DeviceEntry]] = []
            for session_id, data in raw.items():
                stored = _device_decoder.decode(data)
                (live if stored.expires_at > now else stale).append((session_id, stored.entry))
            if stale:  # a crashed node's devices: gone for everyone from now on
                await self.redis.hdel(key, *(s for s, _ in stale))
            seen = await self.redis.get(self._key("l", player))
            records.append(PresenceRecord(devices=[e for _, e in live],
                                          last_seen=float(seen) if seen is not None else None))
        return records

    @_guarded
    async def load_state(self, room: str) -> RoomState:
        data = await self.redis.get(self._key("r", room))
        return RoomState() if data is None else _state_decoder.decode(data)

    @_guarded
    async def commit_state(self, room: str, expected_version: int, state: RoomState) -> bool:
        key = self._key("r", room)
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                data = await pipe.get(key)
                current = 0 if data is None else _state_decoder.decode(data).version
                if current != expected_version:
                    await pipe.unwatch()
                    return False
                pipe.multi()
                pipe.set(key, _encode(state))
                await pipe.execute()
                return True
            except WatchError:
                return False

    def sweep(self) -> int:
        """Nothing to do: every key carries its own expiry, and stale devices go when read."""
        return 0

    async def close(self) -> None:
        await self.redis.aclose()
