"""Gateway benchmark: the RealtimeNet gateway against a raw Node ``ws`` server, on this machine.

Run by ``make bench`` (after ``npm ci --prefix bench``) as ``python bench/gateway_bench.py``. In one run:

1. JSON-RPC ``sys.echo`` with 50 and 1000 closed-loop clients against the gateway, and the same frames
   against a raw Node ``ws`` echo server: requests/s, p50/p99 latency, server CPU seconds, requests per
   server CPU-second, and each figure as a ratio to Node ws.
2. The load generator's own CPU use, with the server pinned to CPU 0 and the load generator to CPU 1; a
   run where the load generator used more than 90% of its core while the server used less than 90% of
   its own is flagged ``loadgen_bound`` (its figures then measure the load generator, not the server).
3. RSS per idle connection: server RSS before and after opening N sockets (authenticated and welcomed,
   for the gateway; raw for the others), (after - before) / N.
4. Server-library comparison: minimal raw echo servers on picows (library defaults, and "picows-lean":
   1 KB read buffer, uvloop transports), aiohttp and websockets (all on uvloop, bench/servers/) under
   the 50-client echo workload, and their RSS per idle connection.

Each echo configuration runs ``--repeat`` times (interleaved) and the best *clean* run is kept: clean
means no other process used more than 10% of either pinned core during the window, and at least one
side (server or load generator) kept its core above 85% busy. A configuration without a clean run is
retried up to ``--retries`` times within a time budget; every run stays in the JSON.

Results go to bench/results/gateway-<date>.json and a Markdown table is printed. Every server binds
127.0.0.1; every load loop is bounded in count and time. The whole run takes 5 to 6 minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import queue
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
SERVER_CPU = 0
LOADGEN_CPU = 1
SATURATED_PCT = 90.0
NOFILE_WANTED = 65_536
UNSATURATED_PCT = 85.0  # a run where both the server and the load generator stayed below this is suspect
FOREIGN_PCT = 10.0  # other processes' CPU use on a pinned core above which a run counts as interfered
IDLE_CPU_WINDOW = 3.0  # seconds over which the server's CPU use with idle sockets is read
ECHO_BUDGET_S = 300.0  # no retry of an unclean echo run starts after this many seconds

# Kept in sync with docs/performance.md.
TARGET_ECHO_RATIO = 0.9  # gateway echo RPS >= 0.9x raw Node ws
TARGET_KB_PER_CONN = 12.0  # <= 12 KB RSS per idle authenticated connection

GATEWAY_SETTINGS = (
    "rate_limit.rate=1000000",
    "rate_limit.burst=1000000",
    "server.max_connections=20000",
    "server.max_connections_per_player=100000",
)


# ----- processes ------------------------------------------------------------------------------------


def raise_nofile() -> int:
    """Raise RLIMIT_NOFILE as far as allowed (children inherit it); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = NOFILE_WANTED if hard == resource.RLIM_INFINITY else min(hard, NOFILE_WANTED)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def can_pin() -> bool:
    """Whether both CPUs exist for this process (checked once, before it pins itself)."""
    return hasattr(os, "sched_setaffinity") and {SERVER_CPU, LOADGEN_CPU} <= os.sched_getaffinity(0)


PIN = can_pin()


def _pin_server() -> None:  # runs in the child between fork and exec
    if PIN:
        os.sched_setaffinity(0, {SERVER_CPU})


class LineReader:
    """Reads a child's stdout on a thread, so the parent can wait for a line with a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, keyword: str, timeout: float) -> str:
        """Return what follows ``keyword`` on the first line starting with it; other lines are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {keyword} line within {timeout:.0f} s")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"process ended before printing {keyword}")
            if line == keyword or line.startswith(keyword + " "):
                return line[len(keyword):].strip()


