"""Fuzz target for the gateway's message path: the sans-I/O ``Connection`` of a real ``GatewayNode`` (embedded
backends, every service), with ``protocol/text.py`` and ``protocol/jsonrpc.py`` in front of it.

One input is a script, one line per step (so a corpus file reads as JSON lines):

- a line starting with ``#`` is a control step: ``#tick <seconds>`` (time passes, the node and the state
  tick run), ``#pong``, ``#backpressure`` (the socket's buffer is full, then drains), ``#close <code>`` (the
  client closes), ``#drop`` (the network drops the socket) then ``#reconnect`` (the same player opens a new
  socket) and ``#resume`` (which sends ``session.resume`` with the last resume token and offsets seen);
- any other line is one text message as the client sent it, bytes as they are.

Invariants, checked on every step (a breach raises ``Finding``, an escaping exception is a finding too):

- every frame the gateway sends is valid UTF-8, parses as JSON, holds no lone surrogate escape, and is a
  JSON-RPC 2.0 notification, response or batch of responses;
- every error response carries a documented JSON-RPC code with its documented message, and never -32603 (a
  handler failed: a bug, with a traceback in the log);
- every close the gateway starts carries a documented close code (never 1005, 1006 or 1015) and a reason
  that fits a close frame;
- nothing is logged at ERROR or above (a handler or background task failed);
- ``check_text`` agrees with a reference: it accepts a message that parses as JSON exactly when the decoded
  value's strings are all encodable as UTF-8 (no lone surrogate);
- the native scan (``realtimenet._speedups``, C, when built) never certifies a message that the Python text and
  limit checks refuse.

Run by ``make fuzz`` with atheris (``python tests/gateway_fuzz.py -runs=N corpus-dir``, libFuzzer flags);
``tests/test_gateway_fuzz.py`` replays the regression corpus (``tests/fuzz_corpus/gateway/``) and runs a
brief search in ``make test``.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":  # run by atheris: instrument the gateway's modules for coverage as they load
    import atheris

    _instrumentation = atheris.instrument_imports(include=["realtimenet"])
    _instrumentation.__enter__()

import asyncio
import json
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from realtimenet.config import load_config
from realtimenet.gateway.auth import Principal
from realtimenet.gateway.connection import Connection, State
from realtimenet.gateway.node import GatewayNode
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import CloseCode, ErrorCode, valid_close_code
from realtimenet.protocol.text import InvalidText, check_text

if __name__ == "__main__":
    _instrumentation.__exit__(None, None, None)

CORPUS = Path(__file__).resolve().parent / "fuzz_corpus" / "gateway"
MAX_STEPS = 64  # per input: keeps one execution short whatever the fuzzer writes
ERROR_CODES = {int(code): code.message for code in ErrorCode}
CLOSE_CODES = {int(code) for code in CloseCode}
SETTINGS = {
    "server.heartbeat_interval": "5",
    "server.heartbeat_timeout": "5",
    "server.max_connections_per_player": "2",
    "rate_limit.rate": "50",
    "rate_limit.burst": "20",
    "rate_limit.max_violations": "5",
    "limits.max_depth": "8",
    "limits.max_string_length": "256",
    "limits.max_array_length": "16",
    "limits.max_batch_size": "8",
    "rooms.known": '["lobby", "arena-*", "r"]',
    "rooms.history_size": "8",
    "state.max_document_bytes": "512",
    "state.log_size": "4",
    "presence.max_custom_bytes": "64",
    "auth.expiry_grace": "3",
}


class Finding(AssertionError):
    """An invariant of the gateway's message path does not hold for this input."""


class _ErrorLog(logging.Handler):
    """Collects what the gateway logs at ERROR or above (a failure it did not expect)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_errors = _ErrorLog()
_root = logging.getLogger("realtimenet")
_root.addHandler(_errors)
_root.propagate = False  # the gateway's INFO lines about bad input would otherwise flood the run
_root.setLevel(logging.ERROR)


def check_frame(data: bytes) -> Any:
    """The invariants of one frame the gateway sends; returns it decoded."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Finding(f"a frame that is not UTF-8: {data[:200]!r}") from exc
    try:
        check_text(data)
    except InvalidText as exc:
        raise Finding(f"a frame a strict receiver refuses ({exc}): {data[:200]!r}") from exc
    try:
        message = json.loads(text)
    except ValueError as exc:
        raise Finding(f"a frame that is not JSON: {data[:200]!r}") from exc
    for item in message if isinstance(message, list) and message else [message]:
        _check_item(item, data)
    return message


