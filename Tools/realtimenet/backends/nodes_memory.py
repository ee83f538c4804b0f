"""The in-memory NodeDirectory: one process is one node, but the port behaves as the shared one does."""

from __future__ import annotations

import time
from collections.abc import Callable

from realtimenet.backends.expiry import sweep_expired


class MemoryNodeDirectory:
    """NodeDirectory in a dictionary; ``sweep()`` drops expired entries."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._nodes: dict[str, tuple[float, bytes]] = {}

    async def put_node(self, node_id: str, info: bytes, ttl: float) -> None:
        self._nodes[node_id] = (self._clock() + ttl, info)

    async def drop_node(self, node_id: str) -> None:
        self._nodes.pop(node_id, None)

    async def nodes(self) -> list[bytes]:
        now = self._clock()
        return [info for _, (deadline, info) in sorted(self._nodes.items()) if deadline > now]

    def sweep(self) -> int:
        """Drop expired entries; how many went."""
        return sweep_expired(self._nodes, self._clock())
