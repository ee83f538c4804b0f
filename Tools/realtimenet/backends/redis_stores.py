"""Registry factory of ``redis://`` (and its sibling schemes): the three Redis stores on one connection."""

from __future__ import annotations

from realtimenet.backends.nodes_redis import RedisNodeDirectory
from realtimenet.backends.presence_redis import RedisPresenceStore
from realtimenet.backends.redis_connection import RedisConnection
from realtimenet.backends.registry import BackendOptions, Stores
from realtimenet.backends.sessions_redis import RedisSessionStore
from realtimenet.backends.state_redis import RedisStateStore


def redis_stores(connection: RedisConnection, options: BackendOptions | None = None) -> Stores:
    """Sessions, presence, room state and the node directory sharing ``connection``."""
    options = options or BackendOptions()
    return Stores(sessions=RedisSessionStore(connection),
                  presence=RedisPresenceStore(connection, options.last_seen_ttl),
                  state=RedisStateStore(connection, options.state_ttl), nodes=RedisNodeDirectory(connection),
                  connection=connection)


def open_stores(url: str, options: BackendOptions) -> Stores:
    return redis_stores(RedisConnection(url, prefix=options.prefix), options)