def _check_item(item: Any, data: bytes) -> None:
    if not isinstance(item, dict) or item.get("jsonrpc") != "2.0":
        raise Finding(f"not a JSON-RPC 2.0 object: {data[:200]!r}")
    if "method" in item:
        if not isinstance(item["method"], str) or "id" in item:
            raise Finding(f"a malformed notification: {data[:200]!r}")
        return
    if "id" not in item or ("result" in item) == ("error" in item):
        raise Finding(f"a response without an id or with not exactly one of result/error: {data[:200]!r}")
    if "error" in item:
        error = item["error"]
        code = error.get("code") if isinstance(error, dict) else None
        if code not in ERROR_CODES or error.get("message") != ERROR_CODES[code]:
            raise Finding(f"an undocumented error: {error!r}")
        if code == ErrorCode.INTERNAL_ERROR:
            raise Finding(f"a handler failed (-32603): {data[:300]!r}; log: {_log_text()}")


def _log_text() -> str:
    return "; ".join(f"{r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage() for r in _errors.records)


def _encodable(value: Any) -> bool:
    """Whether every string in a decoded JSON value (member names too) is valid Unicode text."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return True


def check_text_agrees(message: bytes) -> None:
    """``check_text`` against a reference decoder, on a message that is UTF-8 JSON."""
    try:
        value = json.loads(message.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return
    try:
        check_text(message)
        accepted = True
    except InvalidText:
        accepted = False
    if accepted != _encodable(value):
        raise Finding(f"check_text {'accepts' if accepted else 'refuses'} {message[:200]!r}")


def check_native_scan_agrees(message: bytes) -> None:
    """The native scan (realtimenet._speedups, C) may only certify a frame that the Python checks pass: it decides
    alone for the frames it certifies, so one it wrongly certifies reaches other players unchecked."""
    scan = jsonrpc._scan
    if scan is None:
        return
    limits = _config.limits
    if not scan(message, limits.max_depth, limits.max_string_length, limits.max_array_length):
        return
    try:
        check_text(message)
        jsonrpc.check_limits(message, jsonrpc.Limits(limits.max_depth, limits.max_string_length,
                                                     limits.max_array_length, limits.max_batch_size))
    except jsonrpc.Invalid as exc:
        if exc.kind == "parse_error":
            return  # not JSON: refused as -32700 by the decoding that follows a certified scan, as without it
        raise Finding(f"the native scan certifies a frame over a limit ({exc}): {message[:200]!r}") from exc
    except InvalidText as exc:
        raise Finding(f"the native scan certifies a frame the Python checks refuse ({exc}): {message[:200]!r}") from exc


class Transport:
    """The socket side of one connection: checks every frame and every close as it happens."""

    def __init__(self) -> None:
        self.frames: list[Any] = []
        self.closed: tuple[int, str] | None = None
        self.buffered = 0

    def send(self, data: bytes) -> None:
        if self.closed is not None:
            raise Finding("a frame sent after the close frame")
        self.frames.append(check_frame(data))

    def ping(self) -> None:
        pass

    def close(self, code: int, reason: str) -> None:
        if code not in CLOSE_CODES or not valid_close_code(code):
            raise Finding(f"an undocumented close code {code} ({reason!r})")
        if len(reason.encode("utf-8")) > 123:
            raise Finding(f"a close reason longer than a close frame holds: {reason!r}")
        self.closed = (code, reason)

    def buffered_bytes(self) -> int:
        return self.buffered


class Session:
    """One player's sockets on one node, driven by a script."""

    def __init__(self, node: GatewayNode, tasks: set[asyncio.Task[None]], clock: list[float]) -> None:
        self.node = node
        self.loop = asyncio.get_running_loop()
        self.clock = clock
        self.tasks = tasks  # the node's background work and the connection's handlers alike
        self.transport = Transport()
        self.conn = self._open()
        self.resume_token = self._welcome_token()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def _open(self) -> Connection:
        principal = Principal("fuzzer", self.clock[1] + 20, {"rooms": ["lobby", "arena-*", "r"]})
        return self.node.open(principal, self.transport, self.spawn)

    def _welcome_token(self) -> str:
        for frame in self.transport.frames:
            if isinstance(frame, dict) and frame.get("method") == "session.welcome":
                return str(frame["params"]["resume_token"])
        raise Finding("no session.welcome")

    async def settle(self) -> None:
        """Let the handlers and background work this step started finish (embedded backends never wait)."""
        for _ in range(50):
            await asyncio.sleep(0)
            if not self.tasks:
                return
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=1.0)

    def step(self, line: bytes) -> None:
        conn, now = self.conn, self.clock[0]
        if not line.startswith(b"#"):
            if self.transport.buffered:  # a full socket that drained again
                self.transport.buffered = 0
                conn.on_backpressure(False, now)
            check_text_agrees(line)
            check_native_scan_agrees(line)
            conn.on_text(line, now)
            return
        word, _, arg = line[1:].partition(b" ")
        if word == b"tick":
            seconds = _number(arg, 0.0, 60.0)
            self.clock[0] += seconds
            self.clock[1] += seconds
            self.node.tick()
            self.node.state.flush()
        elif word == b"pong":
            conn.on_pong(now)
        elif word == b"backpressure":
            self.transport.buffered = 1 << 30
            conn.on_backpressure(True, now)
        elif word == b"close":
            code = int(_number(arg, 0, 65535))
            if conn.state is State.OPEN and valid_close_code(code):
                conn.close(code, "", initiator="client")
            self.node.closed(conn, code, "client closed")
        elif word == b"drop":
            self.node.closed(conn, None, "connection lost")
        elif word == b"reconnect":
            if conn.state is State.OPEN:
                self.node.closed(conn, None, "connection lost")
            self.transport = Transport()
            self.conn = self._open()
        elif word == b"resume":
            for frame in self.transport.frames:
                if isinstance(frame, dict) and isinstance(frame.get("result"), dict):
                    self.resume_token = frame["result"].get("resume_token", self.resume_token)
            request = {"jsonrpc": "2.0", "id": "resume", "method": "session.resume",
                       "params": {"resume_token": self.resume_token, "streams": []}}
            self.conn.on_text(json.dumps(request).encode(), now)


