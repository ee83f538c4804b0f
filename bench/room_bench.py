"""Room fan-out benchmark: the RealtimeNet gateway against raw Node ``ws``, Socket.IO and Colyseus.

Run as ``python bench/room_bench.py`` (after ``npm ci --prefix bench``). One workload, five servers, one run:
a room of ``--subscribers`` (1000) members plus one publisher, all in one load-generator process
(bench/node/room_loadgen.js). The publisher sends ~100-byte JSON messages at a fixed rate, for each rate
in ``--rates`` in turn (30 msg/s first, then higher rates looking for saturation): a warm-up, a measured
window, then a drain during which the window's messages may still arrive.

Servers (each pinned to CPU 0; the load generator and this process to CPU 1):

* ``gateway``  ``rtnet serve``; JSON-RPC ``room.join`` / ``room.publish``, events are ``room.event``.
* ``gateway-batched``  the same with ``server.write_delay`` = 5 ms: each socket's frames of those 5 ms go in
  one system call (fewer calls per delivery, up to 5 ms more latency).
* ``node-ws``  bench/node/raw_ws_server.js ``--mode broadcast``: every frame to every open socket. The
  publisher sends a frame shaped (and sized) like the gateway's ``room.event``.
* ``socket.io`` bench/node/room_socketio_server.js: ``socket.join('arena')``, ``io.to('arena').emit``;
  clients are ``socket.io-client`` (WebSocket transport only).
* ``colyseus`` bench/node/room_colyseus_server.js (@colyseus/core 0.16): ``this.broadcast`` in
  ``onMessage``; clients are ``colyseus.js`` ``joinOrCreate``.

The gateway and node-ws are driven with the Node ``ws`` client (socket.io-client and colyseus.js use it
underneath, so every server sees alike client sockets). A second pass drives only the gateway and node-ws
with a picows client (``python bench/room_bench.py loadgen ...``, this file; cheaper per delivery) at
``--saturation-rates`` to find where they saturate. The whole run takes about 5 minutes.

Per server and rate it reports deliveries/s received by the subscribers, server CPU-seconds in the window,
deliveries per server CPU-second, end-to-end latency p50/p99 (the send timestamp travels in the message), messages lost
(window messages a subscriber had not received by the end of the drain), the load generator's CPU %,
and every figure as a ratio to node-ws at the same rate. A window where the load generator used more
than 90% of its core while the server used less than 90% of its own is flagged ``loadgen_bound``.

Results go to bench/results/room-<date>.json and a Markdown table is printed. Every server binds
127.0.0.1; every load loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
from gateway_bench import (
    GATEWAY_SETTINGS,
    LOADGEN_CPU,
    PIN,
    SERVER_CPU,
    LineReader,
    _pin_server,
    core_busy_seconds,
    machine,
    process_cpu,
    publish,
    raise_nofile,
    source,
)

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
NODE_DIR = BENCH / "node"
SERVERS = ("node-ws", "gateway", "gateway-batched", "socket.io", "colyseus")
BATCHED_WRITE_DELAY = 0.005  # gateway-batched: server.write_delay, seconds
SATURATED_PCT = 90.0
FOREIGN_PCT = 10.0
NODE_PACKAGES = ("ws", "socket.io", "socket.io-client", "@colyseus/core", "@colyseus/ws-transport", "colyseus.js")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_spec(name: str) -> tuple[list[str], str, str]:
    """(argv, URL template with {port}, load-generator kind) of a server."""
    node = shutil.which("node") or "node"
    if name in ("gateway", "gateway-batched"):
        argv = [sys.executable, "-m", "realtimenet.cli", "serve", "--port", "0"]
        for setting in GATEWAY_SETTINGS:
            argv += ["--set", setting]
        if name == "gateway-batched":
            argv += ["--set", f"server.write_delay={BATCHED_WRITE_DELAY}"]
        return argv, "ws://127.0.0.1:{port}/ws", "gateway"
    if name == "node-ws":
        return [node, str(NODE_DIR / "raw_ws_server.js"), "--port", "0", "--mode", "broadcast"], \
            "ws://127.0.0.1:{port}/", "ws"
    if name == "socket.io":
        return [node, str(NODE_DIR / "room_socketio_server.js"), "--port", "0"], "http://127.0.0.1:{port}", \
            "socketio"
    if name == "colyseus":
        return [node, str(NODE_DIR / "room_colyseus_server.js"), "--port", str(free_port())], \
            "ws://127.0.0.1:{port}", "colyseus"
    raise ValueError(name)


@contextlib.contextmanager
def running(argv: list[str], log: Path, pin_server: bool) -> Iterator[tuple[subprocess.Popen[str], LineReader]]:
    env = dict(os.environ, RTNET_LOG__LEVEL="warning", PYTHONUNBUFFERED="1")
    with open(log, "a", encoding="utf-8") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True,
                                cwd=ROOT, env=env, preexec_fn=_pin_server if pin_server else None)
    try:
        assert proc.stdout is not None
        yield proc, LineReader(proc.stdout)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds of a process and of its live children (none of the servers here should have any)."""
    total = process_cpu(proc)
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += process_cpu(child)
    return total


