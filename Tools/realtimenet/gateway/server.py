"""The socket edge: picows WebSockets and the small HTTP surface (/healthz, /readyz, /metrics).

picows was chosen by benchmark (docs/performance.md): it parses frames in C and hands complete frames
to a listener without an intermediate queue. Its listener factory runs before the upgrade, which is
where authentication happens: a refused token gets an HTTP 401 with a JSON reason and no socket.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import signal
import ssl
import time
from collections.abc import Callable, Coroutine
from typing import Any

from picows import (
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from realtimenet.config import Config
from realtimenet.exceptions import ConfigError
from realtimenet.gateway import frames
from realtimenet.gateway.auth import JwksUrlSource, Principal, token_from_request
from realtimenet.gateway.connection import Connection, State
from realtimenet.gateway.front_door import FrontDoor, picows_protocol_factory
from realtimenet.gateway.http_surface import HttpSurface, serves
from realtimenet.gateway.node import GatewayNode, Refusal
from realtimenet.protocol.codes import CloseCode, valid_close_code

log = logging.getLogger("realtimenet.server")

_JSON = {"Content-Type": "application/json"}
CLOSE_GRACE_SECONDS = 2.0  # how long a peer has to answer our close frame before the socket is dropped


def _json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None
                   ) -> WSUpgradeResponseWithListener:
    data = json.dumps(body).encode()
    all_headers = {**_JSON, **headers} if headers else _JSON
    if status == 200:
        response = WSUpgradeResponse.create_ok_response(data, all_headers)
    else:
        response = WSUpgradeResponse.create_error_response(status, data, all_headers)
    return WSUpgradeResponseWithListener(response, None)


class _SocketListener(WSListener):
    """Adapts one picows socket to a sans-I/O ``Connection`` (and implements its ``Transport``)."""

    __slots__ = ("_fragment_bytes", "_fragments", "_gateway", "_out", "_principal", "_ws", "conn")

    def __init__(self, gateway: Gateway, principal: Principal) -> None:
        self._gateway = gateway
        self._principal = principal
        self._ws: WSTransport | None = None
        self.conn: Connection | None = None
        self._fragments: list[bytes] | None = None
        self._fragment_bytes = 0
        self._out: list[bytes] | None = None  # headers and payloads waiting for this iteration's write

    # picows callbacks ------------------------------------------------------------------------------

    def on_ws_connected(self, transport: WSTransport) -> None:
        self._ws = transport
        # picows keeps the upgrade's request and response for the socket's life (about 0.9 KB); everything the
        # gateway needed from them was read during the upgrade, so an idle socket need not carry them.
        transport.request.headers.clear()
        transport.response.headers.clear()
        limit = self._gateway.node.config.server.send_queue_max_bytes
        transport.underlying_transport.set_write_buffer_limits(high=limit // 2, low=limit // 8)
        self.conn = self._gateway.node.open(self._principal, self, self._gateway.spawn)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        conn = self.conn
        if conn is None:
            return
        if frame.rsv1 or frame.rsv2 or frame.rsv3:  # no extension is ever negotiated
            self._fail(conn, "reserved bits set without an extension")
            return
        kind = frame.msg_type
        if kind is WSMsgType.TEXT:
            if self._fragments is not None:
                self._fail(conn, "a new message inside a fragmented one")
            elif frame.fin:
                conn.on_text(frame.get_payload_as_bytes(), time.monotonic())
            else:
                self._fragments = [frame.get_payload_as_bytes()]
                self._fragment_bytes = len(self._fragments[0])
        elif kind is WSMsgType.CONTINUATION:
            self._continue(conn, frame)
        elif kind is WSMsgType.PING:  # answered here, not by picows, so a ping with reserved bits fails
            self._queue(frames.control(frames.PONG, frame.get_payload_as_bytes()))
            conn.on_pong(time.monotonic())
        elif kind is WSMsgType.PONG:
            conn.on_pong(time.monotonic())
        elif kind is WSMsgType.CLOSE:
            self._on_close_frame(conn, transport, frame)
        elif kind is WSMsgType.BINARY:
            if self._fragments is not None:
                self._fail(conn, "a new message inside a fragmented one")
                return
            self._gateway.node.metrics.bad("binary_frame")
            conn.close(CloseCode.UNSUPPORTED_DATA)

    def _on_close_frame(self, conn: Connection, transport: WSTransport, frame: WSFrame) -> None:
        """Answer the peer's close: its code echoed (1000 for an empty close), or 1002 for a code no endpoint
        may send (picows refuses most of them itself, but lets 0, 1006 and 5000 and above through)."""
        if conn.state is State.OPEN and not self._closed_by_picows(conn, transport):
            code = frame.get_close_code().value if frame.payload_size else int(CloseCode.NORMAL)
            if not valid_close_code(code):
                self._fail(conn, f"invalid close code {code}")
                return
            conn.close(code, frame.get_close_reason() or "", initiator="client")
            self.flush()
            transport.send_close(WSCloseCode(code))
        transport.disconnect()

    def _fail(self, conn: Connection, reason: str) -> None:
        """_Fail the WebSocket Connection_ (RFC 6455 section 7.1.7) for a framing violation: 1002."""
        self._fragments = None
        self._gateway.node.metrics.bad("protocol_error", reason)
        conn.close(CloseCode.PROTOCOL_ERROR, reason)

    def _continue(self, conn: Connection, frame: WSFrame) -> None:
        if self._fragments is None:
            self._fail(conn, "a continuation frame without a started message")
            return
        chunk = frame.get_payload_as_bytes()
        self._fragment_bytes += len(chunk)
        if self._fragment_bytes > self._gateway.node.config.server.max_message_bytes:
            self._fragments = None
            self._gateway.node.metrics.bad("oversize_message", f"over {self._fragment_bytes} bytes")
            conn.close(CloseCode.MESSAGE_TOO_BIG)
            return
        self._fragments.append(chunk)
        if frame.fin:
            message, self._fragments = b"".join(self._fragments), None
            conn.on_text(message, time.monotonic())

    def _closed_by_picows(self, conn: Connection, transport: WSTransport) -> bool:
        """picows itself closes on frame-level violations (1002 protocol error, 1009 frame too big);
        record that close as the server's, with its code, and count the bad input."""
        handshake = transport.close_handshake
        if handshake is None or handshake.sent is None:
            return False
        code = handshake.sent.code.value
        kind = "oversize_frame" if code == CloseCode.MESSAGE_TOO_BIG else "protocol_error"
        self._gateway.node.metrics.bad(kind, handshake.sent.reason)
        conn.close(code, handshake.sent.reason, initiator="server", send=False)
        return True

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        conn = self.conn
        if conn is None:
            return
        if conn.state is State.OPEN:
            self._closed_by_picows(conn, transport)
        self._gateway.node.closed(conn, None, "connection lost")
        self.conn = None

    def pause_writing(self) -> None:
        if self.conn is not None:
            self.conn.on_backpressure(True, time.monotonic())

    def resume_writing(self) -> None:
        if self.conn is not None:
            self.conn.on_backpressure(False, time.monotonic())

    # Transport for Connection ----------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Queue a text frame; the socket is written once per loop iteration (``flush``)."""
        out = self._out
        if out is None:
            out = self._out = []
            self._gateway.flush_soon(self)
        out.append(frames.header(len(data)))
        out.append(data)

    def _queue(self, frame: bytes) -> None:
        if self._out is None:
            self._out = []
            self._gateway.flush_soon(self)
        self._out.append(frame)

    def flush(self) -> None:
        """Write every frame queued since the last flush with one ``writelines``."""
        out, self._out = self._out, None
        ws = self._ws
        # A peer that vanished mid-burst: the loss is noticed on write, but picows reports it a little
        # later; writes in between would each log "write() called after connection lost".
        if out and ws is not None and not ws.underlying_transport.is_closing():
            ws.underlying_transport.writelines(out)

    def ping(self) -> None:
        self._queue(frames.control(frames.PING))

    def close(self, code: int, reason: str) -> None:
        ws = self._ws
        if ws is None:
            return
        self.flush()  # what was sent before the close goes before it
        ws.send_close(WSCloseCode(code), reason.encode()[:123])
        asyncio.get_running_loop().call_later(CLOSE_GRACE_SECONDS, ws.disconnect)

    def buffered_bytes(self) -> int:
        return 0 if self._ws is None else int(self._ws.underlying_transport.get_write_buffer_size())


