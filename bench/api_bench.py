"""Server API benchmark: publishes per second through ``POST /api`` (``room.publish``), on this machine.

Run as ``python bench/api_bench.py`` (``make bench`` runs it). The gateway runs as ``make run`` starts it (one port,
embedded backends; the front door hands each HTTP connection to aiohttp), pinned to CPU 0; the load generator
(``wrk``, one thread, keep-alive connections) runs on CPU 1. The room's offset afterwards shows that every
publication was stored. The room has no member: fan-out is what bench/room_bench.py measures.

Workloads, each for ``--duration`` seconds after a warm-up: ``single`` (one ``room.publish`` per request) and
``batch`` (``--batch`` calls per request), with ``--clients`` concurrent closed-loop clients. Results go to
bench/results/api-<date>.json and a Markdown table is printed. Every server binds 127.0.0.1; every loop is
bounded in count and time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from gateway_bench import LOADGEN_CPU, PIN, machine, running_server, source, versions  # noqa: E402

DEV_KEY = "realtimenet-development-admin-key"
ROOM = "bench"


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "apikey %s"
wrk.body = [==[%s]==]
"""


def request_body(batch: int) -> str:
    """One ``room.publish`` (or ``batch`` of them) with a 100-byte event."""
    data = {"kind": "score", "player": "p-0001", "points": 10, "note": "x" * 40}
    one = {"jsonrpc": "2.0", "method": "room.publish", "params": {"room": ROOM, "data": data, "from": "bench"}}
    if batch > 1:
        return json.dumps([{**one, "id": i} for i in range(batch)])
    return json.dumps({**one, "id": 1})


def wrk(url: str, batch: int, clients: int, seconds: float, script: Path) -> dict[str, Any]:
    """Run wrk (C, one thread, pinned to the load generator's core) and read its summary."""
    script.write_text(WRK_SCRIPT % (DEV_KEY, request_body(batch)))
    argv = ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script), url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True,
                         preexec_fn=(lambda: os.sched_setaffinity(0, {LOADGEN_CPU})) if PIN else None).stdout
    def unit_ms(text: str) -> float:
        value, unit = float(re.match(r"[\d.]+", text).group()), re.sub(r"[\d.]+", "", text)  # type: ignore[union-attr]
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": requests, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "requests_per_s_wrk": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p50_ms": unit_ms(re.search(r"^\s+50%\s+(\S+)$", out, re.M).group(1)),  # type: ignore[union-attr]
            "p99_ms": unit_ms(re.search(r"^\s+99%\s+(\S+)$", out, re.M).group(1))}  # type: ignore[union-attr]


def workload(name: str, batch: int, opts: argparse.Namespace, logdir: Path) -> dict[str, Any]:
    """One workload against a fresh gateway; the room's offset afterwards says how many publications were stored."""
    from realtimenet.server import ServerClient

    with running_server("gateway", logdir) as server:
        url = f"http://127.0.0.1:{server.port}/api"
        script = logdir / "publish.lua"
        warm = wrk(url, batch, opts.clients, opts.warmup, script)
        cpu0, t0 = server.cpu_seconds(), time.perf_counter()
        result = wrk(url, batch, opts.clients, opts.duration, script)
        cpu1, t1 = server.cpu_seconds(), time.perf_counter()
        with ServerClient(url, DEV_KEY) as api:
            stored = api.room_history(room=ROOM, since_offset=0, limit=1).offset
    result.update({
        "workload": name, "batch": batch, "clients": opts.clients,
        "publishes": result["requests"] * batch,
        "publishes_per_s": result["requests"] * batch / (t1 - t0),
        "requests_per_s": result["requests"] / (t1 - t0),
        "server_cpu_pct": 100 * (cpu1 - cpu0) / (t1 - t0),
        "publishes_per_server_cpu_s": result["requests"] * batch / (cpu1 - cpu0) if cpu1 > cpu0 else 0.0,
        # Every completed request of both wrk runs was stored (more may be: wrk does not count the requests still
        # in flight when it stops).
        "stored": stored, "sent": (warm["requests"] + result["requests"]) * batch,
        "window_s": t1 - t0,
    })
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32, help="concurrent closed-loop HTTP clients")
    parser.add_argument("--batch", type=int, default=50, help="calls per request in the batch workload")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--output", type=Path)
    opts = parser.parse_args()
    opts.duration = min(max(opts.duration, 1.0), 60.0)
    opts.clients = min(max(opts.clients, 1), 512)
    opts.batch = min(max(opts.batch, 2), 100)
    if shutil.which("wrk") is None:
        print("wrk is required (Debian package wrk; scripts/install-system-deps.sh installs it)", file=sys.stderr)
        return 2
    if PIN:
        os.sched_setaffinity(0, {LOADGEN_CPU})
    import tempfile

    logdir = Path(tempfile.mkdtemp(prefix="rtnet-api-bench-"))
    results = [workload("single", 1, opts, logdir), workload("batch", opts.batch, opts, logdir)]
    report = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
              "source": source(), "versions": versions(), "pinned": PIN, "results": results}
    output = opts.output or BENCH / "results" / f"api-{dt.date.today().isoformat()}.json"
    output.write_text(json.dumps(report, indent=2) + "\n")
    print("\n| workload | calls per request | clients | publishes/s | publishes per server CPU-s | requests/s | "
          "p50 ms | p99 ms | server CPU % | HTTP errors | stored / completed |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['workload']} | {r['batch']} | {r['clients']} | {r['publishes_per_s']:,.0f} | "
              f"{r['publishes_per_server_cpu_s']:,.0f} | "
              f"{r['requests_per_s']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['server_cpu_pct']:.0f} | "
              f"{r['non_2xx']} | {r['stored']:,} of {r['sent']:,} |")
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
