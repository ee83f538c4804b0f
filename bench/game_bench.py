"""Players per core at 20 Hz: the RealtimeNet gateway against Colyseus and a raw Node ``ws`` game server.

Run as ``python bench/game_bench.py`` (after ``npm ci --prefix bench``; ``make bench`` runs it; 7 to 15 minutes,
``--quick`` about 2). The game: rooms of ``--room-size`` (20) players; every player sends its input (its new x,
y, rot and ``t``, the millisecond it was sent) at 20 Hz and receives its room's state at 20 Hz. Servers:

* ``gateway``  ``rtnet serve`` (one process, embedded backends, an internal port for /metrics as in production)
  with the room type declared in ``state.entities`` (``players`` with x, y to 0.01, rot to 1 and t to 1) and
  ``state.tick_rate = 20``. A player joins with ``state_encoding: "entities"`` and writes its own entity with
  ``state.update``, sent as a JSON-RPC notification (fire and forget, like the other servers' inputs;
  ``--gateway-input request`` makes it a request with an answer); members receive ``state.entities``.
* ``colyseus``  Colyseus 0.16, schema state, patchRate 50 ms, inputs applied to the state in onMessage
  (bench/node/game_server.js ``--kind colyseus``).
* ``node-ws``  raw Node ``ws`` written as a game would write it: rooms, inputs applied to a per-room state, every
  50 ms the changed players as one JSON frame stringified once per room (game_server.js ``--kind ws``).
* ``gateway-cluster-1w`` / ``gateway-cluster-2w``  the gateway with Redis (state, sessions) and NATS JetStream
  (bus), one worker and ``--workers 2``: the 1 to 2 worker scaling. Redis and NATS are real servers started on
  free loopback ports for each step. On a 2-core machine the load generator needs one core, so the whole server
  side (the workers, Redis and NATS) shares the other: see ``SCALING_NOTE``.

The clients are bench/node/game_loadgen.js: every player a lean client (Node ``ws``; colyseus.js for Colyseus) in
one process pinned to CPU 1, the server pinned to CPU 0. A step runs ``R`` rooms: connect, ``--warmup`` seconds
(players start moving one by one over its first half), a measured window of ``--duration`` seconds, then the
inputs stop and every client must come to hold every player of its room at that player's last input within
``--drain`` seconds.

A step passes when the p99 input-to-peer latency (a player's input send to another player's client seeing it) is
at most ``--max-p99-ms`` and nothing was lost: every client converged, no input was refused, no client was
disconnected and (gateway) none had to resync. The default budget is 100 ms: 50 ms for the server on top of the
50 ms tick. An input waits for the next tick, uniformly 0 to 50 ms for inputs sent at random phases, so the p99
of any 20 Hz server is about 50 ms before it does any work; a p99 of 50 ms is out of reach by construction.

For each server a bounded search over the number of rooms finds the most players one core holds: it starts at
``--start-rooms`` (50 rooms x 20 = 1000 players, also the load at which all servers are compared), doubles while
steps pass (up to ``--max-rooms``), halves while they fail, then bisects until the bounds are within 10% (or a
room), at most ``--max-steps`` steps. Each step reports server CPU per player-second, bytes per player-second
received by the clients and sent by the server's TCP sockets (``ss -ti``), p50/p99 latency, and for the gateway
the event-loop lag (``realtimenet_event_loop_lag_seconds`` read from /metrics before and after the window). A
failing step says which side was saturated: the server (>= 90% of its core), other processes (the core was full
but not with the process measured: a shared machine), the load generator (its process >= 90% of its core, its
event loop more than 25 ms late at p99, or fewer than 95% of the inputs sent), or neither. The lag histogram is
observed once per state tick and a tick that runs long moves the next one on, so a step also reports how many
ticks ran against how many were due: a gateway whose flush takes seconds shows few ticks, not a large lag.

Results go to bench/results/game-<date>.json; charts (players per core, latency against load, bytes per
player) to docs/images/game-bench-*.svg, drawn from that JSON (``--charts-from FILE`` redraws them); the
headline and Markdown tables are printed. Every server binds 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psutil
from gateway_bench import (
    GATEWAY_SETTINGS,
    LOADGEN_CPU,
    PIN,
    SERVER_CPU,
    core_busy_seconds,
    machine,
    process_cpu,
    publish,
    raise_nofile,
    source,
)
from room_bench import (
    BENCH,
    FOREIGN_PCT,
    NODE_DIR,
    RESULTS,
    ROOT,
    SATURATED_PCT,
    mint_tokens,
    running,
    tree_cpu,
    versions,
)

SERVERS = ("gateway", "colyseus", "node-ws")
SCALING = ("gateway-cluster-1w", "gateway-cluster-2w")
LABELS = {"gateway": "RealtimeNet gateway", "colyseus": "Colyseus 0.16", "node-ws": "raw Node ws",
          "gateway-cluster-1w": "gateway, 1 worker + Redis + NATS", "gateway-cluster-2w":
          "gateway, 2 workers + Redis + NATS"}
ENTITY_CONFIG = ('state.entities={"g*" = {players = {x = 0.01, y = 0.01, rot = 1, t = 1}}}', "state.tick_rate=20")
TICK_MS = 50
COLYSEUS_TOLERANCE = 1e-4  # schema "number" sends x = 12.34 as a float32 (it loses less than 1e-4)
LOADGEN_LOOP_DELAY_MS = 25.0  # the load generator's event loop this late at p99 delays what it measures
OFFERED_SHARE = 0.95  # a load generator that sent fewer inputs than this share of 20 Hz fell behind
LAG_METRIC = "realtimenet_event_loop_lag_seconds"
REJECTIONS_METRIC = "realtimenet_state_rejections"
SCRAPE_TIMEOUT_S = 15.0
SCALING_NOTE = (
    "This machine has 2 cores and the load generator needs one, so both cluster configurations run the whole server "
    "side (the supervisor, the workers, Redis and NATS) pinned to CPU 0. The 2-worker figure is therefore what one "
    "core holds when the gateway is split into two worker processes that share rooms through Redis and NATS: the "
    "cost of the multi-worker machinery, not the throughput of two cores. With a core per worker (and Redis and "
    "NATS elsewhere) two workers hold at most twice the 2-worker figure.")


# ----- the search (pure) ----------------------------------------------------------------------------------------


def search_bounds(steps: Sequence[tuple[int, bool]]) -> tuple[int, int | None]:
    """(lo, hi): the most rooms that passed below the fewest that failed (0: none passed), and those fewest
    (None: none failed). A pass above a failure (noise) does not raise ``lo``."""
    fails = [rooms for rooms, ok in steps if not ok]
    hi = min(fails) if fails else None
    passes = [rooms for rooms, ok in steps if ok and (hi is None or rooms < hi)]
    return (max(passes) if passes else 0), hi


def next_rooms(steps: Sequence[tuple[int, bool]], start: int, max_rooms: int, resolution: float = 0.1) -> int | None:
    """The number of rooms the search tries next, or None when it is done. ``steps`` are (rooms, passed) so far.
    Doubles from ``start`` while steps pass (up to ``max_rooms``), halves while they fail, then bisects until the
    bounds are a room apart or within ``resolution`` of the lower one."""
    if not steps:
        return max(1, min(start, max_rooms))
    lo, hi = search_bounds(steps)
    tried = {rooms for rooms, _ in steps}
    if hi is None:
        nxt = min(lo * 2, max_rooms)
        return None if nxt in tried else nxt
    if lo == 0:
        nxt = hi // 2
        return None if nxt < 1 or nxt in tried else nxt
    if hi - lo <= max(1, math.floor(resolution * lo)):
        return None
    nxt = (lo + hi) // 2
    return None if nxt in tried else nxt


# ----- measurements (pure parts) ---------------------------------------------------------------------------------

_SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)')


def parse_histogram(text: str, name: str) -> dict[str, Any]:
    """A Prometheus histogram from /metrics text: {"buckets": {le: cumulative count}, "sum", "count"}
    (le as float, +Inf as math.inf). Absent: empty buckets and zeros."""
    buckets: dict[float, float] = {}
    total = count = 0.0
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m is None:
            continue
        metric, value = m.group("name"), float(m.group("value"))
        if metric == f"{name}_bucket":
            le = re.search(r'le="([^"]+)"', m.group("labels") or "")
            if le:
                buckets[math.inf if le.group(1) == "+Inf" else float(le.group(1))] = value
        elif metric == f"{name}_sum":
            total = value
        elif metric == f"{name}_count":
            count = value
    return {"buckets": buckets, "sum": total, "count": count}


def counter_total(text: str, name: str) -> float:
    """The sum of a Prometheus counter over all its labels (``name`` without ``_total``); 0 when absent."""
    total = 0.0
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m is not None and m.group("name") == f"{name}_total":
            total += float(m.group("value"))
    return total


def histogram_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What a histogram gathered between two readings."""
    return {"buckets": {le: n - before["buckets"].get(le, 0.0) for le, n in after["buckets"].items()},
            "sum": after["sum"] - before["sum"], "count": after["count"] - before["count"]}