def mint_tokens(count: int, path: Path) -> None:
    from realtimenet.config import load_config
    from realtimenet.gateway.auth import TokenVerifier

    verifier = TokenVerifier(load_config().auth)
    path.write_text("\n".join(verifier.mint(f"room-bench-{i}", ttl=3600) for i in range(count)) + "\n")


def server_run(name: str, opts: argparse.Namespace, logdir: Path, rates: list[int], ws_loadgen: str) -> dict[str, Any]:
    """All rates against one fresh server: one load-generator process, one set of connections."""
    argv, url_template, kind = server_spec(name)
    phases: list[dict[str, Any]] = []
    slog = logdir / f"{name}.server.log"
    llog = logdir / f"{name}.loadgen.log"
    try:
        with running(argv, slog, pin_server=True) as (sproc, sreader):
            port = int(json.loads(sreader.expect("READY", 30))["port"])
            sps = psutil.Process(sproc.pid)
            time.sleep(0.3)
            picows = kind in ("gateway", "ws") and ws_loadgen == "picows"
            head = ([sys.executable, str(Path(__file__).resolve()), "loadgen"] if picows
                    else [shutil.which("node") or "node", str(NODE_DIR / "room_loadgen.js")])
            lg_argv = [*head, "--kind", kind,
                       "--url", url_template.format(port=port), "--subscribers", str(opts.subscribers),
                       "--rates", ",".join(str(r) for r in rates), "--warmup", str(opts.warmup),
                       "--duration", str(opts.duration), "--drain", str(opts.drain),
                       "--payload-bytes", str(opts.payload_bytes)]
            if kind == "gateway":
                tokens = logdir / "tokens.txt"
                mint_tokens(opts.subscribers + 1, tokens)
                lg_argv += ["--tokens", str(tokens)]
            with running(lg_argv, llog, pin_server=False) as (lproc, lines):
                lps = psutil.Process(lproc.pid)
                connected = json.loads(lines.expect("CONNECTED", 180))
                print(f" connected {connected['subscribers']} in {connected['seconds']:.1f} s;", end="", flush=True)
                for _ in rates:
                    lines.expect("MEASURE_START", opts.warmup + 60)
                    s0, l0, c0, t0 = tree_cpu(sps), process_cpu(lps), core_busy_seconds(), time.perf_counter()
                    lines.expect("MEASURE_END", opts.duration + 60)
                    s1, l1, c1, t1 = tree_cpu(sps), process_cpu(lps), core_busy_seconds(), time.perf_counter()
                    phase: dict[str, Any] = json.loads(lines.expect("PHASE", opts.drain + 60))
                    window = t1 - t0
                    server_cpu = s1 - s0
                    phase.update({
                        "server": name,
                        "loadgen": "picows (Python)" if picows else "node",
                        "subscribers": connected["subscribers"],
                        "connect_s": connected["seconds"],
                        "server_cpu_s": server_cpu,
                        "server_cpu_pct": 100 * server_cpu / window,
                        "deliveries_per_server_cpu_s": (phase["deliveries_in_window"] / server_cpu
                                                        if server_cpu > 0 else float("nan")),
                        "foreign_cpu_pct_server_core": 100 * max(0.0, c1[0] - c0[0] - server_cpu) / window,
                        "foreign_cpu_pct_loadgen_core": 100 * max(0.0, c1[1] - c0[1] - (l1 - l0)) / window,
                        "server_rss_mb": sps.memory_info().rss / 2**20,
                        "server_children": len(sps.children(recursive=True)),
                    })
                    phase["loadgen_bound"] = bool(phase["loadgen_cpu_pct"] > SATURATED_PCT
                                                  and phase["server_cpu_pct"] < SATURATED_PCT)
                    phase["server_saturated"] = bool(phase["server_cpu_pct"] >= SATURATED_PCT)
                    phase["interfered"] = bool(PIN and max(phase["foreign_cpu_pct_server_core"],
                                                           phase["foreign_cpu_pct_loadgen_core"]) > FOREIGN_PCT)
                    phases.append(phase)
                    print(f" {phase['rate']}/s: {phase['deliveries_per_s']:,.0f} del/s, server "
                          f"{phase['server_cpu_pct']:.0f}%, load-gen {phase['loadgen_cpu_pct']:.0f}%, "
                          f"lost {phase['lost']};", end="", flush=True)
                lines.expect("RESULT", 30)
        return {"server": name, "ok": True, "phases": phases}
    except Exception as exc:  # one framework failing must not sink the others
        tail = "\n".join(p.read_text(errors="replace")[-1500:] for p in (slog, llog) if p.exists())
        print(f" FAILED: {exc!r}", flush=True)
        return {"server": name, "ok": False, "error": repr(exc), "log_tail": tail, "phases": phases}


