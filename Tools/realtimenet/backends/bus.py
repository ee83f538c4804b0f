"""EventBus: resumable streams with an epoch and an offset, their history, and fan-out to nodes.

A stream ("room:lobby", "player:alice") is an append-only sequence of publications. Each publication
gets the next offset (1, 2, 3, ...) of its stream and carries the stream's epoch; the epoch changes when
the stream's history is lost (a restart of an in-memory bus, an expired or recreated backend stream), so
a client that presents an old epoch is told to reload instead of being replayed a wrong history.

The publication's wire frame is encoded exactly once, by the bus, after the offset is known; history
keeps that frame and every subscriber on every node receives those same bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Position:
    """Where a stream is: its epoch and the offset of its last publication (0 when empty)."""

    epoch: str
    offset: int


@dataclass(frozen=True, slots=True)
class Publication:
    """One publication: its stream, position and the encoded notification frame sent to clients."""

    stream: str
    epoch: str
    offset: int
    frame: bytes
    published_at: float = 0.0  # wall-clock seconds when the bus accepted it (0: unknown, e.g. replayed)


FrameBuilder = Callable[[str, int], bytes]
"""Builds a publication's wire frame from its epoch and offset (called once per publication)."""

Listener = Callable[[Publication], None]


def constant_frame(frame: bytes) -> FrameBuilder:
    """A builder for frames that do not carry the stream position (state records, presence changes)."""
    return lambda _epoch, _offset: frame


@dataclass(frozen=True, slots=True)
class ServerPublication:
    """A backend service asks, through the bus's own transport (NATS ``<prefix>.publish.…``), to publish
    ``body`` (JSON ``{"from": …, "data": …}``) into ``stream``. The node checks and publishes it; a request
    the transport could not read (``refused`` says why) is answered with an error and counted."""

    stream: str
    body: bytes
    refused: str = ""


ServerPublicationHandler = Callable[[ServerPublication], Awaitable[dict[str, Any]]]
"""Publishes a ServerPublication; returns the JSON-able answer for the backend service (the stream's new
position, or ``{"error": reason, ...}``)."""


class HistoryGap(Exception):
    """The requested range cannot be replayed exactly: another epoch, or older than the history kept."""


class EventBus(Protocol):
    """Streams with offsets, history and cross-node fan-out."""

    async def publish(self, stream: str, build: FrameBuilder) -> Publication:
        """Append to ``stream``: assign the next offset, encode the frame once, keep it in history and
        deliver it to every subscriber of the stream on every node."""

    async def subscribe(self, stream: str) -> None:
        """Start delivering ``stream``'s publications to this node's listener."""

    async def unsubscribe(self, stream: str) -> None:
        """Stop delivering ``stream`` to this node."""

    async def position(self, stream: str) -> Position:
        """The stream's epoch and last offset. An empty stream's epoch may differ from the one its first
        publication gets (NATS starts every run of offsets, after the history of a subject aged out, under a
        new epoch); clients adopt the epoch the publications carry."""

    async def history(self, stream: str, epoch: str, after: int) -> list[Publication]:
        """Every publication with offset > ``after``, in order; raises HistoryGap unless that is exact."""

    def set_listener(self, listener: Listener) -> None:
        """Where this node's deliveries go (the node dispatches them to its local subscribers)."""

    async def start(self, on_server_publication: ServerPublicationHandler) -> None:
        """Connect (in the background if the backend is down: the node starts anyway) and accept backend
        services' publications, if the bus has a transport for them, handing each to
        ``on_server_publication``."""

    async def ping(self) -> bool:
        """Whether the bus answers now (readiness)."""

    async def close(self) -> None:
        """Release connections."""
