"""What a swarm of bots counts, and how it is shown: the live status line and the summary at the end.

Counters are plain integers bumped on the hot path (one per frame, per call, per move); the status line
turns their differences into rates once per interval. Round-trip times go into a fixed log-bucket
histogram (about 2 % wide buckets from 10 µs to 100 s), so percentiles cost the same memory whether the run
lasts a minute or a day.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_MIN_SECONDS = 1e-5
_GROWTH = 1.02
_BUCKETS = int(math.log(1e7) / math.log(_GROWTH)) + 2  # 10 µs .. 100 s


class LatencyHistogram:
    """Round-trip times in log buckets; ``percentile`` answers within a bucket's width (2 %)."""

    __slots__ = ("buckets", "count", "max")

    def __init__(self) -> None:
        self.buckets = [0] * _BUCKETS
        self.count = 0
        self.max = 0.0

    def add(self, seconds: float) -> None:
        """Record one round trip."""
        index = 0 if seconds <= _MIN_SECONDS else min(_BUCKETS - 1, int(math.log(seconds / _MIN_SECONDS, _GROWTH)) + 1)
        self.buckets[index] += 1
        self.count += 1
        if seconds > self.max:
            self.max = seconds

    def percentile(self, q: float) -> float | None:
        """The ``q``-th percentile in seconds (the upper edge of its bucket, capped at the maximum seen), or
        None when nothing was recorded."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q / 100 * self.count))
        seen = 0
        for index, n in enumerate(self.buckets):
            seen += n
            if seen >= rank:
                return min(self.max, _MIN_SECONDS * _GROWTH**index)
        return self.max

    def merge(self, other: LatencyHistogram) -> None:
        """Add ``other``'s samples to this one."""
        for index, n in enumerate(other.buckets):
            self.buckets[index] += n
        self.count += other.count
        self.max = max(self.max, other.max)


# Kinds of error, each a thing that means the system did not hold (they make `rtnet bots` exit 1).
ERROR_KINDS = {
    "connect": "a socket could not be opened, or the upgrade was refused",
    "close": "the gateway closed a socket with a code that means something went wrong (not a cut)",
    "call": "a call was answered with an error the bots do not expect",
    "timeout": "a call got no answer within the call timeout",
    "resume": "session.resume was refused after a cut (the session could not be taken over)",
    "token": "the token provider failed, or auth.refresh was refused",
    "frame": "a frame the bots could not read",
}


@dataclass
class Totals:
    """Counters since the start of the run."""

    frames_in: int = 0
    frames_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    moves: int = 0
    moves_skipped: int = 0  # ticks with an earlier move still unanswered: the newest goes next tick
    chats: int = 0
    events_in: int = 0
    presence_sets: int = 0
    refreshes: int = 0
    cuts: int = 0
    resumes: int = 0
    streams_not_recovered: int = 0
    conflicts: int = 0
    connects: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    closes: Counter[int] = field(default_factory=Counter)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


