"""The Redis SessionStore (redis-py asyncio). Key schema, all under one prefix (docs/session-management.md):

| key | type | what | expiry |
| --- | --- | --- | --- |
| ``rtnet:{s:<session_id>}`` | string (JSON) | session record | ``sessions.ttl``, refreshed while connected |
| ``rtnet:{t:<sha256(token)>}`` | string (JSON) | resume grant, taken with GETDEL (single use) | ``sessions.ttl`` |
| ``rtnet:{p:<player_id>}`` | hash session_id -> JSON device entry | presence devices | ``presence.ttl`` per entry |
| ``rtnet:{l:<player_id>}`` | string | last seen (Unix seconds) | 30 days |
| ``rtnet:{m:<room>}`` | hash session_id -> JSON member entry | room members | ``presence.ttl`` per entry |
| ``rtnet:{r:<room>}`` | string (JSON) | room state: version, document, change log | none |

Every key holds one hash tag and no command spans two keys (the pipelines and the WATCH/MULTI of
``commit_state`` touch one key each), so the schema works unchanged on Redis Cluster. Device and room member
entries carry their own deadline (Redis 7.0 has no per-field expiry): readers skip stale ones and delete
them, and the hash itself expires when no node refreshes it.

URLs (``backends.store``):

- ``redis://[user:password@]host:port/db`` (``rediss://`` for TLS, ``unix://`` for a socket): one server,
  or a replication primary behind a virtual address;
- ``redis://[user:password@]host:port,host:port,host:port`` (several seeds) or
  ``redis://host:port?cluster=true`` (one seed): Redis Cluster through ``redis.asyncio.cluster.RedisCluster``,
  which learns the slot map from any seed and follows MOVED/ASK and failovers by itself. Cluster mode has
  database 0 only. The store also takes ``redis+cluster://`` (``rediss+cluster://``), which
  ``backends.store`` validation does not accept yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import RedisClusterException, RedisError, WatchError

from realtimenet.backends.store import DeviceEntry, PresenceRecord, ResumeGrant, SessionRecord, token_key
from realtimenet.exceptions import BackendUnavailable, ConfigError
from realtimenet.state.sync import RoomState

LAST_SEEN_TTL = 30 * 24 * 3600


class _StoredDevice(msgspec.Struct):
    expires_at: float
    entry: DeviceEntry


class _StoredMember(msgspec.Struct):
    expires_at: float
    player_id: str


_session_decoder = msgspec.json.Decoder(SessionRecord)
_grant_decoder = msgspec.json.Decoder(ResumeGrant)
_device_decoder = msgspec.json.Decoder(_StoredDevice)
_member_decoder = msgspec.json.Decoder(_StoredMember)
_state_decoder = msgspec.json.Decoder(RoomState)
_encode = msgspec.json.Encoder().encode


_TRUE = {"1", "true", "yes", "on"}
_SOCKET_TIMEOUT = 2.0


@dataclass(frozen=True)
class ClusterUrl:
    """A Redis Cluster store URL, parsed: seed nodes, credentials, TLS."""

    seeds: list[tuple[str, int]]
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_cluster_url(url: str) -> ClusterUrl | None:
    """The cluster described by ``url``, or None when it names one server (see the module docstring)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("redis", "rediss", "redis+cluster", "rediss+cluster"):
        return None
    parts = urlsplit(f"{scheme}://{rest}")
    netloc = parts.netloc
    userinfo, at, hosts = netloc.rpartition("@")
    if not at:
        userinfo, hosts = "", netloc
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    cluster = scheme.endswith("+cluster") or "," in hosts or options.pop("cluster", "").lower() in _TRUE
    if not cluster:
        return None
    if parts.path not in ("", "/", "/0"):
        raise ConfigError(f"backends.store: Redis Cluster has database 0 only, not {parts.path.lstrip('/')!r}")
    seeds = []
    for item in hosts.split(","):
        host, colon, port = item.strip().rpartition(":")
        if not colon:
            host, port = port, "6379"
        seeds.append((host.strip("[]") or "127.0.0.1", int(port)))
    username, colon, password = userinfo.partition(":")
    return ClusterUrl(seeds, unquote(username) if username else None,
                      unquote(password) if colon and password else None, scheme.startswith("rediss"))


