"""Soak: many idle authenticated WebSockets on one gateway, with churn, for a long time; is its memory flat?

``make soak`` (not part of ``make test``) runs ``python bench/soak.py`` with the defaults: 10,000 idle
connections (each its own player, each in one of ``--rooms`` rooms) held on one gateway process for
``--minutes`` 25 while ``--churn`` 80 connections a second are replaced (each socket lives about two minutes,
so the allocators and every bounded store reach their steady state within the ``--warmup-minutes`` 10 that the
slope leaves out; at 20 a second that takes about four times as long): some close normally (1000), some
are aborted without a close frame (the TCP connection just ends, as a lost network would), some are
aborted and come back on a new socket that calls ``session.resume`` (which must recover the room stream).
Every ``--sample-seconds`` the gateway's RSS and CPU (psutil) and its ``realtimenet_connections`` gauge
(/metrics) are read, the RSS also split into the brk heap and anonymous mappings (``/proc/<pid>/smaps``), which
tells glibc's main arena from pymalloc's arenas when it grows.

The verdict: the RSS slope after ``--warmup-minutes`` (ordinary least squares, bytes per minute, with its
standard error), flat when under ``--flat-kib-per-minute``; connects/s; every failure (a refused or failed
connect, a resume that did not recover, an idle connection the gateway closed); and whether the gauge matches
the connections the clients hold. The summary is one JSON object, printed after ``SUMMARY`` and written to
``--output`` (default bench/results/soak-<date>.json). The exit status is non-zero when anything failed or
the RSS was not flat (a window shorter than ``MIN_JUDGED_MINUTES`` is reported but not judged).

One process drives every socket (picows clients on uvloop). It raises its own RLIMIT_NOFILE (soft limit to
the hard limit) with resource.setrlimit, and the gateway, its child, inherits it. Everything binds or
connects to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import psutil
import uvloop
from gateway_bench import LineReader, machine, source
from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from realtimenet.config import load_config
from realtimenet.gateway.auth import TokenVerifier
from realtimenet.protocol.streams import room_stream

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CONNECT_CONCURRENCY = 64
CALL_TIMEOUT = 15.0
MIN_JUDGED_MINUTES = 3.0  # a shorter measured window cannot tell a slow leak from allocator noise
CHURN_KINDS = ("close", "abort", "resume")


# ----- statistics --------------------------------------------------------------------------------------


def least_squares(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Slope, its standard error and R² of the ordinary least-squares line through ``points`` (x, y)."""
    n = len(points)
    if n < 3:
        return float("nan"), float("nan"), float("nan")
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    syy = sum((y - mean_y) ** 2 for _, y in points)
    if sxx == 0:
        return float("nan"), float("nan"), float("nan")
    slope = sxy / sxx
    residual = max(0.0, syy - slope * sxy)
    stderr = math.sqrt(residual / (n - 2) / sxx)
    r2 = 1 - residual / syy if syy else 1.0
    return slope, stderr, r2


# ----- clients -----------------------------------------------------------------------------------------


