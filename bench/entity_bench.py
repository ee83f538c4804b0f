"""Moving entities over real sockets: the RealtimeNet gateway against raw Node ``ws``, Socket.IO and Colyseus.

Run as ``python bench/entity_bench.py`` (after ``npm ci --prefix bench``; about 3 minutes, ``--quick`` about
one). One workload, every server in turn: one room, ``--entities`` (60) entities moving at 20 Hz
(``movement()`` of bench/state_bench.py: a seeded random walk, per tick one {x, y, rot} update per entity),
``--clients`` (100) subscribers, ``--warmup-ticks`` (20) unmeasured ticks, then ``--ticks`` (400 = 20 s)
measured ones. One publisher client (the game's authority) sends each tick's 60 updates as one message:

* ``gateway-entities``  ``rtnet serve`` with ``state.entities = {"arena*" = {e = {x = 0.01, y = 0.01,
  rot = 1}}}``, ``state.tick_rate = 20``; the publisher sends one ``state.update`` per tick (``base_version``
  = the version its previous update was acked with, sent after that ack: it is the only writer), members
  joined with ``state_encoding: "entities"`` get ``state.entities`` (packed quantum differences).
* ``gateway-delta``  the same server; members joined without ``state_encoding`` get ``state.delta``
  (quantised merge patches).
* ``node-ws``  bench/node/entity_server.js ``--kind ws``: every 50 ms the changed entities as one JSON text
  frame (stringified once, the same bytes to every socket): the hand-written baseline.
* ``socket.io``  the same with Socket.IO 4.8 (WebSocket transport only): ``io.to('arena').emit('state', ..)``.
* ``colyseus-number`` / ``colyseus-float32``  Colyseus 0.16: a schema ``MapSchema<Entity>`` with x, y, rot
  of type "number" / "float32", patchRate 50 ms (the default); ``colyseus-raw``: "number" without
  quantisation (Colyseus as a game usually writes it: raw doubles).

Quantisation is the gateway's everywhere but ``colyseus-raw``: x and y to 0.01, rot to 1 degree, on the
server, and a field or entity whose quantised value did not change is not sent. Every server also sends to
the publisher (101 recipients); only the 100 subscribers' bytes are counted.

Measured per server: the bytes the subscribers received in the window (each data frame's payload as the
client library's ``ws`` socket delivered it, plus the 2- or 4-byte server frame header; control frames
excluded), per tick and per client; the TCP bytes the server's sockets sent in the window (``ss -ti``, every
socket but the publisher's: headers, pings and all); the server's CPU-seconds per tick (psutil, at the
window's edges); and that every subscriber ended holding the publisher's last tick (equal quanta). The server
is pinned to CPU 0, the load generator (bench/node/entity_loadgen.js) and this process to CPU 1.

Results go to bench/results/entity-<date>.json and a Markdown table is printed. Every server binds
127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
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
    SATURATED_PCT,
    free_port,
    mint_tokens,
    running,
    server_spec,
    tree_cpu,
    versions,
)
from state_bench import movement

BASELINE = "node-ws"
ENTITY_CONFIG = ('state.entities={"arena*" = {e = {x = 0.01, y = 0.01, rot = 1}}}', "state.tick_rate=20")
TICK_MS = 50  # 20 Hz, every server's broadcast period


# name -> (what the subscribers receive, load-generator kind, extra load-generator arguments)
VARIANTS: dict[str, tuple[str, str, list[str]]] = {
    "node-ws": ("changed entities, one JSON text frame per tick", "ws", []),
    "gateway-entities": ("`state.entities` (packed quantum differences, base64 in JSON-RPC)", "gateway",
                         ["--encoding", "entities"]),
    "gateway-delta": ("`state.delta` (quantised RFC 7396 merge patch in JSON-RPC)", "gateway",
                      ["--encoding", "merge_patch"]),
    "socket.io": ("changed entities, `42[\"state\",{..}]` per tick", "socketio", []),
    "colyseus-number": ("schema patch, \"number\" fields, quantised (Colyseus writes x, y as float32: a non-integer "
                        "goes as float32 when that loses < 1e-4; rot as a 1-3 byte integer)", "colyseus", []),
    "colyseus-float32": ("schema patch, \"float32\" fields, quantised", "colyseus", []),
    "colyseus-raw": ("schema patch, \"number\" fields, raw doubles (no quantisation; float32 on the wire, see above)",
                     "colyseus", ["--tolerance", "1e-4"]),
}
SS_BYTES_SENT = re.compile(r"\bbytes_sent:(\d+)")


def variant_server(name: str) -> tuple[list[str], str]:
    """(argv, URL template with {port}) of a variant's server."""
    node = shutil.which("node") or "node"
    script = str(NODE_DIR / "entity_server.js")
    if name.startswith("gateway"):
        argv, url, _ = server_spec("gateway")  # rtnet serve --port 0 with the rate limit raised
        for setting in ENTITY_CONFIG:
            argv += ["--set", setting]
        return argv, url
    if name == "node-ws":
        return [node, script, "--kind", "ws", "--port", "0"], "ws://127.0.0.1:{port}/"
    if name == "socket.io":
        return [node, script, "--kind", "socketio", "--port", "0"], "http://127.0.0.1:{port}"
    if name.startswith("colyseus"):
        extra = {"colyseus-number": ["--colyseus-type", "number"], "colyseus-float32": ["--colyseus-type", "float32"],
                 "colyseus-raw": ["--colyseus-type", "number", "--no-quantize"]}[name]
        return [node, script, "--kind", "colyseus", "--port", str(free_port()), *extra], "ws://127.0.0.1:{port}"
    raise ValueError(name)


