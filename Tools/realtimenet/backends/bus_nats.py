"""The NATS EventBus: JetStream keeps each resumable stream's history, and fans it out in order.

Subjects (the full layout is in docs/integration-guide.md): a resumable stream (``room:lobby``,
``player:alice``) is stored on ``<prefix>.s.<base64url(name)>`` in the JetStream stream
``<PREFIX>_EVENTS`` (``max_msgs_per_subject`` = the history window); internal streams (``state:``,
``presence:``) travel on core NATS ``<prefix>.i.<base64url(name)>``; backend services publish on
``<prefix>.publish.room.<room>`` and ``<prefix>.publish.player.<base64url(player)>``.

Offsets: each message carries ``Rtnet-Offset`` and ``Rtnet-Epoch`` headers. A publisher takes the
stream's last message (direct get), publishes offset + 1 with ``Nats-Expected-Last-Subject-Sequence``
set to that message's sequence, and retries on a conflict, so concurrent publishers on many nodes still
produce 1, 2, 3, ... without gaps. Nodes follow a resumable stream with an ordered JetStream consumer,
so they see exactly the stored publications, in offset order. The epoch is the JetStream stream's
creation time: a stream lost and created again has a new epoch, and clients reload instead of being
replayed a wrong history. A subject's last message is never evicted, so offsets never restart.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType

from realtimenet.backends.bus import FrameBuilder, HistoryGap, Listener, Position, Publication
from realtimenet.exceptions import BackendUnavailable

log = logging.getLogger("realtimenet.bus.nats")

OFFSET = "Rtnet-Offset"
EPOCH = "Rtnet-Epoch"
EXPECTED_LAST = "Nats-Expected-Last-Subject-Sequence"
WRONG_LAST_SEQUENCE = 10071
RESUMABLE = ("room:", "player:")


def token(name: str) -> str:
    """A stream name as one NATS subject token."""
    return base64.urlsafe_b64encode(name.encode()).rstrip(b"=").decode() or "_"


class NatsBus:
    """EventBus on NATS with JetStream."""

    def __init__(self, url: str, prefix: str = "rtnet", history_size: int = 1000, storage: str = "file",
                 publish_attempts: int = 20) -> None:
        self.url = url
        self.prefix = prefix
        self.stream_name = f"{prefix.upper()}_EVENTS"
        self.history_size = history_size
        self.storage = StorageType.FILE if storage == "file" else StorageType.MEMORY
        self.publish_attempts = publish_attempts
        self._nc: Any = None
        self._js: Any = None
        self._epoch: str | None = None
        self._listener: Listener | None = None
        self._subs: dict[str, Any] = {}
        self._wanted: set[str] = set()  # streams this node follows, subscribed once connected
        self._delivered_seq: dict[str, int] = {}  # stream -> JetStream sequence last delivered here
        self.backend_handler: Any = None  # set by the node: publications from backend services

    # ----- lifecycle ----------------------------------------------------------------------------------

    async def connect_in_background(self, on_connected: Any = None) -> asyncio.Task[None]:
        """Keep trying to connect until it works (a gateway starts even while NATS is down)."""
        async def keep_trying() -> None:
            delay = 0.2
            while True:
                try:
                    await self.connect()
                except (TimeoutError, OSError, nats.errors.Error, nats.js.errors.Error) as exc:
                    log.warning("NATS at %s unavailable (%s); retrying", self.url, exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                if on_connected is not None:
                    await on_connected()
                return
        return asyncio.get_running_loop().create_task(keep_trying())

    async def connect(self) -> None:
        """Connect (reconnecting by itself afterwards) and make sure the JetStream stream exists."""
        self._nc = await nats.connect(servers=[self.url], reconnect_time_wait=0.5, max_reconnect_attempts=-1,
                                      allow_reconnect=True, connect_timeout=2, name="realtimenet-gateway",
                                      reconnected_cb=self._reconnected, error_cb=self._error,
                                      disconnected_cb=self._disconnected)
        self._js = self._nc.jetstream(timeout=2)
        await self._ensure_stream()
        for stream in sorted(self._wanted):  # asked for before the first connection succeeded
            await self._subscribe(stream)

    async def _ensure_stream(self) -> None:
        try:
            info = await self._js.stream_info(self.stream_name)
        except nats.js.errors.NotFoundError:
            info = await self._js.add_stream(
                name=self.stream_name, subjects=[f"{self.prefix}.s.>"], storage=self.storage,
                max_msgs_per_subject=self.history_size, allow_direct=True)
        self._epoch = info.created.isoformat() if info.created else self.stream_name
        log.info("JetStream stream %s epoch %s", self.stream_name, self._epoch)

    async def _error(self, exc: Exception) -> None:
        log.warning("NATS: %s", exc or type(exc).__name__)  # the client reconnects by itself

    async def _disconnected(self) -> None:
        log.warning("NATS disconnected from %s", self.url)

    async def _reconnected(self) -> None:
        try:
            epoch = self._epoch
            await self._ensure_stream()  # a NATS that lost its storage comes back with a new epoch
            if epoch != self._epoch:
                self._delivered_seq.clear()
            # A restarted server forgot this node's consumers: follow every stream again.
            for stream in [s for s in self._subs if s.startswith(RESUMABLE)]:
                old = self._subs.pop(stream, None)
                if old is not None:
                    try:
                        await old.unsubscribe()
                    except (nats.errors.Error, nats.js.errors.Error):
                        pass
                await self._subscribe(stream)
        except Exception as exc:  # retried on the next publish
            log.warning("JetStream not ready after reconnect: %s", exc)
            self._epoch = None

    async def ping(self) -> bool:
        if self._nc is None or not self._nc.is_connected:
            return False
        try:
            await self._nc.flush(timeout=1)
            return True
        except (TimeoutError, nats.errors.Error):
            return False

    async def close(self) -> None:
        if self._nc is not None:
            try:
                await self._nc.drain()
            except (TimeoutError, nats.errors.Error):
                await self._nc.close()

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    # ----- subjects -----------------------------------------------------------------------------------

    def _subject(self, stream: str) -> str:
        kind = "s" if stream.startswith(RESUMABLE) else "i"
        return f"{self.prefix}.{kind}.{token(stream)}"

    async def _ready_epoch(self) -> str:
        if self._epoch is None:
            try:
                await self._ensure_stream()
            except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
                raise BackendUnavailable("bus", str(exc) or type(exc).__name__) from None
        assert self._epoch is not None
        return self._epoch

    # ----- EventBus -----------------------------------------------------------------------------------

    async def publish(self, stream: str, build: FrameBuilder) -> Publication:
        if self._nc is None or not self._nc.is_connected:
            raise BackendUnavailable("bus", "not connected to NATS")
        subject = self._subject(stream)
        try:
            if not stream.startswith(RESUMABLE):
                frame = build("", 0)
                await self._nc.publish(subject, frame)
                return Publication(stream, "", 0, frame)
            return await self._publish_stored(stream, subject, build)
        except (TimeoutError, nats.errors.Error) as exc:
            raise BackendUnavailable("bus", str(exc) or type(exc).__name__) from None

    async def _publish_stored(self, stream: str, subject: str, build: FrameBuilder) -> Publication:
        epoch = await self._ready_epoch()
        for _ in range(self.publish_attempts):
            last_seq, last_offset = await self._last(subject)
            offset = last_offset + 1
            frame = build(epoch, offset)
            try:
                await self._js.publish(subject, frame, headers={
                    OFFSET: str(offset), EPOCH: epoch, EXPECTED_LAST: str(last_seq)})
            except nats.js.errors.APIError as exc:
                if exc.err_code == WRONG_LAST_SEQUENCE:
                    continue  # another node published first: take the next offset
                raise BackendUnavailable("bus", str(exc)) from None
            return Publication(stream, epoch, offset, frame)
        raise BackendUnavailable("bus", f"{stream}: too much contention to publish")

    async def _last(self, subject: str) -> tuple[int, int]:
        """(stream sequence, offset) of the subject's last message, or (0, 0)."""
        try:
            msg = await self._js.get_last_msg(self.stream_name, subject, direct=True)
        except nats.js.errors.NotFoundError:
            return 0, 0
        return int(msg.seq), int((msg.headers or {}).get(OFFSET, 0))

    async def subscribe(self, stream: str) -> None:
        self._wanted.add(stream)
        if self._nc is not None and self._nc.is_connected:
            await self._subscribe(stream)

    async def _subscribe(self, stream: str) -> None:
        if stream in self._subs:
            return
        self._subs[stream] = None  # claimed: a second call while this one waits does nothing
        callback = functools.partial(self._on_message, stream)
        if stream.startswith(RESUMABLE):
            # Only what JetStream stored, in stream order: a publish refused by the offset check is never
            # delivered (a core subscription on the subject would see it too). After a reconnect the
            # consumer starts right after the last publication this node delivered, so none is skipped.
            last = self._delivered_seq.get(stream)
            config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW) if last is None else ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=last + 1)
            sub = await self._js.subscribe(self._subject(stream), stream=self.stream_name, cb=callback,
                                           ordered_consumer=True, config=config)
        else:
            sub = await self._nc.subscribe(self._subject(stream), cb=callback)
        self._subs[stream] = sub

    async def unsubscribe(self, stream: str) -> None:
        self._wanted.discard(stream)
        sub = self._subs.pop(stream, None)
        if sub is not None:
            try:
                await sub.unsubscribe()
            except nats.errors.Error:
                pass

    async def _on_message(self, stream: str, msg: Msg) -> None:
        headers = msg.headers or {}
        if stream.startswith(RESUMABLE):
            self._delivered_seq[stream] = msg.metadata.sequence.stream
        publication = Publication(stream, headers.get(EPOCH, ""), int(headers.get(OFFSET, 0)), msg.data)
        if self._listener is not None:
            self._listener(publication)

    async def position(self, stream: str) -> Position:
        epoch = await self._ready_epoch()
        if not stream.startswith(RESUMABLE):
            return Position(epoch, 0)
        try:
            _, offset = await self._last(self._subject(stream))
        except (TimeoutError, nats.errors.Error) as exc:
            raise BackendUnavailable("bus", str(exc) or type(exc).__name__) from None
        return Position(epoch, offset)

    async def history(self, stream: str, epoch: str, after: int) -> list[Publication]:
        current = await self.position(stream)
        if epoch != current.epoch or after > current.offset:
            raise HistoryGap(f"{stream}: epoch {epoch!r} offset {after} is not in this history")
        missed = current.offset - after
        if missed == 0:
            return []
        if missed > self.history_size:
            raise HistoryGap(f"{stream}: {missed} missed, at most {self.history_size} kept")
        subject = self._subject(stream)
        try:
            sub = await self._js.pull_subscribe(subject, stream=self.stream_name, config=ConsumerConfig(
                deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=10.0))
            try:
                msgs = await sub.fetch(batch=self.history_size, timeout=2)
            finally:
                await sub.unsubscribe()
        except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
            raise BackendUnavailable("bus", str(exc) or type(exc).__name__) from None
        found = []
        for msg in msgs:
            headers = msg.headers or {}
            offset = int(headers.get(OFFSET, 0))
            if offset > after and headers.get(EPOCH) == epoch:
                found.append(Publication(stream, epoch, offset, msg.data))
        found.sort(key=lambda p: p.offset)
        if [p.offset for p in found[:missed]] != list(range(after + 1, after + missed + 1)):
            raise HistoryGap(f"{stream}: offsets {after + 1}..{current.offset} are not all kept")
        return found[:missed]

    # ----- publications from backend services ---------------------------------------------------------

    async def serve_backend_publications(self, queue_group: str = "gateways") -> None:
        """Accept ``<prefix>.publish.room.<room>`` and ``<prefix>.publish.player.<token>`` from backend
        services; one gateway of the group takes each and publishes it into the stream."""
        if self._nc is None:
            return
        await self._nc.subscribe(f"{self.prefix}.publish.>", queue=queue_group, cb=self._on_backend)

    async def _on_backend(self, msg: Msg) -> None:
        if self.backend_handler is None:
            return
        parts = msg.subject.split(".")
        if len(parts) != 4:
            return
        kind, name = parts[2], parts[3]
        if kind == "player":
            try:
                name = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
            except (ValueError, UnicodeDecodeError):
                return
        await self.backend_handler(kind, name, msg)
