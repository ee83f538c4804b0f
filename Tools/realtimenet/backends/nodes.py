"""NodeDirectory: the live gateway nodes of a deployment, each entry written and refreshed by its own node, so
that any node can answer ``node.list`` (server API, admin console) for all of them.

An entry is the node's description as opaque JSON bytes (the gateway encodes the server API's ``NodeInfo``);
it expires unless its node refreshes it, so a killed node leaves the list within the time-to-live.
"""

from __future__ import annotations

from typing import Protocol


class NodeDirectory(Protocol):
    """Node entries with expiry."""

    async def put_node(self, node_id: str, info: bytes, ttl: float) -> None:
        """Create or refresh this node's entry for ``ttl`` seconds."""

    async def drop_node(self, node_id: str) -> None:
        """The node stopped."""

    async def nodes(self) -> list[bytes]:
        """Every live entry, by node id."""