def _connect(url: str) -> aioredis.Redis | RedisCluster:
    """A client for one server or for a cluster, by the URL."""
    spec = parse_cluster_url(url)
    if spec is None:
        return aioredis.Redis.from_url(url, socket_timeout=_SOCKET_TIMEOUT, socket_connect_timeout=_SOCKET_TIMEOUT,
                                       health_check_interval=5, retry_on_timeout=False)
    return RedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in spec.seeds],
                        username=spec.username, password=spec.password, ssl=spec.tls,
                        socket_timeout=_SOCKET_TIMEOUT, socket_connect_timeout=_SOCKET_TIMEOUT)


def _guarded(method: Any) -> Any:
    """Turn a lost Redis into BackendUnavailable (answered -32009; redis-py reconnects by itself)."""
    async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except (RedisError, RedisClusterException, OSError) as exc:
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
        self.redis: aioredis.Redis | RedisCluster = _connect(url)
        self.cluster = isinstance(self.redis, RedisCluster)

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}:{{{kind}:{name}}}"

    async def ping(self) -> bool:
        """Whether Redis answers (readiness); on a cluster, whether every primary does, i.e. every slot is
        served (during a primary's failover this is false until its replica has taken over)."""
        try:
            if isinstance(self.redis, RedisCluster):
                answers = await self.redis.ping(target_nodes=RedisCluster.PRIMARIES)
                return bool(answers) and (all(answers.values()) if isinstance(answers, dict) else True)
            return bool(await self.redis.ping())
        except (RedisError, RedisClusterException, OSError):
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

    async def _live_fields(self, key: str, decoder: msgspec.json.Decoder[Any]) -> list[Any]:
        """The entries of a hash written by ``_put_field`` whose deadline has not passed; the stale ones (a crashed
        node's) are deleted, so they are gone for everyone from now on."""
        now = self._clock()
        live, stale = [], []
        for field, data in (await self.redis.hgetall(key)).items():
            stored = decoder.decode(data)
            if stored.expires_at > now:
                live.append(stored)
            else:
                stale.append(field)
        if stale:
            await self.redis.hdel(key, *stale)
        return live

    async def _put_field(self, key: str, field: str, value: bytes, ttl: float) -> None:
        """One hash field whose entry carries its own deadline; the hash outlives its newest entry by no more."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, field, value)
            pipe.pexpire(key, int(ttl * 1000))
            await pipe.execute()

    @_guarded
    async def put_device(self, player_id: str, session_id: str, entry: DeviceEntry, ttl: float) -> None:
        await self._put_field(self._key("p", player_id), session_id,
                              _encode(_StoredDevice(self._clock() + ttl, entry)), ttl)

    @_guarded
    async def drop_device(self, player_id: str, session_id: str, last_seen: float) -> None:
        await self.redis.hdel(self._key("p", player_id), session_id)
        await self.redis.set(self._key("l", player_id), repr(last_seen), ex=LAST_SEEN_TTL)

    @_guarded
    async def presence(self, player_ids: list[str]) -> list[PresenceRecord]:
        records = []
        for player in player_ids:
            devices: list[_StoredDevice] = await self._live_fields(self._key("p", player), _device_decoder)
            seen = await self.redis.get(self._key("l", player))
            records.append(PresenceRecord(devices=[d.entry for d in devices],
                                          last_seen=float(seen) if seen is not None else None))
        return records

    @_guarded
    async def put_member(self, room: str, session_id: str, player_id: str, ttl: float) -> None:
        await self._put_field(self._key("m", room), session_id,
                              _encode(_StoredMember(self._clock() + ttl, player_id)), ttl)

    @_guarded
    async def drop_member(self, room: str, session_id: str) -> None:
        await self.redis.hdel(self._key("m", room), session_id)

    @_guarded
    async def members(self, room: str) -> list[str]:
        members: list[_StoredMember] = await self._live_fields(self._key("m", room), _member_decoder)
        return sorted({m.player_id for m in members})

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
        """Nothing to do: every key carries its own expiry, and stale devices and members go when read."""
        return 0

    async def close(self) -> None:
        await self.redis.aclose()
