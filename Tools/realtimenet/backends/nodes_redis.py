"""The Redis NodeDirectory: one hash (key ``{nodes}`` of ``redis_connection``'s schema), a field per node whose
entry carries its own deadline."""

from __future__ import annotations

import msgspec

from realtimenet.backends.redis_connection import RedisConnection, guarded


class _StoredNode(msgspec.Struct):
    expires_at: float
    node_id: str
    info: msgspec.Raw


_node_decoder = msgspec.json.Decoder(_StoredNode)
_encode = msgspec.json.Encoder().encode


class RedisNodeDirectory:
    """NodeDirectory on a shared Redis connection."""

    def __init__(self, connection: RedisConnection) -> None:
        self._conn = connection
        self._redis = connection.redis
        self._key = f"{connection.prefix}:{{nodes}}"

    @guarded
    async def put_node(self, node_id: str, info: bytes, ttl: float) -> None:
        entry = _StoredNode(self._conn.clock() + ttl, node_id, msgspec.Raw(info))
        await self._conn.put_field(self._key, node_id, _encode(entry), ttl)

    @guarded
    async def drop_node(self, node_id: str) -> None:
        await self._redis.hdel(self._key, node_id)

    @guarded
    async def nodes(self) -> list[bytes]:
        entries: list[_StoredNode] = await self._conn.live_fields(self._key, _node_decoder.decode)
        return [bytes(entry.info) for entry in sorted(entries, key=lambda e: e.node_id)]
