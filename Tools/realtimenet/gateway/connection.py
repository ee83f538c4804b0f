"""One player's WebSocket connection, as a sans-I/O object.

It is fed text frames, pongs and ticks with the current time, and talks back through a small
``Transport`` (send, ping, close) and a ``spawn`` callable for asynchronous handlers. The socket code in
``server.py`` implements both; tests can implement them with lists. What every connection of a node shares
(limits, the router, metrics, the clock, fault injection) comes in one ``ConnectionEnv``; the connection
never sees the node.
"""

from __future__ import annotations

import enum
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
from msgspec import UNSET

from realtimenet.backends.bus import Publication
from realtimenet.config import Config
from realtimenet.exceptions import BackendUnavailable, RpcError
from realtimenet.gateway.auth import Principal
from realtimenet.gateway.background import Spawn, TaskHandle
from realtimenet.gateway.faults import FaultInjector, FaultPlan
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.ratelimit import TokenBucket
from realtimenet.gateway.router import Route, Router
from realtimenet.logs import client_log
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import CloseCode, ErrorCode
from realtimenet.protocol.messages import SessionTokenExpiringParams
from realtimenet.protocol.text import InvalidText

log = logging.getLogger("realtimenet.connection")


class Transport(Protocol):
    """What a connection needs from its socket."""

    def send(self, data: bytes) -> None:
        """Queue a text frame."""

    def ping(self) -> None:
        """Send a WebSocket ping."""

    def close(self, code: int, reason: str) -> None:
        """Send a close frame, then drop the socket once the peer answers or a short grace passes."""

    def buffered_bytes(self) -> int:
        """Bytes queued in user space and not yet handed to the kernel."""


class ReplayBuffer:
    """Live publications of one stream held back while ``session.resume`` replays its history, up to a byte
    bound (``server.send_queue_max_bytes``): past it the buffer is dropped and the stream is not recovered
    (the client reloads), so a resume under a flood cannot grow memory."""

    __slots__ = ("held", "overflowed", "size")

    def __init__(self) -> None:
        self.held: list[Publication] = []
        self.size = 0
        self.overflowed = False

    def add(self, publication: Publication, limit: int) -> None:
        if self.overflowed:
            return
        self.size += len(publication.frame)
        if self.size > limit:
            self.held, self.overflowed = [], True
            return
        self.held.append(publication)


@dataclass(frozen=True, slots=True)
class ConnectionEnv:
    """What every connection of a node shares."""

    config: Config
    limits: jsonrpc.Limits
    router: Router
    metrics: Metrics
    clock: Callable[[], float]  # monotonic seconds
    faults: FaultInjector


class State(enum.Enum):
    """Connection lifecycle; every move to CLOSING/CLOSED records the code, reason and initiator."""

    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


_PENDING = object()  # an async handler will answer later
_NO_TASKS: set[Any] = frozenset()  # type: ignore[assignment]  # shared, never mutated


class _Batch:
    """Collects a batch's responses, some of which arrive later from async handlers."""

    __slots__ = ("conn", "outstanding", "parts")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.parts: list[bytes] = []
        self.outstanding = 0

    def add(self, part: bytes | None) -> None:
        if part is not None:
            self.parts.append(part)

    def finish_one(self, part: bytes | None) -> None:
        self.add(part)
        self.outstanding -= 1
        self.flush()

    def flush(self) -> None:
        if self.outstanding == 0 and self.parts:
            self.conn.send(jsonrpc.encode_batch(self.parts))
            self.parts = []


