"""Chaos: latency, resets and partitions between two gateways and their Redis and NATS, under load; is any
acknowledged event lost or duplicated?

``make chaos`` (not part of ``make test``) runs ``python bench/chaos.py``. It starts a real redis-server and
a real ``nats-server -js`` on free loopback ports, and two gateway processes (``rtnet serve``) that reach
them only through fault proxies of their own (tests/faultproxy.py: four proxies, gateway 1 and 2 each to
Redis and to NATS). Clients (the Python client, with auto-reconnect and resume, each given both gateways'
URLs) join one room; two of them publish unique payloads all along, every client receives. Meanwhile:

- a dropper cuts a random client's socket every ``--drop-every`` seconds (it reconnects, to the other
  gateway, and resumes);
- the fault schedule (``PHASES``) runs: latency with jitter on every link, a latency spike to Redis,
  resets of NATS and Redis connections, a lossy NATS link, a partition of one gateway from NATS, of the
  other from Redis, of both from both (healed with resets), each followed by a heal and a quiet spell.

Then publishing stops and every client must hold, exactly once and in stream order, every publication whose
``room.publish`` returned an offset (publications whose acknowledgement was lost may arrive too: they were
stored, and arrive once, in order). Counted: lost (acknowledged, not received), and of those lost silently
(by a client that was not told to resync), duplicated (received twice by the application), out of order,
gaps, resyncs (a stream the gateway could not replay: the client must reload), resumes, publish errors by
kind (and apart, publishes refused -32002 while the client held the room: sent before its resume had rejoined
it, which the client's resume gate prevents), the proxies' resets and partitions.

Two verdicts: ``no_silent_loss`` (what the protocol promises under any fault: nothing duplicated, reordered
or misplaced, no client gives up, and nothing lost without a resync telling the client) and ``ok`` (what
issue 11 asks on top: nothing lost at all, no resync). ``--quick`` shortens every phase (tests/test_chaos.py
runs it in ``make test`` and checks ``no_silent_loss``). The summary is printed after ``SUMMARY`` and
written to ``--output`` (default bench/results/chaos-<date>.json); the exit status is 0 when ``ok``, 3 when
only ``no_silent_loss`` holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # tests.services and tests.faultproxy: the same real servers the tests use

from gateway_bench import machine, source  # noqa: E402

from realtimenet.client import Client, ConnectionClosed, RemoteError  # noqa: E402
from realtimenet.client.backoff import Backoff  # noqa: E402
from realtimenet.client.client import ClientEvent, Notification  # noqa: E402
from realtimenet.exceptions import CallTimeout  # noqa: E402
from realtimenet.protocol.codes import ErrorCode  # noqa: E402
from tests.conftest import GatewayProcess, http_get, start_gateway_process  # noqa: E402
from tests.faultproxy import FaultProxy, ProxyThread  # noqa: E402
from tests.services import Service, nats_server, redis_server  # noqa: E402

ROOM = "chaos"


# ----- clients -----------------------------------------------------------------------------------------


@dataclass
class Member:
    """A client in the room: what its application was given, in order, and its lifecycle."""

    name: str
    client: Client
    events: list[dict[str, Any]] = field(default_factory=list)
    lifecycle: list[ClientEvent] = field(default_factory=list)


def join(name: str, urls: list[str], token: str, seed: int) -> Member:
    events: list[dict[str, Any]] = []
    lifecycle: list[ClientEvent] = []

    def on_note(note: Notification) -> None:
        if note.method == "room.event":
            events.append(note.params)

    client = Client.connect(urls, token, on_notification=on_note, on_event=lifecycle.append, auto_reconnect=True,
                            backoff=Backoff(base=0.05, cap=1.0, rng=random.Random(seed)), timeout=10)
    client.join(ROOM)
    return Member(name, client, events, lifecycle)


class Publisher(threading.Thread):
    """Publishes unique payloads until stopped; one counts as acknowledged once room.publish returned its
    offset. After an error it waits a little and goes on with the next payload (one whose acknowledgement
    was lost may still have been stored: "attempted", never counted twice)."""

    def __init__(self, member: Member, interval: float, limit: int) -> None:
        super().__init__(daemon=True, name=f"publisher-{member.name}")
        self.member, self.interval, self.limit = member, interval, limit
        self.acked: dict[str, int] = {}
        self.attempted: list[str] = []
        self.errors: Counter[str] = Counter()
        self.refused_while_joined = 0  # -32002 though the client holds the room: sent before a resume rejoined it
        self.stopping = threading.Event()

    def run(self) -> None:
        for n in range(self.limit):
            if self.stopping.is_set():
                return
            payload = f"{self.member.name}-{n}"
            self.attempted.append(payload)
            try:
                self.acked[payload] = self.member.client.publish(ROOM, payload, timeout=5)["offset"]
            except RemoteError as exc:
                self.errors[f"rpc {exc.code}"] += 1
                if exc.code == ErrorCode.FORBIDDEN and ROOM in self.member.client.rooms:
                    self.refused_while_joined += 1
                time.sleep(0.1)
                continue
            except CallTimeout:
                self.errors["timeout"] += 1
                continue
            except ConnectionClosed:
                self.errors["socket lost"] += 1
                time.sleep(0.1)
                continue
            time.sleep(self.interval)


class Dropper(threading.Thread):
    """Cuts a random member's socket every ``every`` seconds (it reconnects and resumes by itself)."""

    def __init__(self, members: list[Member], every: float, seed: int) -> None:
        super().__init__(daemon=True, name="dropper")
        self.members, self.every, self.random = members, every, random.Random(seed)
        self.drops = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            member = self.random.choice(self.members)
            if member.client.closed is None:  # not in the middle of a reconnect already
                member.client.drop_network()
                self.drops += 1