# ----- picows load generator (`python bench/room_bench.py loadgen ...`, gateway and node-ws) ---------------
# The same protocol and output lines as bench/node/room_loadgen.js; about 8.5 µs of CPU per delivery here
# against about 12 µs for the Node `ws` client, so it takes the gateway and node-ws further.

SEQ_T = re.compile(rb'"seq":(\d+),"t":([0-9.]+)')
EVENT_PREFIX = b'{"jsonrpc":"2.0","method":"room.event"'


class FanoutState:
    def __init__(self) -> None:
        self.measuring = False
        self.win_first = sys.maxsize
        self.win_last = -1
        self.delivered = 0
        self.bytes_in_window = 0
        self.received = array.array("I", bytes(4 * (1 << 20)))
        self.lat: list[float] = []
        self.bad = 0
        self.disconnects = 0
        self.publish_errors = 0  # error responses to the publisher's room.publish (gateway)
        self.first_error = ""


class FanoutClient:
    """A picows listener: a subscriber records events, the publisher (is_publisher) ignores them."""

    def __init__(self, st: FanoutState, kind: str, is_publisher: bool, ready: asyncio.Future[None]) -> None:
        self.st, self.kind, self.is_publisher, self.ready = st, kind, is_publisher, ready
        self.stage = "welcome" if kind == "gateway" else "ready"
        self.transport: Any = None
        self.next_id = 2

    # picows calls these (duck-typed WSListener methods; the class is bound to WSListener at runtime)
    def on_ws_connected(self, transport: Any) -> None:
        self.transport = transport
        if self.stage == "ready" and not self.ready.done():
            self.ready.set_result(None)

    def on_ws_disconnected(self, transport: Any) -> None:
        self.st.disconnects += 1
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("disconnected before joining"))

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        from picows import WSMsgType

        if frame.msg_type is not WSMsgType.TEXT:
            if frame.msg_type is WSMsgType.CLOSE:
                transport.disconnect()
            return
        if self.stage == "welcome":
            self.stage = "join"
            transport.send(WSMsgType.TEXT, b'{"jsonrpc":"2.0","id":1,"method":"room.join","params":{"room":"arena"}}')
            return
        data = frame.get_payload_as_bytes()
        if self.stage == "join":
            msg = json.loads(data)
            if msg.get("id") != 1:
                return
            if "result" not in msg:
                self.ready.set_exception(RuntimeError(f"join failed: {data!r}"))
                return
            self.stage = "ready"
            self.ready.set_result(None)
            return
        if self.is_publisher:
            if b'"error":' in data and not data.startswith(EVENT_PREFIX):
                self.st.publish_errors += 1
                self.st.first_error = self.st.first_error or data[:300].decode(errors="replace")
            return
        if not data.startswith(EVENT_PREFIX):
            return
        now = time.perf_counter() * 1000
        st = self.st
        m = SEQ_T.search(data)
        if m is None:
            st.bad += 1
            return
        seq = int(m.group(1))
        if st.measuring:
            st.delivered += 1
            st.bytes_in_window += len(data)
        if seq < len(st.received):
            st.received[seq] += 1
        if st.win_first <= seq <= st.win_last:
            st.lat.append(now - float(m.group(2)))

    def publish(self, seq: int, pad: int) -> None:
        from picows import WSMsgType

        data = b'{"seq":%d,"t":%.3f,"pad":"%s"}' % (seq, time.perf_counter() * 1000, b"x" * pad)
        if self.kind == "gateway":
            frame = b'{"jsonrpc":"2.0","id":%d,"method":"room.publish","params":{"room":"arena","data":%s}}' % (
                self.next_id, data)
            self.next_id += 1
        else:  # the same envelope (and size) as the gateway's room.event, forwarded as-is
            frame = (b'{"jsonrpc":"2.0","method":"room.event","params":{"room":"arena","epoch":"0123456789abcdef",'
                     b'"offset":%d,"from":"p1","data":%s}}' % (seq, data))
        self.transport.send(WSMsgType.TEXT, frame)