class Connection:
    """State, limits and JSON-RPC dispatch of one connection."""

    # Thousands of these live at once: slots keep each one a few hundred bytes instead of a dict.
    __slots__ = (
        "__weakref__",
        "_bucket",
        "_limits",
        "_max_buffered",
        "_max_inflight",
        "_max_violations",
        "_router",
        "_routes",
        "_spawn",
        "_violations",
        "bytes_in",
        "bytes_out",
        "call_bytes",
        "calls",
        "close_code",
        "close_reason",
        "closed_by",
        "env",
        "expiry_notified",
        "fault",
        "frames_in",
        "frames_out",
        "last_seen",
        "opened_at",
        "paused_since",
        "ping_sent_at",
        "presence_custom",
        "presence_status",
        "principal",
        "replaced",
        "replay_buffers",
        "resume_token",
        "resumed",
        "rooms",
        "session_id",
        "spent_token",
        "state",
        "tasks",
        "tracer",
        "transport",
    )

    def __init__(self, env: ConnectionEnv, principal: Principal, transport: Transport, spawn: Spawn,
                 now: float) -> None:
        cfg = env.config
        self.env = env
        self.principal = principal
        self.transport = transport
        self._spawn = spawn
        self.session_id = secrets.token_urlsafe(12)
        self.resume_token = secrets.token_urlsafe(24)
        self.state = State.OPEN
        self.opened_at = now
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed_by = ""
        self._limits = env.limits
        self._router = env.router
        self._routes = env.router.routes
        self._bucket = TokenBucket(cfg.rate_limit.rate, cfg.rate_limit.burst, now)
        self._max_violations = cfg.rate_limit.max_violations
        self._violations = 0
        self._max_inflight = cfg.server.max_inflight_calls
        self._max_buffered = cfg.server.send_queue_max_bytes
        self.tasks: set[TaskHandle] = _NO_TASKS  # replaced by a real set on the first async call
        self.rooms: set[str] = set()
        self.presence_status = "online"
        self.presence_custom: msgspec.Raw | None = None
        self.resumed = False
        self.spent_token: tuple[str, float] | None = None  # (token it resumed with, when), until it speaks again
        self.replaced = False  # another socket resumed this session: its departure is not the player's
        self.fault: FaultPlan | None = None  # fault-injection mode only
        # Set while the server API traces this player (gateway/trace.py): called with each frame and its direction.
        self.tracer: Callable[[bytes, str], None] | None = None
        # stream -> live publications held back while session.resume replays that stream's history
        self.replay_buffers: dict[str, ReplayBuffer] = {}
        # Heartbeat and back-pressure timers (monotonic seconds).
        self.last_seen = now
        self.ping_sent_at: float | None = None
        self.paused_since: float | None = None
        # Token expiry (wall-clock seconds).
        self.expiry_notified = False
        # Hot-path counters, folded into Prometheus by the node's tick.
        self.frames_in = self.bytes_in = self.frames_out = self.bytes_out = 0
        self.calls: dict[str, int] = {}
        self.call_bytes: dict[str, int] = {}

    @property
    def is_open(self) -> bool:
        return self.state is State.OPEN

    # ----- outgoing ---------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Queue a frame; a connection whose queue is full is closed as a slow consumer (4009)."""
        if self.state is not State.OPEN:
            return
        if self.paused_since is not None and self.transport.buffered_bytes() + len(data) > self._max_buffered:
            self.env.metrics.slow_consumers.inc()
            self.close(CloseCode.SLOW_CONSUMER)
            return
        if self.fault is not None:
            delivered = self.env.faults.outgoing(self, data)
            if delivered is None:
                return
        self.transmit(data)

    def transmit(self, data: bytes) -> None:
        """Hand a frame to the socket (after any injected fault)."""
        if self.state is not State.OPEN:
            return
        self.frames_out += 1
        self.bytes_out += len(data)
        if self.tracer is not None:
            self.tracer(data, "out")
        self.transport.send(data)

    def deliver(self, publication: Publication) -> None:
        """A publication of a stream this connection follows (held back while its history replays)."""
        buffer = self.replay_buffers.get(publication.stream)
        if buffer is not None:
            buffer.add(publication, self._max_buffered)
        else:
            self.send(publication.frame)

    def notify(self, method: str, params: Any) -> None:
        """Send a notification to this connection only."""
        frame = jsonrpc.encode_notification(method, params)
        self.env.metrics.notified(method, len(frame))
        self.send(frame)

    def close(self, code: CloseCode | int, reason: str = "", initiator: str = "server",
              send: bool = True) -> None:
        """Start closing with ``code``; the reason defaults to the code's stable reason text.

        ``send`` False records a close whose frame has already gone out (or that has no frame).
        """
        if self.state is not State.OPEN:
            return
        self.state = State.CLOSING
        self.close_code = int(code)
        self.close_reason = reason or (code.reason if isinstance(code, CloseCode) else "")
        self.closed_by = initiator
        if send and initiator == "server":
            self.transport.close(self.close_code, self.close_reason)

    # ----- incoming ---------------------------------------------------------------------------------

    def on_pong(self, now: float) -> None:
        self.last_seen = now
        self.ping_sent_at = None

    def on_backpressure(self, paused: bool, now: float) -> None:
        """The transport's write buffer crossed its high (paused) or low (resumed) watermark."""
        self.paused_since = now if paused else None

    def on_text(self, frame: bytes, now: float) -> None:
        """Handle one complete text message."""
        self.last_seen = now
        self.ping_sent_at = None
        self.spent_token = None  # it speaks after its resume: the answer reached it (or never mattered)
        self.frames_in += 1
        self.bytes_in += len(frame)
        if self.tracer is not None:
            self.tracer(frame, "in")
        if self.state is not State.OPEN:
            return
        try:
            is_batch, items = jsonrpc.split_frame(frame, self._limits)
        except InvalidText as exc:  # refused before it can reach anyone, the history or a log
            self.env.metrics.bad("invalid_text", str(exc))
            self.close(CloseCode.INVALID_PAYLOAD, str(exc))
            return
        except jsonrpc.Invalid as exc:
            self._reject(exc)
            return
        if not self._bucket.take(now, len(items)):
            self._rate_limited(items)
            return
        self._violations = 0
        if not is_batch:
            answer = self._dispatch(items[0], None)
            if answer is not None and answer is not _PENDING:
                self.send(answer)  # type: ignore[arg-type]
            return
        batch = _Batch(self)
        for item in items:
            answer = self._dispatch(item, batch)
            if answer is _PENDING:
                batch.outstanding += 1
            else:
                batch.add(answer)  # type: ignore[arg-type]
        batch.flush()

    def _reject(self, exc: jsonrpc.Invalid) -> None:
        self.env.metrics.bad(exc.kind, exc.detail)
        self.send(jsonrpc.encode_error(exc.request_id, exc.code, exc.code.message, {"detail": exc.detail}))

    def _rate_limited(self, items: list[bytes]) -> None:
        self._violations += 1
        self.env.metrics.rate_limited.inc(len(items))
        if self._violations >= self._max_violations:
            self.close(CloseCode.RATE_LIMITED)
            return
        data = {"retry_after": round(self._bucket.retry_after(len(items)), 3)}
        answers = []
        for item in items:
            try:
                req = jsonrpc.decode_request(item)
            except jsonrpc.Invalid:
                continue
            if not req.is_notification:
                answers.append(jsonrpc.encode_error(req.id, ErrorCode.RATE_LIMITED,  # type: ignore[arg-type]
                                                    ErrorCode.RATE_LIMITED.message, data))
        if len(answers) == 1 and len(items) == 1:
            self.send(answers[0])
        elif answers:
            self.send(jsonrpc.encode_batch(answers))

    def _dispatch(self, item: bytes, batch: _Batch | None) -> bytes | object | None:
        """Answer one request: bytes, None (a notification), or _PENDING (an async handler will)."""
        fast = self._router.decode_fast(item)
        if fast is not None:
            name, params, request_id = fast
            route = self._routes.get(name)
            if route is not None:
                self.calls[name] = self.calls.get(name, 0) + 1
                self.call_bytes[name] = self.call_bytes.get(name, 0) + len(item)
                return self._call(route, params, None if request_id is UNSET else request_id,
                                  request_id is UNSET, batch)
        return self._dispatch_slowly(item, batch)

    def _dispatch_slowly(self, item: bytes, batch: _Batch | None) -> bytes | object | None:
        """Decode step by step, so that every failure gets its precise error."""
        try:
            req = jsonrpc.decode_request(item)
        except jsonrpc.Invalid as exc:
            self.env.metrics.bad(exc.kind, exc.detail)
            return jsonrpc.encode_error(exc.request_id, exc.code, exc.code.message, {"detail": exc.detail})
        rid = None if req.id is UNSET else req.id
        route = self._routes.get(req.method)
        if route is None:
            self.env.metrics.bad("method_not_found", req.method[:64])
            if req.is_notification:
                return None
            return jsonrpc.encode_error(rid, ErrorCode.METHOD_NOT_FOUND, ErrorCode.METHOD_NOT_FOUND.message,
                                        {"method": req.method[:128]})
        self.calls[route.name] = self.calls.get(route.name, 0) + 1
        self.call_bytes[route.name] = self.call_bytes.get(route.name, 0) + len(item)
        try:
            params = route.decode_params(None if req.params is UNSET else req.params)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            self.env.metrics.bad("invalid_params", f"{route.name}: {exc}")
            if req.is_notification:
                return None
            return jsonrpc.encode_error(rid, ErrorCode.INVALID_PARAMS, ErrorCode.INVALID_PARAMS.message,
                                        {"detail": str(exc)})
        return self._call(route, params, rid, req.is_notification, batch)

    def _call(self, route: Route, params: Any, rid: jsonrpc.RequestId, is_notification: bool,
              batch: _Batch | None) -> bytes | object | None:
        if route.is_async:
            if len(self.tasks) >= self._max_inflight:
                if is_notification:
                    return None
                return jsonrpc.encode_error(rid, ErrorCode.OVERLOADED, ErrorCode.OVERLOADED.message,
                                            {"max_inflight_calls": self._max_inflight})
            self._start(route, params, rid, is_notification, batch)
            return _PENDING if (batch is not None and not is_notification) else None
        try:
            result = route.handler(self, params)
        except Exception as exc:
            return None if is_notification else self._error_answer(route, rid, exc)
        return None if is_notification else jsonrpc.encode_result(rid, result)

    def _error_answer(self, route: Route, rid: jsonrpc.RequestId, exc: Exception) -> bytes:
        if isinstance(exc, RpcError):
            client_log.info(f"refused {route.name} ({int(exc.code)}): %s", exc.data)
            return jsonrpc.encode_error(rid, exc.code, exc.message, UNSET if exc.data is None else exc.data)
        if isinstance(exc, BackendUnavailable):
            self.env.metrics.backend_errors.labels(exc.backend).inc()
            return jsonrpc.encode_error(rid, ErrorCode.BACKEND_UNAVAILABLE, ErrorCode.BACKEND_UNAVAILABLE.message,
                                        {"backend": exc.backend})
        correlation_id = uuid.uuid4().hex[:16]
        self.env.metrics.handler_errors.labels(route.name).inc()
        log.error("handler %s failed (correlation_id=%s, player=%s, session=%s)", route.name, correlation_id,
                  self.principal.player_id, self.session_id, exc_info=exc)
        return jsonrpc.encode_error(rid, ErrorCode.INTERNAL_ERROR, ErrorCode.INTERNAL_ERROR.message,
                                    {"correlation_id": correlation_id})

    def _start(self, route: Route, params: Any, rid: jsonrpc.RequestId, is_notification: bool,
               batch: _Batch | None) -> None:
        handle: TaskHandle | None = None

        async def run() -> None:
            answer: bytes | None = None
            started = self.env.clock()
            try:
                result = await route.handler(self, params)
                if not is_notification:
                    answer = jsonrpc.encode_result(rid, result)
            except Exception as exc:
                if not is_notification:
                    answer = self._error_answer(route, rid, exc)
            finally:
                if handle is not None and self.tasks is not _NO_TASKS:
                    self.tasks.discard(handle)
                metrics = self.env.metrics
                metrics.child(metrics.handler_seconds, route.name).observe(self.env.clock() - started)
            if batch is not None and not is_notification:
                batch.finish_one(answer)
            elif answer is not None:
                self.send(answer)

        handle = self._spawn(run())
        if self.tasks is _NO_TASKS:
            self.tasks = set()
        self.tasks.add(handle)

    # ----- time -------------------------------------------------------------------------------------

    def tick(self, now: float, wall: float) -> None:
        """Heartbeat, send-queue stall and token-expiry checks; called about once a second."""
        if self.state is not State.OPEN:
            return
        server = self.env.config.server
        if self.ping_sent_at is not None:
            if now - self.ping_sent_at > server.heartbeat_timeout:
                self.close(CloseCode.HEARTBEAT_TIMEOUT)
                return
        elif now - self.last_seen >= server.heartbeat_interval:
            self.ping_sent_at = now
            self.transport.ping()
        if self.paused_since is not None and now - self.paused_since > server.send_queue_stall_timeout:
            self.env.metrics.slow_consumers.inc()
            self.close(CloseCode.SLOW_CONSUMER)
            return
        exp = self.principal.expires_at
        if exp is not None and wall >= exp:
            grace = self.env.config.auth.expiry_grace
            if wall >= exp + grace:
                self.close(CloseCode.TOKEN_EXPIRED)
            elif not self.expiry_notified:
                self.expiry_notified = True
                self.notify("session.token_expiring",
                            SessionTokenExpiringParams(expired_at=exp, close_at=exp + grace))

    def refresh_principal(self, principal: Principal) -> None:
        """Adopt a refreshed token (same player), which moves the expiry deadline."""
        self.principal = principal
        self.expiry_notified = False

    def cancel_tasks(self) -> None:
        for handle in list(self.tasks):
            handle.cancel()
        self.tasks = _NO_TASKS

