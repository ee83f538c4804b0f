"""`make test` runs the compile check only where an engine source is: elsewhere (CI) it says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _compile_check(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RTNET_UE_SOURCE"}
    env["RTNET_UE_CACHE"] = str(tmp_path / "empty-cache")  # no engine extracted before either
    return subprocess.run([sys.executable, "-m", "realtimenet.cli", "ue", "compile-check", *flags],
                          capture_output=True, text=True, env=env, timeout=60)


def test_make_test_skips_the_compile_check_in_one_line_without_an_engine(tmp_path: Path) -> None:
    done = _compile_check(tmp_path, "--skip-without-engine")
    assert done.returncode == 0
    [line] = done.stdout.splitlines()
    assert line.startswith("rtnet ue compile-check: skipped: no engine source (RTNET_UE_SOURCE is not set")
    assert "DEVELOPERS.md" in line


def test_make_ue_check_fails_without_an_engine_and_says_where_to_get_one(tmp_path: Path) -> None:
    done = _compile_check(tmp_path)
    assert done.returncode != 0
    assert "RTNET_UE_SOURCE" in done.stderr and "DEVELOPERS.md" in done.stderr
    assert "Traceback" not in done.stderr