class SoakClient(WSListener):
    """One idle player socket: the welcome, a few calls, and how it ended."""

    def __init__(self, run: Soak, player: str) -> None:
        self.run = run
        self.player = player
        self.transport: WSTransport | None = None
        self.welcome: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.next_id = 1
        self.leaving = False  # we are closing it on purpose
        self.busy = False  # its room.join or session.resume is in flight (the churn leaves it alone)
        self.close_code: int | None = None
        self.resume_token = ""
        self.room = ""
        self.position: tuple[str, int] | None = None  # the room stream's (epoch, offset)

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is WSMsgType.CLOSE:
            self.close_code = frame.get_close_code().value if frame.payload_size else 1005
            if not self.leaving:
                transport.send_close(frame.get_close_code())
            transport.disconnect()
            return
        if frame.msg_type is not WSMsgType.TEXT:
            return
        message = msgspec.json.decode(frame.get_payload_as_bytes())
        if isinstance(message, dict) and message.get("method") == "session.welcome":
            self.resume_token = message["params"]["resume_token"]
            if not self.welcome.done():
                self.welcome.set_result(message["params"])
        elif isinstance(message, dict) and "id" in message:
            future = self.pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(RuntimeError(json.dumps(message["error"])))
                else:
                    future.set_result(message["result"])
        else:
            self.run.notifications += 1

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        error = ConnectionError(f"disconnected (close code {self.close_code})")
        for future in self.pending.values():
            if not future.done():
                future.set_exception(error)
        self.pending.clear()
        if not self.welcome.done():
            self.welcome.set_exception(error)
        self.run.gone(self)

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        assert self.transport is not None
        rid, self.next_id = self.next_id, self.next_id + 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[rid] = future
        self.transport.send(WSMsgType.TEXT, msgspec.json.encode(
            {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}))
        return await asyncio.wait_for(future, CALL_TIMEOUT)

    def close(self) -> None:
        """A normal close (1000): the session ends."""
        self.leaving = True
        if self.transport is not None:
            self.transport.send_close(WSCloseCode.OK)  # picows's default sends code 0, which RFC 6455 forbids
            self.transport.disconnect()

    def abort(self) -> None:
        """The TCP connection ends without a close frame (the session stays resumable)."""
        self.leaving = True
        if self.transport is not None:
            self.transport.underlying_transport.abort()


@dataclass
class Counts:
    """What happened, by kind."""

    connects: int = 0
    connect_failures: int = 0
    join_failures: int = 0
    resumes_recovered: int = 0
    resume_failures: int = 0
    unexpected_disconnects: int = 0
    unexpected_codes: dict[str, int] = field(default_factory=dict)
    churn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHURN_KINDS, 0))
    failure_examples: list[str] = field(default_factory=list)
    failure_kinds: dict[str, int] = field(default_factory=dict)

    def failed(self, what: str, kind: str) -> None:
        self.failure_kinds[kind] = self.failure_kinds.get(kind, 0) + 1
        if len(self.failure_examples) < 10:
            self.failure_examples.append(what[:300])