def _number(text: bytes, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        return low
    return min(max(value, low), high) if value == value else low


_loop: asyncio.AbstractEventLoop | None = None
_config = load_config(environ={}, overrides=SETTINGS)


def run_script(data: bytes) -> None:
    """Run one input (see the module's docstring); raises ``Finding`` when an invariant breaks."""
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
    _errors.records.clear()
    _loop.run_until_complete(_run(data))
    if _errors.records:
        raise Finding(f"the gateway logged an error: {_log_text()}")


async def _run(data: bytes) -> None:
    clock = [1000.0, 1_800_000_000.0]  # monotonic, wall
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    def spawn(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = loop.create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    node = GatewayNode(_config, lambda: clock[0], lambda: clock[1], spawn=spawn)
    session = Session(node, tasks, clock)
    try:
        await session.settle()
        for line in data.split(b"\n")[:MAX_STEPS]:
            session.step(line)
            await session.settle()
        session.step(b"#tick 60")  # timers and sweeps after everything
        await session.settle()
    finally:
        if session.conn.state is not State.CLOSED:
            node.closed(session.conn, None, "end of input")
        await session.settle()
        for task in list(session.tasks):
            task.cancel()
        if session.tasks:
            await asyncio.wait(list(session.tasks), timeout=1.0)
        await node.close_backends()


def corpus_inputs() -> list[tuple[str, bytes]]:
    """The regression corpus: every file under tests/fuzz_corpus/gateway/, by name."""
    return [(path.name, path.read_bytes()) for path in sorted(CORPUS.iterdir()) if path.is_file()]


def main(argv: list[str]) -> None:
    """atheris (libFuzzer flags and corpus directories as arguments)."""
    import atheris

    atheris.Setup(argv, _guarded)
    atheris.Fuzz()


def _guarded(data: bytes) -> None:
    try:
        run_script(data)
    except Finding:
        raise
    except Exception as exc:  # an exception escaped the gateway: a finding, with its own traceback
        raise Finding(f"{type(exc).__name__} escaped: {exc}") from exc


if __name__ == "__main__":
    main(sys.argv)