def tcp_bytes_sent(port: int, skip_peer_port: int | None) -> int | None:
    """Bytes sent so far by the established TCP sockets whose local port is ``port`` (``ss -ti``), leaving
    out the one connected to ``skip_peer_port``; None without ``ss``."""
    ss = shutil.which("ss")
    if ss is None:
        return None
    out = subprocess.run([ss, "-tinH", "state", "established", f"( sport = :{port} )"], capture_output=True,
                         text=True, timeout=10).stdout
    total, skip = 0, False
    for line in out.splitlines():
        if not line[:1].isspace():  # the socket's line: Recv-Q Send-Q local peer
            fields = line.split()
            skip = len(fields) >= 4 and fields[3].rsplit(":", 1)[-1] == str(skip_peer_port)
            continue
        m = SS_BYTES_SENT.search(line)
        if m and not skip:
            total += int(m.group(1))
    return total


def ticks_file(path: Path, entities: int, ticks: int) -> None:
    """The walk as the load generator reads it: per tick one object {entity id: {x, y, rot}}."""
    walk = [{eid: update for patch in tick for eid, update in patch["e"].items()} for tick in movement(entities, ticks)]
    path.write_text(json.dumps(walk))


def variant_run(name: str, opts: argparse.Namespace, logdir: Path, walk: Path) -> dict[str, Any]:
    """One fresh server, one load generator: connect, warm up, measure, check."""
    argv, url_template = variant_server(name)
    _, kind, extra = VARIANTS[name]
    slog, llog = logdir / f"{name}.server.log", logdir / f"{name}.loadgen.log"
    total_s = (opts.warmup_ticks + opts.ticks) * TICK_MS / 1000
    try:
        with running(argv, slog, pin_server=True) as (sproc, sreader):
            port = int(json.loads(sreader.expect("READY", 30))["port"])
            sps = psutil.Process(sproc.pid)
            time.sleep(0.3)
            lg_argv = [shutil.which("node") or "node", str(NODE_DIR / "entity_loadgen.js"), "--kind", kind,
                       "--url", url_template.format(port=port), "--subscribers", str(opts.clients),
                       "--ticks-file", str(walk), "--warmup-ticks", str(opts.warmup_ticks),
                       "--tick-ms", str(TICK_MS), "--drain", str(opts.drain), *extra]
            if kind == "gateway":
                tokens = logdir / "tokens.txt"
                if not tokens.exists():
                    mint_tokens(opts.clients + 1, tokens)
                lg_argv += ["--tokens", str(tokens)]
            with running(lg_argv, llog, pin_server=False) as (lproc, lines):
                lps = psutil.Process(lproc.pid)
                connected = json.loads(lines.expect("CONNECTED", 180))
                skip = connected.get("publisher_port")
                lines.expect("MEASURE_START", total_s + 30)
                s0, l0, c0, t0 = tree_cpu(sps), process_cpu(lps), core_busy_seconds(), time.perf_counter()
                tcp0 = tcp_bytes_sent(port, skip)
                end = json.loads(lines.expect("MEASURE_END", total_s + opts.drain + 30))
                s1, l1, c1, t1 = tree_cpu(sps), process_cpu(lps), core_busy_seconds(), time.perf_counter()
                tcp1 = tcp_bytes_sent(port, skip)
                rss_mb = sps.memory_info().rss / 2**20
                result: dict[str, Any] = json.loads(lines.expect("RESULT", 30))
        window = t1 - t0
        server_cpu = s1 - s0
        ticks = result["measured_ticks"]
        result.update({
            "server": name, "receives": VARIANTS[name][0], "ok": True, "converged": end["converged"],
            "connect_s": connected["seconds"], "window_s_orchestrator": window,
            "server_cpu_s": server_cpu, "server_cpu_pct": 100 * server_cpu / window,
            "server_cpu_us_per_tick": 1e6 * server_cpu / ticks,
            "server_cpu_us_per_frame": (1e6 * server_cpu * result["subscribers"] / result["messages"]
                                        if result["messages"] else None),
            "tcp_bytes_sent_per_tick": (tcp1 - tcp0) / ticks if tcp0 is not None and tcp1 is not None else None,
            "foreign_cpu_pct_server_core": 100 * max(0.0, c1[0] - c0[0] - server_cpu) / window,
            "foreign_cpu_pct_loadgen_core": 100 * max(0.0, c1[1] - c0[1] - (l1 - l0)) / window,
            "server_rss_mb": rss_mb,
        })
        result["loadgen_bound"] = bool(result["loadgen_cpu_pct"] > SATURATED_PCT
                                       and result["server_cpu_pct"] < SATURATED_PCT)
        result["interfered"] = bool(PIN and max(result["foreign_cpu_pct_server_core"],
                                                result["foreign_cpu_pct_loadgen_core"]) > FOREIGN_PCT)
        print(f" {result['bytes_per_client_per_tick']:,.0f} B/client/tick, server "
              f"{result['server_cpu_us_per_tick']:,.0f} µs/tick ({result['server_cpu_pct']:.0f}%), "
              f"load-gen {result['loadgen_cpu_pct']:.0f}%, "
              f"{result['correct_clients']}/{result['subscribers']} correct", flush=True)
        return result
    except Exception as exc:  # one framework failing must not sink the others
        tail = "\n".join(p.read_text(errors="replace")[-1500:] for p in (slog, llog) if p.exists())
        print(f" FAILED: {exc!r}\n{tail}", flush=True)
        return {"server": name, "receives": VARIANTS[name][0], "ok": False, "error": repr(exc), "log_tail": tail}