def _upgrade_problem(request: WSUpgradeRequest) -> WSUpgradeResponseWithListener | None:
    """A JSON refusal for a request to /ws that is not a valid RFC 6455 upgrade (picows would answer those
    with text/plain), or None. The ``Connection`` header is a token list (Firefox sends ``keep-alive,
    Upgrade``); picows compares the whole value with ``upgrade``, so a valid list is normalised for it."""
    headers = request.headers
    tokens = {t.strip().lower() for t in headers.get("Connection", "").split(",")}
    if headers.get("Upgrade", "").lower() != "websocket" or "upgrade" not in tokens:
        return _json_response(400, {"error": "not_a_websocket_upgrade",
                                    "detail": "send Upgrade: websocket and Connection: Upgrade"})
    if headers.get("Sec-WebSocket-Version") != "13":
        return _json_response(426, {"error": "unsupported_websocket_version", "detail": "RFC 6455: version 13"},
                              {"Sec-WebSocket-Version": "13"})
    key = headers.get("Sec-WebSocket-Key", "")
    try:
        valid_key = len(base64.b64decode(key.encode("ascii"), validate=True)) == 16
    except (UnicodeEncodeError, binascii.Error):
        valid_key = False
    if not valid_key:
        return _json_response(400, {"error": "bad_websocket_key", "detail": "Sec-WebSocket-Key: 16 bytes, base64"})
    headers["Connection"] = "upgrade"
    return None


