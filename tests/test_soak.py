"""`make soak` in small: bench/soak.py against a real gateway process for half a minute, and its verdict's maths.

The real run (10,000 connections, 25 minutes of churn) is not part of `make test`; docs/reliability.md records it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from soak import least_squares  # noqa: E402


def test_the_slope_is_the_least_squares_line_and_its_error_grows_with_noise() -> None:
    line = [(t / 12, 100e6 + 2e6 * t / 12) for t in range(120)]  # 2 MB per minute, exactly
    slope, stderr, r2 = least_squares(line)
    assert slope == pytest.approx(2e6) and stderr < 1.0 and r2 == pytest.approx(1)
    noisy = [(x, y + (5e6 if i % 2 else -5e6)) for i, (x, y) in enumerate(line)]
    slope, stderr, r2 = least_squares(noisy)
    assert slope == pytest.approx(2e6, rel=0.05) and stderr > 1e4 and r2 < 0.9
    flat = [(t / 12, 100e6 + (1e5 if t % 3 else 0)) for t in range(120)]
    assert abs(least_squares(flat)[0]) < 5e3


@pytest.mark.timeout(120)
def test_a_short_soak_holds_every_connection_churns_all_three_ways_and_reports(tmp_path: Path) -> None:
    output = tmp_path / "soak.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--connections", "300", "--minutes",
                           "0.5", "--churn", "20", "--rooms", "30", "--sample-seconds", "2", "--output", str(output)],
                          capture_output=True, text=True, timeout=110, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "RLIMIT_NOFILE raised" in done.stdout
    summary = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("SUMMARY "))[8:])
    report = json.loads(output.read_text())
    assert summary["ok"] and report["ok"]
    assert report["failures"]["total"] == 0, report["failures"]
    assert report["ramp"]["failures"] == 0 and report["ramp"]["connects_per_s"] > 0
    churn = report["churn"]
    assert all(churn["operations"][kind] > 0 for kind in ("close", "abort", "resume")), churn
    assert churn["resumes_recovered"] == churn["operations"]["resume"]  # every resume recovered its room stream
    assert churn["connects"] == sum(churn["operations"].values()) and churn["connects_per_s"] > 5
    # The gateway's own gauge agrees with the sockets the clients hold, during the run and at its end.
    assert report["metrics"] == {"connections_gauge": 300.0, "connections_held": 300, "matches": True}
    assert all(s["gauge"] is not None for s in report["samples"])
    assert len(report["samples"]) >= 10 and all(s["rss"] > 10 * 2**20 for s in report["samples"])
    assert all(s["rss_heap"] > 0 and s["rss_anon"] > 0 and s["rss_heap"] + s["rss_anon"] < s["rss"]
               for s in report["samples"])  # the RSS split by allocator: parts of it, the rest is code and files
    rss = report["rss"]
    assert rss["slope_bytes_per_minute"] is not None and rss["window_samples"] >= 5
    assert rss["judged"] is False and rss["flat"] is None  # half a minute cannot tell a slow leak from noise
    assert report["rlimit_nofile"]["soft_after"] >= report["rlimit_nofile"]["needed"] or \
        report["rlimit_nofile"]["soft_after"] == report["rlimit_nofile"]["hard"]
    assert set(rss["slope_by_kind_bytes_per_minute"]) == {"heap", "anon"}
    assert report["gateway_exit"] == 0
    assert "bad input" not in report["gateway_log_tail"]  # the soak's closes and calls are all well-formed