def emit(keyword: str, body: dict[str, Any] | None = None) -> None:
    sys.stdout.write(keyword if body is None else f"{keyword} {json.dumps(body)}")
    sys.stdout.write("\n")
    sys.stdout.flush()


def nearest_rank(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))]


async def fanout_loadgen(args: argparse.Namespace) -> dict[str, Any]:
    from picows import WSListener, ws_connect

    listener_cls = type("FanoutListener", (FanoutClient, WSListener), {})
    loop = asyncio.get_running_loop()
    st = FanoutState()
    tokens = Path(args.tokens).read_text().split() if args.kind == "gateway" else []
    gate = asyncio.Semaphore(64)

    async def connect(index: int, is_publisher: bool) -> FanoutClient:
        url = f"{args.url}?access_token={tokens[index]}" if tokens else args.url
        async with gate:
            ready: asyncio.Future[None] = loop.create_future()
            _, client = await ws_connect(lambda: listener_cls(st, args.kind, is_publisher, ready), url,
                                         websocket_handshake_timeout=10, enable_auto_pong=True)
            await asyncio.wait_for(ready, 30)
            assert isinstance(client, FanoutClient)
            return client

    started = time.perf_counter()
    publisher = await connect(args.subscribers, True)
    await asyncio.wait_for(asyncio.gather(*(connect(i, False) for i in range(args.subscribers))), 120)
    emit("CONNECTED", {"subscribers": args.subscribers, "seconds": round(time.perf_counter() - started, 3)})
    await asyncio.sleep(0.5)
    pad = max(0, args.payload_bytes - len(b'{"seq":0,"t":12345.678,"pad":""}'))
    phases: list[dict[str, Any]] = []
    seq = 0
    for rate in args.rates:
        sent, t0 = 0, time.perf_counter()

        async def sender(rate: int = rate, t0: float = t0) -> None:
            nonlocal seq, sent
            while True:  # cancelled at the end of the window
                due = int((time.perf_counter() - t0) * rate)
                for _ in range(min(due - sent, rate)):
                    if seq >= len(st.received) - 1:
                        return
                    if st.measuring:
                        st.win_first = min(st.win_first, seq)
                        st.win_last = seq
                    publisher.publish(seq, pad)
                    seq += 1
                    sent += 1
                await asyncio.sleep(0.002)

        task = asyncio.create_task(sender())
        await asyncio.sleep(args.warmup)
        st.win_first, st.win_last, st.delivered, st.bytes_in_window, st.lat = sys.maxsize, -1, 0, 0, []
        cpu0, w0 = time.process_time(), time.perf_counter()
        st.measuring = True
        emit("MEASURE_START", {"rate": rate})
        await asyncio.sleep(args.duration)
        st.measuring = False
        w1, cpu = time.perf_counter(), time.process_time() - cpu0
        emit("MEASURE_END", {"rate": rate})
        task.cancel()
        first, last, delivered = st.win_first, st.win_last, st.delivered
        msgs = last - first + 1 if last >= first else 0
        expected = msgs * args.subscribers

        def received(first: int = first, last: int = last, msgs: int = msgs) -> int:
            return sum(st.received[first:last + 1]) if msgs else 0

        drain_end = time.perf_counter() + args.drain
        while time.perf_counter() < drain_end and received() < expected:
            await asyncio.sleep(0.05)
        got = received()
        st.win_first, st.win_last = sys.maxsize, -1
        lat = sorted(st.lat)
        window = w1 - w0
        phase = {
            "rate": rate, "window_s": round(window, 4), "published": msgs, "expected_deliveries": expected,
            "deliveries_in_window": delivered, "deliveries_per_s": delivered / window,
            "received_of_window_messages": got, "lost": expected - got,
            "loss_pct": 100 * (expected - got) / expected if expected else 0.0,
            "p50_ms": nearest_rank(lat, 50), "p99_ms": nearest_rank(lat, 99), "max_ms": lat[-1] if lat else None,
            "frame_payload_bytes": st.bytes_in_window / delivered if delivered else None,
            "latency_samples": len(lat), "bad_frames": st.bad, "disconnects": st.disconnects,
            "publish_errors": st.publish_errors, "first_publish_error": st.first_error,
            "loadgen_cpu_s": cpu, "loadgen_cpu_pct": 100 * cpu / window,
        }
        emit("PHASE", phase)
        phases.append(phase)
        if st.disconnects:
            break
    return {"kind": args.kind, "subscribers": args.subscribers, "payload_bytes": args.payload_bytes,
            "phases": phases}