def _tls_context(cert_file: str, key_file: str) -> ssl.SSLContext | None:
    """The server's TLS context when a certificate is configured (``wss://`` without a balancer)."""
    if not cert_file and not key_file:
        return None
    if not (cert_file and key_file):
        raise ConfigError("server.tls_cert_file and server.tls_key_file go together")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"server.tls_cert_file/tls_key_file: cannot load: {exc}") from None
    return context


class Gateway:
    """A running gateway: a ``GatewayNode`` behind picows servers on the configured ports."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.node = GatewayNode(config, spawn=self.spawn, call_later=self._call_later)
        self._servers: list[asyncio.AbstractServer | FrontDoor] = []
        self.http: HttpSurface | None = None  # /api and /admin (and the ops endpoints on an internal port)
        self._tick_handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.ports: dict[str, int] = {}
        self._state_handle: asyncio.TimerHandle | None = None
        self._state_due = 0.0
        self._to_flush: list[_SocketListener] = []  # sockets with frames queued in this loop iteration
        self._write_delay = config.server.write_delay  # or for this long (see flush_soon)
        self.backends_up: dict[str, bool] = {"store": True, "bus": True}
        self._checking: asyncio.Task[None] | None = None
        self._last_check = 0.0
        server = config.server
        self.tick_interval = min(1.0, server.heartbeat_interval / 4, server.heartbeat_timeout / 4)

    def _call_later(self, delay: float, callback: Callable[[], None]) -> None:
        assert self._loop is not None
        self._loop.call_later(delay, callback)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        assert self._loop is not None
        return self._loop.create_task(coro)

    def flush_soon(self, listener: _SocketListener) -> None:
        """``listener`` has frames queued: write them at the end of this loop iteration, with every other
        socket's (one ``call_soon`` per iteration, one system call per socket), or ``server.write_delay`` later
        (what every socket queued meanwhile goes in that one call)."""
        if not self._to_flush:
            assert self._loop is not None
            if self._write_delay:
                self._loop.call_later(self._write_delay, self._flush)
            else:
                self._loop.call_soon(self._flush)
        self._to_flush.append(listener)

    def _flush(self) -> None:
        listeners, self._to_flush = self._to_flush, []
        for listener in listeners:
            listener.flush()

    # HTTP and upgrade routing -----------------------------------------------------------------------

    def _ops_response(self, route: str) -> WSUpgradeResponseWithListener | None:
        if route == "/healthz":
            return _json_response(200, {"status": "ok", "node_id": self.node.node_id})
        if route == "/readyz":
            ready, detail = self.readiness()
            return _json_response(200 if ready else 503, {"ready": ready, **detail})
        if route == "/metrics":
            body = generate_latest(self.node.metrics.registry)
            return WSUpgradeResponseWithListener(
                WSUpgradeResponse.create_ok_response(body, {"Content-Type": CONTENT_TYPE_LATEST}), None)
        return None

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether this node should get new sockets, and why not."""
        backends = {name: "up" if up else "down" for name, up in self.backends_up.items()}
        if self.node.draining:
            return False, {"reason": "draining", "backends": backends}
        if not all(self.backends_up.values()):
            return False, {"reason": "backend_down", "backends": backends}
        return True, {"backends": backends}

    async def _check_backends(self) -> None:
        for name, backend in (("store", self.node.stores.connection), ("bus", self.node.bus)):
            try:
                up = await asyncio.wait_for(backend.ping(), 2.0)
            except (TimeoutError, OSError, Exception):  # any failure means "not answering"
                up = False
            if up != self.backends_up[name]:
                log.warning("backend %s is %s", name, "up" if up else "down")
            self.backends_up[name] = up
            self.node.metrics.backend_up.labels(name).set(1 if up else 0)

    def _public_factory(self, request: WSUpgradeRequest) -> Any:
        try:
            return self._route_public(request)
        except Exception:  # a bug, never the client's input: answer JSON, not picows's text/plain 500
            log.exception("upgrade request failed")
            return _json_response(500, {"error": "internal_error"})

    def _route_public(self, request: WSUpgradeRequest) -> Any:
        path = request.path.decode("latin-1")
        route = path.split("?", 1)[0]
        if route == "/ws":
            result = self.node.authenticate(token_from_request(request.headers, path))
            if isinstance(result, Refusal):
                return _json_response(result.status, result.body(), result.headers())
            return _upgrade_problem(request) or _SocketListener(self, result)
        if not self.config.server.internal_port:
            ops = self._ops_response(route)
            if ops is not None:
                return ops
        return _json_response(404, {"error": "not_found"})

    # lifecycle --------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the public port (and the internal one, if configured) and start the timers."""
        self._loop = asyncio.get_running_loop()
        server = self.config.server
        keys = self.node.verifier.keys
        if isinstance(keys, JwksUrlSource):  # warm the cache off the loop, so no upgrade waits for it
            await keys.refresh_soon(self._loop)
        tls = _tls_context(server.tls_cert_file, server.tls_key_file)
        self.http = HttpSurface(self.node.api, self.node.metrics, self.node.node_id, self.config.api.max_body_bytes,
                                self.readiness, ops=bool(server.internal_port))
        await self.http.start()
        self.node.reporter.readiness = lambda: self.readiness()[0]
        if server.internal_port or tls is not None:
            public: asyncio.Server | FrontDoor = await ws_create_server(
                self._public_factory, server.host, server.port,
                ssl=tls,
                reuse_port=server.reuse_port or None,
                websocket_handshake_timeout=server.handshake_timeout,
                max_frame_size=server.max_message_bytes,
                read_buffer_init_size=server.read_buffer_bytes,
                enable_auto_pong=False,  # on_ws_frame answers pings after checking the frame
                logger_name="gateway",
                # uvloop's own transports (about 5.8 KB less per socket than picows's default aiofastnet). They
                # keep a reference to what they could not send at once instead of copying it; picows's send()
                # hands them a view of a buffer it reuses, which corrupted frames queued under back-pressure.
                # The gateway writes its frames itself, as immutable bytes (frames.py), so nothing queued can
                # change (test_frames_queued_under_back_pressure_arrive_intact).
                use_aiofastnet=False,
            )
            if not server.internal_port:
                log.warning("TLS on the public port without server.internal_port: /api and /admin are off "
                            "(set an internal port to serve them)")
        else:  # one port: /api and /admin go to aiohttp, the rest to picows, socket by socket (front_door.py)
            public = FrontDoor(picows_protocol_factory(
                self._public_factory, handshake_timeout=server.handshake_timeout,
                max_frame_size=server.max_message_bytes, read_buffer_init_size=server.read_buffer_bytes,
                enable_auto_pong=False, logger_name="gateway"),  # the same options as ws_create_server's above
                self.http.protocol_factory(), serves, server.handshake_timeout)
            await public.start(server.host, server.port, server.reuse_port)
        self._servers.append(public)
        self.ports["public"] = public.sockets[0].getsockname()[1]
        if server.internal_port:
            internal = await self._loop.create_server(self.http.protocol_factory(), server.internal_host,
                                                      server.internal_port)
            self._servers.append(internal)
            self.ports["internal"] = internal.sockets[0].getsockname()[1]
        await self.node.start()
        await self._check_backends()
        self._schedule_tick()
        self._state_due = self._loop.time()
        self._schedule_state_tick()

    def _schedule_state_tick(self) -> None:
        """The next flush at a fixed period from the previous one's due time, so the time a flush takes
        does not stretch the period (20 Hz stays 20 Hz); a late loop skips ticks rather than bunching."""
        assert self._loop is not None
        period = 1.0 / self.config.state.tick_rate
        self._state_due += period
        now = self._loop.time()
        if self._state_due < now:
            # The loop was busy past the tick's time (a long flush, say): that much lag is real, though the
            # tick is skipped rather than run late, so say so here.
            self.node.metrics.loop_lag.observe(now - self._state_due)
            skipped = int((now - self._state_due) // period) + 1
            self.node.metrics.state_ticks_skipped.inc(skipped)
            self._state_due += skipped * period
        self._state_handle = self._loop.call_at(self._state_due, self._state_tick)

    def _schedule_tick(self) -> None:
        assert self._loop is not None
        self._tick_handle = self._loop.call_later(self.tick_interval, self._tick)

    def _state_tick(self) -> None:
        """Coalesced state deltas go out at ``state.tick_rate``; how late this runs is the loop's lag."""
        assert self._loop is not None
        self.node.metrics.loop_lag.observe(max(0.0, self._loop.time() - self._state_due))
        try:
            self.node.state.flush()
        except Exception:  # the next tick must still run
            log.exception("state tick failed")
        self._schedule_state_tick()

    def _tick(self) -> None:
        try:
            self.node.tick()
            self._refresh_jwks_if_stale()
            now = time.monotonic()
            if now - self._last_check >= self.config.backends.check_interval and (
                    self._checking is None or self._checking.done()):
                self._last_check = now
                self._checking = self.spawn(self._check_backends())
        except Exception:  # housekeeping must keep running
            log.exception("tick failed")
        self._schedule_tick()

    def _refresh_jwks_if_stale(self) -> None:
        keys = self.node.verifier.keys
        if isinstance(keys, JwksUrlSource) and keys.is_stale():
            assert self._loop is not None
            keys.refresh_soon(self._loop)

    async def drain(self, interrupted: asyncio.Event | None = None) -> None:
        """SIGTERM: ``/readyz`` turns 503 and upgrades are refused at once (the listener stays up so
        balancer health checks see it), every client gets ``server.draining``, and whoever is still
        connected when they have all left, at ``server.drain_timeout``, or at a second signal, is closed
        with 1012. Sessions stay in the store, so clients resume on another node."""
        timeout = self.config.server.drain_timeout
        told = self.node.start_drain(timeout)
        log.info("draining: %d connections told, closing with 1012 within %.1f s", told, timeout)
        end = time.monotonic() + timeout
        while len(self.node.registry) and time.monotonic() < end and not (interrupted and interrupted.is_set()):
            await asyncio.sleep(0.05)
        await self.stop(CloseCode.SERVICE_RESTART)

    async def stop(self, code: CloseCode = CloseCode.GOING_AWAY, deadline: float = 5.0) -> None:
        """Stop accepting, close every connection with ``code`` and wait up to ``deadline`` seconds."""
        self.node.draining = True
        self.node.metrics.draining.set(1)
        for srv in self._servers:
            srv.close()
        self.node.close_all(code)
        end = time.monotonic() + deadline
        while len(self.node.registry) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        for handle in (self._tick_handle, self._state_handle):
            if handle is not None:
                handle.cancel()
        if self.http is not None:
            await self.http.stop()
        await self.node.close_backends()

    async def serve_forever(self, on_ready: Callable[[Gateway], None] | None = None) -> None:
        """Start, report readiness, and run until SIGTERM or SIGINT; then drain (a second signal cuts the
        drain short)."""
        await self.start()
        loop = asyncio.get_running_loop()
        signalled = asyncio.Event()
        interrupted = asyncio.Event()

        def on_signal() -> None:
            # Refuse upgrades from this callback on, not from when the drain coroutine next runs: a balancer
            # retries a 503 elsewhere, but a socket accepted in between would have to move again.
            self.node.draining = True
            (interrupted if signalled.is_set() else signalled).set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal)
        if on_ready is not None:
            on_ready(self)
        await signalled.wait()
        await self.drain(interrupted)


def run(config: Config, on_ready: Callable[[Gateway], None] | None = None) -> None:
    """Run a gateway on uvloop (when installed) until it is signalled to stop."""
    gateway = Gateway(config)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform
        asyncio.run(gateway.serve_forever(on_ready))
    else:
        uvloop.run(gateway.serve_forever(on_ready))