# ----- faults ------------------------------------------------------------------------------------------


@dataclass
class Links:
    """The four proxies: gateway i's link to Redis and to NATS."""

    thread: ProxyThread
    redis: list[FaultProxy]
    nats: list[FaultProxy]
    log: list[dict[str, Any]] = field(default_factory=list)

    @property
    def all(self) -> list[FaultProxy]:
        return self.redis + self.nats

    def do(self, what: str, fn: Callable[[], Any]) -> None:
        self.log.append({"t": round(time.monotonic(), 2), "fault": what})
        self.thread.call(fn)

    def heal_all(self, reset: bool = False) -> None:
        def heal() -> None:
            for proxy in self.all:
                proxy.set_latency(0)
                proxy.reset_probability = 0.0
                proxy.heal(reset=reset)
        self.do("heal" + (" with resets" if reset else ""), heal)


def phases(links: Links, scale: float) -> list[tuple[str, float, Callable[[], None]]]:
    """(name, seconds, start) of each fault phase; every phase ends with ``heal_all`` and a quiet spell."""
    r1, r2 = links.redis
    n1, n2 = links.nats

    def latency() -> None:
        for proxy in links.all:
            proxy.set_latency(0.05, jitter=0.05)

    def redis_spike() -> None:
        for proxy in links.redis:
            proxy.set_latency(0.6)  # over a third of the gateway's 2 s Redis socket timeout, both ways

    def nats_resets() -> None:
        n1.reset_all()
        n2.reset_probability = 0.01  # gateway 2's NATS link keeps breaking

    def redis_resets() -> None:
        r1.reset_all()
        r2.reset_all()

    def partition_nats_1() -> None:
        n1.partition()

    def partition_redis_2() -> None:
        r2.partition()

    def partition_everything() -> None:
        for proxy in links.all:
            proxy.partition()

    return [
        ("latency 50 ms + up to 50 ms jitter on every link", 20 * scale, latency),
        ("Redis latency spike 600 ms", 8 * scale, redis_spike),
        ("NATS: gateway 1's connection reset, gateway 2's link lossy (1% resets per chunk)", 15 * scale,
         nats_resets),
        ("Redis: both gateways' connections reset", 5 * scale, redis_resets),
        ("partition: gateway 1 from NATS", 8 * scale, partition_nats_1),
        ("partition: gateway 2 from Redis", 8 * scale, partition_redis_2),
        ("partition: both gateways from Redis and NATS, healed with resets", 6 * scale, partition_everything),
    ]


# ----- the run -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def backends(workdir: Path) -> Iterator[tuple[Service, Service]]:
    redis, nats = redis_server(workdir).start(), nats_server(workdir).start()
    try:
        yield redis, nats
    finally:
        nats.stop()
        redis.stop()