class Stats:
    """The counters of one run, the round trips of the current interval and of the whole run."""

    def __init__(self, started: float) -> None:
        self.totals = Totals()
        self.rtt = LatencyHistogram()
        self.window_rtt = LatencyHistogram()
        self.started = started
        self._window_started = started
        self._window_in = 0
        self._window_out = 0
        self._window_moves = 0
        self.last_errors: list[str] = []  # the first few error messages, for the summary

    def rtt_sample(self, seconds: float) -> None:
        self.window_rtt.add(seconds)

    def error(self, kind: str, message: str) -> None:
        """Count an error of ``kind`` (one of ``ERROR_KINDS``); the first messages are kept for the summary."""
        self.totals.errors[kind] += 1
        if len(self.last_errors) < 10:
            self.last_errors.append(f"{kind}: {message}")

    def status_line(self, now: float, connected: int, count: int) -> str:
        """One line about the interval since the last call: connected bots, messages per second, round-trip
        percentiles, errors and resumes so far. Starts a new interval."""
        elapsed = max(1e-9, now - self._window_started)
        t = self.totals
        rate_in = (t.frames_in - self._window_in) / elapsed
        rate_out = (t.frames_out - self._window_out) / elapsed
        moves = (t.moves - self._window_moves) / elapsed
        p50, p99 = self.window_rtt.percentile(50), self.window_rtt.percentile(99)
        self.rtt.merge(self.window_rtt)
        self.window_rtt = LatencyHistogram()
        self._window_started, self._window_in, self._window_out, self._window_moves = (
            now, t.frames_in, t.frames_out, t.moves)
        return (f"{now - self.started:6.0f}s  connected {connected}/{count}  in {rate_in:,.0f}/s  "
                f"out {rate_out:,.0f}/s  moves {moves:,.0f}/s  rtt p50 {_ms(p50)} p99 {_ms(p99)}  "
                f"errors {t.error_count}  cuts {t.cuts}  resumes {t.resumes}  refreshes {t.refreshes}")

    def summary(self, now: float, connected: int, count: int, cpu_seconds: float) -> dict[str, Any]:
        """Everything about the run, as the JSON the summary prints (and ``--json`` emits)."""
        self.rtt.merge(self.window_rtt)
        self.window_rtt = LatencyHistogram()
        t = self.totals
        duration = max(1e-9, now - self.started)
        return {
            "bots": count, "connected_at_end": connected, "seconds": round(duration, 2),
            "cpu_seconds": round(cpu_seconds, 2), "cpu_percent": round(100 * cpu_seconds / duration, 1),
            "frames_in": t.frames_in, "frames_out": t.frames_out,
            "frames_in_per_s": round(t.frames_in / duration, 1), "frames_out_per_s": round(t.frames_out / duration, 1),
            "bytes_in": t.bytes_in, "bytes_out": t.bytes_out,
            "moves": t.moves, "moves_per_s": round(t.moves / duration, 1), "moves_skipped": t.moves_skipped,
            "chats": t.chats, "events_in": t.events_in, "presence_sets": t.presence_sets,
            "refreshes": t.refreshes, "connects": t.connects, "cuts": t.cuts, "resumes": t.resumes,
            "streams_not_recovered": t.streams_not_recovered, "conflicts": t.conflicts,
            "rtt_ms": {q: _round_ms(self.rtt.percentile(p)) for q, p in (("p50", 50), ("p90", 90), ("p99", 99))}
            | {"max": _round_ms(self.rtt.max if self.rtt.count else None), "calls": self.rtt.count},
            "closes": {str(code): n for code, n in sorted(t.closes.items())},
            "errors": dict(sorted(t.errors.items())), "error_count": t.error_count,
            "first_errors": list(self.last_errors),
        }


def render_summary(summary: dict[str, Any]) -> str:
    """The summary as a few human-readable lines."""
    rtt = summary["rtt_ms"]
    lines = [
        f"rtnet bots: {summary['bots']} bots for {summary['seconds']:.1f} s, {summary['connected_at_end']} connected "
        f"at the end; CPU {summary['cpu_seconds']:.1f} s ({summary['cpu_percent']:.0f}% of one core)",
        f"  frames in {summary['frames_in']:,} ({summary['frames_in_per_s']:,.0f}/s), out {summary['frames_out']:,} "
        f"({summary['frames_out_per_s']:,.0f}/s); moves {summary['moves']:,} ({summary['moves_per_s']:,.0f}/s, "
        f"{summary['moves_skipped']:,} held back)",
        f"  chats {summary['chats']:,}, events received {summary['events_in']:,}, presence sets "
        f"{summary['presence_sets']:,}, token refreshes {summary['refreshes']:,}",
        f"  connects {summary['connects']:,}, cuts {summary['cuts']:,}, resumes {summary['resumes']:,} "
        f"(streams not recovered {summary['streams_not_recovered']:,}), conflicts {summary['conflicts']:,}",
        f"  call round trip: p50 {_fmt(rtt['p50'])}, p90 {_fmt(rtt['p90'])}, p99 {_fmt(rtt['p99'])}, "
        f"max {_fmt(rtt['max'])} over {rtt['calls']:,} calls",
    ]
    if summary["closes"]:
        lines.append("  closes by code: " + ", ".join(f"{code} x{n}" for code, n in summary["closes"].items()))
    if summary["error_count"]:
        lines.append(f"  ERRORS {summary['error_count']}: "
                     + ", ".join(f"{kind} x{n}" for kind, n in summary["errors"].items()))
        lines.extend(f"    {message}" for message in summary["first_errors"])
    else:
        lines.append("  no errors")
    return "\n".join(lines)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}ms"


def _round_ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def _fmt(ms: float | None) -> str:
    return "-" if ms is None else f"{ms:.1f} ms"