class Soak:
    """The clients, the churn and the sampling of one run."""

    def __init__(self, args: argparse.Namespace, url: str, metrics_url: str, gateway: psutil.Process) -> None:
        self.args = args
        self.url = url
        self.metrics_url = metrics_url
        self.gateway = gateway
        self.verifier = TokenVerifier(load_config().auth)
        self.token_ttl = 3600 + args.minutes * 60 + 600
        self.live: list[SoakClient] = []
        self.index: dict[SoakClient, int] = {}
        self.counts = Counts()
        self.notifications = 0
        self.players = 0
        self.random = random.Random(args.seed)
        # The player population: connections come from players who are offline now (a game's returning players);
        # with --players 0 every new connection is a player never seen before.
        self.offline = [f"soak-{n + 1}" for n in range(args.players)]
        self.samples: list[dict[str, Any]] = []
        self.gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    # pool bookkeeping (O(1) removal by swapping with the last)
    def _add(self, client: SoakClient) -> None:
        self.index[client] = len(self.live)
        self.live.append(client)

    def _remove(self, client: SoakClient) -> bool:
        at = self.index.pop(client, None)
        if at is None:
            return False
        last = self.live.pop()
        if last is not client:
            self.live[at] = last
            self.index[last] = at
        return True

    def gone(self, client: SoakClient) -> None:
        if self._remove(client) and not client.leaving:
            self.counts.unexpected_disconnects += 1
            code = str(client.close_code)
            self.counts.unexpected_codes[code] = self.counts.unexpected_codes.get(code, 0) + 1
            self.counts.failed(f"{client.player}: closed by the gateway with {code}",
                               f"closed by the gateway: {code}")

    def new_player(self) -> str:
        self.players += 1
        if not self.offline:
            return f"soak-new-{self.players}"
        at = self.random.randrange(len(self.offline))
        self.offline[at], self.offline[-1] = self.offline[-1], self.offline[at]
        return self.offline.pop()

    def went_offline(self, player: str) -> None:
        if self.args.players:
            self.offline.append(player)

    async def connect(self, player: str, room: str) -> SoakClient | None:
        """Open a socket for ``player``, wait for its welcome, join ``room``; None (counted) on failure."""
        token = self.verifier.mint(player, self.token_ttl)
        async with self.gate:
            try:
                _, client = await ws_connect(lambda: SoakClient(self, player), f"{self.url}?access_token={token}",
                                             websocket_handshake_timeout=CALL_TIMEOUT, enable_auto_pong=True,
                                             read_buffer_init_size=1024)
                assert isinstance(client, SoakClient)
                await asyncio.wait_for(client.welcome, CALL_TIMEOUT)
            except Exception as exc:  # a refused upgrade, a timeout, a reset: all are failures here
                self.counts.connect_failures += 1
                self.counts.failed(f"{player}: connect failed: {exc!r}", f"connect: {type(exc).__name__}")
                return None
        self.counts.connects += 1
        self._add(client)
        if room:
            client.busy = True
            try:
                joined = await client.call("room.join", {"room": room})
                client.room, client.position = room, (joined["epoch"], joined["offset"])
            except Exception as exc:
                self.counts.join_failures += 1
                self.counts.failed(f"{player}: room.join failed: {exc!r}", "room.join")
            client.busy = False
        return client

    def room_of(self, n: int) -> str:
        return f"soak-room-{n % self.args.rooms}" if self.args.rooms else ""

    async def ramp(self) -> float:
        started = time.monotonic()
        await asyncio.gather(*(self.connect(self.new_player(), self.room_of(i))
                               for i in range(self.args.connections)))
        return time.monotonic() - started

    async def churn_one(self, kind: str) -> None:
        if not self.live:
            return
        victim = self.live[self.random.randrange(len(self.live))]
        if victim.busy:
            return  # ending it mid-call would fail its join or resume: the soak's doing, not the gateway's
        self._remove(victim)
        self.counts.churn[kind] += 1
        if kind == "close":
            victim.close()
            player = self.new_player()  # before the victim is offline: someone else connects
            self.went_offline(victim.player)
            await self.connect(player, self.room_of(self.players))
        elif kind == "abort":
            victim.abort()
            player = self.new_player()
            self.went_offline(victim.player)
            await self.connect(player, self.room_of(self.players))
        else:
            victim.abort()
            await asyncio.sleep(self.random.uniform(0.05, 1.0))  # a short network drop
            client = await self.connect(victim.player, "")
            if client is None:
                return
            streams = []
            if victim.position is not None:
                streams.append({"stream": room_stream(victim.room), "epoch": victim.position[0],
                                "offset": victim.position[1]})
            client.busy = True
            try:
                result = await client.call("session.resume", {"resume_token": victim.resume_token,
                                                              "streams": streams})
            except Exception as exc:
                self.counts.resume_failures += 1
                text = str(exc)
                reason = text.rsplit('"reason": "', 1)[-1].split('"')[0] if '"reason"' in text else type(exc).__name__
                self.counts.failed(f"{victim.player}: session.resume failed: {exc!r}", f"session.resume: {reason}")
                return
            finally:
                client.busy = False
            recovered = all(s["recovered"] for s in result["streams"]) and len(result["streams"]) == len(streams)
            if not recovered or (victim.room and victim.room not in result["rooms"]):
                self.counts.resume_failures += 1
                self.counts.failed(f"{victim.player}: resume did not recover: {result!r}",
                                   "session.resume: not recovered")
                return
            self.counts.resumes_recovered += 1
            client.room, client.position = victim.room, victim.position
            client.resume_token = result["resume_token"]

    async def churn(self, until: float) -> None:
        """``--churn`` replacements a second, started on a fixed schedule, at most a few seconds' worth at once."""
        tasks: set[asyncio.Task[None]] = set()
        if self.args.churn <= 0:
            await asyncio.sleep(max(0.0, until - time.monotonic()))
            return
        period = 1.0 / self.args.churn
        due = time.monotonic()
        while time.monotonic() < until:
            due += period
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if len(tasks) >= 5 * self.args.churn + 10:
                continue  # the gateway is behind: skip rather than pile up
            kind = self.random.choices(CHURN_KINDS, weights=(2, 1, 1))[0]
            task = asyncio.ensure_future(self.churn_one(kind))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=CALL_TIMEOUT * 3)

    def gauge(self) -> float | None:
        try:
            with urllib.request.urlopen(self.metrics_url, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("realtimenet_connections "):
                return float(line.split()[1])
        return None

    async def sample(self, started: float) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        gauge = await loop.run_in_executor(None, self.gauge)
        cpu = self.gateway.cpu_times()
        row = {"t": round(time.monotonic() - started, 2), "rss": self.gateway.memory_info().rss,
               **resident_by_kind(self.gateway),
               "gateway_cpu_s": round(cpu.user + cpu.system, 2), "gauge": gauge, "held": len(self.live),
               "connects": self.counts.connects}
        self.samples.append(row)
        return row

    async def sampler(self, started: float, until: float) -> None:
        while time.monotonic() < until:
            await self.sample(started)
            await asyncio.sleep(min(self.args.sample_seconds, max(0.0, until - time.monotonic())))

    async def settle_gauge(self) -> tuple[float | None, int]:
        """The gauge once the gateway has seen every close (it counts a socket until its TCP end arrives)."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + 15
        gauge = None
        while time.monotonic() < deadline:
            gauge = await loop.run_in_executor(None, self.gauge)
            if gauge == len(self.live):
                break
            await asyncio.sleep(0.5)
        return gauge, len(self.live)

    async def close_all(self) -> None:
        for client in list(self.live):
            client.close()
        await asyncio.sleep(1.0)


def resident_by_kind(process: psutil.Process) -> dict[str, int]:
    """Resident bytes of the brk heap (glibc's main arena: C allocations and Python objects over 512 bytes) and
    of anonymous mappings (pymalloc's 1 MiB arenas, glibc's mmapped chunks and thread arenas): which allocator
    holds a growth."""
    heap = anon = 0
    for mapping in process.memory_maps(grouped=True):
        if mapping.path == "[heap]":
            heap += mapping.rss
        elif mapping.path in ("[anon]", ""):
            anon += mapping.rss
    return {"rss_heap": heap, "rss_anon": anon}


# ----- the run -----------------------------------------------------------------------------------------


def raise_nofile(wanted: int) -> dict[str, int]:
    """Raise RLIMIT_NOFILE's soft limit to the hard limit (the gateway, a child, inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return {"soft_before": soft, "soft_after": resource.getrlimit(resource.RLIMIT_NOFILE)[0], "hard": hard,
            "needed": wanted}


def start_gateway(args: argparse.Namespace, log: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    settings = [f"server.max_connections={args.connections + 5 * int(args.churn) + 100}",
                "server.host=127.0.0.1", "server.drain_timeout=2", *args.set]
    argv = [sys.executable, "-m", "realtimenet.cli", "serve", "--port", "0"]
    for setting in settings:
        argv += ["--set", setting]
    with open(log, "w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True,
                                cwd=ROOT)
    assert proc.stdout is not None
    ready = json.loads(LineReader(proc.stdout).expect("READY", 30))
    return proc, {**ready, "settings": settings}


async def soak(args: argparse.Namespace, gateway: subprocess.Popen[str], ready: dict[str, Any]) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{ready['port']}/ws"
    run = Soak(args, url, f"http://127.0.0.1:{ready['internal_port']}/metrics", psutil.Process(gateway.pid))
    me = psutil.Process()
    started = time.monotonic()
    rss_before = run.gateway.memory_info().rss
    ramp_seconds = await run.ramp()
    ramp_failures = run.counts.connect_failures + run.counts.join_failures
    print(f"[{time.monotonic() - started:6.1f} s] {len(run.live)} connections in {ramp_seconds:.1f} s "
          f"({run.counts.connect_failures} failed); churning {args.churn}/s for {args.minutes} min", flush=True)
    churn_started = time.monotonic()
    until = churn_started + args.minutes * 60
    connects_before, me_cpu0 = run.counts.connects, me.cpu_times()
    gw_cpu0 = run.gateway.cpu_times()
    sampler = asyncio.ensure_future(run.sampler(churn_started, until))
    progress = asyncio.ensure_future(report_progress(run, churn_started, until))
    await run.churn(until)
    await sampler
    progress.cancel()
    churn_seconds = time.monotonic() - churn_started
    me_cpu1, gw_cpu1 = me.cpu_times(), run.gateway.cpu_times()
    final = await run.sample(churn_started)
    gauge, held = await run.settle_gauge()
    await run.close_all()

    warmup = min(args.warmup_minutes, args.minutes / 2) * 60
    def after_warmup(key: str) -> list[tuple[float, float]]:
        return [(s["t"] / 60, float(s[key])) for s in run.samples if s["t"] >= warmup]

    window = after_warmup("rss")
    slope, stderr, r2 = least_squares(window)
    by_kind = {kind: least_squares(after_warmup(f"rss_{kind}"))[0] for kind in ("heap", "anon")}
    measured_minutes = (window[-1][0] - window[0][0]) if len(window) > 1 else 0.0
    threshold = args.flat_kib_per_minute * 1024
    judged = measured_minutes >= MIN_JUDGED_MINUTES
    flat = (abs(slope) <= threshold) if judged and not math.isnan(slope) else None
    churned_per_minute = sum(run.counts.churn.values()) / max(churn_seconds / 60, 1e-9)
    c = run.counts
    failures = (c.connect_failures + c.join_failures + c.resume_failures + c.unexpected_disconnects)
    gauge_matches = gauge == held
    ok = failures == 0 and gauge_matches and flat is not False
    return {
        "ok": ok,
        "parameters": {"connections": args.connections, "players": args.players or "a new one per connection",
                       "minutes": args.minutes, "churn_per_s": args.churn,
                       "rooms": args.rooms, "warmup_minutes": warmup / 60, "sample_seconds": args.sample_seconds,
                       "flat_kib_per_minute": args.flat_kib_per_minute, "seed": args.seed,
                       "churn_mix": "close 50%, abort 25%, abort + resume 25%"},
        "gateway": {"settings": ready["settings"], "node_id": ready.get("node_id")},
        "ramp": {"seconds": round(ramp_seconds, 2), "connects_per_s": round(args.connections / ramp_seconds, 1),
                 "failures": ramp_failures, "rss_before_mb": round(rss_before / 2**20, 1),
                 "rss_after_mb": round(run.samples[0]["rss"] / 2**20, 1) if run.samples else None},
        "churn": {"seconds": round(churn_seconds, 1), "operations": c.churn,
                  "connects": c.connects - connects_before,
                  "connects_per_s": round((c.connects - connects_before) / churn_seconds, 2),
                  "resumes_recovered": c.resumes_recovered},
        "failures": {"total": failures, "connect": c.connect_failures, "room_join": c.join_failures,
                     "resume": c.resume_failures, "closed_by_gateway": c.unexpected_disconnects,
                     "close_codes": c.unexpected_codes, "by_kind": c.failure_kinds, "examples": c.failure_examples},
        "rss": {"start_mb": round(run.samples[0]["rss"] / 2**20, 1), "end_mb": round(final["rss"] / 2**20, 1),
                "max_mb": round(max(s["rss"] for s in run.samples) / 2**20, 1),
                "window_minutes": round(measured_minutes, 2), "window_samples": len(window),
                "slope_bytes_per_minute": round(slope) if not math.isnan(slope) else None,
                "slope_stderr_bytes_per_minute": round(stderr) if not math.isnan(stderr) else None,
                "r_squared": round(r2, 3) if not math.isnan(r2) else None,
                "slope_by_kind_bytes_per_minute": {kind: round(v) if not math.isnan(v) else None
                                                   for kind, v in by_kind.items()},
                "bytes_per_churned_connection": (round(slope / churned_per_minute, 1)
                                                 if churned_per_minute and not math.isnan(slope) else None),
                "flat": flat, "judged": judged},
        "metrics": {"connections_gauge": gauge, "connections_held": held, "matches": gauge_matches},
        "cpu": {"gateway_pct": round(100 * (gw_cpu1.user + gw_cpu1.system - gw_cpu0.user - gw_cpu0.system)
                                     / churn_seconds, 1),
                "loadgen_pct": round(100 * (me_cpu1.user + me_cpu1.system - me_cpu0.user - me_cpu0.system)
                                     / churn_seconds, 1)},
        "notifications_received": run.notifications,
        "samples": run.samples,
    }


async def report_progress(run: Soak, started: float, until: float) -> None:
    while time.monotonic() < until:
        await asyncio.sleep(60)
        last = run.samples[-1] if run.samples else {}
        c = run.counts
        print(f"[{time.monotonic() - started:6.0f} s] held {len(run.live)}, gauge {last.get('gauge')}, RSS "
              f"{last.get('rss', 0) / 2**20:.1f} MB, connects {c.connects}, failures "
              f"{c.connect_failures + c.join_failures + c.resume_failures + c.unexpected_disconnects}", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=10_000, help="idle sockets held (default 10,000)")
    parser.add_argument("--minutes", type=float, default=25.0, help="length of the churn phase (default 25)")
    parser.add_argument("--churn", type=float, default=80.0,
                        help="connections replaced per second (default 80: each socket lives about 2 minutes)")
    parser.add_argument("--players", type=int, default=-1,
                        help="player population connections are drawn from (default 2 x --connections; 0: every "
                             "new connection is a new player)")
    parser.add_argument("--rooms", type=int, default=500, help="rooms the players are spread over (0: none)")
    parser.add_argument("--warmup-minutes", type=float, default=10.0,
                        help="left out of the slope (capped at half of --minutes); covers sessions.ttl")
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument("--flat-kib-per-minute", type=float, default=256.0,
                        help="largest |slope| called flat (default 256 KiB/min = 15 MiB/h)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="extra gateway setting (repeatable)")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/soak-<date>.json)")
    args = parser.parse_args(argv)
    args.connections = min(max(args.connections, 1), 20_000)
    args.minutes = min(max(args.minutes, 0.1), 240.0)
    args.churn = min(max(args.churn, 0.0), 500.0)
    args.sample_seconds = min(max(args.sample_seconds, 0.5), 60.0)
    args.players = 2 * args.connections if args.players < 0 else min(args.players, 1_000_000)
    if args.players and args.players < args.connections + 10 * args.churn:
        parser.error("--players must exceed --connections by the churn's in-flight players")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    nofile = raise_nofile(args.connections * 2 + 10 * int(args.churn) + 500)
    if nofile["soft_after"] < args.connections + 10 * int(args.churn) + 200:
        print(f"RLIMIT_NOFILE is {nofile['soft_after']}: too low for {args.connections} sockets", file=sys.stderr)
        return 2
    print(f"RLIMIT_NOFILE raised from {nofile['soft_before']} to {nofile['soft_after']} (hard {nofile['hard']})",
          flush=True)
    log = Path(tempfile.mkdtemp(prefix="rtnet-soak-")) / "gateway.stderr.log"
    gateway, ready = start_gateway(args, log)
    try:
        report = uvloop.run(soak(args, gateway, ready))
    finally:
        if gateway.poll() is None:
            gateway.send_signal(signal.SIGTERM)
            try:
                gateway.wait(20)
            except subprocess.TimeoutExpired:
                gateway.kill()
                gateway.wait(5)
    report = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
              "source": source(), "rlimit_nofile": nofile, "gateway_exit": gateway.returncode,
              "gateway_log_tail": log.read_text(errors="replace")[-3000:], **report}
    shutil.rmtree(log.parent, ignore_errors=True)
    output = args.output or BENCH / "results" / f"soak-{dt.date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    brief = {k: report[k] for k in ("ok", "ramp", "churn", "failures", "metrics", "cpu")}
    brief["rss"] = {k: v for k, v in report["rss"].items()}
    print("SUMMARY " + json.dumps(brief), flush=True)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