# ----- report -----------------------------------------------------------------------------------------


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}" if value is not None and base else "n/a"


def flags(r: dict[str, Any]) -> str:
    out = [f for f, on in (("load-gen bound", r["loadgen_bound"]), ("interfered", r["interfered"]),
                           ("did not converge", not r["converged"])) if on]
    for key, label in (("gaps", "gaps"), ("decode_errors", "decode errors"), ("publish_errors", "publish errors"),
                       ("disconnects", "disconnects"), ("late_ticks", "late ticks")):
        if r.get(key):
            out.append(f"{r[key]} {label}")
    return ", ".join(out)


def markdown(report: dict[str, Any]) -> str:
    m = report["method"]
    runs = report["runs"]
    base = runs.get(BASELINE, {}) if runs.get(BASELINE, {}).get("ok") else {}
    out = [f"### {m['entities']} entities at 20 Hz to {m['clients']} clients, {m['ticks']} measured ticks "
           f"(after {m['warmup_ticks']} warm-up ticks)", "",
           "| server | frames per client per tick | bytes per frame | bytes per client per tick | x ws | "
           "wire bytes per tick (all clients) | x ws | TCP bytes per tick (ss) | server CPU per tick | x ws | "
           "server CPU % | correct clients | load-gen CPU % | flag |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, r in runs.items():
        if not r["ok"]:
            out.append(f"| {name} | failed: {r['error'][:100]} |" + " |" * 12)
            continue
        tcp = r["tcp_bytes_sent_per_tick"]
        out.append(
            f"| {name} | {r['frames_per_client_per_tick']:.2f} | {r['bytes_per_frame']:,.0f} | "
            f"{r['bytes_per_client_per_tick']:,.0f} | "
            f"{ratio(r['bytes_per_client_per_tick'], base.get('bytes_per_client_per_tick'))} | "
            f"{r['bytes_per_tick']:,.0f} | {ratio(r['bytes_per_tick'], base.get('bytes_per_tick'))} | "
            f"{'n/a' if tcp is None else format(tcp, ',.0f')} | {r['server_cpu_us_per_tick']:,.0f} µs | "
            f"{ratio(r['server_cpu_us_per_tick'], base.get('server_cpu_us_per_tick'))} | "
            f"{r['server_cpu_pct']:.1f} | {r['correct_clients']}/{r['subscribers']} | "
            f"{r['loadgen_cpu_pct']:.0f} | {flags(r)} |")
    out += ["", *(f"- `{name}`: {r['receives']}" for name, r in runs.items())]
    return "\n".join(out)


# ----- main -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ticks", type=int, default=400, help="measured ticks (20 per second)")
    parser.add_argument("--warmup-ticks", type=int, default=20, help="ticks sent before the window")
    parser.add_argument("--entities", type=int, default=60)
    parser.add_argument("--clients", type=int, default=100, help="subscribers besides the publisher")
    parser.add_argument("--drain", type=float, default=5.0, help="most seconds after the last tick to converge")
    parser.add_argument("--servers", default=",".join(VARIANTS), help="comma-separated subset of " + ",".join(VARIANTS))
    parser.add_argument("--nice", type=int, default=-10,
                        help="scheduling niceness of this process, the servers and the load generator (needs root "
                        "below 0; other processes on the machine delay 20 Hz ticks less)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 20 clients, 60 ticks after 10")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/entity-<date>.json)")
    opts = parser.parse_args(argv)
    opts.servers = [s for s in str(opts.servers).split(",") if s]
    unknown = set(opts.servers) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)}")
    if opts.quick:
        opts.clients, opts.ticks, opts.warmup_ticks = 20, 60, 10
    opts.ticks = min(max(opts.ticks, 1), 2400)
    opts.warmup_ticks = min(max(opts.warmup_ticks, 0), 200)
    opts.entities = min(max(opts.entities, 1), 500)
    opts.clients = min(max(opts.clients, 1), 1000)
    opts.drain = min(max(opts.drain, 0.5), 30.0)
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    raise_nofile()
    missing = [p for p in ("@colyseus/schema", "socket.io", "colyseus.js") if not (BENCH / "node_modules" / p).exists()]
    if missing or shutil.which("node") is None:
        print(f"node or bench/node_modules {missing} missing: run `npm ci --prefix bench` first", file=sys.stderr)
        return 2
    if PIN:
        os.sched_setaffinity(0, {LOADGEN_CPU})  # this process and the load generator it starts
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    if opts.nice is not None:
        try:  # inherited by every server and load generator: other work on a shared machine delays ticks less
            os.setpriority(os.PRIO_PROCESS, 0, opts.nice)
            niceness = opts.nice
        except PermissionError:
            print(f"warning: cannot set niceness {opts.nice}; running at {niceness}", file=sys.stderr)
    else:
        print("warning: fewer than 2 CPUs available; server and load generator are not pinned", file=sys.stderr)
    c0 = core_busy_seconds()
    time.sleep(1.0)
    busy_before = [round(100 * (b - a), 1) for a, b in zip(c0, core_busy_seconds(), strict=True)]
    if max(busy_before) > FOREIGN_PCT:
        print(f"warning: the pinned cores are already {busy_before}% busy: CPU and timing figures will be noisy",
              file=sys.stderr)
    started = time.monotonic()
    logdir = Path(tempfile.mkdtemp(prefix="rtnet-entity-bench-"))
    walk = logdir / "ticks.json"
    ticks_file(walk, opts.entities, opts.warmup_ticks + opts.ticks)
    runs: dict[str, dict[str, Any]] = {}
    for name in opts.servers:
        print(f"[{time.monotonic() - started:6.1f} s] {name:17s}", end="", flush=True)
        runs[name] = variant_run(name, opts, logdir, walk)
    found = versions()
    found["python"] = platform.python_version()
    meta = BENCH / "node_modules" / "@colyseus" / "schema" / "package.json"
    if meta.exists():
        found["@colyseus/schema"] = json.loads(meta.read_text())["version"]
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "source": source(),
        "versions": found,
        "method": {
            "pinned": PIN, "server_cpu": SERVER_CPU if PIN else None, "loadgen_cpu": LOADGEN_CPU if PIN else None,
            "entities": opts.entities, "clients": opts.clients, "publishers": 1, "ticks": opts.ticks,
            "warmup_ticks": opts.warmup_ticks, "tick_ms": TICK_MS, "drain_s": opts.drain,
            "movement": "bench/state_bench.py movement(entities, warmup_ticks + ticks), seed 7",
            "quantisation": "x, y to 0.01, rot to 1 (all but colyseus-raw), server side",
            "gateway_settings": [*GATEWAY_SETTINGS, *ENTITY_CONFIG],
            "bytes": "subscribers only: per data frame the payload length the client's ws socket delivered plus "
                     "the server frame header (2 bytes up to 125, 4 up to 65535); control frames excluded",
            "tcp_bytes": "ss -ti bytes_sent of the server's sockets except the publisher's, over the window",
            "window": "from the first measured tick's send until every subscriber holds the last tick",
            "saturated_pct": SATURATED_PCT, "foreign_pct": FOREIGN_PCT,
            "cores_busy_pct_before": busy_before, "niceness": niceness,
        },
        "runs": runs,
        "summary": {
            "failed_servers": sorted(n for n, r in runs.items() if not r["ok"]),
            "incorrect": sorted(n for n, r in runs.items() if r["ok"] and r["correct_clients"] < r["subscribers"]),
            "loadgen_bound": sorted(n for n, r in runs.items() if r["ok"] and r["loadgen_bound"]),
            "interfered": sorted(n for n, r in runs.items() if r["ok"] and r["interfered"]),
            "elapsed_s": round(time.monotonic() - started, 1),
        },
    }
    publish(report, opts.output or RESULTS / f"entity-{dt.date.today().isoformat()}.json", logdir, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
