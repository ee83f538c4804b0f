"""Every NodeDirectory behaves the same: the in-memory one and Redis (a real redis-server)."""

from __future__ import annotations

from realtimenet.backends.registry import Stores
from tests.backend_fixtures import Clock, run


def test_nodes_are_listed_by_id_until_they_stop_or_stop_refreshing(stores: tuple[Stores, Clock]) -> None:
    backend, clock = stores
    nodes = backend.nodes

    async def scenario() -> None:
        await nodes.put_node("node-b", b'{"node_id":"node-b","connections":2}', 10)
        await nodes.put_node("node-a", b'{"node_id":"node-a"}', 10)
        await nodes.put_node("node-c", b'{"node_id":"node-c"}', 10)
        assert await nodes.nodes() == [b'{"node_id":"node-a"}', b'{"node_id":"node-b","connections":2}',
                                       b'{"node_id":"node-c"}']
        await nodes.drop_node("node-c")  # stopped
        clock.now += 6
        await nodes.put_node("node-a", b'{"node_id":"node-a","connections":1}', 10)  # a refreshes, b was killed
        clock.now += 6
        backend.connection.sweep()
        assert await nodes.nodes() == [b'{"node_id":"node-a","connections":1}']
        await backend.connection.close()

    run(scenario())