@dataclass
class Server:
    """A server under test, started pinned to SERVER_CPU and listening on 127.0.0.1."""

    name: str
    proc: subprocess.Popen[str]
    port: int
    path: str
    auth: bool
    welcome: bool
    log: Path
    ps: psutil.Process = field(init=False)

    def __post_init__(self) -> None:
        self.ps = psutil.Process(self.proc.pid)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.path}"

    def cpu_seconds(self) -> float:
        t = self.ps.cpu_times()
        return float(t.user + t.system)

    def rss(self) -> int:
        return int(self.ps.memory_info().rss)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_command(name: str) -> tuple[list[str], str, bool, bool]:
    """(argv, websocket path, needs a token, sends a welcome first) of a server kind."""
    py = sys.executable
    if name in ("gateway", "gateway-internal"):
        # "gateway" is `make run`'s shape (one port: the front door hands sockets to picows or aiohttp);
        # "gateway-internal" has an internal port, so picows listens on the public port itself (production).
        argv = [py, "-m", "realtimenet.cli", "serve", "--port", "0"]
        for setting in GATEWAY_SETTINGS:
            argv += ["--set", setting]
        if name == "gateway-internal":
            argv += ["--set", f"server.internal_port={free_port()}"]
        return argv, "/ws", True, True
    if name == "node-ws":
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed")
        return [node, str(BENCH / "node" / "raw_ws_server.js"), "--port", "0"], "/", False, False
    if name == "picows-lean":
        argv = [py, str(BENCH / "servers" / "picows_echo.py"), "--port", "0", "--read-buffer-bytes", "1024",
                "--no-aiofastnet"]
        return argv, "/ws", False, False
    if name in ("picows", "aiohttp", "websockets"):
        return [py, str(BENCH / "servers" / f"{name}_echo.py"), "--port", "0"], "/ws", False, False
    raise ValueError(name)


@contextlib.contextmanager
def running_server(name: str, logdir: Path) -> Iterator[Server]:
    argv, path, auth, welcome = server_command(name)
    env = dict(os.environ, RTNET_LOG__LEVEL="warning", PYTHONUNBUFFERED="1")
    log = logdir / f"{name}.stderr.log"
    with open(log, "a", encoding="utf-8") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                text=True, cwd=ROOT, env=env, preexec_fn=_pin_server)
    try:
        assert proc.stdout is not None
        reader = LineReader(proc.stdout)
        ready = json.loads(reader.expect("READY", 30))
        server = Server(name, proc, int(ready["port"]), path, auth, welcome, log)
        time.sleep(0.3)
        yield server
    except Exception:
        sys.stderr.write(f"--- {name} stderr ---\n{log.read_text(errors='replace')[-4000:]}\n")
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@contextlib.contextmanager
def loadgen(args: list[str]) -> Iterator[tuple[subprocess.Popen[str], LineReader]]:
    """The load generator (bench/loadgen.py) as a child on LOADGEN_CPU (inherited from this process)."""
    argv = [sys.executable, str(BENCH / "loadgen.py"), *args]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        yield proc, LineReader(proc.stdout)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def loadgen_target(server: Server) -> list[str]:
    args = ["--url", server.url]
    if server.auth:
        args.append("--auth")
    if server.welcome:
        args.append("--expect-welcome")
    return args


# ----- measurements ---------------------------------------------------------------------------------


def core_busy_seconds() -> tuple[float, float]:
    """user + nice + system seconds so far of SERVER_CPU and LOADGEN_CPU, whoever used them."""
    per_cpu = psutil.cpu_times(percpu=True)

    def busy(cpu: int) -> float:
        t = per_cpu[cpu] if cpu < len(per_cpu) else per_cpu[0]
        return float(t.user + t.nice + t.system)

    return busy(SERVER_CPU), busy(LOADGEN_CPU)


