"""This node's entry in the node directory (``node.info``, ``node.list``, the admin console's nodes and chart):
what it is, how long it has run, its connections and rooms, and the last minutes of its counters, written to
the store every ``SAMPLE_SECONDS`` so that any node can list every live node."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import msgspec

from realtimenet import PROTOCOL_VERSION, __version__
from realtimenet.backends.nodes import NodeDirectory
from realtimenet.gateway.background import Background
from realtimenet.gateway.hub import Hub
from realtimenet.gateway.metrics import NAMESPACE, Metrics
from realtimenet.protocol.server_api import NodeInfo, NodeSample
from realtimenet.protocol.streams import ROOM_PREFIX

SAMPLE_SECONDS = 5.0
KEPT_SAMPLES = 60  # five minutes
ENTRY_TTL = 3 * SAMPLE_SECONDS  # a node that stops refreshing leaves the list after this

_encode = msgspec.json.Encoder().encode
_info_decoder = msgspec.json.Decoder(NodeInfo)


class NodeReporter:
    """Samples this node's counters and keeps its directory entry fresh."""

    def __init__(self, node_id: str, directory: NodeDirectory, hub: Hub, metrics: Metrics, background: Background,
                 wall_clock: Callable[[], float], connections: Callable[[], tuple[int, int]]) -> None:
        self.node_id = node_id
        self._directory = directory
        self._hub = hub
        self._metrics = metrics
        self._background = background
        self._wall_clock = wall_clock
        self._connections = connections  # (connections, players) now
        self.started_at = wall_clock()
        self.samples: deque[NodeSample] = deque(maxlen=KEPT_SAMPLES)
        self._last_sample = 0.0
        self.readiness: Callable[[], bool] = lambda: True  # the socket layer says what /readyz says
        self.draining = False

    def _counter(self, name: str) -> int:
        value = self._metrics.registry.get_sample_value(f"{NAMESPACE}_{name}_total")
        return int(value or 0)

    def info(self) -> NodeInfo:
        """This node, now."""
        now = self._wall_clock()
        connections, players = self._connections()
        rooms = sum(1 for stream in self._hub.local if stream.startswith(ROOM_PREFIX))
        return NodeInfo(node_id=self.node_id, version=__version__, protocol_version=PROTOCOL_VERSION,
                        started_at=self.started_at, uptime=round(now - self.started_at, 3), connections=connections,
                        players=players, rooms=rooms, ready=self.readiness() and not self.draining,
                        draining=self.draining, updated_at=now, samples=list(self.samples))

    def tick(self) -> None:
        """Every ``SAMPLE_SECONDS`` (from the node's tick, after the metrics were folded): sample, then write the
        entry."""
        now = self._wall_clock()
        if now - self._last_sample < SAMPLE_SECONDS:
            return
        self._last_sample = now
        self.samples.append(NodeSample(at=now, connections=self._connections()[0],
                                       frames_in=self._counter("frames_received"),
                                       frames_out=self._counter("frames_sent")))
        self._background.run(self._directory.put_node(self.node_id, _encode(self.info()), ENTRY_TTL))

    async def publish_now(self) -> None:
        """Write the entry at once (at start, so a new node is listed before its first sample is due)."""
        await self._directory.put_node(self.node_id, _encode(self.info()), ENTRY_TTL)

    async def withdraw(self) -> None:
        """The node stops: take its entry out."""
        await self._directory.drop_node(self.node_id)

    async def cluster(self) -> list[NodeInfo]:
        """Every live node's entry (this one's as of now)."""
        nodes = [_info_decoder.decode(entry) for entry in await self._directory.nodes()]
        own = self.info()
        return sorted([own, *(n for n in nodes if n.node_id != self.node_id)], key=lambda n: n.node_id)
