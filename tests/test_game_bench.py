"""bench/game_bench.py's pure parts: the search over player counts, the verdict of a step, the readings it takes
(a Prometheus histogram from /metrics, ``ss -ti`` byte counters) and the charts it draws from its results JSON.
The benchmark itself needs the Node peers and minutes of a quiet machine: it runs in ``make bench``."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import game_bench
import profile_game

# ----- the search -----------------------------------------------------------------------------------------------


def run_search(capacity: int, start: int = 50, max_rooms: int = 400, max_steps: int = 16) -> list[tuple[int, bool]]:
    """The steps the search takes against a server that holds exactly ``capacity`` rooms."""
    steps: list[tuple[int, bool]] = []
    rooms = game_bench.next_rooms(steps, start, max_rooms)
    while rooms is not None and len(steps) < max_steps:
        steps.append((rooms, rooms <= capacity))
        rooms = game_bench.next_rooms(steps, start, max_rooms)
    return steps


@pytest.mark.parametrize("capacity", [1, 7, 13, 49, 50, 51, 99, 137, 250, 399])
def test_search_brackets_the_capacity_within_a_tenth(capacity: int) -> None:
    steps = run_search(capacity)
    lo, hi = game_bench.search_bounds(steps)
    assert lo <= capacity < (hi if hi is not None else math.inf)
    assert hi is not None and hi - lo <= max(1, math.floor(0.1 * lo))
    assert len(steps) <= 10  # doubling or halving from 50, then bisecting: a bounded number of fresh servers


def test_search_starts_at_the_reference_load_and_doubles_while_steps_pass() -> None:
    assert [rooms for rooms, _ in run_search(1000)] == [50, 100, 200, 400]  # then the ceiling: done


def test_search_halves_while_steps_fail_and_stops_when_one_room_fails() -> None:
    assert run_search(0) == [(50, False), (25, False), (12, False), (6, False), (3, False), (1, False)]


def test_search_never_repeats_a_step() -> None:
    for capacity in range(0, 120, 3):
        rooms = [r for r, _ in run_search(capacity, start=10, max_rooms=100)]
        assert len(rooms) == len(set(rooms))


def test_a_pass_above_a_failure_does_not_raise_the_lower_bound() -> None:
    # noise: 40 passed after 30 failed; the search trusts the failure
    assert game_bench.search_bounds([(50, False), (25, True), (37, False), (31, False), (40, True)]) == (25, 31)


# ----- the verdict of a step ------------------------------------------------------------------------------------


def step(**changes: Any) -> dict[str, Any]:
    base = {"players": 100, "converged_clients": 100, "latency_p99_ms": 60.0, "input_errors": 0, "resyncs": 0,
            "decode_errors": 0, "disconnects": 0, "server_cpu_pct": 50.0, "foreign_cpu_pct_server_core": 0.0,
            "loadgen_cpu_pct": 40.0, "foreign_cpu_pct_loadgen_core": 0.0, "loadgen_loop_delay_p99_ms": 3.0,
            "inputs_per_player_s": 20.0, "hz": 20}
    return {**base, **changes}


def test_a_step_passes_under_the_latency_budget_with_nothing_lost() -> None:
    assert game_bench.verdict(step(), 100) == (True, [], "neither")


def test_a_step_fails_on_latency_and_on_anything_lost() -> None:
    passed, reasons, _ = game_bench.verdict(step(latency_p99_ms=140.0, converged_clients=97, input_errors=5,
                                                 resyncs=2, disconnects=1), 100)
    assert not passed
    assert reasons == ["p99 140.0 ms > 100 ms", "3 clients did not hold every last input", "5 inputs refused",
                       "2 resyncs", "1 disconnects"]


def test_inputs_the_gateway_refused_fail_a_step_though_no_client_was_answered() -> None:
    # Inputs sent as notifications are never answered: the gateway's rejection counter tells.
    assert game_bench.verdict(step(state_rejections=4), 100)[1] == ["4 inputs refused by the gateway"]


def test_a_counter_is_summed_over_its_labels() -> None:
    text = """# TYPE realtimenet_state_rejections_total counter
