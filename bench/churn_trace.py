"""What the gateway's Python heap keeps per replaced connection, when the soak's RSS keeps rising.

Run as ``python bench/churn_trace.py`` (about 90 s). An in-process gateway (embedded backends) with short time
bounds (``sessions.ttl`` 3 s, ``rooms.history_max_age`` 3 s, ``presence.ttl`` 3 s), so that every bounded store
fills within seconds; a population of ``--players`` players replaces connections the way ``bench/soak.py`` does
(join a room; half close, a quarter abort, a quarter abort and resume on a new socket). After ``--warmup``
replacements, ``tracemalloc`` snapshots the heap, ``--cycles`` more replacements run, the bounds get time to
expire what they left, and the second snapshot is compared with the first: the growth per replacement and the
tracebacks that grew most. Python objects only: memory the allocator holds back, or that C code allocates
(picows, uvloop, the kernel's socket buffers), is not in it. Everything is on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.conftest: the in-process gateway

from realtimenet.client import Client, RemoteError
from realtimenet.config import load_config
from tests.conftest import InProcessGateway

SHORT_BOUNDS = {"sessions.ttl": "3", "rooms.history_max_age": "3", "presence.ttl": "3",
                "presence.resume_grace": "0.5", "rate_limit.burst": "100000"}


def replace_connections(gw: InProcessGateway, tokens: dict[str, str], rooms: int, count: int,
                        rng: random.Random) -> int:
    """``count`` connections opened, joined and ended as the soak ends them; how many resumes were refused."""
    refused = 0
    for _ in range(count):
        player = rng.choice(list(tokens))
        client = Client.connect(gw.url, tokens[player])
        client.join(f"room-{rng.randrange(rooms)}")
        kind = rng.random()
        if kind < 0.5:
            client.close()
            continue
        token = client.resume_token
        client.abort()
        if kind < 0.75:
            continue
        again = Client.connect(gw.url, tokens[player])
        try:
            again.call("session.resume", {"resume_token": token, "streams": []})
        except RemoteError:
            refused += 1
        again.close()
    return refused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", type=int, default=400)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=1500, help="replacements before the first snapshot")
    parser.add_argument("--cycles", type=int, default=3000, help="replacements between the two snapshots")
    parser.add_argument("--top", type=int, default=8)
    opts = parser.parse_args()
    gw = InProcessGateway(load_config(environ={}, overrides={"server.port": 0, **SHORT_BOUNDS})).start()
    rng = random.Random(1)
    tokens = {f"p{i}": gw.token(f"p{i}") for i in range(min(max(opts.players, 1), 100_000))}
    started = time.monotonic()
    refused = replace_connections(gw, tokens, opts.rooms, min(opts.warmup, 100_000), rng)
    time.sleep(5)
    tracemalloc.start(10)
    gc.collect()
    before = tracemalloc.take_snapshot()
    cycles = min(max(opts.cycles, 1), 100_000)
    refused += replace_connections(gw, tokens, opts.rooms, cycles, rng)
    time.sleep(5)  # the short bounds expire what the replacements left
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    gw.stop()
    stats = after.compare_to(before, "traceback")
    growth = sum(stat.size_diff for stat in stats)
    print(f"{cycles} replacements after {opts.warmup} ({time.monotonic() - started:.0f} s, {refused} resumes "
          f"refused): the Python heap grew {growth:,} bytes, {growth / cycles:.0f} B per replacement")
    for stat in stats[:opts.top]:
        print(f"\n{stat.size_diff:+,} B in {stat.count_diff:+,} blocks")
        for line in stat.traceback.format()[-4:]:
            print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