def verify(members: list[Member], publishers: list[Publisher]) -> dict[str, Any]:
    """Every acknowledged publication exactly once, at its offset, in order, at every member."""
    acked = {p: o for pub in publishers for p, o in pub.acked.items()}
    attempted = {p for pub in publishers for p in pub.attempted}
    per_member = {}
    totals: Counter[str] = Counter()
    for m in members:
        payloads = [e["data"] for e in m.events]
        offsets = [e["offset"] for e in m.events]
        got = {e["data"]: e["offset"] for e in m.events}
        lost = sum(1 for p in acked if p not in got)
        wrong_offset = sum(1 for p, o in acked.items() if p in got and got[p] != o)
        duplicated = len(payloads) - len(set(payloads))
        out_of_order = sum(1 for a, b in pairwise(offsets) if b <= a)
        gaps = sum(1 for a, b in pairwise(offsets) if b > a + 1)
        unknown = sum(1 for p in set(payloads) if p not in attempted)
        kinds = Counter(e.kind for e in m.lifecycle)
        told = kinds["resync"] > 0  # the client was told to reload: what it missed is announced, not silent
        row = {"received": len(payloads), "lost": lost, "lost_silently": 0 if told else lost,
               "gaps_silent": 0 if told else gaps, "duplicated": duplicated, "wrong_offset": wrong_offset,
               "out_of_order": out_of_order, "gaps": gaps, "unknown": unknown, "resumed": kinds["resumed"],
               "resync": kinds["resync"], "resume_failed": kinds["resume_failed"], "gave_up": kinds["gave_up"],
               "reconnect_attempts": kinds["reconnecting"], "duplicates_dropped_by_client":
                   m.client.duplicates_dropped, "first_offset": offsets[0] if offsets else None}
        if kinds["resync"] or kinds["resume_failed"] or kinds["gave_up"]:  # what happened, for the report
            row["lifecycle"] = [f"{e.kind} {json.dumps(e.data, default=str)[:160]}" for e in m.lifecycle][-40:]
        per_member[m.name] = row
        totals.update({k: v for k, v in row.items() if isinstance(v, int) and k != "first_offset"})
    return {"acked": len(acked), "attempted": len(attempted), "last_acked_offset": max(acked.values(), default=0),
            "totals": dict(totals), "members": per_member}


