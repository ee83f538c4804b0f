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

Clusters: ``backends.bus`` may list several servers, comma separated (``nats://a:4222,nats://b:4222``; a
bare item such as ``b:4222`` takes the scheme and credentials of the one before it), and ask for JetStream
replicas with a query (``...?replicas=3``): the stream is created (or updated) with that ``num_replicas``,
so it survives the loss of a minority of its servers. The client connects to any listed server and moves to
another when it goes. With replicas, the last message of a subject is read from the stream leader (a direct
get may be answered by a lagging replica), each publication carries a message id that claims its offset
(see ``_publish_stored``), and each node's ordered consumers send idle heartbeats, so a consumer lost with
its server is recreated (from the next stream sequence) within two heartbeats.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import random
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, DiscardPolicy, StorageType

from realtimenet.backends.bus import (
    FrameBuilder,
    HistoryGap,
    Listener,
    Position,
    Publication,
    ServerPublication,
    ServerPublicationHandler,
)
from realtimenet.backends.registry import BackendOptions
from realtimenet.exceptions import BackendUnavailable
from realtimenet.protocol.streams import RESUMABLE_PREFIXES, player_stream, room_stream

log = logging.getLogger("realtimenet.bus.nats")

OFFSET = "Rtnet-Offset"
EPOCH = "Rtnet-Epoch"
EXPECTED_LAST = "Nats-Expected-Last-Subject-Sequence"
MSG_ID = "Nats-Msg-Id"
DEDUP_WINDOW = 10.0  # seconds a replicated stream remembers message ids (an offset is claimed for much less)
WRONG_LAST_SEQUENCE = 10071
CONSUMER_ATTEMPTS = 8  # creations of a consumer before the bus counts as unavailable
CONSUMER_TIMEOUT = 0.5  # seconds one consumer creation may take (it takes milliseconds)


def parse_servers(url: str) -> tuple[list[str], dict[str, str]]:
    """``nats://user:pw@a:4222,b:4222?replicas=3`` -> (server URLs, options). An item without a scheme takes
    the scheme and credentials of the item before it; a query on any item counts for all."""
    servers: list[str] = []
    options: dict[str, str] = {}
    prefix = "nats://"
    for raw in (item.strip() for item in url.split(",")):
        if not raw:
            continue
        raw, _, query = raw.partition("?")
        for pair in filter(None, query.split("&")):
            key, _, value = pair.partition("=")
            options[key] = value
        if "://" in raw:
            scheme, _, rest = raw.partition("://")
            userinfo, at, _ = rest.rpartition("@")
            prefix = f"{scheme}://{userinfo}{at}"
        else:
            raw = prefix + raw
        servers.append(raw)
    return servers, options


def token(name: str) -> str:
    """A stream name as one NATS subject token."""
    return base64.urlsafe_b64encode(name.encode()).rstrip(b"=").decode() or "_"


