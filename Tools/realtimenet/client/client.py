"""A blocking, thread-safe JSON-RPC client over websocket-client, with automatic resume.

One reader thread per socket owns its receive side: it answers pings, resolves pending calls by id, and
hands notifications to a callback and to a bounded queue. Calls from any thread send under
websocket-client's lock and wait on their own future. Close codes surface as ``ConnectionClosed``.

With ``auto_reconnect``, a socket lost with a code that says "reconnect" is replaced after a
decorrelated-jitter backoff, and ``session.resume`` replays what was missed; the client drops
publications it has already seen (by stream offset), so callers see every event once, in order.
Streams the gateway cannot replay are reported through ``on_event`` as ``resync`` so the game reloads.
Calls made meanwhile wait (within their own timeout) until the session is resumed, or started afresh after
a refused resume, and then go out in the order they were made (``resume_gate.py``). A resume the gateway
answers with -32009 (a store or bus outage) is retried for ``resume_retry_for`` seconds after the socket was
lost: as long as the session may live in the gateway's store.

With a ``token_provider`` (as centrifuge clients' ``getToken``), long sessions never need a restart: the client
asks it for a fresh JWT shortly before the current one expires and swaps it in with ``auth.refresh``, again
when the gateway says ``session.token_expiring``, and before reconnecting after a 4001 close or an upgrade
refused as expired.
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
from dataclasses import dataclass, field
from typing import Any

import msgspec
import websocket
from msgspec import UNSET

from realtimenet.client.backoff import Backoff
from realtimenet.client.resume_gate import ResumeGate
from realtimenet.exceptions import CallTimeout, ConnectFailed, ConnectionClosed, RemoteError
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import CloseCode, ErrorCode
from realtimenet.protocol.messages import SessionWelcomeParams
from realtimenet.protocol.streams import player_stream, room_stream

_NO_STATUS = 1005
MIN_REFRESH_INTERVAL = 1.0  # seconds between scheduled token refreshes, however short the tokens
SPENT_TOKEN_RETRY_FOR = 10.0  # seconds a token refused as used is asked again after an abandoned resume
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


@dataclass(frozen=True)
class ClientEvent:
    """Connection lifecycle for UIs: ``draining`` (deadline: the node is shutting down), ``reconnecting``
    (attempt, delay), ``resumed`` (result), ``resync`` (stream: reload its snapshot), ``resume_failed``
    (reason), ``gave_up`` (close), ``token_refreshed`` (expires_at), ``token_refresh_failed`` (reason)."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


def _decode_params(raw: Any) -> Any:
    return None if raw is UNSET else msgspec.json.decode(raw)


class _Socket:
    """One WebSocket and its reader thread."""

    def __init__(self, ws: websocket.WebSocket) -> None:
        self.ws = ws
        self.closed: ConnectionClosed | None = None
        self.welcome: SessionWelcomeParams | None = None
        self.welcomed = threading.Event()
        self.reader: threading.Thread | None = None


