"""One public port for picows and aiohttp (``server.internal_port = 0``, as ``make run`` starts): the front door
accepts each socket, peeks at its request line without reading it (``MSG_PEEK``), and hands the socket itself to
the server that owns the path: aiohttp for ``/api`` and ``/admin`` (``http_surface.serves``), picows for
everything else (``/ws``, ``/healthz``...). Either then reads the request from its first byte as if it had
accepted the socket, and the front door is out of the way: a WebSocket's frames never pass through it (one peek
per connection, nothing per message; docs/architecture.md and docs/performance.md give the measured cost).

With an internal port (production), none of this runs: picows listens on the public port directly.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("realtimenet.front_door")

PEEK_BYTES = 2048  # a request line longer than this goes to picows, which refuses it
RETRY_SECONDS = 0.005  # the request line arrived in parts: look again shortly (never busy-wait on the reader)

async def _connect_accepted(loop: asyncio.AbstractEventLoop, factory: Callable[[], Any], sock: socket.socket) -> None:
    """Wrap an accepted socket in the loop's own transport (uvloop's), as ``ws_create_server`` does with
    ``use_aiofastnet=False`` (server.py says why)."""
    await loop.connect_accepted_socket(factory, sock)


def picows_protocol_factory(listener_factory: Callable[..., Any], *, handshake_timeout: float, max_frame_size: int,
                            read_buffer_init_size: int, enable_auto_pong: bool, logger_name: str) -> Callable[[], Any]:
    """picows's per-connection protocol, built as ``picows.ws_create_server`` builds it (picows 2.x), for sockets
    the front door accepted."""
    from picows.picows import WSAutoPingStrategy, WSProtocol  # type: ignore[attr-defined]

    logger = logging.getLogger(f"picows.{logger_name}")

    def factory() -> Any:
        # (host and port, path, client side, listener factory, logger, disconnect on exception, handshake
        # timeout, auto ping, its idle and reply timeouts, its strategy, auto pong, max frame, extra headers,
        # initial read buffer), in ws_create_server's order
        return WSProtocol(None, None, False, listener_factory, logger, True, handshake_timeout,
                          False, 20, 20, WSAutoPingStrategy.PING_WHEN_IDLE, enable_auto_pong, max_frame_size, None,
                          read_buffer_init_size)

    return factory


def request_path(head: bytes) -> str | None:
    """The path of an HTTP request line (``GET /ws?x=1 HTTP/1.1`` -> ``/ws``), None until the line is complete."""
    line, found, _ = head.partition(b"\r\n")
    if not found:
        return None
    parts = line.split(b" ")
    if len(parts) != 3:
        return ""
    return parts[1].split(b"?", 1)[0].decode("latin-1")


class FrontDoor:
    """Accepts on one listening socket and hands each connection over by its request path."""

    def __init__(self, websocket_factory: Callable[[], Any], http_factory: Callable[[], Any],
                 goes_to_http: Callable[[str], bool], handshake_timeout: float) -> None:
        self._ws_factory = websocket_factory
        self._http_factory = http_factory
        self._goes_to_http = goes_to_http
        self._timeout = handshake_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: socket.socket | None = None
        self._waiting: dict[int, tuple[socket.socket, float]] = {}
        self._handovers: set[asyncio.Task[None]] = set()
        self.sockets: list[socket.socket] = []

    async def start(self, host: str, port: int, reuse_port: bool) -> None:
        """Bind and start accepting."""
        self._loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            listener.bind((host, port))
        except OSError:
            listener.close()
            raise
        listener.listen(1024)
        listener.setblocking(False)
        self._listener = listener
        self.sockets = [listener]
        self._loop.add_reader(listener.fileno(), self._accept)

    def close(self) -> None:
        """Stop accepting; connections not handed over yet are dropped."""
        if self._loop is not None and self._listener is not None:
            self._loop.remove_reader(self._listener.fileno())
            self._listener.close()
            self._listener = None
        for fd, (sock, _) in list(self._waiting.items()):
            self._forget(fd)
            sock.close()

    def _accept(self) -> None:
        assert self._listener is not None and self._loop is not None
        deadline = time.monotonic() + self._timeout
        for _ in range(64):  # a burst of connections, without starving the loop
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors, say: the listener stays, the peer retries
                log.warning("accept failed: %s", exc)
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._waiting[sock.fileno()] = (sock, deadline)
            self._loop.add_reader(sock.fileno(), self._peek, sock.fileno())

    def _forget(self, fd: int) -> None:
        assert self._loop is not None
        self._loop.remove_reader(fd)
        self._waiting.pop(fd, None)

    def _peek(self, fd: int) -> None:
        assert self._loop is not None
        sock, deadline = self._waiting[fd]
        try:
            head = sock.recv(PEEK_BYTES, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            head = b""
        if not head:  # the peer went away before saying anything
            self._forget(fd)
            sock.close()
            return
        path = request_path(head)
        if path is None and len(head) < PEEK_BYTES:
            self._forget(fd)
            if time.monotonic() >= deadline:
                sock.close()  # a request line that never completes (slowloris)
                return
            self._waiting[fd] = (sock, deadline)
            self._loop.call_later(RETRY_SECONDS, self._rearm, fd)
            return
        self._forget(fd)
        factory = self._http_factory if path and self._goes_to_http(path) else self._ws_factory
        task = self._loop.create_task(self._hand_over(sock, factory))
        self._handovers.add(task)
        task.add_done_callback(self._handovers.discard)

    def _rearm(self, fd: int) -> None:
        if fd in self._waiting and self._loop is not None:
            self._loop.add_reader(fd, self._peek, fd)

    async def _hand_over(self, sock: socket.socket, factory: Callable[[], Any]) -> None:
        assert self._loop is not None
        try:
            await _connect_accepted(self._loop, factory, sock)
        except OSError as exc:
            log.debug("hand-over failed: %s", exc)
            sock.close()