class NatsBus:
    """EventBus on NATS with JetStream."""

    def __init__(self, url: str, prefix: str = "rtnet", history_size: int = 1000, storage: str = "file",
                 publish_attempts: int = 20, replicas: int | None = None, heartbeat: float | None = None,
                 max_bytes: int = 256 << 20, max_age: float = 600.0, max_msg_size: int = 1 << 20) -> None:
        self.url = url
        self.servers, options = parse_servers(url)
        if not self.servers:
            raise ValueError("no NATS server in backends.bus")
        self.where = ",".join(s.split("://", 1)[0] + "://" + s.split("://", 1)[1].rpartition("@")[2]
                              for s in self.servers)  # for logs: without credentials
        # JetStream replicas of the stream: the argument, else ?replicas=N, else 1 (a single server).
        self.replicas = max(1, replicas if replicas is not None else int(options.get("replicas", "1")))
        # Idle heartbeat of the ordered consumers: how fast a consumer lost with its server is noticed.
        self.heartbeat = heartbeat if heartbeat is not None else float(
            options.get("heartbeat", "5" if self.replicas == 1 else "1"))
        self.prefix = prefix
        self.stream_name = f"{prefix.upper()}_EVENTS"
        self.history_size = history_size
        # The stream's bounds: per subject (history_size), in all (max_bytes), in time (max_age), per message.
        # JetStream wants the duplicate window within max_age; message ids only matter with replicas (below).
        self.limits = {"max_msgs_per_subject": history_size, "max_bytes": max_bytes, "max_age": max_age,
                       "max_msg_size": max_msg_size,
                       "duplicate_window": min(DEDUP_WINDOW if self.replicas > 1 else 120.0, max_age)}
        self.storage = StorageType.FILE if storage == "file" else StorageType.MEMORY
        self.publish_attempts = publish_attempts
        self._nc: Any = None
        self._js: Any = None
        self._js_consumers: Any = None  # JetStream context with a shorter timeout, for consumer creation
        self._retrying: asyncio.Task[None] | None = None  # subscriptions that failed, tried again
        self._epoch: str | None = None
        self._listener: Listener | None = None
        self._subs: dict[str, Any] = {}
        self._wanted: set[str] = set()  # streams this node follows, subscribed once connected
        self._delivered_seq: dict[str, int] = {}  # stream -> JetStream sequence last delivered here
        self._server_publications: ServerPublicationHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    # ----- lifecycle ----------------------------------------------------------------------------------

    async def start(self, on_server_publication: ServerPublicationHandler) -> None:
        """Connect in the background, then take backend services' publications (``<prefix>.publish.…``)."""
        self._server_publications = on_server_publication
        self._connecting = await self.connect_in_background(self.serve_backend_publications)

    async def connect_in_background(self, on_connected: Any = None) -> asyncio.Task[None]:
        """Keep trying to connect until it works (a gateway starts even while NATS is down)."""
        async def keep_trying() -> None:
            delay = 0.2
            while True:
                try:
                    await self.connect()
                except (TimeoutError, OSError, nats.errors.Error, nats.js.errors.Error) as exc:
                    log.warning("NATS at %s unavailable (%s); retrying", self.where, exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                if on_connected is not None:
                    await on_connected()
                return
        return asyncio.get_running_loop().create_task(keep_trying())

    async def connect(self) -> None:
        """Connect (reconnecting by itself afterwards) and make sure the JetStream stream exists. Called again
        after a failure, it keeps a connection that is up (JetStream may need a moment longer in a cluster
        that is still electing its leader)."""
        if self._nc is None or self._nc.is_closed:
            self._nc = await nats.connect(servers=self.servers, reconnect_time_wait=0.5, max_reconnect_attempts=-1,
                                          allow_reconnect=True, connect_timeout=2, name="realtimenet-gateway",
                                          reconnected_cb=self._reconnected, error_cb=self._error,
                                          disconnected_cb=self._disconnected)
            self._js = self._nc.jetstream(timeout=2)
            self._js_consumers = self._nc.jetstream(timeout=CONSUMER_TIMEOUT)
        await self._ensure_stream()
        for stream in sorted(self._wanted):  # asked for before the first connection succeeded
            await self._subscribe(stream)

    async def _ensure_stream(self) -> None:
        try:
            info = await self._js.stream_info(self.stream_name)
        except nats.js.errors.NotFoundError:
            info = await self._js.add_stream(
                name=self.stream_name, subjects=[f"{self.prefix}.s.>"], storage=self.storage,
                allow_direct=True, num_replicas=self.replicas, discard=DiscardPolicy.OLD, **self.limits)
        config = info.config
        outdated = {k: v for k, v in self.limits.items() if getattr(config, k) != v}
        if (config.num_replicas or 1) != self.replicas or outdated:
            # Scaling a stream or changing its bounds keeps its messages (and its creation time: the epoch).
            config.num_replicas = self.replicas
            for key, value in self.limits.items():
                setattr(config, key, value)
            try:
                info = await self._js.update_stream(config)
                log.info("JetStream stream %s now has %d replicas and limits %s", self.stream_name, self.replicas,
                         self.limits)
            except nats.js.errors.APIError as exc:
                log.warning("JetStream stream %s keeps %s replicas and its limits (%s asked): %s", self.stream_name,
                            info.config.num_replicas, self.replicas, exc)
        self._epoch = info.created.isoformat() if info.created else self.stream_name
        log.info("JetStream stream %s epoch %s", self.stream_name, self._epoch)

    async def _error(self, exc: Exception) -> None:
        log.warning("NATS: %s", exc or type(exc).__name__)  # the client reconnects by itself

    async def _disconnected(self) -> None:
        log.warning("NATS disconnected (%s)", self.where)

    async def _reconnected(self) -> None:
        try:
            epoch = self._epoch
            await self._ensure_stream()  # a NATS that lost its storage comes back with a new epoch
            if epoch != self._epoch:
                self._delivered_seq.clear()
        except Exception as exc:  # retried on the next publish
            log.warning("JetStream not ready after reconnect: %s", exc)
            self._epoch = None
            return
        # A restarted server forgot this node's consumers: follow every stream again.
        for stream in [s for s in self._subs if s.startswith(RESUMABLE_PREFIXES)]:
            old = self._subs.pop(stream, None)
            if old is not None:
                try:
                    await old.unsubscribe()
                except (nats.errors.Error, nats.js.errors.Error):
                    pass
        await self._follow_missing()

    async def _follow_missing(self) -> None:
        """Subscribe every wanted stream that has no subscription (one that failed is retried here, from
        ``ping`` as well)."""
        for stream in sorted(self._wanted - self._subs.keys()):
            try:
                await self._subscribe(stream)
            except Exception as exc:
                log.warning("cannot follow %s yet: %s", stream, exc)

    async def ping(self) -> bool:
        if self._nc is None or not self._nc.is_connected:
            return False
        try:
            await self._nc.flush(timeout=1)
        except (TimeoutError, nats.errors.Error):
            return False
        if self._wanted - self._subs.keys() and (self._retrying is None or self._retrying.done()):
            # In the background: creating consumers may take longer than a readiness check may.
            self._retrying = asyncio.get_running_loop().create_task(self._follow_missing())
        return True

    async def close(self) -> None:
        for task in (self._retrying, self._connecting):
            if task is not None:
                task.cancel()
        if self._nc is not None:
            try:
                await self._nc.drain()
            except (TimeoutError, nats.errors.Error):
                await self._nc.close()

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    # ----- subjects -----------------------------------------------------------------------------------

    def _subject(self, stream: str) -> str:
        kind = "s" if stream.startswith(RESUMABLE_PREFIXES) else "i"
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
            if not stream.startswith(RESUMABLE_PREFIXES):
                frame = build("", 0)
                await self._nc.publish(subject, frame)
                return Publication(stream, "", 0, frame)
            return await self._publish_stored(stream, subject, build)
        except (TimeoutError, nats.errors.Error) as exc:
            raise BackendUnavailable("bus", str(exc) or type(exc).__name__) from None

    async def _publish_stored(self, stream: str, subject: str, build: FrameBuilder) -> Publication:
        stream_epoch = await self._ready_epoch()
        for _ in range(self.publish_attempts):
            last_seq, last_offset, last_epoch = await self._last(subject)
            if last_seq:
                offset, epoch = last_offset + 1, last_epoch or stream_epoch
            else:
                # The subject holds nothing: never published, or its history aged out or was pushed out by
                # max_bytes. Offsets start again at 1, so under a new epoch: nobody may take this run's offsets
                # for an older run's (a client would drop them as duplicates, or be replayed a wrong history).
                offset, epoch = 1, f"{stream_epoch}/{secrets.token_hex(4)}"
            frame = build(epoch, offset)
            headers = {OFFSET: str(offset), EPOCH: epoch, EXPECTED_LAST: str(last_seq)}
            if self.replicas > 1:
                # A replicated stream checks the expected last sequence before the message is proposed, without
                # the proposals still in flight (nats-server#4320): two nodes can both pass it with one offset.
                # The message id claims the offset at the leader before the proposal; the loser is told
                # "duplicate" and takes the next offset. (Racers of a new run draw different epochs, so its
                # first offset is claimed without one.)
                headers[MSG_ID] = f"{subject}#{epoch if offset > 1 else ''}#{offset}"
            try:
                ack = await self._js.publish(subject, frame, headers=headers)
            except nats.js.errors.APIError as exc:
                if exc.err_code == WRONG_LAST_SEQUENCE:
                    continue  # another node published first: take the next offset
                raise BackendUnavailable("bus", str(exc)) from None
            if ack.duplicate:
                await asyncio.sleep(0.001 * random.random())  # the winner is not applied yet: read again shortly
                continue
            return Publication(stream, epoch, offset, frame)
        raise BackendUnavailable("bus", f"{stream}: too much contention to publish")

    async def _last(self, subject: str) -> tuple[int, int, str]:
        """(stream sequence, offset, epoch) of the subject's last message, or (0, 0, "")."""
        try:
            msg = await self._js.get_last_msg(self.stream_name, subject, direct=self.replicas == 1)
        except nats.js.errors.NotFoundError:
            return 0, 0, ""
        headers = msg.headers or {}
        return int(msg.seq), int(headers.get(OFFSET, 0)), headers.get(EPOCH, "")

    async def subscribe(self, stream: str) -> None:
        self._wanted.add(stream)
        if self._nc is not None and self._nc.is_connected:
            try:
                await self._subscribe(stream)
            except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
                raise BackendUnavailable("bus", str(exc) or type(exc).__name__) from None

    async def _subscribe(self, stream: str) -> None:
        if stream in self._subs:
            return
        self._subs[stream] = None  # claimed: a second call while this one waits does nothing
        callback = functools.partial(self._on_message, stream)
        try:
            if stream.startswith(RESUMABLE_PREFIXES):
                sub = await self._follow(stream, callback)
            else:
                sub = await self._nc.subscribe(self._subject(stream), cb=callback)
        except BaseException:
            self._subs.pop(stream, None)  # not followed: the next subscribe (or ping) tries again
            raise
        self._subs[stream] = sub

    async def _follow(self, stream: str, callback: Any) -> Any:
        """An ordered consumer of a resumable stream: only what JetStream stored, in stream order (a publish
        refused by the offset check is never delivered; a core subscription on the subject would see it).
        It starts right after the last publication this node delivered (on the first subscription: after
        the subject's last message now), so a consumer created again after a reconnect or a lost server
        skips nothing; deliveries at or below that sequence are dropped in ``_on_message``."""
        subject = self._subject(stream)
        if stream not in self._delivered_seq:
            self._delivered_seq[stream] = (await self._last(subject))[0]
        start = self._delivered_seq[stream] + 1
        return await self._new_consumer(stream, lambda: self._js_consumers.subscribe(
            subject, stream=self.stream_name, cb=callback, ordered_consumer=True, idle_heartbeat=self.heartbeat,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start)))

    async def _new_consumer(self, stream: str, create: Callable[[], Awaitable[Any]]) -> Any:
        """``create()`` a consumer, again when its creation times out: NATS 2.9 may place an (R1) consumer on a
        peer of the stream that is down; its creation then never answers, and another attempt is placed afresh."""
        for attempt in range(1, CONSUMER_ATTEMPTS + 1):
            try:
                return await create()
            except TimeoutError:
                log.warning("consumer for %s not created (attempt %d of %d)", stream, attempt, CONSUMER_ATTEMPTS)
        raise BackendUnavailable("bus", f"{stream}: no consumer after {CONSUMER_ATTEMPTS} attempts")

    async def unsubscribe(self, stream: str) -> None:
        self._wanted.discard(stream)
        self._delivered_seq.pop(stream, None)  # followed again later: from that moment on
        sub = self._subs.pop(stream, None)
        if sub is not None:
            try:
                await sub.unsubscribe()
            except nats.errors.Error:
                pass

    async def _on_message(self, stream: str, msg: Msg) -> None:
        headers = msg.headers or {}
        published_at = 0.0
        if stream.startswith(RESUMABLE_PREFIXES):
            metadata = msg.metadata
            seq = metadata.sequence.stream
            if seq <= self._delivered_seq.get(stream, 0):
                return  # a consumer created again re-sent what this node already delivered
            self._delivered_seq[stream] = seq
            published_at = metadata.timestamp.timestamp()  # when JetStream stored it: the lag metric's start
        publication = Publication(stream, headers.get(EPOCH, ""), int(headers.get(OFFSET, 0)), msg.data,
                                  published_at)
        if self._listener is not None:
            self._listener(publication)

    async def position(self, stream: str) -> Position:
        epoch = await self._ready_epoch()
        if not stream.startswith(RESUMABLE_PREFIXES):
            return Position(epoch, 0)
        try:
            seq, offset, last_epoch = await self._last(self._subject(stream))
        except (TimeoutError, nats.errors.Error) as exc:
            raise BackendUnavailable("bus", str(exc) or type(exc).__name__) from None
        return Position(last_epoch or epoch, offset) if seq else Position(epoch, 0)

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
            sub = await self._new_consumer(stream, lambda: self._js_consumers.pull_subscribe(
                subject, stream=self.stream_name, config=ConsumerConfig(
                    deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=10.0)))
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
        handler = self._server_publications
        if handler is None:
            return
        answer = await self._server_publication(msg, handler)
        if msg.reply:
            await msg.respond(msgspec.json.encode(answer))

    async def _server_publication(self, msg: Msg, handler: ServerPublicationHandler) -> dict[str, Any]:
        """``<prefix>.publish.room.<room>`` (a room name may hold dots: it is every token after ``room``) or
        ``<prefix>.publish.player.<base64url(player)>``, handed to the node; anything else is answered with
        an error (and the node counts and logs what it refuses)."""
        kind, _, name = msg.subject[len(self.prefix) + len(".publish."):].partition(".")
        if kind == "player":
            try:
                name = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
            except (ValueError, UnicodeDecodeError):
                name = ""
        if kind not in ("room", "player") or not name:
            return await handler(ServerPublication("", msg.data, f"unknown subject {msg.subject!r}"))
        return await handler(ServerPublication(room_stream(name) if kind == "room" else player_stream(name),
                                               msg.data))


def open_bus(url: str, options: BackendOptions) -> NatsBus:
    """Registry factory of ``nats://`` and ``tls://``."""
    return NatsBus(url, prefix=options.prefix, history_size=options.history_size,
                   max_bytes=options.history_max_bytes, max_age=options.history_max_age,
                   max_msg_size=options.max_message_bytes + FRAME_OVERHEAD)


# A stored frame is the client's data inside an envelope (room, sender, epoch, offset): room and player names
# are at most 128 characters, so 1 KiB more than the largest client message always fits.
FRAME_OVERHEAD = 1024
