"""Tracing one player's frames for the admin console (``player.trace``, ``trace.read``): opt-in per player and
bounded in time.

The node holding a traced player's connection gives it a ``FrameTracer``, which publishes each frame in and out
as a record on the trace's gateway-internal stream (``trace:<trace_id>``); the node that started the trace
follows that stream and keeps the last records in a bounded ring (``TraceCollector``), which ``trace.read``
pages through. Untraced connections pay one ``is None`` check per frame.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from realtimenet.backends.bus import Publication, constant_frame
from realtimenet.gateway.background import Background
from realtimenet.gateway.hub import Hub
from realtimenet.protocol.streams import TRACE_PREFIX, trace_stream

MAX_PAYLOAD_CHARS = 4096  # a traced frame's text is cut here (a 64 KiB state snapshot would swamp the console)
KEPT_RECORDS = 1000  # per trace, on the collecting node
KEPT_AFTER_END = 60.0  # seconds an ended trace stays readable


class TraceRecord(msgspec.Struct, kw_only=True):
    """One traced frame as it travels from the holding node to the collecting one."""

    at: float
    direction: str
    session_id: str
    node_id: str
    bytes: int
    method: str
    payload: str


class _Head(msgspec.Struct):
    method: str = ""


_head = msgspec.json.Decoder(_Head)
_record_decoder = msgspec.json.Decoder(TraceRecord)
_encode = msgspec.json.Encoder().encode


def frame_method(frame: bytes) -> str:
    """The JSON-RPC method a frame carries, ``(response)`` for a response, ``(batch)`` for a batch."""
    if frame[:1] == b"[" or frame.lstrip()[:1] == b"[":
        return "(batch)"
    try:
        return _head.decode(frame).method or "(response)"
    except msgspec.DecodeError:
        return "(malformed)"


class FrameTracer:
    """Publishes a traced connection's frames until ``until`` (wall-clock seconds)."""

    __slots__ = ("_background", "_hub", "_node_id", "_session_id", "_stream", "_wall_clock", "until")

    def __init__(self, hub: Hub, background: Background, trace_id: str, until: float, session_id: str,
                 node_id: str, wall_clock: Callable[[], float]) -> None:
        self._hub = hub
        self._background = background
        self._stream = trace_stream(trace_id)
        self.until = until
        self._session_id = session_id
        self._node_id = node_id
        self._wall_clock = wall_clock

    def __call__(self, frame: bytes, direction: str) -> None:
        now = self._wall_clock()
        if now > self.until:
            return  # the node's tick detaches it
        record = TraceRecord(at=now, direction=direction, session_id=self._session_id, node_id=self._node_id,
                             bytes=len(frame), method=frame_method(frame),
                             payload=frame[:MAX_PAYLOAD_CHARS].decode("utf-8", "replace"))
        self._background.run(self._publish(_encode(record)))

    async def _publish(self, data: bytes) -> None:
        await self._hub.publish(self._stream, constant_frame(data))


@dataclass
class CollectedTrace:
    """A trace this node started: what it has received so far."""

    trace_id: str
    player_id: str
    until: float
    records: deque[tuple[int, TraceRecord]] = field(default_factory=lambda: deque(maxlen=KEPT_RECORDS))
    seq: int = 0


class TraceCollector:
    """The traces started on this node and their records."""

    def __init__(self, hub: Hub, wall_clock: Callable[[], float]) -> None:
        self._hub = hub
        self._wall_clock = wall_clock
        self.traces: dict[str, CollectedTrace] = {}
        hub.route_internal(TRACE_PREFIX, self._on_record)

    async def open(self, player_id: str, until: float) -> CollectedTrace:
        """Start collecting a new trace (before the holding nodes are told, so no frame is missed)."""
        self.expire()
        trace = CollectedTrace(secrets.token_urlsafe(12), player_id, until)
        self.traces[trace.trace_id] = trace
        await self._hub.follow_internal(trace_stream(trace.trace_id))
        return trace

    def get(self, trace_id: str) -> CollectedTrace | None:
        self.expire()
        return self.traces.get(trace_id)

    def expire(self) -> None:
        """Forget traces that ended more than ``KEPT_AFTER_END`` seconds ago."""
        now = self._wall_clock()
        for trace in [t for t in self.traces.values() if now > t.until + KEPT_AFTER_END]:
            del self.traces[trace.trace_id]
            self._hub.unfollow_internal(trace_stream(trace.trace_id))

    def _on_record(self, trace_id: str, publication: Publication) -> None:
        trace = self.traces.get(trace_id)
        if trace is None:
            return
        trace.seq += 1
        trace.records.append((trace.seq, _record_decoder.decode(publication.frame)))
