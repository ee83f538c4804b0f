"""Commands from the server API to every node (``control:nodes``, a gateway-internal stream of
protocol/openrpc.json ``x-streams``): a call may land on any node, and the node holding the player's sockets
acts. Each node follows the stream from its start; the bus fans the commands out (NATS across a cluster, a
direct call on the embedded bus)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec

from realtimenet.backends.bus import Publication, constant_frame
from realtimenet.gateway.background import Background
from realtimenet.gateway.connection import Connection
from realtimenet.gateway.hub import Hub
from realtimenet.gateway.registry import ConnectionRegistry
from realtimenet.gateway.sessions import SessionKeeper
from realtimenet.gateway.trace import FrameTracer
from realtimenet.protocol.streams import CONTROL_PREFIX, control_stream

log = logging.getLogger("realtimenet.control")

NODES = control_stream("nodes")


class Disconnect(msgspec.Struct, tag="disconnect", kw_only=True):
    """Close every connection of ``player_id``; with ``revoke``, delete their sessions first."""

    player_id: str
    code: int
    reason: str
    revoke: bool = False


class Trace(msgspec.Struct, tag="trace", kw_only=True):
    """Mirror ``player_id``'s frames to ``trace_id``'s stream until ``until`` (wall-clock seconds)."""

    player_id: str
    trace_id: str
    until: float


Command = Disconnect | Trace
_command_decoder = msgspec.json.Decoder(Command)
_encode = msgspec.json.Encoder().encode


class NodeControl:
    """Sends commands to every node, and carries them out on this one."""

    def __init__(self, hub: Hub, registry: ConnectionRegistry[Connection], sessions: SessionKeeper,
                 background: Background, node_id: str, wall_clock: Callable[[], float]) -> None:
        self._hub = hub
        self._registry = registry
        self._sessions = sessions
        self._background = background
        self._node_id = node_id
        self._wall_clock = wall_clock
        self.traces: dict[str, Trace] = {}  # player -> the trace their connections (new ones too) feed
        hub.route_internal(CONTROL_PREFIX, self._on_command)

    async def start(self) -> None:
        """Follow ``control:nodes`` (at the node's start)."""
        await self._hub.follow_internal(NODES)

    async def send(self, command: Command) -> None:
        """Tell every node, this one included."""
        await self._hub.publish(NODES, constant_frame(_encode(command)))

    def _on_command(self, _key: str, publication: Publication) -> None:
        try:
            command = _command_decoder.decode(publication.frame)
        except msgspec.DecodeError as exc:  # a newer node's command: nothing to do here
            log.warning("ignored a control command: %s", exc)
            return
        if isinstance(command, Disconnect):
            connections = self._registry.of_player(command.player_id)
            if connections:
                self._background.run(self._disconnect(command, connections))
        else:
            self.traces[command.player_id] = command
            for conn in self._registry.of_player(command.player_id):
                self.adopt(conn)

    async def _disconnect(self, command: Disconnect, connections: list[Connection]) -> None:
        if command.revoke:  # before the close: a client reconnecting at once must find no session to resume
            for conn in connections:
                await self._sessions.store.delete_session(conn.session_id)
        for conn in connections:
            conn.close(command.code, command.reason)
        log.info("disconnected player %s (%d connections, code %d, revoke=%s)", command.player_id,
                 len(connections), command.code, command.revoke)

    def adopt(self, conn: Connection) -> None:
        """Trace a connection (new or existing) of a traced player."""
        trace = self.traces.get(conn.principal.player_id)
        if trace is not None and trace.until > self._wall_clock():
            conn.tracer = FrameTracer(self._hub, self._background, trace.trace_id, trace.until, conn.session_id,
                                      self._node_id, self._wall_clock)

    def tick(self) -> None:
        """End traces whose time is up (from the node's tick)."""
        now = self._wall_clock()
        for player in [p for p, t in self.traces.items() if t.until <= now]:
            del self.traces[player]
            for conn in self._registry.of_player(player):
                conn.tracer = None