def echo_run(name: str, clients: int, opts: argparse.Namespace, logdir: Path) -> dict[str, Any]:
    """One closed-loop echo run against a fresh server; CPU counters are read at the window's edges.

    Besides the server's and the load generator's own CPU time, the busy time of both cores is read:
    what the two processes do not account for is work of other processes on those cores (``foreign``),
    and a run with more than FOREIGN_PCT of it on either core is marked ``interfered``.
    """
    with running_server(name, logdir) as server:
        args = ["echo", *loadgen_target(server), "--clients", str(clients), "--warmup", str(opts.warmup),
                "--duration", str(opts.duration), "--payload-bytes", str(opts.payload_bytes)]
        with loadgen(args) as (proc, lines):
            lg = psutil.Process(proc.pid)
            lines.expect("CONNECTED", 120)
            lines.expect("MEASURE_START", opts.warmup + 30)
            cpu0, lg0, cores0, t0 = server.cpu_seconds(), process_cpu(lg), core_busy_seconds(), time.perf_counter()
            lines.expect("MEASURE_END", opts.duration + 30)
            cpu1, lg1, cores1, t1 = server.cpu_seconds(), process_cpu(lg), core_busy_seconds(), time.perf_counter()
            result: dict[str, Any] = json.loads(lines.expect("RESULT", 30))
            proc.wait(10)
    window = t1 - t0
    server_cpu = cpu1 - cpu0
    foreign_server_core = 100 * max(0.0, cores1[0] - cores0[0] - server_cpu) / window
    foreign_loadgen_core = 100 * max(0.0, cores1[1] - cores0[1] - (lg1 - lg0)) / window
    result.update({
        "server": name,
        "server_cpu_s": server_cpu,
        "server_cpu_pct": 100 * server_cpu / window,
        "rps_per_server_cpu_s": result["answers"] / server_cpu if server_cpu > 0 else float("nan"),
        "foreign_cpu_pct_server_core": foreign_server_core,
        "foreign_cpu_pct_loadgen_core": foreign_loadgen_core,
    })
    result["loadgen_bound"] = bool(result["loadgen_cpu_pct"] > SATURATED_PCT
                                   and result["server_cpu_pct"] < SATURATED_PCT)
    result["interfered"] = bool(PIN and max(foreign_server_core, foreign_loadgen_core) > FOREIGN_PCT)
    # A closed loop in which neither side kept its core busy was held back by something else: a vCPU
    # descheduled by the host does not show up as another process.
    result["unsaturated"] = bool(result["server_cpu_pct"] < UNSATURATED_PCT
                                 and result["loadgen_cpu_pct"] < UNSATURATED_PCT)
    result["clean"] = not (result["interfered"] or result["unsaturated"])
    return result


def process_cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


def rss_run(name: str, conns: int, logdir: Path) -> dict[str, Any]:
    """RSS before and after ``conns`` idle sockets, on a fresh server warmed with a few sockets first."""
    with running_server(name, logdir) as server:
        target = loadgen_target(server)
        with loadgen(["hold", *target, "--clients", "20", "--hold-timeout", "30"]) as (proc, lines):
            lines.expect("HELD", 60)
            assert proc.stdin is not None
            proc.stdin.write("release\n")
            proc.stdin.flush()
            lines.expect("RESULT", 30)
        time.sleep(1.0)
        before = server.rss()
        with loadgen(["hold", *target, "--clients", str(conns), "--hold-timeout", "120"]) as (proc, lines):
            lines.expect("HELD", 180)
            time.sleep(1.0)  # let the server settle (the gateway's tick runs once a second)
            cpu0, t0 = server.cpu_seconds(), time.perf_counter()
            time.sleep(IDLE_CPU_WINDOW)
            idle_cpu_pct = 100 * (server.cpu_seconds() - cpu0) / (time.perf_counter() - t0)
            after = server.rss()
            assert proc.stdin is not None
            proc.stdin.write("release\n")
            proc.stdin.flush()
            held: dict[str, Any] = json.loads(lines.expect("RESULT", 60))
    return {
        "server": name,
        "connections": conns,
        "rss_before_mb": before / 2**20,
        "rss_after_mb": after / 2**20,
        "kb_per_connection": (after - before) / conns / 1024,
        "idle_cpu_pct": idle_cpu_pct,
        "disconnects_while_held": held["disconnects_while_held"],
    }


