"""The in-process EventBus: one ring of history per stream, delivery by direct call. Needs nothing else,
so ``make run`` works anywhere; it spans one process only."""

from __future__ import annotations

import secrets
import time
from collections import deque

from realtimenet.backends.bus import (
    FrameBuilder,
    HistoryGap,
    Listener,
    Position,
    Publication,
    ServerPublicationHandler,
)


class _Stream:
    __slots__ = ("epoch", "offset", "ring")

    def __init__(self, window: int) -> None:
        self.epoch = secrets.token_hex(4)
        self.offset = 0
        self.ring: deque[Publication] = deque(maxlen=window)


class MemoryBus:
    """EventBus for a single process; ``history_size`` publications are kept per stream."""

    def __init__(self, history_size: int = 1000, max_streams: int = 100_000) -> None:
        self._history_size = history_size
        self._max_streams = max_streams
        self._streams: dict[str, _Stream] = {}
        self._subscribed: set[str] = set()
        self._listener: Listener | None = None

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    async def start(self, on_server_publication: ServerPublicationHandler) -> None:
        """Nothing to connect; in-process, backend services publish through the node itself."""

    def _stream(self, name: str) -> _Stream:
        stream = self._streams.get(name)
        if stream is None:
            if len(self._streams) >= self._max_streams:
                # Forget the oldest idle stream; anyone resuming it gets a new epoch, never a wrong replay.
                for old in self._streams:
                    if old not in self._subscribed:
                        del self._streams[old]
                        break
            stream = self._streams[name] = _Stream(self._history_size)
        return stream

    async def publish(self, stream: str, build: FrameBuilder) -> Publication:
        state = self._stream(stream)
        state.offset += 1
        publication = Publication(stream, state.epoch, state.offset, build(state.epoch, state.offset), time.time())
        state.ring.append(publication)
        if stream in self._subscribed and self._listener is not None:
            self._listener(publication)
        return publication

    async def subscribe(self, stream: str) -> None:
        self._subscribed.add(stream)

    async def unsubscribe(self, stream: str) -> None:
        self._subscribed.discard(stream)

    async def position(self, stream: str) -> Position:
        state = self._stream(stream)
        return Position(state.epoch, state.offset)

    async def history(self, stream: str, epoch: str, after: int) -> list[Publication]:
        state = self._stream(stream)
        if epoch != state.epoch or after > state.offset:
            raise HistoryGap(f"{stream}: epoch {epoch!r} offset {after} is not in this history")
        missed = state.offset - after
        if missed == 0:
            return []
        if missed > len(state.ring):
            raise HistoryGap(f"{stream}: {missed} missed, {len(state.ring)} kept")
        return list(state.ring)[-missed:]

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._subscribed.clear()
