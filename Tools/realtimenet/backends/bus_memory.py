"""The in-process EventBus: one ring of history per stream, delivery by direct call. Needs nothing else,
so ``make run`` works anywhere; it spans one process only.

History is bounded three ways (docs/security.md gives the formula): at most ``history_size`` publications
per stream, none older than ``max_age`` seconds, and at most ``max_bytes`` of frames in all streams
together: past that budget the oldest publications of the least recently published streams go first. A
client whose missed publications went gets ``recovered: false`` and reloads, never a partial replay.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from realtimenet.backends.bus import (
    FrameBuilder,
    HistoryGap,
    Listener,
    Position,
    Publication,
    ServerPublicationHandler,
)
from realtimenet.protocol.streams import RESUMABLE_PREFIXES


class _Stream:
    __slots__ = ("bytes", "epoch", "offset", "ring")

    def __init__(self) -> None:
        self.epoch = secrets.token_hex(4)
        self.offset = 0
        self.ring: deque[Publication] = deque()
        self.bytes = 0


class MemoryBus:
    """EventBus for a single process."""

    def __init__(self, history_size: int = 1000, max_streams: int = 100_000, max_bytes: int = 256 << 20,
                 max_age: float = 600.0, clock: Callable[[], float] = time.time) -> None:
        self._history_size = history_size
        self._max_streams = max_streams
        self._max_bytes = max_bytes
        self._max_age = max_age
        self._clock = clock
        self._streams: OrderedDict[str, _Stream] = OrderedDict()  # least recently published first
        self._bytes = 0  # frames held in every ring
        self._subscribed: set[str] = set()
        self._listener: Listener | None = None

    @property
    def history_bytes(self) -> int:
        """Frame bytes held in history now (at most ``max_bytes``)."""
        return self._bytes

    def __len__(self) -> int:
        """Streams remembered (at most ``max_streams``)."""
        return len(self._streams)

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
                        self._bytes -= self._streams.pop(old).bytes
                        break
            stream = self._streams[name] = _Stream()
        return stream

    def _drop_history(self, stream: _Stream, count: int) -> None:
        """Forget the ``count`` oldest publications of ``stream``."""
        for _ in range(min(count, len(stream.ring))):
            size = len(stream.ring.popleft().frame)
            stream.bytes -= size
            self._bytes -= size

    def _expire(self, stream: _Stream, now: float) -> None:
        ring = stream.ring
        deadline = now - self._max_age
        expired = 0
        for pub in ring:
            if pub.published_at > deadline:
                break
            expired += 1
        if expired:
            self._drop_history(stream, expired)

    def _keep_within_budget(self) -> None:
        for stream in self._streams.values():  # least recently published first
            if self._bytes <= self._max_bytes:
                return
            while stream.ring and self._bytes > self._max_bytes:
                self._drop_history(stream, 1)

    async def publish(self, stream: str, build: FrameBuilder) -> Publication:
        state = self._stream(stream)
        self._streams.move_to_end(stream)
        state.offset += 1
        now = self._clock()
        publication = Publication(stream, state.epoch, state.offset, build(state.epoch, state.offset), now)
        if not stream.startswith(RESUMABLE_PREFIXES):  # internal streams (state records, presence) keep no history
            if stream in self._subscribed and self._listener is not None:
                self._listener(publication)
            return publication
        if len(state.ring) >= self._history_size:
            self._drop_history(state, len(state.ring) - self._history_size + 1)
        state.ring.append(publication)
        state.bytes += len(publication.frame)
        self._bytes += len(publication.frame)
        self._expire(state, now)
        self._keep_within_budget()
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
        self._expire(state, self._clock())
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