def best_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the highest RPS among the clean ones (all runs stay in the JSON).

    On a shared 2-core VM the noise is other work on the same cores, which only ever slows a run
    down, so the best of N estimates what the server can do; every server gets the same treatment.
    """
    clean = [r for r in runs if r["clean"]] or runs
    return max(clean, key=lambda r: float(r["rps"]))


# ----- report -----------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str] = {"python": platform.python_version()}
    for pkg in ("realtimenet", "picows", "aiofastnet", "uvloop", "msgspec", "aiohttp", "websockets"):
        try:
            found[pkg] = version(pkg)
        except PackageNotFoundError:
            found[pkg] = "not installed"
    node = shutil.which("node")
    if node:
        found["node"] = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    ws_pkg = BENCH / "node_modules" / "ws" / "package.json"
    if ws_pkg.exists():
        found["ws"] = json.loads(ws_pkg.read_text())["version"]
    return found


def source() -> dict[str, Any]:
    """The commit measured, and whether the gateway's sources differed from it."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "HEAD"), "gateway_sources_modified": bool(git("status", "--porcelain", "Tools"))}


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)}


def lib_flag(r: dict[str, Any]) -> str:
    flags = (("load-gen bound", r["loadgen_bound"]), ("interfered", r["interfered"]),
             ("unsaturated", r["unsaturated"]))
    return " ".join(f for f, on in flags if on)


def ratio(value: float, base: float) -> float:
    return value / base if base else float("nan")