def gateway_metrics(gw: GatewayProcess) -> dict[str, float]:
    """A few counters of one gateway's /metrics."""
    status, body = http_get(gw.ops_url + "/metrics")
    wanted = ("realtimenet_backend_errors_total", "realtimenet_resume_streams_total", "realtimenet_connects_total",
              "realtimenet_replayed_publications_total", "realtimenet_handler_errors_total")
    found: dict[str, float] = {}
    if status != 200:
        return found
    for line in body.decode().splitlines():
        if line.startswith(wanted):
            series, _, value = line.rpartition(" ")
            found[series] = float(value)
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    scale = 0.3 if args.quick else args.scale
    workdir = Path(tempfile.mkdtemp(prefix="rtnet-chaos-"))
    started = time.monotonic()
    with backends(workdir) as (redis, nats):
        links = Links(ProxyThread(), [], [])
        gateways: list[GatewayProcess] = []
        members: list[Member] = []
        try:
            for i in range(2):
                links.redis.append(links.thread.proxy(redis.port, name=f"gw{i + 1}-redis", seed=i))
                links.nats.append(links.thread.proxy(nats.port, name=f"gw{i + 1}-nats", seed=10 + i))
                gateways.append(start_gateway_process(workdir, {
                    "server": {"drain_timeout": 1.0, "node_id": f"chaos-gw{i + 1}"},
                    "backends": {"store": f"redis://127.0.0.1:{links.redis[i].port}/0",
                                 "bus": f"nats://127.0.0.1:{links.nats[i].port}", "check_interval": 0.2},
                    "rate_limit": {"rate": 10000, "burst": 10000},
                }))
            urls = [gw.url for gw in gateways]
            for i in range(args.clients):
                own = i % 2  # half start on each gateway; a reconnect moves to the other
                members.append(join(f"c{i}", [urls[own], urls[1 - own]], gateways[0].token(f"player{i}"), i))
            publishers = [Publisher(members[0], args.interval, 100_000), Publisher(members[1], args.interval, 100_000)]
            dropper = Dropper(members, args.drop_every, args.seed)
            for thread in (*publishers, dropper):
                thread.start()
            time.sleep(5 * scale)  # a baseline with no fault
            schedule = []
            for name, seconds, start in phases(links, scale):
                t0 = time.monotonic()
                acked0 = sum(len(p.acked) for p in publishers)
                links.do(name, start)
                time.sleep(seconds)
                links.heal_all(reset=name.endswith("healed with resets"))
                time.sleep(args.quiet * scale)
                schedule.append({"phase": name, "seconds": round(time.monotonic() - t0, 1),
                                 "acked": sum(len(p.acked) for p in publishers) - acked0})
                print(f"[{time.monotonic() - started:6.1f} s] {name}: {schedule[-1]['acked']} acknowledged", flush=True)
            for thread in (dropper, *publishers):
                thread.stopping.set()
            for thread in (dropper, *publishers):
                thread.join(15)
            # Every member must now catch up with the last acknowledged offset (resumes included).
            last = max((o for p in publishers for o in p.acked.values()), default=0)
            deadline = time.monotonic() + args.catch_up
            while time.monotonic() < deadline and any(
                    (m.events[-1]["offset"] if m.events else 0) < last for m in members):
                time.sleep(0.2)
            time.sleep(1.0)  # a duplicate would arrive now
            result = verify(members, publishers)
            metrics = {gw.node_id: gateway_metrics(gw) for gw in gateways}
        finally:
            for m in members:
                with contextlib.suppress(Exception):
                    m.client.close(timeout=1)
            exits = [gw.stop(signal.SIGTERM, 20) for gw in gateways]
            proxy_stats = {p.name: vars(p.stats) for p in links.all}
            links.thread.close()
    logs = "".join(gw.stderr for gw in gateways)
    crashed = [gw.node_id for gw, code in zip(gateways, exits, strict=True) if code != 0]
    tracebacks = logs.count("Traceback") - logs.count("correlation_id")
    t = result["totals"]
    # What the protocol promises under any fault: nothing duplicated, reordered or misplaced, nobody gives up,
    # and nothing lost without the client being told (resync). What the issue asks on top: nothing lost at all.
    promise = (result["acked"] > 0 and not crashed and all(t.get(k, 0) == 0 for k in (
        "lost_silently", "gaps_silent", "duplicated", "wrong_offset", "out_of_order", "unknown", "gave_up")))
    ok = promise and t.get("lost", 0) == 0 and t.get("resync", 0) == 0
    return {
        "ok": ok,
        "no_silent_loss": promise,
        "parameters": {"clients": args.clients, "publishers": 2, "publish_interval_s": args.interval,
                       "drop_every_s": args.drop_every, "scale": scale, "quiet_s": args.quiet * scale,
                       "seed": args.seed},
        "seconds": round(time.monotonic() - started, 1),
        "schedule": schedule,
        "publishing": {"attempted": result["attempted"], "acked": result["acked"],
                       "last_acked_offset": result["last_acked_offset"],
                       "errors": dict(sum((p.errors for p in publishers), Counter())),
                       "refused_while_joined": sum(p.refused_while_joined for p in publishers)},
        "client_drops": dropper.drops,
        "totals": t,
        "members": result["members"],
        "proxies": proxy_stats,
        "gateway_metrics": metrics,
        "gateway_exits": exits,
        "gateway_tracebacks_without_correlation_id": tracebacks,
        "gateway_traceback_examples": [logs[i - 300: i + 1200] for i in _find_all(logs, "Traceback")][:3],
        "gateway_warnings": sum(1 for line in logs.splitlines() if "WARNING" in line or '"warning"' in line),
        "fault_log": [{**entry, "t": round(entry["t"] - started, 2)} for entry in links.log],
    }


def _find_all(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at >= 0 and len(found) < 10:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8, help="room members (two of them publish)")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between one publisher's publishes")
    parser.add_argument("--drop-every", type=float, default=2.0, help="seconds between client socket drops")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every phase's length")
    parser.add_argument("--quiet", type=float, default=5.0, help="seconds without faults after each phase")
    parser.add_argument("--catch-up", type=float, default=30.0, help="seconds the members get to catch up")
    parser.add_argument("--quick", action="store_true", help="every phase at 0.3x (the make test version)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/chaos-<date>.json)")
    args = parser.parse_args(argv)
    args.clients = min(max(args.clients, 2), 64)
    args.scale = min(max(args.scale, 0.1), 20.0)
    args.interval = min(max(args.interval, 0.001), 1.0)
    args.drop_every = min(max(args.drop_every, 0.2), 60.0)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
              "source": source(), **run(args)}
    output = args.output or BENCH / "results" / f"chaos-{dt.date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    brief = {k: report[k] for k in ("ok", "no_silent_loss", "seconds", "publishing", "client_drops", "totals",
                                    "gateway_exits", "gateway_tracebacks_without_correlation_id")}
    print("SUMMARY " + json.dumps(brief), flush=True)
    return 0 if report["ok"] else 3 if report["no_silent_loss"] else 1


if __name__ == "__main__":
    sys.exit(main())
