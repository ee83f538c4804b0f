"""Load generator for bench/gateway_bench.py: picows WebSocket clients on uvloop, in one process.

Two modes, both bounded in time and count, both talking only to the URL they are given:

``echo``  N closed-loop clients: each sends one JSON-RPC ``sys.echo`` request, waits for the answer
          (checks its id and that the payload came back), and sends the next. A warm-up, then a fixed
          measurement window; latencies are recorded only inside the window.
``hold``  opens N sockets (waiting for each one's first frame when ``--expect-welcome``), reports, and
          keeps them idle until a line arrives on stdin (or ``--hold-timeout`` passes), then closes.

The orchestrator reads these lines on stdout (one JSON object after the keyword):
``CONNECTED {...}``, ``MEASURE_START``, ``MEASURE_END``, ``HELD {...}`` and finally ``RESULT {...}``.
Requests are the same bytes whichever server is measured; a raw echo server sends them back as they
are, the gateway wraps the same ``data`` in a response.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from typing import Any

import msgspec
import uvloop
from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

CONNECT_CONCURRENCY = 64  # handshakes in flight at once (keeps well under the listen backlogs)


def make_payload(size: int) -> bytes:
    """A deterministic JSON object of exactly ``size`` bytes (>= 64), shaped like a game state snapshot."""

    def snapshot(entities: list[dict[str, Any]], note: str) -> bytes:
        return msgspec.json.encode({"tick": 421337, "entities": entities, "note": note})

    entities: list[dict[str, Any]] = []
    while True:
        i = len(entities)
        entity = {"id": 1000 + i, "kind": "player" if i % 3 else "npc",
                  "pos": [round(12.5 + i * 1.25, 2), round(-3.75 + i * 0.5, 2), 0.0],
                  "hp": 100 - i, "flags": i % 4 == 0}
        if len(snapshot([*entities, entity], "")) > size:
            break
        entities.append(entity)
    return snapshot(entities, "x" * max(0, size - len(snapshot(entities, ""))))


class Shared:
    """State the clients share; touched only on the event loop."""

    def __init__(self, payload: bytes, expect_welcome: bool) -> None:
        self.payload = payload
        self.prefix = b'{"jsonrpc":"2.0","id":'
        self.suffix = b',"method":"sys.echo","params":{"data":' + payload + b"}}"
        self.expect_welcome = expect_welcome
        self.running = False  # clients send requests
        self.measuring = False  # answers count and latencies are recorded
        self.latencies: list[int] = []  # nanoseconds
        self.answers = 0
        self.errors = 0
        self.bad = 0
        self.disconnects = 0
        self.outstanding = 0


class Client(WSListener):
    """One closed-loop client (or one idle socket in ``hold`` mode)."""

    def __init__(self, shared: Shared, ready: asyncio.Future[None]) -> None:
        self.s = shared
        self.ready = ready
        self.transport: WSTransport | None = None
        self.welcomed = not shared.expect_welcome
        self.next_id = 1
        self.sent_at = 0
        self.waiting = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        if self.welcomed and not self.ready.done():
            self.ready.set_result(None)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.s.disconnects += 1
        if self.waiting:
            self.waiting = False
            self.s.outstanding -= 1
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("disconnected before ready"))

    def send_next(self) -> None:
        assert self.transport is not None
        s = self.s
        self.transport.send(WSMsgType.TEXT, s.prefix + str(self.next_id).encode() + s.suffix)
        self.next_id += 1
        self.waiting = True
        s.outstanding += 1
        self.sent_at = time.perf_counter_ns()

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not WSMsgType.TEXT:
            if frame.msg_type is WSMsgType.CLOSE:
                transport.disconnect()
            return
        if not self.welcomed:
            self.welcomed = True
            if not self.ready.done():
                self.ready.set_result(None)
            return
        if not self.waiting:
            return  # an unsolicited notification
        now = time.perf_counter_ns()
        s = self.s
        self.waiting = False
        s.outstanding -= 1
        data = frame.get_payload_as_bytes()
        # Both the gateway's response and a raw server's echo start with the request's own id, and both
        # carry the payload unchanged; an error response (or anything else) fails one of the two checks.
        head = s.prefix + str(self.next_id - 1).encode() + b","
        if not data.startswith(head) or data.find(s.payload, len(head)) < 0:
            if b'"error":' in data:
                s.errors += 1
            else:
                s.bad += 1
        elif s.measuring:
            s.answers += 1
            s.latencies.append(now - self.sent_at)
        if s.running:
            self.send_next()


def emit(keyword: str, body: dict[str, Any] | None = None) -> None:
    line = keyword if body is None else f"{keyword} {json.dumps(body)}"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def client_url(url: str, auth: bool, index: int) -> str:
    if not auth:
        return url
    from realtimenet.config import load_config
    from realtimenet.gateway.auth import TokenVerifier

    global _verifier
    if _verifier is None:
        _verifier = TokenVerifier(load_config().auth)
    token = _verifier.mint(f"bench-{index}", ttl=3600)
    return f"{url}{'&' if '?' in url else '?'}access_token={token}"


_verifier: Any = None


async def connect_all(args: argparse.Namespace, shared: Shared) -> list[Client]:
    """Open ``args.clients`` sockets, each ready (welcomed when expected); raises if any fails."""
    loop = asyncio.get_running_loop()
    urls = [client_url(args.url, args.auth, i) for i in range(args.clients)]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    clients: list[Client] = []

    async def one(url: str) -> None:
        async with gate:
            ready: asyncio.Future[None] = loop.create_future()
            _, client = await ws_connect(lambda: Client(shared, ready), url,
                                         websocket_handshake_timeout=10, enable_auto_pong=True,
                                         read_buffer_init_size=4096)
            await asyncio.wait_for(ready, 10)
            assert isinstance(client, Client)
            clients.append(client)

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(one(u) for u in urls)), args.connect_timeout)
    emit("CONNECTED", {"clients": len(clients), "seconds": round(time.perf_counter() - started, 3)})
    return clients


def close_all(clients: list[Client]) -> None:
    for c in clients:
        if c.transport is not None:
            c.transport.send_close()
            c.transport.disconnect()


def percentile(sorted_ns: list[int], q: float) -> float:
    """Nearest-rank percentile in milliseconds."""
    if not sorted_ns:
        return float("nan")
    rank = min(len(sorted_ns) - 1, max(0, math.ceil(q / 100 * len(sorted_ns)) - 1))
    return sorted_ns[rank] / 1e6


async def run_echo(args: argparse.Namespace) -> dict[str, Any]:
    shared = Shared(make_payload(args.payload_bytes), args.expect_welcome)
    clients = await connect_all(args, shared)
    shared.running = True
    for c in clients:
        c.send_next()
    await asyncio.sleep(args.warmup)
    cpu0, t0 = time.process_time(), time.perf_counter()
    shared.measuring = True
    emit("MEASURE_START")
    await asyncio.sleep(args.duration)
    shared.measuring = False
    shared.running = False
    cpu1, t1 = time.process_time(), time.perf_counter()
    emit("MEASURE_END")
    drain_until = time.perf_counter() + 2.0
    while shared.outstanding > 0 and time.perf_counter() < drain_until:
        await asyncio.sleep(0.01)
    close_all(clients)
    await asyncio.sleep(0.2)
    window = t1 - t0
    lat = sorted(shared.latencies)
    return {
        "clients": len(clients),
        "payload_bytes": len(shared.payload),
        "request_bytes": len(shared.prefix) + 1 + len(shared.suffix),
        "window_s": round(window, 4),
        "answers": shared.answers,
        "rps": shared.answers / window,
        "p50_ms": percentile(lat, 50),
        "p99_ms": percentile(lat, 99),
        "mean_ms": (sum(lat) / len(lat) / 1e6) if lat else float("nan"),
        "errors": shared.errors,
        "bad_answers": shared.bad,
        "disconnects": shared.disconnects,
        "loadgen_cpu_s": cpu1 - cpu0,
        "loadgen_cpu_pct": 100 * (cpu1 - cpu0) / window,
    }


async def run_hold(args: argparse.Namespace) -> dict[str, Any]:
    shared = Shared(b"", args.expect_welcome)
    clients = await connect_all(args, shared)
    emit("HELD", {"clients": len(clients)})
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), args.hold_timeout)
    except TimeoutError:
        pass
    idle_disconnects = shared.disconnects
    close_all(clients)
    await asyncio.sleep(0.5)
    return {"clients": len(clients), "disconnects_while_held": idle_disconnects}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["echo", "hold"])
    parser.add_argument("--url", required=True, help="ws://127.0.0.1:PORT/PATH")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--auth", action="store_true", help="mint a dev JWT per client (sub bench-<i>)")
    parser.add_argument("--expect-welcome", action="store_true", help="skip (and wait for) a first frame")
    parser.add_argument("--payload-bytes", type=int, default=1024)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("--hold-timeout", type=float, default=60.0)
    args = parser.parse_args()
    if not args.url.startswith("ws://127.") and not args.url.startswith("ws://localhost"):
        parser.error("this load generator only targets loopback addresses")
    args.duration = min(args.duration, 120.0)
    args.clients = min(args.clients, 20_000)
    result = uvloop.run(run_echo(args) if args.mode == "echo" else run_hold(args))
    emit("RESULT", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
