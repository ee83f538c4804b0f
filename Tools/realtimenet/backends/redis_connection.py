"""One Redis connection (redis-py asyncio) shared by the Redis stores. Key schema, all under one prefix
(docs/session-management.md):

| key | type | what | store | expiry |
| --- | --- | --- | --- | --- |
| ``rtnet:{s:<session_id>}`` | string (JSON) | session record | sessions | ``sessions.ttl``, refreshed while connected |
| ``rtnet:{t:<sha256(token)>}`` | string (JSON) | resume grant, taken with GETDEL | sessions | ``sessions.ttl`` |
| ``rtnet:{ps:<player_id>}`` | hash: session -> deadline | the player's sessions | sessions | ``sessions.ttl`` each |
| ``rtnet:{p:<player_id>}`` | hash: session -> device (JSON) | devices | presence | ``presence.ttl`` per entry |
| ``rtnet:{l:<player_id>}`` | string | last seen (Unix seconds) | presence | ``presence.last_seen_ttl`` |
| ``rtnet:{m:<room>}`` | hash: session -> member (JSON) | room members | presence | ``presence.ttl`` per entry |
| ``rtnet:{rooms}`` | sorted set (by name) | rooms with members (``room.list``) | presence | pruned when empty |
| ``rtnet:{nodes}`` | hash: node id -> info (JSON) | live gateway nodes | nodes | 15 s per entry |
| ``rtnet:{rs:<room>}`` | hash: ``v``, ``s`` | room state: version; JSON (document, log) | state | ``state.ttl`` |

Every key holds one hash tag and no command spans two keys (the pipelines and the Lua compare-and-set of
``commit_state`` touch one key each), so the schema works unchanged on Redis Cluster.

URLs (``backends.store``):

- ``redis://[user:password@]host:port/db`` (``rediss://`` for TLS, ``unix://`` for a socket): one server,
  or a replication primary behind a virtual address;
- ``redis://[user:password@]host:port,host:port,host:port`` (several seeds), ``redis://host:port?cluster=true``
  (one seed) or ``redis+cluster://`` (``rediss+cluster://``): Redis Cluster through
  ``redis.asyncio.cluster.RedisCluster``, which learns the slot map from any seed and follows MOVED/ASK and
  failovers by itself. Cluster mode has database 0 only.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import RedisClusterException, RedisError, WatchError

from realtimenet.exceptions import BackendUnavailable, ConfigError

_TRUE = {"1", "true", "yes", "on"}
_SOCKET_TIMEOUT = 2.0
_POOL_SIZE = 64  # connections to one Redis server per node (``?max_connections=`` in the URL overrides it)


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


P = ParamSpec("P")
R = TypeVar("R")


def guarded(method: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Turn a lost Redis into BackendUnavailable (answered -32009; redis-py reconnects by itself)."""
    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except (RedisError, RedisClusterException, OSError) as exc:
            if isinstance(exc, WatchError):
                raise
            raise BackendUnavailable("store", str(exc) or type(exc).__name__) from None
    return call


class RedisConnection:
    """The client for one server or a cluster (by the URL), the key prefix and the wall clock the stores
    share; ``clock`` gives wall-clock seconds (entry deadlines are compared by every node)."""

    def __init__(self, url: str, prefix: str = "rtnet", clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.prefix = prefix
        self.clock = clock
        spec = parse_cluster_url(url)
        self.redis: aioredis.Redis | RedisCluster
        if spec is None:
            # A blocking pool: past ``max_connections`` in use, a command waits up to ``timeout`` for one to
            # come back (then -32009) rather than failing at once, as the default pool does.
            pool = aioredis.BlockingConnectionPool.from_url(
                url, max_connections=_POOL_SIZE, timeout=_SOCKET_TIMEOUT, socket_timeout=_SOCKET_TIMEOUT,
                socket_connect_timeout=_SOCKET_TIMEOUT, health_check_interval=5, retry_on_timeout=False)
            self.redis = aioredis.Redis.from_pool(pool)  # which closes it with the client
        else:
            self.redis = RedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in spec.seeds],
                                      username=spec.username, password=spec.password, ssl=spec.tls,
                                      socket_timeout=_SOCKET_TIMEOUT, socket_connect_timeout=_SOCKET_TIMEOUT)
        self.cluster = isinstance(self.redis, RedisCluster)

    def key(self, kind: str, name: str) -> str:
        """``<prefix>:{<kind>:<name>}``: one hash tag per key, so every key lives in one cluster slot."""
        return f"{self.prefix}:{{{kind}:{name}}}"

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

    def sweep(self) -> int:
        """Nothing to do: every key carries its own expiry, and stale entries go when read."""
        return 0

    async def close(self) -> None:
        await self.redis.aclose()

    # Hashes whose fields carry their own deadline (Redis 7.0 has no per-field expiry) -------------------

    async def live_fields(self, key: str, decode: Callable[[bytes | str], Any]) -> list[Any]:
        """The entries of a hash written by ``put_field`` whose deadline has not passed; the stale ones (a
        crashed node's) are deleted, so they are gone for everyone from now on."""
        now = self.clock()
        live, stale = [], []
        for field, data in (await self.redis.hgetall(key)).items():
            stored = decode(data)
            if stored.expires_at > now:
                live.append(stored)
            else:
                stale.append(field)
        if stale:
            await self.redis.hdel(key, *stale)
        return live

    async def live_field_names(self, key: str, decode: Callable[[bytes | str], Any]) -> list[str]:
        """``live_fields``, but the names of the live fields."""
        now = self.clock()
        live: list[str] = []
        stale: list[str] = []
        for field, data in (await self.redis.hgetall(key)).items():
            name = field.decode() if isinstance(field, bytes) else str(field)
            (live if decode(data).expires_at > now else stale).append(name)
        if stale:
            await self.redis.hdel(key, *stale)
        return live

    async def put_field(self, key: str, field: str, value: bytes, ttl: float) -> None:
        """One hash field whose entry carries its own deadline; the hash outlives its newest entry by no more."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, field, value)
            pipe.pexpire(key, int(ttl * 1000))
            await pipe.execute()
