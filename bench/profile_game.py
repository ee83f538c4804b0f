"""Where the gateway's CPU goes in the game benchmark: py-spy samples the gateway while game_bench's load runs.

Usage: python bench/profile_game.py [--rooms 5] [--room-size 20] [--duration 10] [--cluster] [--label NAME]

One step of bench/game_bench.py (the same gateway settings, the same load generator, rooms of 20 players at
20 Hz), with ``py-spy record`` attached to the gateway process (and, with ``--cluster``, to each worker; Redis
and NATS then run as real servers) for ``--duration`` seconds. py-spy (a dev dependency) samples from outside
the process at ``--rate`` Hz, so the gateway runs unmodified; the figures of a profiled step are not
game_bench figures all the same.

Writes the collapsed stacks (``bench/results/profile-<date>-<label>.txt``, the input of any flame-graph tool:
``flamegraph.pl`` or speedscope) and prints two tables: the functions whose own code takes the most samples
(self) and the ones under which the most samples fall (inclusive), as shares of all samples of the gateway's
event-loop thread holding the GIL (``py-spy --gil``: uvloop releases it while it waits in ``epoll_pwait``, so
idle time is left out; without it, py-spy counts that wait as ``Runner.run``'s own time). docs/performance.md
quotes them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil
from game_bench import backing_services, server_argv
from room_bench import NODE_DIR, RESULTS, mint_tokens, running


def collapsed_tables(lines: list[str], top: int) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """(samples, [(function, self share)], [(function, inclusive share)]) of py-spy's collapsed stacks
    (``frame;frame;...;leaf count`` per line; a frame is ``function (file:line)``; ``--nolineno`` drops the line)."""
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [frame for frame in stack.split(";") if frame and not frame.startswith("process ")
                  and not frame.startswith("thread ")]
        if not frames:
            continue
        own[frames[-1]] += count
        for frame in set(frames):
            under[frame] += count
    if not total:
        return 0, [], []
    return (total, [(f, n / total) for f, n in own.most_common(top)],
            [(f, n / total) for f, n in under.most_common(top)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=5)
    parser.add_argument("--room-size", type=int, default=20)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds sampled (after 3 s of warm-up)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--cluster", action="store_true", help="one worker with real Redis and NATS")
    parser.add_argument("--gateway-input", choices=["notification", "request"], default="notification",
                        help="inputs as notifications (game_bench's default) or requests")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--native", action="store_true", help="sample C frames too (uvloop, picows, msgspec)")
    parser.add_argument("--label", default="", help="names the output file (default: gateway or cluster)")
    opts = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed (pip install -e '.[dev]')", file=sys.stderr)
        return 2
    label = opts.label or ("cluster" if opts.cluster else "gateway")
    out = RESULTS / f"profile-{dt.date.today().isoformat()}-{label}.txt"
    logdir = Path(tempfile.mkdtemp(prefix="rtnet-profile-"))
    tokens = logdir / "tokens.txt"
    mint_tokens(opts.rooms * opts.room_size, tokens)
    warmup = 3.0
    with contextlib.ExitStack() as stack:
        store = bus = ""
        if opts.cluster:
            store, bus, _ = stack.enter_context(backing_services(logdir, "profile"))
        argv, url_template, _ = server_argv("gateway-cluster-1w" if opts.cluster else "gateway", store, bus)
        sproc, sreader = stack.enter_context(running(argv, logdir / "server.log", pin_server=True))
        port = int(json.loads(sreader.expect("READY", 60))["port"])
        gateway = psutil.Process(sproc.pid)
        workers = gateway.children(recursive=True) or [gateway]
        lg_argv = [shutil.which("node") or "node", str(NODE_DIR / "game_loadgen.js"), "--kind", "gateway",
                   "--url", url_template.format(port=port), "--rooms", str(opts.rooms), "--room-size",
                   str(opts.room_size), "--hz", "20", "--warmup", str(warmup), "--ramp", str(warmup / 2),
                   "--duration", str(opts.duration + 2), "--drain", "5", "--tokens", str(tokens),
                   "--input", opts.gateway_input]
        _, lines = stack.enter_context(running(lg_argv, logdir / "loadgen.log", pin_server=False))
        lines.expect("MEASURE_START", warmup + 60)
        raw = [logdir / f"stacks-{w.pid}.txt" for w in workers]
        record = [spy, "record", "--rate", str(opts.rate), "--duration", str(int(opts.duration)), "--format", "raw",
                  "--nolineno", "--gil", *(["--native"] if opts.native else [])]
        spies = [subprocess.Popen([*record, "--pid", str(w.pid), "--output", str(path)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for w, path in zip(workers, raw, strict=True)]
        cpu0, t0 = sum(w.cpu_times().user + w.cpu_times().system for w in workers), time.perf_counter()
        for spy_proc in spies:
            spy_proc.wait(opts.duration + 60)
        cpu = sum(w.cpu_times().user + w.cpu_times().system for w in workers) - cpu0
        window = time.perf_counter() - t0
        result = json.loads(lines.expect("RESULT", opts.duration + 60))
    stacks = [line for path in raw if path.exists() for line in path.read_text().splitlines()]
    out.write_text("\n".join(stacks) + "\n")
    samples, own, under = collapsed_tables(stacks, opts.top)
    players = opts.rooms * opts.room_size
    print(f"{players} players ({opts.rooms} rooms of {opts.room_size}) at 20 Hz, "
          f"{'1 worker + Redis + NATS' if opts.cluster else 'one gateway process'}: gateway CPU "
          f"{100 * cpu / window:.0f}% ({1e6 * cpu / window / players:,.0f} µs per player-second, sampled), "
          f"p99 {result.get('latency_p99_ms', float('nan')):.1f} ms; {samples} samples -> {out}")
    for title, rows in (("self", own), ("inclusive", under)):
        print(f"\n| {title} share | function |\n|---:|---|")
        for frame, share in rows:
            print(f"| {100 * share:.1f}% | `{frame}` |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