class Client:
    """A connected session. Create with ``Client.connect``."""

    def __init__(self, url: str | list[str], token: str | None, *, timeout: float, query_token: bool,
                 on_notification: Callable[[Notification], None] | None, queue_size: int,
                 sslopt: dict[str, Any] | None, auto_reconnect: bool, backoff: Backoff | None,
                 on_event: Callable[[ClientEvent], None] | None,
                 token_provider: Callable[[], str] | None = None, resume_retry_for: float = 120.0) -> None:
        self.urls = [url] if isinstance(url, str) else list(url)
        self.url = self.urls[0]
        self.token_provider = token_provider
        self.token = token if token is not None or token_provider is None else token_provider()
        self._refresh_timer: threading.Timer | None = None
        self._token_expired = False  # the last close was 4001 (or an upgrade refused as expired)
        self._timeout = timeout
        self._query_token = query_token
        self._sslopt = sslopt
        self._ids = itertools.count(1)
        self._pending: dict[int | str, Future[Any]] = {}
        self._lock = threading.Lock()
        self._on_notification = on_notification
        self._on_event = on_event
        self.notifications: queue.Queue[Notification] = queue.Queue(maxsize=queue_size)
        # Responses no call was waiting for (e.g. errors with id null, answers to ``send_raw``).
        self.unmatched: queue.Queue[jsonrpc.Incoming] = queue.Queue(maxsize=queue_size)
        self.dropped_notifications = 0
        self.duplicates_dropped = 0
        self.welcome: SessionWelcomeParams | None = None
        self.resume_token: str | None = None
        self.positions: dict[str, tuple[str, int]] = {}  # stream -> (epoch, last offset seen)
        self.rooms: set[str] = set()
        self.state_encodings: dict[str, str] = {}  # room -> state_encoding asked for in room.join
        self.auto_reconnect = auto_reconnect
        self.backoff = backoff or Backoff()
        self.resume_retry_for = resume_retry_for
        self._closing = False
        self._resume_abandoned = False  # a session.resume went out on a socket given up before its answer
        self._reconnecting = False  # one reconnect loop at a time (guarded by _lock)
        self._reconnect_thread: threading.Thread | None = None
        self._gate = ResumeGate()  # closed while reconnecting (changed under _lock, with _reconnecting)
        self._socket: _Socket | None = None

    # ----- connecting -------------------------------------------------------------------------------

    @classmethod
    def connect(cls, url: str | list[str], token: str | None = None, *, timeout: float = 5.0,
                on_notification: Callable[[Notification], None] | None = None, query_token: bool = False,
                queue_size: int = 10_000, sslopt: dict[str, Any] | None = None, auto_reconnect: bool = False,
                backoff: Backoff | None = None, on_event: Callable[[ClientEvent], None] | None = None,
                token_provider: Callable[[], str] | None = None, resume_retry_for: float = 120.0) -> Client:
        """Open a session: the JWT goes in ``Authorization: Bearer`` (or ``?access_token=`` when
        ``query_token``); returns once ``session.welcome`` has arrived. With several URLs (gateway
        nodes), reconnects move on to the next one. ``token_provider`` returns a fresh JWT when called (the
        first one too, when ``token`` is None); see the module docstring for when it is called.

        With ``auto_reconnect``: ``backoff`` spaces the reconnect attempts (and the resume retries below);
        calls made while reconnecting wait for the resume within their own timeout; ``resume_retry_for`` is
        how long after losing its socket the client goes on retrying a ``session.resume`` answered -32009
        (backend unavailable) before starting a fresh session. Set it to the gateway's ``sessions.ttl`` (120 s
        by default; the gateway does not tell clients): a session is not resumable for longer than that.

        Raises ``ConnectFailed`` with the HTTP status and the gateway's JSON reason when refused.
        """
        client = cls(url, token, timeout=timeout, query_token=query_token, on_notification=on_notification,
                     queue_size=queue_size, sslopt=sslopt, auto_reconnect=auto_reconnect, backoff=backoff,
                     on_event=on_event, token_provider=token_provider, resume_retry_for=resume_retry_for)
        client._open()
        return client

    def _open(self) -> None:
        """Open a socket and wait for its welcome; becomes the client's current socket."""
        url, headers = self.url, []
        if self.token and self._query_token:
            url += ("&" if "?" in url else "?") + "access_token=" + self.token
        elif self.token:
            headers.append(f"Authorization: Bearer {self.token}")
        ws = websocket.WebSocket(enable_multithread=True, sslopt=self._sslopt)
        try:
            ws.connect(url, header=headers, timeout=self._timeout)  # type: ignore[no-untyped-call]
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
        sock = _Socket(ws)
        with self._lock:
            self._socket = sock
        sock.reader = threading.Thread(target=self._read_loop, args=(sock,), name="realtimenet-client-reader",
                                       daemon=True)
        sock.reader.start()
        if not sock.welcomed.wait(self._timeout):
            self._abort(sock)
            raise ConnectFailed(0, "no session.welcome within the timeout")
        if sock.closed is not None:
            raise sock.closed
        self._token_expired = False
        if sock.welcome is not None:
            self._schedule_refresh(sock.welcome.token_expires_at)

    @property
    def closed(self) -> ConnectionClosed | None:
        """How the current socket closed, or None while it is open."""
        sock = self._socket
        return None if sock is None else sock.closed

    # ----- calls ------------------------------------------------------------------------------------

    def _closed_error(self) -> ConnectionClosed:
        sock = self._socket
        return sock.closed if sock is not None and sock.closed else ConnectionClosed(_ABNORMAL, "not connected")

    def _take_turn(self, what: str, timeout: float) -> tuple[object | None, float]:
        """While the client reconnects, wait (at most ``timeout``) until the session is resumed: the turn to
        hand back once the frame is written (None when nothing waited) and what is left of ``timeout``.

        The reconnect thread never waits: what it sends is the resume itself, and whatever the game's
        ``on_event`` handlers send from it would otherwise wait for the end of the reconnect they run in."""
        if self._gate.passable or threading.current_thread() is self._reconnect_thread:
            return None, timeout
        started = time.monotonic()
        turn = self._gate.wait_turn(timeout)
        if turn is None:
            raise CallTimeout(f"{what}: the client was still reconnecting after {timeout} s")
        if self._closing:  # released by close(): never out on a socket a late reconnect attempt opened
            self._gate.leave(turn)
            raise self._closed_error()
        return turn, max(0.0, timeout - (time.monotonic() - started))

    def _leave(self, turn: object | None) -> None:
        if turn is not None:
            self._gate.leave(turn)

    def _send(self, data: bytes, sock: _Socket | None) -> None:
        """Write a frame on ``sock``: the socket its calls were registered on, never one that replaced it since
        (their answers could not come back on it)."""
        if sock is None or sock.closed is not None:
            raise sock.closed if sock is not None and sock.closed is not None else self._closed_error()
        try:
            sock.ws.send(data, websocket.ABNF.OPCODE_TEXT)
        except (OSError, websocket.WebSocketException):
            raise sock.closed or ConnectionClosed(_ABNORMAL, "send failed") from None

    def _register(self) -> tuple[int, Future[Any], _Socket]:
        rid = next(self._ids)
        future: Future[Any] = Future()
        with self._lock:
            sock = self._socket
            if sock is None or sock.closed is not None:
                raise self._closed_error()
            self._pending[rid] = future
        return rid, future, sock

    def call(self, method: str, params: Any = None, timeout: float = 10.0) -> Any:
        """Call ``method`` and return its decoded result; raise ``RemoteError``, ``CallTimeout`` or
        ``ConnectionClosed``. While the client reconnects, the call waits for the resume first (within
        ``timeout``); once the client gave up or is closed, it fails at once with ``ConnectionClosed``."""
        return self._call(method, params, timeout, wait_for_resume=True)

    def _call(self, method: str, params: Any, timeout: float, *, wait_for_resume: bool) -> Any:
        turn, left = self._take_turn(method, timeout) if wait_for_resume else (None, timeout)
        rid: int | None = None
        try:
            rid, future, sock = self._register()
            self._send(jsonrpc.encode_call(method, UNSET if params is None else params, rid), sock)
            self._leave(turn)
            turn = None
            return future.result(left)
        except FutureTimeout:
            raise CallTimeout(f"{method} got no answer within {timeout} s") from None
        finally:
            self._leave(turn)
            if rid is not None:
                with self._lock:
                    self._pending.pop(rid, None)

    def notify(self, method: str, params: Any = None, timeout: float = 10.0) -> None:
        """Send a JSON-RPC notification (no answer); while the client reconnects, it waits for the resume as a
        call does (``timeout``)."""
        turn, _ = self._take_turn(method, timeout)
        try:
            self._send(jsonrpc.encode_call(method, UNSET if params is None else params), self._socket)
        finally:
            self._leave(turn)

    def send_raw(self, data: bytes | str, binary: bool = False) -> None:
        """Send a frame as-is (testing malformed input)."""
        sock = self._socket
        assert sock is not None
        opcode = websocket.ABNF.OPCODE_BINARY if binary else websocket.ABNF.OPCODE_TEXT
        sock.ws.send(data, opcode)

    def batch(self, calls: Iterable[BatchCall], timeout: float = 10.0) -> list[Any]:
        """Send one batch frame; returns, in order, each call's result or its ``RemoteError``
        (``None`` for notifications). While the client reconnects, the batch waits as ``call`` does."""
        items: list[bytes] = []
        futures: list[Future[Any] | None] = []
        registered: list[int] = []
        turn, left = self._take_turn("batch", timeout)
        try:
            sock: _Socket | None = None
            for call in calls:
                params = UNSET if call.params is None else call.params
                if call.notify:
                    items.append(jsonrpc.encode_call(call.method, params))
                    futures.append(None)
                else:
                    rid, future, registered_on = self._register()
                    sock = sock or registered_on
                    registered.append(rid)
                    items.append(jsonrpc.encode_call(call.method, params, rid))
                    futures.append(future)
            self._send(jsonrpc.encode_batch(items), sock or self._socket)
            self._leave(turn)
            turn = None
            deadline = time.monotonic() + left
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
            self._leave(turn)
            with self._lock:
                for rid in registered:
                    self._pending.pop(rid, None)

    # ----- rooms (tracked, so that a resume can ask for exactly what was missed) -------------------------

    def join(self, room: str, timeout: float = 10.0, *, state_encoding: str | None = None) -> Any:
        """``room.join``, remembering the room stream's position (and ``state_encoding``, asked again after
        a resume: the compact entity encoding is a choice of the socket, not of the session)."""
        params = {"room": room} if state_encoding is None else {"room": room, "state_encoding": state_encoding}
        result = self.call("room.join", params, timeout)
        self.rooms.add(room)
        if state_encoding is None:
            self.state_encodings.pop(room, None)
        else:
            self.state_encodings[room] = state_encoding
        self._advance(result["stream"], result["epoch"], result["offset"])
        return result

    def leave(self, room: str, timeout: float = 10.0) -> Any:
        """``room.leave``."""
        result = self.call("room.leave", {"room": room}, timeout)
        self.rooms.discard(room)
        self.state_encodings.pop(room, None)
        self.positions.pop(room_stream(room), None)
        return result

    def publish(self, room: str, data: Any, timeout: float = 10.0) -> Any:
        """``room.publish``."""
        return self.call("room.publish", {"room": room, "data": data}, timeout)

    def _advance(self, stream: str, epoch: str, offset: int) -> bool:
        """Record a publication's position; False if it was already seen (a duplicate)."""
        with self._lock:
            known = self.positions.get(stream)
            if known is not None and known[0] == epoch and offset <= known[1]:
                return False
            self.positions[stream] = (epoch, offset)
            return True

    # ----- notifications ----------------------------------------------------------------------------

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
        """Close gracefully (no reconnect); returns the close as the server confirmed it. Calls waiting for a
        reconnect fail at once with ``ConnectionClosed``."""
        self._closing = True
        self._gate.open()
        if self._refresh_timer is not None:
            self._refresh_timer.cancel()
        sock = self._socket
        assert sock is not None
        if sock.closed is None:
            try:
                sock.ws.send_close(code, reason.encode())
            except (OSError, websocket.WebSocketException):
                pass
            if sock.reader is not None:
                sock.reader.join(timeout)
        self._abort(sock)
        assert sock.closed is not None
        return sock.closed

    def abort(self) -> None:
        """Drop the socket without a close handshake (simulates a lost network; no reconnect)."""
        self._closing = True
        self._gate.open()
        if self._socket is not None:
            self._abort(self._socket)

    def drop_network(self) -> None:
        """Drop the socket without a close handshake, as a lost network would: with ``auto_reconnect``
        the client reconnects and resumes."""
        if self._socket is not None:
            self._abort(self._socket, reconnect=True)

    def _abort(self, sock: _Socket, reconnect: bool = False) -> None:
        raw = sock.ws.sock
        if raw is not None:
            try:
                raw.shutdown(socket.SHUT_RDWR)  # wakes the reader thread blocked in recv
            except OSError:
                pass
        try:
            sock.ws.shutdown()  # type: ignore[no-untyped-call]
        except OSError:
            pass
        if sock.reader is not None and sock.reader is not threading.current_thread() and not reconnect:
            sock.reader.join(1.0)
        self._finish(sock, ConnectionClosed(_ABNORMAL, "connection aborted"))

    def wait_closed(self, timeout: float = 10.0) -> ConnectionClosed:
        """Block until the server closes the current socket; returns how it was closed."""
        sock = self._socket
        assert sock is not None and sock.reader is not None
        sock.reader.join(timeout)
        if sock.closed is None:
            raise CallTimeout(f"socket still open after {timeout} s")
        return sock.closed

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.closed is None:
            self.close()

    # ----- reader thread ----------------------------------------------------------------------------

    def _finish(self, sock: _Socket, closed: ConnectionClosed) -> None:
        with self._lock:
            if sock.closed is not None:
                return
            sock.closed = closed
            pending, self._pending = self._pending, {}
            # Only the current socket's end matters: an older one (a reconnect attempt given up, a socket
            # already replaced) closing later, even with a terminal code, changes nothing. While a reconnect
            # loop runs, it handles the current socket's end itself.
            current = sock is self._socket and not self._reconnecting
            reconnect = (current and self.auto_reconnect and not self._closing and closed.should_reconnect
                         and self.welcome is not None)
            if reconnect:
                self._reconnecting = True
                self._gate.close()  # calls made from now on wait for the resume
                self._reconnect_thread = threading.Thread(target=self._reconnect, name="realtimenet-client-reconnect",
                                                          daemon=True)
            thread = self._reconnect_thread if reconnect else None
        if closed.code == CloseCode.TOKEN_EXPIRED:
            self._token_expired = True
        for future in pending.values():
            if not future.done():
                future.set_exception(closed)
        sock.welcomed.set()
        if thread is not None:
            thread.start()
        elif current and self.auto_reconnect and not self._closing and not closed.should_reconnect:
            self._emit("gave_up", code=closed.code, reason=closed.reason)

    def _read_loop(self, sock: _Socket) -> None:
        closed = ConnectionClosed(_ABNORMAL, "connection lost")
        try:
            while True:
                opcode, frame = sock.ws.recv_data_frame(True)
                if opcode == websocket.ABNF.OPCODE_TEXT:
                    self._dispatch(sock, frame.data)
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    closed = self._close_from(frame.data)
                    break
        except (OSError, websocket.WebSocketException, ValueError):
            pass
        finally:
            self._finish(sock, closed)

    @staticmethod
    def _close_from(data: bytes) -> ConnectionClosed:
        if len(data) < 2:
            return ConnectionClosed(_NO_STATUS, "")
        return ConnectionClosed(struct.unpack("!H", data[:2])[0], data[2:].decode("utf-8", "replace"))

    def _dispatch(self, sock: _Socket, data: bytes) -> None:
        try:
            incoming = jsonrpc.decode_incoming(data)
        except msgspec.DecodeError:
            return  # not JSON-RPC: nothing can be matched to it
        for item in incoming if isinstance(incoming, list) else (incoming,):
            if item.method is not UNSET:
                self._notification(sock, item)
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

    def _notification(self, sock: _Socket, item: jsonrpc.Incoming) -> None:
        method = str(item.method)
        if method == "session.welcome" and not sock.welcomed.is_set():
            welcome = msgspec.json.decode(item.params, type=SessionWelcomeParams)  # type: ignore[arg-type]
            sock.welcome = welcome
            if self.welcome is None:
                self.welcome = welcome
                self.resume_token = welcome.resume_token
            sock.welcomed.set()
        params = _decode_params(item.params)
        if method in ("room.event", "direct.message"):
            stream = room_stream(params["room"]) if method == "room.event" else self._player_stream()
            if not self._advance(stream, params["epoch"], params["offset"]):
                self.duplicates_dropped += 1
                return
        elif method == "server.draining":
            self._leave_draining_node(sock, float(params.get("deadline", 0)))
        elif method == "session.token_expiring" and self.token_provider is not None:
            # Not on the reader thread: auth.refresh waits for an answer this thread would read.
            threading.Thread(target=self.refresh_token, name="realtimenet-client-token", daemon=True).start()
        note = Notification(method, params)
        if self._on_notification is not None:
            self._on_notification(note)
        try:
            self.notifications.put_nowait(note)
        except queue.Full:
            self.dropped_notifications += 1

    def _player_stream(self) -> str:
        return player_stream(self.welcome.player_id if self.welcome is not None else "")

    # ----- fresh tokens ------------------------------------------------------------------------------

    def _schedule_refresh(self, expires_at: Any) -> None:
        """Ask the provider for a new token a little before ``expires_at`` (Unix seconds): a tenth of the time
        left, at least 5 s and at most 60 s early, but never sooner than halfway there nor within a second,
        so a provider that hands out short-lived tokens (or a clock that disagrees with the gateway's) makes
        the client refresh often, not in a loop."""
        if self._refresh_timer is not None:
            self._refresh_timer.cancel()
            self._refresh_timer = None
        if self.token_provider is None or not isinstance(expires_at, (int, float)) or self._closing:
            return
        left = expires_at - time.time()
        delay = max(MIN_REFRESH_INTERVAL, left / 2, left - min(60.0, max(5.0, left / 10)))
        self._refresh_timer = threading.Timer(delay, self.refresh_token)
        self._refresh_timer.daemon = True
        self._refresh_timer.start()

    def refresh_token(self) -> bool:
        """Take a fresh token from the provider and swap it in with ``auth.refresh``; whether that worked (a
        failure is reported as the ``token_refresh_failed`` event; the gateway then closes with 4001 and the
        client reconnects with another fresh token)."""
        if self.token_provider is None or self._closing:
            return False
        try:
            token = self.token_provider()
            # Not held while reconnecting: the token belongs to the socket, not the session, and a socket waiting
            # for its resume (through a long store outage) must be able to keep it alive.
            info = self._call("auth.refresh", {"token": token}, 10.0, wait_for_resume=False)
        except Exception as exc:  # the provider's own failure included: it must not kill the timer thread
            self._emit("token_refresh_failed", reason=str(exc))
            return False
        self.token = token
        self._emit("token_refreshed", expires_at=info.get("expires_at"))
        self._schedule_refresh(info.get("expires_at"))
        return True

    # ----- reconnect and resume ---------------------------------------------------------------------

    def _leave_draining_node(self, sock: _Socket, deadline: float) -> None:
        """The node is shutting down: with ``auto_reconnect``, move to another one at a random moment in
        the first half of the deadline (so a node's players do not all arrive elsewhere at once), closing
        with 1001 (the session stays resumable) and resuming there."""
        self._emit("draining", deadline=deadline)
        if not self.auto_reconnect:
            return

        def leave() -> None:
            if self._closing or sock is not self._socket or sock.closed is not None:
                return
            try:
                sock.ws.send_close(CloseCode.GOING_AWAY, b"server draining")
            except (OSError, websocket.WebSocketException):
                pass
            self._abort(sock, reconnect=True)

        timer = threading.Timer(self.backoff.rng.uniform(0, deadline / 2), leave)
        timer.daemon = True
        timer.start()

    def _emit(self, kind: str, **data: Any) -> None:
        if self._on_event is not None:
            self._on_event(ClientEvent(kind, data))

    def _reconnect(self) -> None:
        """Reconnect until resumed (or given up); again if the new socket was lost before this loop ended."""
        ended = False
        try:
            while True:
                resumed = self._reconnect_once()
                with self._lock:
                    sock = self._socket
                    closed = None if sock is None else sock.closed
                    # Only a loop that resumed goes again (its new socket was lost since); one that gave up stops.
                    again = resumed and closed is not None and closed.should_reconnect and not self._closing
                    if not again:
                        self._reconnecting, ended = False, True
                        # Resumed, started afresh, given up or closing: the calls that waited go, or fail at once.
                        self._gate.open()
                if not again:
                    if resumed and closed is not None and not self._closing:  # closed for good since
                        self._emit("gave_up", code=closed.code, reason=closed.reason)
                    return
        finally:
            if not ended:  # an unexpected error ended the loop: no call may wait for a resume that will not come
                with self._lock:
                    self._reconnecting = False
                    self._gate.open()

    def _reconnect_once(self) -> bool:
        """Attempts with backoff until one resumes (True) or the client gives up or closes (False)."""
        backoff = self.backoff
        lost_at = time.monotonic()
        while not self._closing:
            delay = backoff.next()
            if delay is None:
                self._emit("gave_up", code=_ABNORMAL, reason="reconnect attempts exhausted")
                return False
            # Any node can resume the session (shared backends): move on, away from a node that failed.
            self.url = self.urls[(self.urls.index(self.url) + 1) % len(self.urls)]
            self._emit("reconnecting", attempt=backoff.attempt, delay=delay, url=self.url)
            time.sleep(delay)
            if self._closing:
                return False
            try:
                if self.token_provider is not None and self._token_expired:
                    self.token = self.token_provider()
                self._open()
                self._resume(lost_at)
            except ConnectFailed as exc:
                if exc.status == 401 and exc.reason == "expired" and self.token_provider is not None:
                    self._token_expired = True  # the next attempt asks the provider first
                    continue
                if 400 <= exc.status < 500:  # the token is refused: retrying cannot help
                    self._emit("gave_up", code=exc.status, reason=exc.reason)
                    return False
                continue
            except (ConnectionClosed, CallTimeout) as exc:  # before the catch-all below, which is the provider's
                if isinstance(exc, ConnectionClosed) and not exc.should_reconnect:
                    self._emit("gave_up", code=exc.code, reason=exc.reason)
                    return False
                attempt = self._socket
                if attempt is not None and attempt.closed is None:
                    self._abort(attempt, reconnect=True)  # this attempt's socket is given up, not left open
                continue
            except Exception as exc:  # the token provider failed: try again after the next delay
                if self.token_provider is None:
                    raise
                self._emit("token_refresh_failed", reason=str(exc))
                continue
            backoff.reset()
            return True
        return False

    def _resume(self, lost_at: float) -> None:
        """Ask the new socket to take over the old session (lost at ``lost_at``, monotonic); rejoin rooms
        afresh if it cannot."""
        streams = [{"stream": s, "epoch": e, "offset": o} for s, (e, o) in sorted(self.positions.items())]
        try:
            result = self._call_resume(streams, lost_at + self.resume_retry_for)
        except RemoteError as exc:
            self._emit("resume_failed", reason=(exc.data or {}).get("reason", exc.message))
            sock = self._socket
            if sock is not None and sock.welcome is not None:
                self._adopt_fresh_session(sock.welcome)
            return
        self.resume_token = result["resume_token"]
        for entry in result["streams"]:
            if not entry["recovered"]:
                with self._lock:
                    self.positions[entry["stream"]] = (entry["epoch"], entry["offset"])
                self._emit("resync", stream=entry["stream"])
        for room, encoding in sorted(self.state_encodings.items()):
            self.call("room.join", {"room": room, "state_encoding": encoding})
        self._emit("resumed", result=result)

    def _call_resume(self, streams: list[dict[str, Any]], retry_until: float) -> Any:
        """``session.resume``, again on the same socket while the gateway answers -32009 (a store or bus
        outage: the gateway gives the token back) until ``retry_until`` (monotonic): the session may be
        resumable that long, and a fresh start would make the game reload. The delays are the client's backoff
        (its base, cap and random source, so the clients of a whole node do not retry in step)."""
        retry = Backoff(base=self.backoff.base, cap=self.backoff.cap, rng=self.backoff.rng)
        # A resume this client gave up on (its socket abandoned before the answer) may have taken the token
        # on its gateway, which gives it back once it notices the socket went: "used" is worth asking again.
        spent_until = time.monotonic() + SPENT_TOKEN_RETRY_FOR if self._resume_abandoned else 0.0
        while True:
            try:
                result = self.call("session.resume", {"resume_token": self.resume_token, "streams": streams})
                self._resume_abandoned = False
                return result
            except (ConnectionClosed, CallTimeout):
                self._resume_abandoned = True  # the next socket's resume may find the token taken, for a while
                raise
            except RemoteError as exc:
                now = time.monotonic()
                left = retry_until - now
                spent = exc.code == ErrorCode.RESUME_FAILED and (exc.data or {}).get("reason") == \
                    "unknown_or_used_token" and now < spent_until
                if (exc.code != ErrorCode.BACKEND_UNAVAILABLE and not spent) or self._closing or left <= 0:
                    self._resume_abandoned = False
                    raise
                time.sleep(min(retry.next() or retry.cap, left))  # the last try at the deadline itself

    def _adopt_fresh_session(self, welcome: SessionWelcomeParams) -> None:
        """The old session is gone: the new socket's session is the one to keep; rooms are rejoined and
        every stream is reported for resync."""
        self.welcome, self.resume_token = welcome, welcome.resume_token
        for room in sorted(self.rooms):
            try:
                self.join(room, state_encoding=self.state_encodings.get(room))
            except RemoteError:
                self.rooms.discard(room)
        for stream in list(self.positions):
            self._emit("resync", stream=stream)