def histogram_merge(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Several processes' histograms of the same metric as one."""
    buckets: dict[float, float] = {}
    for part in parts:
        for le, n in part["buckets"].items():
            buckets[le] = buckets.get(le, 0.0) + n
    return {"buckets": buckets, "sum": sum(p["sum"] for p in parts), "count": sum(p["count"] for p in parts)}


def histogram_quantile(hist: dict[str, Any], q: float) -> float | None:
    """The upper bound of the bucket holding the q-quantile (q in 0..1); None without observations."""
    if hist["count"] <= 0:
        return None
    rank = q * hist["count"]
    for le in sorted(hist["buckets"]):
        if hist["buckets"][le] >= rank:
            return le
    return math.inf


def share_above(hist: dict[str, Any], bound: float) -> float | None:
    """The share of observations above ``bound`` (which must be a bucket bound)."""
    if hist["count"] <= 0:
        return None
    return 1.0 - hist["buckets"].get(bound, 0.0) / hist["count"]


_SS_BYTES_SENT = re.compile(r"\bbytes_sent:(\d+)")


def ss_bytes_by_peer(output: str) -> dict[str, int]:
    """``bytes_sent`` per peer address from ``ss -tinH`` output: each socket is a line ``Recv-Q Send-Q local peer``
    followed by an indented line of its TCP counters (a socket without ``bytes_sent`` has sent nothing)."""
    out: dict[str, int] = {}
    peer = None
    for line in output.splitlines():
        if not line[:1].isspace():
            fields = line.split()
            peer = fields[3] if len(fields) >= 4 else None
            if peer is not None:
                out[peer] = 0
            continue
        m = _SS_BYTES_SENT.search(line)
        if m and peer is not None:
            out[peer] = int(m.group(1))
    return out


def bytes_sent_between(before: dict[str, int], after: dict[str, int]) -> tuple[int, int]:
    """(bytes sent between two readings by the sockets present in both, how many were not)."""
    both = before.keys() & after.keys()
    return sum(after[p] - before[p] for p in both), len(before.keys() ^ after.keys())


def tcp_bytes_by_peer(port: int) -> dict[str, int] | None:
    """``ss -ti`` of the established sockets whose local port is ``port``; None without ``ss``."""
    ss = shutil.which("ss")
    if ss is None:
        return None
    done = subprocess.run([ss, "-tinH", "state", "established", f"( sport = :{port} )"], capture_output=True,
                          text=True, timeout=30)
    return ss_bytes_by_peer(done.stdout)


def verdict(step: dict[str, Any], max_p99_ms: float) -> tuple[bool, list[str], str]:
    """(passed, the reasons it failed, which side was saturated: "server", "load generator" or "neither")."""
    reasons = []
    p99 = step.get("latency_p99_ms")
    if p99 is None:
        reasons.append("no latency sample")
    elif p99 > max_p99_ms:
        reasons.append(f"p99 {p99:.1f} ms > {max_p99_ms:g} ms")
    lost = step["players"] - step["converged_clients"]
    if lost:
        reasons.append(f"{lost} clients did not hold every last input")
    for key, what in (("input_errors", "inputs refused"), ("state_rejections", "inputs refused by the gateway"),
                      ("resyncs", "resyncs"), ("decode_errors", "decode errors"), ("disconnects", "disconnects")):
        if step.get(key):
            reasons.append(f"{step[key]} {what}")
    loadgen_behind = (step["loadgen_cpu_pct"] >= SATURATED_PCT
                      or step["loadgen_loop_delay_p99_ms"] > LOADGEN_LOOP_DELAY_MS
                      or step["inputs_per_player_s"] < OFFERED_SHARE * step["hz"])
    if step["server_cpu_pct"] >= SATURATED_PCT:
        bound = "server"
    elif contended(step["server_cpu_pct"], step["foreign_cpu_pct_server_core"]):
        bound = "other processes"  # on the server's core: the server could not get it
    elif loadgen_behind:
        bound = ("other processes" if contended(step["loadgen_cpu_pct"], step["foreign_cpu_pct_loadgen_core"])
                 else "load generator")
    else:
        bound = "neither"
    return not reasons, reasons, bound


def contended(own_pct: float, foreign_pct: float) -> bool:
    """Whether a core was full while another process held a share of it worth noting."""
    return foreign_pct > FOREIGN_PCT and own_pct + foreign_pct >= SATURATED_PCT


def per_player_second(value: float | None, players: int, seconds: float) -> float | None:
    return None if value is None or players <= 0 or seconds <= 0 else value / players / seconds


def summarise(steps: list[dict[str, Any]], max_rooms: int) -> dict[str, Any]:
    """A server's figures from its search: the most players that passed, what stopped it, and the step's
    measurements (``best``); ``limited_by`` is the saturated side of the smallest failing step above it."""
    lo, hi = search_bounds([(s["rooms"], s["passed"]) for s in steps])
    best = next((s for s in steps if s["rooms"] == lo and s["passed"]), None)
    failing = next((s for s in steps if s["rooms"] == hi and not s["passed"]), None)
    if failing is not None:
        limited_by = failing["bound"]
    else:
        limited_by = "search ceiling (no step failed)" if lo >= max_rooms else "step budget (no step failed)"
    out: dict[str, Any] = {
        "players_per_core": best["players"] if best else 0,
        "limited_by": limited_by,
        "first_failure": ({"players": failing["players"], "reasons": failing["reasons"], "bound": failing["bound"]}
                          if failing else None),
        "steps": len(steps),
    }
    if best:
        cpu = best["server_cpu_us_per_player_s"]
        out.update({key: best.get(key) for key in (
            "players", "server_cpu_pct", "server_cpu_us_per_player_s", "bytes_per_player_s", "state_bytes_per_player_s",
            "tcp_bytes_per_player_s", "latency_p50_ms", "latency_p99_ms", "loop_lag_mean_ms", "loop_lag_p99_ms",
            "loadgen_cpu_pct")})
        # What one core would hold if CPU per player stayed as measured: a ceiling, not a measurement.
        out["players_per_core_cpu_extrapolated"] = round(1e6 / cpu) if cpu else None
    return out


# ----- processes ---------------------------------------------------------------------------------------------------


def free_port_pair() -> int:
    """A loopback port P such that P and P + 1 are both free now (a worker's internal port is P + its index)."""
    for _ in range(100):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
            if port >= 65535:
                continue
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two adjacent free loopback ports")


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@contextlib.contextmanager
def backing_services(logdir: Path, tag: str) -> Iterator[tuple[str, str, list[psutil.Process]]]:
    """Real redis-server and nats-server (JetStream) on free loopback ports, pinned with the server under test;
    yields (store URL, bus URL, their processes)."""
    redis_bin, nats_bin = shutil.which("redis-server"), shutil.which("nats-server", path="/usr/sbin:/usr/bin:" +
                                                                     os.environ.get("PATH", ""))
    if redis_bin is None or nats_bin is None:
        raise RuntimeError("redis-server and nats-server are needed (make system-deps installs them)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        redis_port = int(probe.getsockname()[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nats_port = int(probe.getsockname()[1])
    store = logdir / f"jetstream-{tag}"
    redis_argv = [redis_bin, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no",
                  "--dir", str(logdir)]
    nats_argv = [nats_bin, "-a", "127.0.0.1", "-p", str(nats_port), "-js", "-sd", str(store)]
    with running(redis_argv, logdir / f"redis-{tag}.log", pin_server=True) as (redis, _), \
            running(nats_argv, logdir / f"nats-{tag}.log", pin_server=True) as (nats, _):
        wait_port(redis_port, 15)
        wait_port(nats_port, 15)
        time.sleep(0.3)  # JetStream is ready a moment after the port
        yield (f"redis://127.0.0.1:{redis_port}/0", f"nats://127.0.0.1:{nats_port}",
               [psutil.Process(redis.pid), psutil.Process(nats.pid)])
    shutil.rmtree(store, ignore_errors=True)


def server_argv(name: str, store: str = "", bus: str = "") -> tuple[list[str], str, int]:
    """(argv, URL template with {port}, workers) of a server."""
    node = shutil.which("node") or "node"
    if name.startswith("gateway"):
        workers = 2 if name.endswith("-2w") else 1
        internal = free_port_pair()
        argv = [sys.executable, "-m", "realtimenet.cli", "serve", "--port", "0", "--workers", str(workers)]
        for setting in (*GATEWAY_SETTINGS, *ENTITY_CONFIG, f"server.internal_port={internal}"):
            argv += ["--set", setting]
        if store:
            argv += ["--set", f"backends.store={store}", "--set", f"backends.bus={bus}"]
        return argv, "ws://127.0.0.1:{port}/ws", workers
    if name == "node-ws":
        return [node, str(NODE_DIR / "game_server.js"), "--kind", "ws", "--port", "0"], "ws://127.0.0.1:{port}/", 1
    if name == "colyseus":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        return [node, str(NODE_DIR / "game_server.js"), "--kind", "colyseus", "--port", str(port)], \
            "ws://127.0.0.1:{port}", 1
    raise ValueError(name)


def scrape(ports: list[int]) -> list[str] | None:
    """/metrics of each gateway process (its internal port); None when one does not answer in time (a gateway
    whose event loop is that late serves /metrics late too: the step then has no loop-lag figure)."""
    out = []
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=SCRAPE_TIMEOUT_S) as response:
                out.append(response.read().decode())
        except OSError:
            return None
    return out


def step_run(name: str, rooms: int, opts: argparse.Namespace, logdir: Path, tokens: Path) -> dict[str, Any]:
    """One step: a fresh server (and Redis and NATS for the cluster configurations), ``rooms`` rooms of players."""
    players = rooms * opts.room_size
    tag = f"{name}-{rooms}"
    slog, llog = logdir / f"{tag}.server.log", logdir / f"{tag}.loadgen.log"
    kind = "gateway" if name.startswith("gateway") else {"node-ws": "ws", "colyseus": "colyseus"}[name]
    load0 = os.getloadavg()[0]
    try:
        with contextlib.ExitStack() as stack:
            store = bus = ""
            helpers: list[psutil.Process] = []
            if "cluster" in name:
                store, bus, helpers = stack.enter_context(backing_services(logdir, tag))
            argv, url_template, workers = server_argv(name, store, bus)
            sproc, sreader = stack.enter_context(running(argv, slog, pin_server=True))
            ready = json.loads(sreader.expect("READY", 60))
            port = int(ready["port"])
            metrics_ports = [int(ready["internal_port"]) + i for i in range(workers)] if kind == "gateway" else []
            sps = psutil.Process(sproc.pid)
            time.sleep(0.3)
            lg_argv = [shutil.which("node") or "node", str(NODE_DIR / "game_loadgen.js"), "--kind", kind,
                       "--url", url_template.format(port=port), "--rooms", str(rooms), "--room-size",
                       str(opts.room_size), "--hz", "20", "--warmup", str(opts.warmup), "--ramp",
                       str(opts.warmup / 2), "--duration", str(opts.duration), "--drain", str(opts.drain)]
            if kind == "gateway":
                lg_argv += ["--tokens", str(tokens), "--base-version", opts.base_version, "--input", opts.gateway_input]
            if kind == "colyseus":
                lg_argv += ["--tolerance", str(COLYSEUS_TOLERANCE)]
            lproc, lines = stack.enter_context(running(lg_argv, llog, pin_server=False))
            lps = psutil.Process(lproc.pid)
            connected = json.loads(lines.expect("CONNECTED", 60 + 0.03 * players))

            def server_side_cpu() -> tuple[float, float]:
                return tree_cpu(sps), sum(process_cpu(h) for h in helpers)

            lines.expect("MEASURE_START", opts.warmup + 30)
            (g0, h0), l0, c0, t0 = server_side_cpu(), process_cpu(lps), core_busy_seconds(), time.perf_counter()
            tcp0, m0 = tcp_bytes_by_peer(port), scrape(metrics_ports)
            lines.expect("MEASURE_END", opts.duration + 30)
            (g1, h1), l1, c1, t1 = server_side_cpu(), process_cpu(lps), core_busy_seconds(), time.perf_counter()
            tcp1, m1 = tcp_bytes_by_peer(port), scrape(metrics_ports)
            rss_mb = (sps.memory_info().rss + sum(c.memory_info().rss for c in sps.children(recursive=True))) / 2**20
            result: dict[str, Any] = json.loads(lines.expect("RESULT", opts.drain + 30))
            final = scrape(metrics_ports)  # a fresh gateway per step: its counters are the step's
            if final is not None:
                result["state_rejections"] = int(sum(counter_total(text, REJECTIONS_METRIC) for text in final))
    except Exception as exc:  # one server failing must not sink the others
        tail = "\n".join(p.read_text(errors="replace")[-1500:] for p in (slog, llog) if p.exists())
        return {"server": name, "rooms": rooms, "players": players, "ok": False, "passed": False,
                "error": repr(exc), "log_tail": tail, "reasons": [f"failed: {exc!r}"[:200]], "bound": "neither"}
    window = t1 - t0
    server_cpu = (g1 - g0) + (h1 - h0)
    tcp_sent, tcp_sockets_changed = bytes_sent_between(tcp0, tcp1) if tcp0 is not None and tcp1 is not None \
        else (None, None)
    result.update({
        "server": name, "ok": True, "rooms": rooms, "connect_s": connected["seconds"], "window_s_orchestrator": window,
        "server_cpu_s": server_cpu, "server_cpu_pct": 100 * server_cpu / window,
        "gateway_cpu_s": g1 - g0 if kind == "gateway" else None, "redis_nats_cpu_s": (h1 - h0) if helpers else None,
        "server_cpu_us_per_player_s": 1e6 * (per_player_second(server_cpu, players, window) or 0.0),
        "tcp_bytes_per_player_s": per_player_second(tcp_sent, players, window),
        "tcp_sockets": len(tcp1) if tcp1 is not None else None, "tcp_sockets_changed": tcp_sockets_changed,
        "state_bytes_per_player_s": per_player_second(result["state_bytes"], players, result["window_s"]),
        "foreign_cpu_pct_server_core": 100 * max(0.0, c1[0] - c0[0] - server_cpu) / window,
        "foreign_cpu_pct_loadgen_core": 100 * max(0.0, c1[1] - c0[1] - (l1 - l0)) / window,
        "server_rss_mb": rss_mb, "load_average_1m": [round(load0, 2), round(os.getloadavg()[0], 2)],
    })
    if metrics_ports and m0 is not None and m1 is not None:
        lag = histogram_merge([histogram_delta(parse_histogram(a, LAG_METRIC), parse_histogram(b, LAG_METRIC))
                               for a, b in zip(m0, m1, strict=True)])
        p99 = histogram_quantile(lag, 0.99)
        result.update({
            "loop_lag_ticks": lag["count"],
            "loop_lag_mean_ms": 1000 * lag["sum"] / lag["count"] if lag["count"] else None,
            "loop_lag_p99_ms": None if p99 is None else (math.inf if math.isinf(p99) else 1000 * p99),
            "loop_lag_over_10ms_share": share_above(lag, 0.01),
            "state_ticks_expected": round(window * 1000 / TICK_MS) * len(metrics_ports),
        })
    result["interfered"] = bool(PIN and max(result["foreign_cpu_pct_server_core"],
                                            result["foreign_cpu_pct_loadgen_core"]) > FOREIGN_PCT)
    result["passed"], result["reasons"], result["bound"] = verdict(result, opts.max_p99_ms)
    return result


def failure(step: dict[str, Any]) -> str:
    return "; ".join(step["reasons"]) + f" ({step['bound']} saturated)"


def describe(step: dict[str, Any]) -> str:
    if not step["ok"]:
        return f"FAILED to run: {step['error'][:160]}"
    lag = f", loop lag p99 {step['loop_lag_p99_ms']:.0f} ms" if step.get("loop_lag_p99_ms") is not None else ""
    return (f"{'pass' if step['passed'] else 'FAIL'}: p50 {fmt(step['latency_p50_ms'], '.1f')} / p99 "
            f"{fmt(step['latency_p99_ms'], '.1f')} ms, server {step['server_cpu_pct']:.0f}% "
            f"({step['server_cpu_us_per_player_s']:.0f} µs/player-s), load-gen {step['loadgen_cpu_pct']:.0f}%"
            f"{lag}{'' if step['passed'] else ' [' + failure(step) + ']'}")


def search(name: str, opts: argparse.Namespace, logdir: Path, tokens: Path, start: int, started: float) -> list[
        dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    rooms: int | None = start
    while rooms is not None and len(steps) < opts.max_steps:
        print(f"[{time.monotonic() - started:6.0f} s] {name:19s} {rooms:4d} rooms x {opts.room_size} = "
              f"{rooms * opts.room_size:5d} players ...", end="", flush=True)
        step = step_run(name, rooms, opts, logdir, tokens)
        print(" " + describe(step), flush=True)
        steps.append(step)
        if not step["ok"] and len([s for s in steps if not s["ok"]]) >= 2:
            break  # the server does not run: no point searching on
        rooms = next_rooms([(s["rooms"], s["passed"]) for s in steps], start, opts.max_rooms)
    return steps


# ----- report ------------------------------------------------------------------------------------------------------


def fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else "inf" if math.isinf(value) else format(value, spec)


def players_label(summary: dict[str, Any]) -> str:
    n = summary["players_per_core"]
    return f"≥ {n:,}" if summary["limited_by"] != "server" else f"{n:,}"


def headline(report: dict[str, Any]) -> str:
    m, s = report["method"], report["summary"]
    out = [f"Players per core at 20 Hz (p99 input-to-peer latency <= {m['max_p99_ms']:g} ms, nothing lost; "
           f"rooms of {m['room_size']}), measured in one run:"]
    for name in [*SERVERS, *SCALING]:
        if name not in s:
            continue
        sm = s[name]
        why = {"server": "server saturated above it", "load generator": "the load generator's core saturated above it",
               "neither": "failed above it with neither side saturated"}.get(sm["limited_by"], sm["limited_by"])
        extra = ""
        if sm.get("server_cpu_us_per_player_s"):
            extra = (f"; {sm['server_cpu_us_per_player_s']:,.0f} µs server CPU per player-second, "
                     f"CPU-extrapolated ceiling {sm['players_per_core_cpu_extrapolated']:,}")
        out.append(f"  {LABELS[name]:36s} {players_label(sm):>8s}  ({why}{extra})")
    return "\n".join(out)


def markdown(report: dict[str, Any]) -> str:
    m, s = report["method"], report["summary"]
    out = [headline(report), "",
           "| server | players per core | limited by | server CPU per player-second | bytes per player-second "
           "received | TCP bytes per player-second sent | p50 ms | p99 ms | gateway loop lag mean / p99 ms |",
           "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for name in [*SERVERS, *SCALING]:
        if name not in s:
            continue
        sm = s[name]
        lag = (f"{fmt(sm.get('loop_lag_mean_ms'), '.1f')} / {fmt(sm.get('loop_lag_p99_ms'), '.0f')}"
               if sm.get("loop_lag_mean_ms") is not None else "")
        out.append(f"| {LABELS[name]} | {players_label(sm)} | {sm['limited_by']} | "
                   f"{fmt(sm.get('server_cpu_us_per_player_s'), ',.0f')} µs | "
                   f"{fmt(sm.get('bytes_per_player_s'), ',.0f')} | {fmt(sm.get('tcp_bytes_per_player_s'), ',.0f')} | "
                   f"{fmt(sm.get('latency_p50_ms'), '.1f')} | "
                   f"{fmt(sm.get('latency_p99_ms'), '.1f')} | {lag} |")
    out += ["", f"Every step ({m['duration_s']:g} s windows after {m['warmup_s']:g} s of warm-up):", "",
            "| server | players | passed | p50 ms | p99 ms | server CPU % | µs per player-second | bytes per "
            "player-second | TCP bytes per player-second | loop lag p99 ms (state ticks run / due) | load-gen CPU % | "
            "load-gen loop p99 ms | "
            "other CPU on the server's core % | why it failed |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, steps in report["runs"].items():
        for st in sorted(steps, key=lambda x: x["players"]):
            if not st["ok"]:
                out.append(f"| {name} | {st['players']:,} | no |" + " |" * 10 + f" {st['reasons'][0]} |")
                continue
            out.append(
                f"| {name} | {st['players']:,} | {'yes' if st['passed'] else 'no'} | {fmt(st['latency_p50_ms'], '.1f')}"
                f" | {fmt(st['latency_p99_ms'], '.1f')} | {st['server_cpu_pct']:.0f} | "
                f"{st['server_cpu_us_per_player_s']:,.0f} | {st['bytes_per_player_s']:,.0f} | "
                f"{fmt(st['tcp_bytes_per_player_s'], ',.0f')} | {lag_cell(st)} | "
                f"{st['loadgen_cpu_pct']:.0f} | {st['loadgen_loop_delay_p99_ms']:.0f} | "
                f"{st['foreign_cpu_pct_server_core']:.0f} | "
                f"{'' if st['passed'] else failure(st)} |")
    if any(n in s for n in SCALING):
        out += ["", SCALING_NOTE]
    return "\n".join(out)


def lag_cell(step: dict[str, Any]) -> str:
    if step.get("loop_lag_ticks") is None:
        return ""
    return (f"{fmt(step['loop_lag_p99_ms'], '.0f')} ({step['loop_lag_ticks']:.0f} / "
            f"{step['state_ticks_expected']})")


def draw_charts(report: dict[str, Any], outdir: Path) -> list[Path]:
    """Players per core, p99 latency against players, and bytes per player-second, as SVG files in ``outdir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "game-bench"  # stable element ids: a redraw of the same data is the same file
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: small files, searchable, drawn in the reader's font
    outdir.mkdir(parents=True, exist_ok=True)
    summary, runs, method = report["summary"], report["runs"], report["method"]
    names = [n for n in [*SERVERS, *SCALING] if n in summary]
    colours = {"gateway": "#1f77b4", "colyseus": "#2ca02c", "node-ws": "#7f7f7f", "gateway-cluster-1w": "#6baed6",
               "gateway-cluster-2w": "#08519c"}
    stamp = f"{report['date'][:10]}, commit {report['source']['commit'][:7]}, {report['machine']['cpu'] or 'CPU'}"
    written = []

    def save(fig: Any, filename: str) -> None:
        path = outdir / filename
        fig.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(fig)
        written.append(path)

    # 1. Players per core: what passed (solid), and the ceiling CPU per player-second implies (outline).
    fig, ax = plt.subplots(figsize=(8.5, 0.9 + 0.6 * len(names)))
    ys = list(range(len(names)))
    values = [summary[n]["players_per_core"] for n in names]
    ceilings = [summary[n].get("players_per_core_cpu_extrapolated") or 0 for n in names]
    ax.barh(ys, ceilings, height=0.6, fill=False, edgecolor=[colours[n] for n in names], linestyle="--",
            label="ceiling implied by server CPU per player-second at that load (not measured)")
    ax.barh(ys, values, height=0.6, color=[colours[n] for n in names],
            label="measured: most players with every step passed")
    for y, name in zip(ys, names, strict=True):
        sm = summary[name]
        note = ("no step passed" if not sm["players_per_core"] else players_label(sm)) + (
            "" if sm["limited_by"] == "server" else f"  (limit: {sm['limited_by']})")
        ax.annotate(note, (values[y], y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8.5)
        if ceilings[y]:
            ax.text(ceilings[y], y + 0.3, f" {ceilings[y]:,}", va="top", fontsize=7, color="#555555")
    ax.set_yticks(ys, [LABELS[n] for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0, max([*values, *ceilings, 1]) * 1.35)
    ax.set_xlabel(f"players one core holds at 20 Hz (p99 ≤ {method['max_p99_ms']:g} ms, nothing lost)")
    ax.set_title(f"Players per core, rooms of {method['room_size']}\n{stamp}", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
    save(fig, "game-bench-players-per-core.svg")

    # 2. Latency against load: p99 (markers: o passed, x failed) and p50 (dashed) of every step.
    fig, ax = plt.subplots(figsize=(8.5, 5))
    cap = 1000.0
    for name in names:
        pts = sorted((s["players"], s["latency_p99_ms"], s["latency_p50_ms"], s["passed"]) for s in runs[name]
                     if s["ok"] and s.get("latency_p99_ms") is not None)
        if not pts:
            continue
        xs = [p[0] for p in pts]
        ax.plot(xs, [min(p[1], cap) for p in pts], color=colours[name], label=f"{LABELS[name]}: p99")
        ax.plot(xs, [min(p[2], cap) for p in pts], linestyle="--", color=colours[name], alpha=0.6, linewidth=1,
                label=f"{LABELS[name]}: p50")
        for x, p99, _, passed in pts:
            ax.plot([x], [min(p99, cap)], marker="o" if passed else "x", color=colours[name], markersize=6)
    ax.axhline(method["max_p99_ms"], color="#d62728", linewidth=1)
    ax.text(0.01, method["max_p99_ms"], f"p99 budget {method['max_p99_ms']:g} ms", color="#d62728", va="bottom",
            fontsize=8, transform=ax.get_yaxis_transform())
    ax.axhline(TICK_MS, color="#999999", linewidth=0.8, linestyle=":")
    ax.text(0.01, TICK_MS, "one tick (50 ms)", color="#777777", va="bottom", fontsize=7,
            transform=ax.get_yaxis_transform())
    ax.set_yscale("log")
    ax.set_xlabel("players (all rooms); o: step passed, x: step failed")
    ax.set_ylabel(f"input-to-peer latency, ms (log scale, capped at {cap:,.0f})")
    ax.set_title(f"Latency against load (every search step)\n{stamp}", fontsize=10)
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    save(fig, "game-bench-latency.svg")

    # 3. Bytes per player-second at each server's best passing step.
    fig, ax = plt.subplots(figsize=(8.5, 1.0 + 0.7 * len(names)))
    received, sent, labels = [], [], []
    for name in names:
        best = next((s for s in runs[name] if s["ok"] and s["passed"]
                     and s["players"] == summary[name]["players_per_core"]), None)
        received.append(best["bytes_per_player_s"] if best else 0)
        sent.append((best.get("tcp_bytes_per_player_s") or 0) if best else 0)
        labels.append(f"{LABELS[name]}\n({best['players']:,} players)" if best else f"{LABELS[name]}\n(no step passed)")
    ax.barh([y - 0.2 for y in ys], received, height=0.4, color=[colours[n] for n in names],
            label="received by the clients (WebSocket frames, headers included)")
    ax.barh([y + 0.2 for y in ys], sent, height=0.4, color=[colours[n] for n in names], alpha=0.4,
            label="sent by the server's TCP sockets (ss)")
    for y, r in zip(ys, received, strict=True):
        if r:
            ax.annotate(f"{r:,.0f}", (r, y - 0.2), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(ys, labels, fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*received, *sent, 1]) * 1.2)
    ax.set_xlabel("bytes per player-second, at the most players each server held")
    ax.set_title(f"Bytes per player at 20 Hz, rooms of {method['room_size']}\n{stamp}", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    save(fig, "game-bench-bytes.svg")
    return written


# ----- main --------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default=",".join(SERVERS + SCALING),
                        help="comma-separated subset of " + ",".join(SERVERS + SCALING))
    parser.add_argument("--room-size", type=int, default=20, help="players per room")
    parser.add_argument("--start-rooms", type=int, default=50, help="the first step of every search (and the load "
                        "at which every server is compared)")
    parser.add_argument("--max-rooms", type=int, default=400, help="the search's ceiling")
    parser.add_argument("--max-steps", type=int, default=8, help="most steps per server")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of inputs before each window")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per step")
    parser.add_argument("--drain", type=float, default=5.0, help="most seconds for every client to converge")
    parser.add_argument("--max-p99-ms", type=float, default=100.0,
                        help="a step passes when its p99 input-to-peer latency is at most this (the 50 ms tick "
                        "plus 50 ms)")
    parser.add_argument("--base-version", choices=["newest", "document"], default="newest",
                        help="the gateway clients' base_version: the newest version they know (their last answer's "
                        "included) or their document's alone (what docs/state-management-patterns.md advises)")
    parser.add_argument("--gateway-input", choices=["notification", "request"], default="notification",
                        help="how the gateway clients send an input: a JSON-RPC notification (fire and forget, as the "
                        "Colyseus and ws clients send theirs; refusals are read from the gateway's metrics) or a "
                        "request, which adds an answer frame per input")
    parser.add_argument("--nice", type=int, default=-10,
                        help="niceness of this process, the servers and the load generator (below 0 needs root)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: rooms of 10, 3 s windows, at most 3 steps per server from 10 rooms")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/game-<date>.json; "
                        "--quick: bench/results/tmp-game-quick.json, not committed)")
    parser.add_argument("--charts-dir", type=Path, help="where the SVG charts go (default docs/images; --quick: "
                        "none unless given)")
    parser.add_argument("--charts-from", type=Path, help="only redraw the charts from this results JSON")
    opts = parser.parse_args(argv)
    opts.servers = [s for s in str(opts.servers).split(",") if s]
    unknown = set(opts.servers) - set(SERVERS + SCALING)
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)}")
    if opts.quick:  # smaller defaults; what was given explicitly stays
        for key, value in (("room_size", 10), ("start_rooms", 10), ("max_steps", 3), ("warmup", 1.0),
                           ("duration", 3.0), ("drain", 3.0)):
            if getattr(opts, key) == parser.get_default(key):
                setattr(opts, key, value)
    opts.room_size = min(max(opts.room_size, 2), 200)
    opts.max_rooms = min(max(opts.max_rooms, 1), 20000 // opts.room_size)
    opts.start_rooms = min(max(opts.start_rooms, 1), opts.max_rooms)
    opts.max_steps = min(max(opts.max_steps, 1), 16)
    opts.warmup = min(max(opts.warmup, 0.5), 60.0)
    opts.duration = min(max(opts.duration, 1.0), 120.0)
    opts.drain = min(max(opts.drain, 0.5), 30.0)
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if opts.charts_from:
        for path in draw_charts(json.loads(opts.charts_from.read_text()), opts.charts_dir or ROOT / "docs" / "images"):
            print(f"wrote {path}")
        return 0
    nofile = raise_nofile()
    most_players = opts.max_rooms * opts.room_size
    if nofile < most_players + 1000:
        print(f"RLIMIT_NOFILE is {nofile}: too low for {most_players} players", file=sys.stderr)
        return 2
    missing = [p for p in ("ws", "@colyseus/core", "@colyseus/schema", "colyseus.js")
               if not (BENCH / "node_modules" / p).exists()]
    if missing or shutil.which("node") is None:
        print(f"node or bench/node_modules {missing} missing: run `npm ci --prefix bench` first", file=sys.stderr)
        return 2
    if PIN:
        os.sched_setaffinity(0, {LOADGEN_CPU})  # this process and the load generator it starts
    else:
        print("warning: fewer than 2 CPUs available; server and load generator are not pinned", file=sys.stderr)
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    try:  # inherited by every server and load generator: other work on a shared machine delays ticks less
        os.setpriority(os.PRIO_PROCESS, 0, opts.nice)
        niceness = opts.nice
    except PermissionError:
        print(f"warning: cannot set niceness {opts.nice}; running at {niceness}", file=sys.stderr)
    c0 = core_busy_seconds()
    time.sleep(1.0)
    busy_before = [round(100 * (b - a), 1) for a, b in zip(c0, core_busy_seconds(), strict=True)]
    load_before = [round(x, 2) for x in os.getloadavg()]
    if max(busy_before) > FOREIGN_PCT:
        print(f"warning: the pinned cores are already {busy_before}% busy (load average {load_before}): CPU and "
              "latency figures will be noisy", file=sys.stderr)
    started = time.monotonic()
    logdir = Path(tempfile.mkdtemp(prefix="rtnet-game-bench-"))
    tokens = logdir / "tokens.txt"
    if any(n.startswith("gateway") for n in opts.servers):
        mint_tokens(opts.max_rooms * opts.room_size, tokens)
    runs: dict[str, list[dict[str, Any]]] = {}
    for name in [n for n in SERVERS + SCALING if n in opts.servers]:
        start = opts.start_rooms
        if name in SCALING and "gateway" in runs:  # start the cluster searches where the single gateway ended
            start = max(1, search_bounds([(s["rooms"], s["passed"]) for s in runs["gateway"]])[0] or start)
        runs[name] = search(name, opts, logdir, tokens, start, started)
    found = versions()
    found["python"] = platform.python_version()
    for pkg in ("@colyseus/schema", "colyseus.js"):
        meta = BENCH / "node_modules" / pkg / "package.json"
        if meta.exists():
            found[pkg] = json.loads(meta.read_text())["version"]
    for binary in ("redis-server", "nats-server"):
        path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin")
        if path and any(n in opts.servers for n in SCALING):
            found[binary] = subprocess.run([path, "--version"], capture_output=True, text=True,
                                           timeout=10).stdout.strip()[:80]
    summary: dict[str, Any] = {name: summarise(steps, opts.max_rooms) for name, steps in runs.items()}
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "source": source(),
        "versions": found,
        "method": {
            "pinned": PIN, "server_cpu": SERVER_CPU if PIN else None, "loadgen_cpu": LOADGEN_CPU if PIN else None,
            "room_size": opts.room_size, "hz": 20, "tick_ms": TICK_MS, "start_rooms": opts.start_rooms,
            "max_rooms": opts.max_rooms, "max_steps": opts.max_steps, "warmup_s": opts.warmup,
            "duration_s": opts.duration, "drain_s": opts.drain, "max_p99_ms": opts.max_p99_ms,
            "search": "rooms double from start_rooms while steps pass, halve while they fail, then bisect to 10% "
                      "(or one room); a fresh server per step",
            "pass": "p99 input-to-peer latency <= max_p99_ms, every client holds every player's last input at the "
                    "end, no input refused, no disconnect, no resync",
            "latency": "from the input's send to another client of the room seeing its t (one process, one clock; "
                       "t in whole ms: +-0.5 ms), histogram of 0.1 ms buckets; includes the wait for the server's "
                       "20 Hz tick (0-50 ms)",
            "bytes": "every data frame the clients' ws sockets delivered in the window (payload + 2/4-byte header); "
                     "tcp: ss -ti bytes_sent of the server's sockets over the window",
            "server_cpu_measured": "user + system CPU of the server process and its children (the workers), plus "
                                   "Redis and NATS for the cluster configurations, over the window",
            "gateway_settings": [*GATEWAY_SETTINGS, *ENTITY_CONFIG, "server.internal_port=<free>"],
            "gateway_base_version": opts.base_version, "gateway_input": opts.gateway_input,
            "saturated_pct": SATURATED_PCT, "loadgen_loop_delay_ms": LOADGEN_LOOP_DELAY_MS,
            "loadgen_offered_share": OFFERED_SHARE,
            "foreign_pct": FOREIGN_PCT, "cores_busy_pct_before": busy_before, "niceness": niceness,
            "load_average_before": load_before, "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "scaling_note": SCALING_NOTE,
        },
        "runs": runs,
        "summary": {**summary, "elapsed_s": round(time.monotonic() - started, 1)},
    }
    output = opts.output or (RESULTS / "tmp-game-quick.json" if opts.quick
                             else RESULTS / f"game-{dt.date.today().isoformat()}.json")
    charts_dir = opts.charts_dir or (None if opts.quick else ROOT / "docs" / "images")
    publish(report, output, logdir, markdown(report))
    if charts_dir is not None:
        for path in draw_charts(report, charts_dir):
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
