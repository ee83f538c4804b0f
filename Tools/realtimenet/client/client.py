"""A blocking, thread-safe JSON-RPC client over websocket-client.

One reader thread owns the socket's receive side: it answers pings, resolves pending calls by id, and
hands notifications to a callback and to a bounded queue. Calls from any thread send under
websocket-client's lock and wait on their own future. Close codes surface as ``ConnectionClosed``.

Session recovery (``session.resume``) builds on ``Client.welcome``: it holds the resume token.
"""

from __future__ import annotations

import itertools
import json
import queue
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import msgspec
import websocket
from msgspec import UNSET

from realtimenet.exceptions import CallTimeout, ConnectFailed, ConnectionClosed, RemoteError
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.messages import SessionWelcomeParams

_NO_STATUS = 1005
_ABNORMAL = 1006


@dataclass(frozen=True)
class Notification:
    """A server-to-client notification."""

    method: str
    params: Any


@dataclass(frozen=True)
class BatchCall:
    """One item of ``Client.batch``; ``notify`` items get no answer."""

    method: str
    params: Any = None
    notify: bool = False


def _decode_params(raw: Any) -> Any:
    return None if raw is UNSET else msgspec.json.decode(raw)


class Client:
    """A connected session. Create with ``Client.connect``."""

    def __init__(self, ws: websocket.WebSocket, on_notification: Callable[[Notification], None] | None,
                 queue_size: int) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int | str, Future[Any]] = {}
        self._lock = threading.Lock()
        self._on_notification = on_notification
        self.notifications: queue.Queue[Notification] = queue.Queue(maxsize=queue_size)
        self.dropped_notifications = 0
        # Responses no call was waiting for (e.g. errors with id null, answers to ``send_raw``).
        self.unmatched: queue.Queue[jsonrpc.Incoming] = queue.Queue(maxsize=queue_size)
        self.welcome: SessionWelcomeParams | None = None
        self._welcomed = threading.Event()
        self.closed: ConnectionClosed | None = None
        self._reader = threading.Thread(target=self._read_loop, name="realtimenet-client-reader", daemon=True)
        self._reader.start()

    # ----- connecting -------------------------------------------------------------------------------

    @classmethod
    def connect(cls, url: str, token: str | None = None, *, timeout: float = 5.0,
                on_notification: Callable[[Notification], None] | None = None, query_token: bool = False,
                queue_size: int = 10_000, sslopt: dict[str, Any] | None = None) -> Client:
        """Open a session: the JWT goes in ``Authorization: Bearer`` (or ``?access_token=`` when
        ``query_token``); returns once ``session.welcome`` has arrived.

        Raises ``ConnectFailed`` with the HTTP status and the gateway's JSON reason when refused.
        """
        headers = []
        if token and query_token:
            url += ("&" if "?" in url else "?") + "access_token=" + token
        elif token:
            headers.append(f"Authorization: Bearer {token}")
        ws = websocket.WebSocket(enable_multithread=True, sslopt=sslopt)
        try:
            ws.connect(url, header=headers, timeout=timeout)  # type: ignore[no-untyped-call]
        except websocket.WebSocketBadStatusException as exc:
            body: dict[str, Any] = {}
            try:
                body = json.loads(exc.resp_body or b"{}")
            except ValueError:
                pass
            raise ConnectFailed(exc.status_code, str(body.get("error", exc.status_message)), body) from None
        except (OSError, websocket.WebSocketException) as exc:
            raise ConnectFailed(0, str(exc)) from None
        ws.settimeout(None)
        client = cls(ws, on_notification, queue_size)
        if not client._welcomed.wait(timeout):
            client.abort()
            raise ConnectFailed(0, "no session.welcome within the timeout")
        if client.welcome is None:
            raise client.closed or ConnectFailed(0, "closed before session.welcome")
        return client

    # ----- calls ------------------------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        if self.closed is not None:
            raise self.closed
        try:
            self._ws.send(data, websocket.ABNF.OPCODE_TEXT)
        except (OSError, websocket.WebSocketException):
            raise self.closed or ConnectionClosed(_ABNORMAL, "send failed") from None

    def _register(self) -> tuple[int, Future[Any]]:
        rid = next(self._ids)
        future: Future[Any] = Future()
        with self._lock:
            if self.closed is not None:
                raise self.closed
            self._pending[rid] = future
        return rid, future

    def call(self, method: str, params: Any = None, timeout: float = 10.0) -> Any:
        """Call ``method`` and return its decoded result; raise ``RemoteError``, ``CallTimeout`` or
        ``ConnectionClosed``."""
        rid, future = self._register()
        try:
            self._send(jsonrpc.encode_call(method, UNSET if params is None else params, rid))
            return future.result(timeout)
        except FutureTimeout:
            raise CallTimeout(f"{method} got no answer within {timeout} s") from None
        finally:
            with self._lock:
                self._pending.pop(rid, None)

    def notify(self, method: str, params: Any = None) -> None:
        """Send a JSON-RPC notification (no answer)."""
        self._send(jsonrpc.encode_call(method, UNSET if params is None else params))

    def send_raw(self, data: bytes | str, binary: bool = False) -> None:
        """Send a frame as-is (testing malformed input)."""
        opcode = websocket.ABNF.OPCODE_BINARY if binary else websocket.ABNF.OPCODE_TEXT
        self._ws.send(data, opcode)

    def batch(self, calls: Iterable[BatchCall], timeout: float = 10.0) -> list[Any]:
        """Send one batch frame; returns, in order, each call's result or its ``RemoteError``
        (``None`` for notifications)."""
        items: list[bytes] = []
        futures: list[Future[Any] | None] = []
        registered: list[int] = []
        try:
            for call in calls:
                params = UNSET if call.params is None else call.params
                if call.notify:
                    items.append(jsonrpc.encode_call(call.method, params))
                    futures.append(None)
                else:
                    rid, future = self._register()
                    registered.append(rid)
                    items.append(jsonrpc.encode_call(call.method, params, rid))
                    futures.append(future)
            self._send(jsonrpc.encode_batch(items))
            deadline = time.monotonic() + timeout
            results: list[Any] = []
            for waiting in futures:
                if waiting is None:
                    results.append(None)
                    continue
                try:
                    results.append(waiting.result(max(0.0, deadline - time.monotonic())))
                except RemoteError as exc:
                    results.append(exc)
                except FutureTimeout:
                    raise CallTimeout(f"batch got no complete answer within {timeout} s") from None
            return results
        finally:
            with self._lock:
                for rid in registered:
                    self._pending.pop(rid, None)

    def wait_notification(self, method: str | None = None, timeout: float = 5.0) -> Notification:
        """Next queued notification (of ``method``, skipping others); raises ``CallTimeout``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CallTimeout(f"no {method or 'notification'} within {timeout} s")
            try:
                item = self.notifications.get(timeout=remaining)
            except queue.Empty:
                continue
            if method is None or item.method == method:
                return item

    # ----- closing ----------------------------------------------------------------------------------

    def close(self, code: int = 1000, reason: str = "", timeout: float = 3.0) -> ConnectionClosed:
        """Close gracefully; returns the close as the server confirmed it."""
        if self.closed is None:
            try:
                self._ws.send_close(code, reason.encode())
            except (OSError, websocket.WebSocketException):
                pass
            self._reader.join(timeout)
        self.abort()
        assert self.closed is not None
        return self.closed

    def abort(self) -> None:
        """Drop the socket without a close handshake (simulates a lost network)."""
        sock = self._ws.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader thread blocked in recv
            except OSError:
                pass
        try:
            self._ws.shutdown()  # type: ignore[no-untyped-call]
        except OSError:
            pass
        self._reader.join(1.0)
        self._finish(ConnectionClosed(_ABNORMAL, "connection aborted"))

    def wait_closed(self, timeout: float = 10.0) -> ConnectionClosed:
        """Block until the server closes the socket; returns how it was closed."""
        self._reader.join(timeout)
        if self.closed is None:
            raise CallTimeout(f"socket still open after {timeout} s")
        return self.closed

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- reader thread ----------------------------------------------------------------------------

    def _finish(self, closed: ConnectionClosed) -> None:
        with self._lock:
            if self.closed is None:
                self.closed = closed
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(self.closed)
        self._welcomed.set()

    def _read_loop(self) -> None:
        closed = ConnectionClosed(_ABNORMAL, "connection lost")
        try:
            while True:
                opcode, frame = self._ws.recv_data_frame(True)
                if opcode == websocket.ABNF.OPCODE_TEXT:
                    self._dispatch(frame.data)
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    closed = self._close_from(frame.data)
                    break
        except (OSError, websocket.WebSocketException, ValueError):
            pass
        finally:
            self._finish(closed)

    @staticmethod
    def _close_from(data: bytes) -> ConnectionClosed:
        if len(data) < 2:
            return ConnectionClosed(_NO_STATUS, "")
        return ConnectionClosed(struct.unpack("!H", data[:2])[0], data[2:].decode("utf-8", "replace"))

    def _dispatch(self, data: bytes) -> None:
        try:
            incoming = jsonrpc.decode_incoming(data)
        except msgspec.DecodeError:
            return  # not JSON-RPC: nothing can be matched to it
        for item in incoming if isinstance(incoming, list) else (incoming,):
            if item.method is not UNSET:
                self._notification(item)
            elif item.id is not UNSET:
                self._response(item)

    def _response(self, item: jsonrpc.Incoming) -> None:
        with self._lock:
            future = self._pending.get(item.id)  # type: ignore[arg-type]
        if future is None or future.done():
            try:
                self.unmatched.put_nowait(item)
            except queue.Full:
                pass
            return
        if item.error is not UNSET:
            err = item.error
            future.set_exception(RemoteError(err.code, err.message, None if err.data is UNSET else err.data))
        else:
            future.set_result(_decode_params(item.result))

    def _notification(self, item: jsonrpc.Incoming) -> None:
        method = str(item.method)
        if method == "session.welcome" and self.welcome is None:
            self.welcome = msgspec.json.decode(item.params, type=SessionWelcomeParams)  # type: ignore[arg-type]
            self._welcomed.set()
        note = Notification(method, _decode_params(item.params))
        if self._on_notification is not None:
            self._on_notification(note)
        try:
            self.notifications.put_nowait(note)
        except queue.Full:
            self.dropped_notifications += 1