def loadgen_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="room_bench.py loadgen")
    parser.add_argument("--kind", choices=["gateway", "ws"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--tokens", default="")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rates", default="30")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--drain", type=float, default=3.0)
    parser.add_argument("--payload-bytes", type=int, default=100)
    args = parser.parse_args(argv)
    if not args.url.startswith("ws://127.") and not args.url.startswith("ws://localhost"):
        parser.error("this load generator only targets loopback addresses")
    args.rates = [min(max(int(r), 1), 5000) for r in args.rates.split(",")]
    args.subscribers = min(args.subscribers, 10_000)
    args.duration = min(args.duration, 60.0)
    args.drain = min(args.drain, 10.0)
    import uvloop

    emit("RESULT", uvloop.run(fanout_loadgen(args)))
    return 0


# ----- report -----------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str] = {}
    for pkg in ("realtimenet", "picows", "uvloop", "msgspec"):
        try:
            found[pkg] = version(pkg)
        except PackageNotFoundError:
            found[pkg] = "not installed"
    node = shutil.which("node")
    if node:
        found["node"] = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    for pkg in NODE_PACKAGES:
        meta = BENCH / "node_modules" / pkg / "package.json"
        if meta.exists():
            found[pkg] = json.loads(meta.read_text())["version"]
    return found


def ratio(value: float | None, base: float | None) -> float:
    if value is None or not base:
        return float("nan")
    return value / base


def flags(p: dict[str, Any]) -> str:
    out = [f for f, on in (("load-gen bound", p["loadgen_bound"]), ("server saturated", p["server_saturated"]),
                           ("interfered", p["interfered"])) if on]
    if p["lost"]:
        out.append(f"{p['loss_pct']:.1f}% lost")
    if p.get("publish_errors"):
        out.append(f"{p['publish_errors']} publish errors (cumulative)")
    if p["disconnects"]:
        out.append(f"{p['disconnects']} disconnects")
    return ", ".join(out)


def fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def markdown(report: dict[str, Any]) -> str:
    m = report["method"]
    out = [f"### Room fan-out: {m['subscribers']} subscribers + 1 publisher, ~{m['payload_bytes']}-byte JSON, "
           f"{m['duration_s']:g} s windows; clients: {m['loadgen']['gateway, node-ws']} for the gateway and "
           "node-ws, socket.io-client and colyseus.js", "", *table(report["runs"], m["rates"])]
    if report["saturation"]:
        out += ["", "### Higher rates, gateway and node-ws only, picows client (about 1.4x cheaper per delivery "
                "than the Node ws client)", "", *table(report["saturation"], m["saturation_rates"])]
    return "\n".join(out)


def table(runs: dict[str, dict[str, Any]], rates: list[int]) -> list[str]:
    base = {p["rate"]: p for p in runs.get("node-ws", {}).get("phases", [])}
    out = ["| server | msg/s | deliveries/s | x ws | server CPU-s | server CPU % | deliveries per server CPU-s "
           "| x ws | p50 ms | x ws | p99 ms | x ws | lost | load-gen CPU % | flag |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for rate in rates:
        for name in SERVERS:
            run = runs.get(name)
            if run is None:
                continue
            p = next((q for q in run["phases"] if q["rate"] == rate), None)
            if p is None:
                if rate == rates[0] and not run["ok"]:
                    out.append(f"| {name} | {rate} | failed: {run['error'][:80]} |" + " |" * 12)
                continue
            b = base.get(rate, {})
            out.append(
                f"| {name} | {rate} | {p['deliveries_per_s']:,.0f} | "
                f"{ratio(p['deliveries_per_s'], b.get('deliveries_per_s')):.2f} | {p['server_cpu_s']:.2f} | "
                f"{p['server_cpu_pct']:.0f} | {p['deliveries_per_server_cpu_s']:,.0f} | "
                f"{ratio(p['deliveries_per_server_cpu_s'], b.get('deliveries_per_server_cpu_s')):.2f} | "
                f"{fmt(p['p50_ms'], '.2f')} | {ratio(p['p50_ms'], b.get('p50_ms')):.2f} | "
                f"{fmt(p['p99_ms'], '.2f')} | {ratio(p['p99_ms'], b.get('p99_ms')):.2f} | {p['lost']:,} | "
                f"{p['loadgen_cpu_pct']:.0f} | {flags(p)} |")
    return out


# ----- main -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000, help="room members besides the publisher")
    parser.add_argument("--rates", default="30,60,90", help="publisher messages per second, one phase each")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per rate")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each window")
    parser.add_argument("--drain", type=float, default=3.0, help="seconds late messages may still arrive")
    parser.add_argument("--payload-bytes", type=int, default=100, help="size of each published JSON message")
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset of " + ",".join(SERVERS))
    parser.add_argument("--ws-loadgen", choices=["picows", "node"], default="node",
                        help="client for the gateway and node-ws in the main pass (socket.io-client and colyseus.js "
                        "use the Node ws package underneath, so `node` keeps the socket-level behaviour alike)")
    parser.add_argument("--saturation-rates", default="90,120,150",
                        help="extra pass, gateway and node-ws only, with the faster picows client ('' to skip)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 200 subscribers, 2 s windows")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/room-<date>.json)")
    opts = parser.parse_args(argv)
    opts.rates = [min(max(int(r), 1), 5000) for r in str(opts.rates).split(",") if r.strip()]
    opts.saturation_rates = [min(max(int(r), 1), 5000) for r in str(opts.saturation_rates).split(",") if r.strip()]
    opts.servers = [s for s in str(opts.servers).split(",") if s]
    unknown = set(opts.servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)}")
    if opts.quick:
        opts.subscribers, opts.duration, opts.warmup, opts.drain = 200, 2.0, 1.0, 1.0
    opts.subscribers = min(max(opts.subscribers, 1), 10_000)
    opts.duration = min(max(opts.duration, 1.0), 60.0)
    opts.drain = min(max(opts.drain, 0.5), 10.0)
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    nofile = raise_nofile()
    if nofile < 2 * opts.subscribers + 200:
        print(f"RLIMIT_NOFILE is {nofile}: too low for {opts.subscribers} subscribers", file=sys.stderr)
        return 2
    missing = [p for p in NODE_PACKAGES if not (BENCH / "node_modules" / p).exists()]
    if missing or shutil.which("node") is None:
        print(f"node or bench/node_modules {missing} missing: run `npm ci --prefix bench` first", file=sys.stderr)
        return 2
    if PIN:
        os.sched_setaffinity(0, {LOADGEN_CPU})  # this process and the load generator it starts
    else:
        print("warning: fewer than 2 CPUs available; server and load generator are not pinned", file=sys.stderr)
    started = time.monotonic()
    logdir = Path(tempfile.mkdtemp(prefix="rtnet-room-bench-"))
    runs: dict[str, dict[str, Any]] = {}
    for name in opts.servers:
        print(f"[{time.monotonic() - started:6.1f} s] {name:9s}", end="", flush=True)
        runs[name] = server_run(name, opts, logdir, opts.rates, opts.ws_loadgen)
        print()
    saturation: dict[str, dict[str, Any]] = {}
    for name in [n for n in ("node-ws", "gateway", "gateway-batched") if n in opts.servers and opts.saturation_rates]:
        print(f"[{time.monotonic() - started:6.1f} s] {name:9s} (picows client)", end="", flush=True)
        saturation[name] = server_run(name, opts, logdir, opts.saturation_rates, "picows")
        print()
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "source": source(),
        "versions": versions(),
        "method": {
            "pinned": PIN, "server_cpu": SERVER_CPU if PIN else None, "loadgen_cpu": LOADGEN_CPU if PIN else None,
            "subscribers": opts.subscribers, "publishers": 1, "rates": opts.rates, "warmup_s": opts.warmup,
            "saturation_rates": opts.saturation_rates,
            "duration_s": opts.duration, "drain_s": opts.drain, "payload_bytes": opts.payload_bytes,
            "loadgen": {"gateway, node-ws": "picows (room_bench.py loadgen)" if opts.ws_loadgen == "picows"
                        else "Node ws client (bench/node/room_loadgen.js)",
                        "socket.io, colyseus": "bench/node/room_loadgen.js (socket.io-client, colyseus.js)"},
            "gateway_settings": list(GATEWAY_SETTINGS), "saturated_pct": SATURATED_PCT, "foreign_pct": FOREIGN_PCT,
            "lost": "window messages a subscriber had not received by the end of the drain",
        },
        "runs": runs,
        "saturation": saturation,
        "summary": {
            "failed_servers": sorted(n for n, r in runs.items() if not r["ok"]),
            "loadgen_bound": sorted(f"{n}/{p['rate']}" for n, r in runs.items() for p in r["phases"]
                                    if p["loadgen_bound"]),
            "saturation_loadgen_bound": sorted(f"{n}/{p['rate']}" for n, r in saturation.items()
                                               for p in r["phases"] if p["loadgen_bound"]),
            "interfered": sorted(f"{n}/{p['rate']}" for n, r in runs.items() for p in r["phases"] if p["interfered"]),
            "elapsed_s": round(time.monotonic() - started, 1),
        },
    }
    publish(report, opts.output or RESULTS / f"room-{dt.date.today().isoformat()}.json", logdir, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(loadgen_main(sys.argv[2:]) if sys.argv[1:2] == ["loadgen"] else main())