def markdown(report: dict[str, Any]) -> str:
    echo = report["echo"]
    out = ["### Echo: JSON-RPC `sys.echo` (gateway) vs the same frames echoed by raw Node ws", "",
           "| server | clients | req/s | x Node ws | p50 ms | p99 ms | server CPU % | req per server "
           "CPU-s | x Node ws | load-gen CPU % | flag |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for key in sorted(echo, key=lambda k: (echo[k]["clients"], echo[k]["server"] != "gateway")):
        r = echo[key]
        base = echo[f"node-ws/{r['clients']}"]
        flag = "load-gen bound" if r["loadgen_bound"] else ""
        if r["interfered"]:
            flag += " interfered"
        if r["unsaturated"]:
            flag += " unsaturated"
        if r["errors"] or r["bad_answers"]:
            flag += f" {r['errors']} errors, {r['bad_answers']} bad answers"
        out.append(
            f"| {r['server']} | {r['clients']} | {r['rps']:,.0f} | {ratio(r['rps'], base['rps']):.2f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['server_cpu_pct']:.0f} | "
            f"{r['rps_per_server_cpu_s']:,.0f} | "
            f"{ratio(r['rps_per_server_cpu_s'], base['rps_per_server_cpu_s']):.2f} | "
            f"{r['loadgen_cpu_pct']:.0f} | {flag.strip()} |")
    rss = report["rss"]
    node_kb = rss.get("node-ws", {}).get("kb_per_connection", float("nan"))
    out += ["", "### RSS per idle connection", "",
            "| server | connections | RSS before MB | RSS after MB | KB per connection | x Node ws | "
            "idle server CPU % |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in rss.items():
        out.append(f"| {name} | {r['connections']} | {r['rss_before_mb']:.1f} | {r['rss_after_mb']:.1f} | "
                   f"{r['kb_per_connection']:.2f} | {ratio(r['kb_per_connection'], node_kb):.2f} | "
                   f"{r['idle_cpu_pct']:.1f} |")
    libs = report["libraries"]
    if libs:
        base = echo["node-ws/50"]
        out += ["", f"### Server libraries: raw echo, {base['clients']} clients (all Python ones on uvloop)",
                "", "| server | req/s | x Node ws | p50 ms | p99 ms | server CPU % | req per server CPU-s | "
                "x Node ws | load-gen CPU % | KB per idle connection | flag |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for name in ["node-ws", *libs]:
            r = base if name == "node-ws" else libs[name]
            kb = rss.get(name, {}).get("kb_per_connection", float("nan"))
            out.append(
                f"| {name} | {r['rps']:,.0f} | {ratio(r['rps'], base['rps']):.2f} | {r['p50_ms']:.2f} | "
                f"{r['p99_ms']:.2f} | {r['server_cpu_pct']:.0f} | {r['rps_per_server_cpu_s']:,.0f} | "
                f"{ratio(r['rps_per_server_cpu_s'], base['rps_per_server_cpu_s']):.2f} | "
                f"{r['loadgen_cpu_pct']:.0f} | {kb:.2f} | {lib_flag(r)} |")
    s = report["summary"]
    out += ["", "### Targets", "",
            f"- echo ≥ {TARGET_ECHO_RATIO}x raw Node ws: 50 clients {s['echo_ratio_50']:.2f}x, "
            f"1000 clients {s['echo_ratio_1000']:.2f}x → {'met' if s['echo_target_met'] else 'missed'}",
            f"- ≤ {TARGET_KB_PER_CONN:g} KB per idle authenticated connection: "
            f"{s['gateway_kb_per_connection']:.2f} KB → {'met' if s['memory_target_met'] else 'missed'}"]
    return "\n".join(out)


# ----- main -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per echo run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each window")
    parser.add_argument("--repeat", type=int, default=2, help="runs per echo configuration (best kept)")
    parser.add_argument("--retries", type=int, default=2,
                        help="extra runs of a configuration none of whose runs was clean")
    parser.add_argument("--payload-bytes", type=int, default=1024, help="size of the echoed `data` JSON")
    parser.add_argument("--idle-connections", type=int, default=5000, help="sockets for the RSS test")
    parser.add_argument("--no-libraries", action="store_true", help="skip the server-library comparison")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 s windows, 1 run, 500 idle")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/gateway-<date>.json)")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.duration, opts.warmup, opts.repeat, opts.retries, opts.idle_connections = 2.0, 0.5, 1, 0, 500
    opts.duration = min(max(opts.duration, 1.0), 60.0)
    opts.repeat = min(max(opts.repeat, 1), 5)
    opts.retries = min(max(opts.retries, 0), 3)
    opts.idle_connections = min(max(opts.idle_connections, 100), 15_000)
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    nofile = raise_nofile()
    if nofile < opts.idle_connections + 1000:
        print(f"RLIMIT_NOFILE is {nofile}: too low for {opts.idle_connections} sockets", file=sys.stderr)
        return 2
    pinned = PIN
    if pinned:
        os.sched_setaffinity(0, {LOADGEN_CPU})  # this process and the load generator it starts
    else:
        print("warning: fewer than 2 CPUs available; server and load generator are not pinned",
              file=sys.stderr)
    if not (BENCH / "node_modules" / "ws").exists():
        print("bench/node_modules/ws is missing: run `npm ci --prefix bench` first", file=sys.stderr)
        return 2
    started = time.monotonic()
    libraries = [] if opts.no_libraries else ["picows", "picows-lean", "aiohttp", "websockets"]
    logdir = Path(tempfile.mkdtemp(prefix="rtnet-bench-"))

    def step(label: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        t = time.monotonic()
        print(f"[{time.monotonic() - started:6.1f} s] {label} ...", end="", flush=True)
        result = fn()
        brief = (f"{result['rps']:,.0f} req/s, server CPU {result['server_cpu_pct']:.0f}%, load-gen CPU "
                 f"{result['loadgen_cpu_pct']:.0f}%, others {result['foreign_cpu_pct_server_core']:.0f}%/"
                 f"{result['foreign_cpu_pct_loadgen_core']:.0f}%"
                 f"{' INTERFERED' if result['interfered'] else ''}"
                 f"{' UNSATURATED' if result['unsaturated'] else ''}" if "rps" in result
                 else f"{result['kb_per_connection']:.2f} KB/conn")
        print(f" {brief} ({time.monotonic() - t:.0f} s)", flush=True)
        return result

    # Echo: every configuration `repeat` times, interleaved so drift on the machine hits all alike.
    configs = [("gateway", 50), ("node-ws", 50), ("gateway", 1000), ("node-ws", 1000)]
    configs += [(lib, 50) for lib in libraries]
    runs: dict[str, list[dict[str, Any]]] = {f"{n}/{c}": [] for n, c in configs}
    for rep in range(opts.repeat):
        for name, clients in configs:
            runs[f"{name}/{clients}"].append(step(
                f"echo {name:10s} {clients:5d} clients (run {rep + 1}/{opts.repeat})",
                lambda n=name, c=clients: echo_run(n, c, opts, logdir)))  # type: ignore[misc]
    # A configuration none of whose runs was clean (other processes busy on a pinned core, or neither
    # side saturated) is run again, up to `retries` more times, while the echo phase is within budget.
    for extra in range(opts.retries):
        for name, clients in configs:
            key = f"{name}/{clients}"
            if not any(r["clean"] for r in runs[key]) and time.monotonic() - started < ECHO_BUDGET_S:
                runs[key].append(step(
                    f"echo {name:10s} {clients:5d} clients (retry {extra + 1}, no clean run yet)",
                    lambda n=name, c=clients: echo_run(n, c, opts, logdir)))  # type: ignore[misc]
    chosen = {key: best_run(rs) for key, rs in runs.items()}

    rss: dict[str, dict[str, Any]] = {}
    for name in ["gateway", "node-ws", *libraries]:
        rss[name] = step(f"idle RSS {name:10s} {opts.idle_connections} connections",
                         lambda n=name: rss_run(n, opts.idle_connections, logdir))  # type: ignore[misc]

    echo = {k: v for k, v in chosen.items() if k.split("/")[0] in ("gateway", "node-ws")}
    libs = {k.split("/")[0]: v for k, v in chosen.items() if k.split("/")[0] in libraries}
    r50 = ratio(echo["gateway/50"]["rps"], echo["node-ws/50"]["rps"])
    r1000 = ratio(echo["gateway/1000"]["rps"], echo["node-ws/1000"]["rps"])
    kb = rss["gateway"]["kb_per_connection"]
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "source": source(),
        "versions": versions(),
        "method": {
            "pinned": pinned, "server_cpu": SERVER_CPU if pinned else None,
            "loadgen_cpu": LOADGEN_CPU if pinned else None, "warmup_s": opts.warmup,
            "duration_s": opts.duration, "repeat": opts.repeat, "payload_bytes": opts.payload_bytes,
            "idle_connections": opts.idle_connections, "loadgen": "bench/loadgen.py (picows client, uvloop)",
            "gateway_settings": list(GATEWAY_SETTINGS), "saturated_pct": SATURATED_PCT,
            "foreign_pct": FOREIGN_PCT, "unsaturated_pct": UNSATURATED_PCT, "retries": opts.retries,
            "chosen_run": "best clean run by req/s",
        },
        "echo": echo,
        "libraries": libs,
        "rss": rss,
        "all_runs": runs,
        "summary": {
            "echo_ratio_50": r50,
            "echo_ratio_1000": r1000,
            "echo_target": TARGET_ECHO_RATIO,
            "echo_target_met": r50 >= TARGET_ECHO_RATIO and r1000 >= TARGET_ECHO_RATIO,
            "gateway_kb_per_connection": kb,
            "kb_target": TARGET_KB_PER_CONN,
            "memory_target_met": kb <= TARGET_KB_PER_CONN,
            "loadgen_bound_runs": sorted(k for k, rs in runs.items() for r in rs if r["loadgen_bound"]),
            "interfered_runs": sorted(k for k, rs in runs.items() for r in rs if r["interfered"]),
            "unsaturated_runs": sorted(k for k, rs in runs.items() for r in rs if r["unsaturated"]),
            "configurations_without_clean_run": sorted(k for k, rs in runs.items()
                                                       if not any(r["clean"] for r in rs)),
            "elapsed_s": round(time.monotonic() - started, 1),
        },
    }
    publish(report, opts.output or RESULTS / f"gateway-{dt.date.today().isoformat()}.json", logdir,
            markdown(report))
    return 0


def publish(report: dict[str, Any], output: Path, logdir: Path, tables: str) -> None:
    """Write the JSON report, drop the run's logs, print the Markdown tables."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(logdir, ignore_errors=True)
    print()
    print(tables)
    print(f"\nwrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output} "
          f"in {report['summary']['elapsed_s']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
