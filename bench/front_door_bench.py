"""What the one-port front door costs the WebSocket path: the gateway as ``make run`` starts it (no internal port:
``FrontDoor`` peeks at each socket's request line and hands the socket to picows or aiohttp) against the gateway
with an internal port (picows listens on the public port itself, as in production).

Run as ``python bench/front_door_bench.py`` (``make bench`` runs it). Two measurements, each configuration
``--repeat`` times, interleaved, on the pinned cores of bench/gateway_bench.py:

1. JSON-RPC ``sys.echo``, 50 closed-loop clients (the per-message path): requests/s and server CPU per request.
2. Connection setup: ``--connections`` sockets opened (upgrade, authentication, ``session.welcome``) by
   bench/loadgen.py's ``hold`` mode: connections per second and server CPU microseconds per connection.

Results go to bench/results/front-door-<date>.json and a Markdown table is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from gateway_bench import (  # noqa: E402
    LOADGEN_CPU,
    PIN,
    echo_run,
    loadgen,
    loadgen_target,
    machine,
    running_server,
    source,
    versions,
)

KINDS = ("gateway", "gateway-internal")
LABEL = {"gateway": "one port (front door)", "gateway-internal": "internal port (picows alone)"}


def connect_run(name: str, connections: int, logdir: Path) -> dict[str, Any]:
    """Open ``connections`` welcomed sockets; the time it took and the server CPU it cost."""
    with running_server(name, logdir) as server:
        target = loadgen_target(server)
        cpu0, t0 = server.cpu_seconds(), time.perf_counter()
        with loadgen(["hold", *target, "--clients", str(connections), "--hold-timeout", "60"]) as (proc, lines):
            lines.expect("HELD", 120)
            cpu1, t1 = server.cpu_seconds(), time.perf_counter()
            assert proc.stdin is not None
            proc.stdin.write("release\n")
            proc.stdin.flush()
            lines.expect("RESULT", 60)
    return {"server": name, "connections": connections, "seconds": t1 - t0,
            "connections_per_s": connections / (t1 - t0),
            "server_cpu_us_per_connection": 1e6 * (cpu1 - cpu0) / connections}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--payload-bytes", type=int, default=1024)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--output", type=Path)
    opts = parser.parse_args()
    opts.repeat = min(max(opts.repeat, 1), 5)
    opts.duration = min(max(opts.duration, 1.0), 60.0)
    opts.connections = min(max(opts.connections, 100), 10_000)
    if PIN:
        os.sched_setaffinity(0, {LOADGEN_CPU})
    logdir = Path(tempfile.mkdtemp(prefix="rtnet-front-door-"))
    echo: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    connect: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for rep in range(opts.repeat):
        for kind in KINDS:
            run = echo_run(kind, 50, opts, logdir)
            echo[kind].append(run)
            print(f"echo    {LABEL[kind]:30s} run {rep + 1}: {run['rps']:,.0f} req/s, server CPU "
                  f"{run['server_cpu_pct']:.0f}%{' (not clean)' if not run['clean'] else ''}", flush=True)
        for kind in KINDS:
            run = connect_run(kind, opts.connections, logdir)
            connect[kind].append(run)
            print(f"connect {LABEL[kind]:30s} run {rep + 1}: {run['connections_per_s']:,.0f} conn/s, "
                  f"{run['server_cpu_us_per_connection']:.0f} us server CPU each", flush=True)

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    summary = {kind: {
        "echo_rps_median": median(echo[kind], "rps"),
        "echo_rps_best": max(r["rps"] for r in echo[kind]),
        "echo_req_per_server_cpu_s_median": median(echo[kind], "rps_per_server_cpu_s"),
        "connections_per_s_median": median(connect[kind], "connections_per_s"),
        "server_cpu_us_per_connection_median": median(connect[kind], "server_cpu_us_per_connection"),
    } for kind in KINDS}
    report = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
              "source": source(), "versions": versions(), "pinned": PIN,
              "method": {"repeat": opts.repeat, "duration_s": opts.duration, "echo_clients": 50,
                         "payload_bytes": opts.payload_bytes, "connections": opts.connections},
              "summary": summary, "echo_runs": echo, "connect_runs": connect}
    output = opts.output or BENCH / "results" / f"front-door-{dt.date.today().isoformat()}.json"
    output.write_text(json.dumps(report, indent=2) + "\n")
    print("\n| public port | echo req/s (median) | echo req per server CPU-s | connections/s (median) | "
          "server CPU per connection |\n| --- | --- | --- | --- | --- |")
    for kind in KINDS:
        s = summary[kind]
        print(f"| {LABEL[kind]} | {s['echo_rps_median']:,.0f} | {s['echo_req_per_server_cpu_s_median']:,.0f} | "
              f"{s['connections_per_s_median']:,.0f} | {s['server_cpu_us_per_connection_median']:.0f} us |")
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