realtimenet_state_rejections_total{reason="conflict"} 3.0
realtimenet_state_rejections_total{reason="too_large"} 1.0
realtimenet_state_rejections_created{reason="conflict"} 1.7e9
"""
    assert game_bench.counter_total(text, game_bench.REJECTIONS_METRIC) == 4.0
    assert game_bench.counter_total("", game_bench.REJECTIONS_METRIC) == 0.0


def test_a_step_without_latency_samples_fails() -> None:
    assert game_bench.verdict(step(latency_p99_ms=None), 100)[1] == ["no latency sample"]


@pytest.mark.parametrize(("changes", "bound"), [
    ({"server_cpu_pct": 95.0, "loadgen_cpu_pct": 97.0}, "server"),
    ({"loadgen_cpu_pct": 93.0}, "load generator"),
    ({"loadgen_loop_delay_p99_ms": 40.0}, "load generator"),
    ({"inputs_per_player_s": 17.0}, "load generator"),
    ({"server_cpu_pct": 30.0, "foreign_cpu_pct_server_core": 65.0}, "other processes"),
    ({"loadgen_cpu_pct": 30.0, "foreign_cpu_pct_loadgen_core": 65.0, "inputs_per_player_s": 15.0}, "other processes"),
    ({"server_cpu_pct": 30.0, "foreign_cpu_pct_server_core": 20.0}, "neither"),
])
def test_a_step_names_the_side_that_was_saturated(changes: dict[str, Any], bound: str) -> None:
    assert game_bench.verdict(step(**changes), 100)[2] == bound


def test_summary_reports_the_most_players_that_passed_and_what_stopped_the_search() -> None:
    steps = [{**step(players=r * 20, server_cpu_pct=cpu), "rooms": r, "passed": ok, "reasons": [] if ok else ["x"],
              "bound": bound, "server_cpu_us_per_player_s": 800.0, "bytes_per_player_s": 6000.0}
             for r, ok, cpu, bound in [(50, False, 99, "server"), (25, True, 60, "neither"), (37, True, 85, "neither"),
                                       (43, False, 97, "server"), (40, True, 92, "server")]]
    summary = game_bench.summarise(steps, 400)
    assert summary["players_per_core"] == 800
    assert summary["limited_by"] == "server"
    assert summary["first_failure"]["players"] == 860
    assert summary["players_per_core_cpu_extrapolated"] == 1250
    assert game_bench.players_label(summary) == "800"
    assert game_bench.players_label({**summary, "limited_by": "load generator"}) == "≥ 800"


def test_summary_of_a_search_that_never_failed_says_why_it_stopped() -> None:
    steps = [{**step(players=r * 20), "rooms": r, "passed": True, "reasons": [], "bound": "neither",
              "server_cpu_us_per_player_s": 300.0, "bytes_per_player_s": 9000.0} for r in (50, 100)]
    assert game_bench.summarise(steps, 400)["limited_by"] == "step budget (no step failed)"
    assert game_bench.summarise(steps, 100)["limited_by"] == "search ceiling (no step failed)"


# ----- readings -------------------------------------------------------------------------------------------------

METRICS_BEFORE = """\
# HELP realtimenet_event_loop_lag_seconds How late the event loop ran the state tick.
# TYPE realtimenet_event_loop_lag_seconds histogram
realtimenet_event_loop_lag_seconds_bucket{le="0.001"} 90.0
realtimenet_event_loop_lag_seconds_bucket{le="0.01"} 99.0
realtimenet_event_loop_lag_seconds_bucket{le="0.1"} 100.0
realtimenet_event_loop_lag_seconds_bucket{le="+Inf"} 100.0
realtimenet_event_loop_lag_seconds_count 100.0
realtimenet_event_loop_lag_seconds_sum 0.2
realtimenet_event_loop_lag_seconds_created 1.7e+09
realtimenet_bus_publish_seconds_count 5.0
"""
METRICS_AFTER = METRICS_BEFORE.replace('le="0.001"} 90.0', 'le="0.001"} 250.0').replace(
    'le="0.01"} 99.0', 'le="0.01"} 290.0').replace('le="0.1"} 100.0', 'le="0.1"} 298.0').replace(
    'le="+Inf"} 100.0', 'le="+Inf"} 300.0').replace("_count 100.0", "_count 300.0").replace("_sum 0.2", "_sum 1.2")


def test_histogram_is_read_from_metrics_text_and_differenced_over_a_window() -> None:
    before = game_bench.parse_histogram(METRICS_BEFORE, game_bench.LAG_METRIC)
    assert before == {"buckets": {0.001: 90.0, 0.01: 99.0, 0.1: 100.0, math.inf: 100.0}, "sum": 0.2, "count": 100.0}
    window = game_bench.histogram_delta(before, game_bench.parse_histogram(METRICS_AFTER, game_bench.LAG_METRIC))
    assert window["count"] == 200.0 and window["sum"] == pytest.approx(1.0)
    assert window["buckets"] == {0.001: 160.0, 0.01: 191.0, 0.1: 198.0, math.inf: 200.0}
    assert game_bench.histogram_quantile(window, 0.5) == 0.001
    assert game_bench.histogram_quantile(window, 0.99) == 0.1  # 198 of 200 at most 0.1 s
    assert game_bench.histogram_quantile(window, 0.995) == math.inf  # 2 of 200 above the last finite bound
    assert game_bench.histogram_quantile(window, 0.95) == 0.01
    assert game_bench.share_above(window, 0.01) == pytest.approx(9 / 200)


def test_histograms_of_several_workers_add_up() -> None:
    one = game_bench.parse_histogram(METRICS_BEFORE, game_bench.LAG_METRIC)
    both = game_bench.histogram_merge([one, one])
    assert both["count"] == 200.0 and both["buckets"][0.01] == 198.0 and both["sum"] == pytest.approx(0.4)


def test_a_missing_histogram_reads_as_empty() -> None:
    empty = game_bench.parse_histogram("# nothing here\n", game_bench.LAG_METRIC)
    assert empty == {"buckets": {}, "sum": 0.0, "count": 0.0}
    assert game_bench.histogram_quantile(empty, 0.99) is None


SS_BEFORE = """\
0      0      127.0.0.1:40001 127.0.0.1:51000
\t bbr wscale:10,10 rto:204 rtt:0.1/0.05 bytes_sent:1000 bytes_acked:1001 bytes_received:500 segs_out:10
0      0      127.0.0.1:40001 127.0.0.1:51001
\t bbr wscale:10,10 rto:204 rtt:0.1/0.05 bytes_sent:2000 bytes_acked:2001 bytes_received:700 segs_out:12
0      0      127.0.0.1:40001 127.0.0.1:51002
\t bbr wscale:10,10 rto:204 rtt:0.1/0.05 bytes_acked:1 segs_out:1
"""
SS_AFTER = """\
0      0      127.0.0.1:40001 127.0.0.1:51000
\t bbr wscale:10,10 rto:204 rtt:0.1/0.05 bytes_sent:4000 bytes_acked:4001 bytes_received:900 segs_out:30
0      0      127.0.0.1:40001 127.0.0.1:51002
\t bbr wscale:10,10 rto:204 rtt:0.1/0.05 bytes_sent:300 bytes_acked:301 segs_out:4
0      0      127.0.0.1:40001 127.0.0.1:51003
\t bbr wscale:10,10 rto:204 rtt:0.1/0.05 bytes_sent:999999 bytes_acked:1000000 segs_out:40
"""


def test_ss_counters_are_read_per_socket_and_compared_only_where_both_readings_have_the_socket() -> None:
    before, after = game_bench.ss_bytes_by_peer(SS_BEFORE), game_bench.ss_bytes_by_peer(SS_AFTER)
    assert before == {"127.0.0.1:51000": 1000, "127.0.0.1:51001": 2000, "127.0.0.1:51002": 0}
    # 51001 closed and 51003 opened in between: neither counts, both are reported
    assert game_bench.bytes_sent_between(before, after) == (3000 + 300, 2)


# ----- charts ---------------------------------------------------------------------------------------------------


def fake_report() -> dict[str, Any]:
    def measured(name: str, players: int, passed: bool, p99: float) -> dict[str, Any]:
        return {**step(players=players, latency_p99_ms=p99), "server": name, "ok": True, "rooms": players // 20,
                "passed": passed, "reasons": [] if passed else ["p99"], "bound": "neither" if passed else "server",
                "latency_p50_ms": p99 / 2, "server_cpu_us_per_player_s": 900.0, "bytes_per_player_s": 6000.0,
                "tcp_bytes_per_player_s": 6100.0}

    runs = {"gateway": [measured("gateway", 1000, False, 400.0), measured("gateway", 500, True, 60.0),
                        measured("gateway", 700, False, 200.0), measured("gateway", 600, True, 80.0)],
            "node-ws": [measured("node-ws", 1000, True, 55.0), measured("node-ws", 2000, True, 70.0)]}
    summary: dict[str, Any] = {name: game_bench.summarise(steps, 400) for name, steps in runs.items()}
    return {"date": "2026-12-05T00:00:00+00:00", "source": {"commit": "0123456789abcdef"},
            "machine": {"cpu": "test CPU"}, "runs": runs, "summary": {**summary, "elapsed_s": 1.0},
            "method": {"max_p99_ms": 100.0, "room_size": 20, "start_rooms": 50, "duration_s": 10.0,
                       "warmup_s": 3.0}}


def test_charts_are_drawn_from_the_results_json(tmp_path: Path) -> None:
    report = json.loads(json.dumps(fake_report()))  # as read back from the file: no Python-only values
    written = game_bench.draw_charts(report, tmp_path)
    assert [p.name for p in written] == ["game-bench-players-per-core.svg", "game-bench-latency.svg",
                                         "game-bench-bytes.svg"]
    players = (tmp_path / "game-bench-players-per-core.svg").read_text()
    assert "RealtimeNet gateway" in players and "raw Node ws" in players
    assert "≥ 2,000" in players  # the search of node-ws never failed: a lower bound, and labelled so
    assert "p99 budget 100 ms" in (tmp_path / "game-bench-latency.svg").read_text()
    # the same data draws the same files (no dates or random ids in them)
    first = {p.name: p.read_bytes() for p in written}
    game_bench.draw_charts(report, tmp_path)
    assert {p.name: p.read_bytes() for p in written} == first


def test_markdown_and_headline_name_every_server_measured() -> None:
    report = fake_report()
    text = game_bench.markdown(report)
    assert "RealtimeNet gateway" in text and "600" in text and "server saturated above it" in text
    assert "| node-ws | 2,000 | yes |" in text


# ----- options --------------------------------------------------------------------------------------------------


def test_quick_shrinks_the_defaults_but_keeps_what_was_given() -> None:
    quick = game_bench.parse_args(["--quick"])
    assert (quick.room_size, quick.start_rooms, quick.max_steps, quick.duration) == (10, 10, 3, 3.0)
    given = game_bench.parse_args(["--quick", "--start-rooms", "4", "--max-steps", "1", "--servers", "gateway"])
    assert (given.room_size, given.start_rooms, given.max_steps, given.servers) == (10, 4, 1, ["gateway"])


def test_unknown_servers_are_refused() -> None:
    with pytest.raises(SystemExit):
        game_bench.parse_args(["--servers", "gateway,nakama"])


def test_profile_tables_share_samples_by_own_and_inclusive_function() -> None:
    stacks = ["process 1:\"rtnet\";thread (0x1): \"MainThread\";run (a.py);commit (s.py);_clashes (sync.py) 6",
              "run (a.py);commit (s.py) 2", "run (a.py);flush (s.py) 2", "garbage line", ""]
    samples, own, inclusive = profile_game.collapsed_tables(stacks, 3)
    assert samples == 10
    assert own == [("_clashes (sync.py)", 0.6), ("commit (s.py)", 0.2), ("flush (s.py)", 0.2)]
    assert inclusive == [("run (a.py)", 1.0), ("commit (s.py)", 0.8), ("_clashes (sync.py)", 0.6)]
