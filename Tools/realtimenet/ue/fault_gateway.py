"""The gateway the Unreal automation tests talk to: ``rtnet serve`` in fault-injection mode on a free port.

The tests find it through their command line (``-RtnetHost= -RtnetPort= -RtnetToken= -RtnetAdminToken=``,
read with ``FParse::Value``) or, when they run inside an editor that is already open, through the
``RTNET_TEST_*`` environment variables set in the editor's own process. The admin token carries the claim
``fault.inject`` demands (``faults.admin_claim``), so a test can script latency, drops and forced closes.

Standard library only: the editor's Python imports this module without the project's dependencies and runs
the gateway from the repository's virtual environment.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_HISTORY_SIZE = 1000
ADMIN_CLAIM = "rtnet_admin"
TEST_PLAYER = "ue-automation"
TEST_ADMIN = "ue-automation-admin"


class GatewayError(Exception):
    """Raised when the gateway cannot be found, does not start, or does not become healthy."""


@dataclass(frozen=True)
class GatewayEndpoint:
    """Where the started gateway listens and the tokens the tests connect with."""

    host: str
    port: int
    ops_port: int
    token: str
    admin_token: str
    history_size: int = DEFAULT_HISTORY_SIZE  # rooms.history_size: how much a resuming client can miss

    @property
    def url(self) -> str:
        """The WebSocket URL."""
        return f"ws://{self.host}:{self.port}/ws"

    def editor_args(self) -> list[str]:
        """Command-line switches for the editor running the tests."""
        return [f"-RtnetHost={self.host}", f"-RtnetPort={self.port}", f"-RtnetToken={self.token}",
                f"-RtnetAdminToken={self.admin_token}", f"-RtnetHistorySize={self.history_size}"]

    def environment(self) -> dict[str, str]:
        """The same, as environment variables (for an editor that is already running)."""
        return {"RTNET_TEST_HOST": self.host, "RTNET_TEST_PORT": str(self.port), "RTNET_TEST_URL": self.url,
                "RTNET_TEST_TOKEN": self.token, "RTNET_TEST_ADMIN_TOKEN": self.admin_token,
                "RTNET_TEST_HISTORY_SIZE": str(self.history_size)}


def rtnet_command(root: Path, platform: str = sys.platform) -> list[str] | None:
    """How to run ``rtnet``: the repository's ``.venv`` (made by ``make``), else ``rtnet`` on PATH, else this
    interpreter when it has the package; None when none of them exists."""
    venv = root.resolve() / ".venv"  # absolute: the command may run from another working directory
    local = venv / "Scripts" / "rtnet.exe" if platform == "win32" else venv / "bin" / "rtnet"
    if local.exists():
        return [str(local)]
    from shutil import which

    found = which("rtnet")
    if found:
        return [found]
    try:
        import realtimenet.cli  # noqa: F401 - only asks whether this interpreter has the package
    except ImportError:
        return None
    return [sys.executable, "-m", "realtimenet.cli"]


def _config_args(config: str | None, settings: Mapping[str, str]) -> list[str]:
    args = ["--config", config] if config else []
    for key, value in settings.items():
        args += ["--set", f"{key}={value}"]
    return args


def serve_command(rtnet: Sequence[str], host: str = DEFAULT_HOST, config: str | None = None, seed: int = 0,
                  settings: Mapping[str, str] | None = None) -> list[str]:
    """``rtnet serve`` with fault injection on and a port the system picks (announced on the READY line)."""
    return [*rtnet, "serve", *_config_args(config, {"faults.enabled": "true", "faults.seed": str(seed),
                                                      **(settings or {})}),
            "--host", host, "--port", "0"]


def token_command(rtnet: Sequence[str], sub: str, admin: bool = False, config: str | None = None,
                  ttl: float = 3600.0, admin_claim: str = ADMIN_CLAIM) -> list[str]:
    """``rtnet token`` for a test player; ``admin`` adds the claim ``fault.inject`` requires."""
    command = [*rtnet, "token", *_config_args(config, {}), "--sub", sub, "--ttl", str(ttl)]
    if admin:
        command += ["--claim", f"{admin_claim}=true"]
    return command


def config_command(rtnet: Sequence[str], config: str | None = None) -> list[str]:
    """``rtnet config``: the effective configuration the gateway runs with, as TOML."""
    return [*rtnet, "config", *_config_args(config, {})]


def parse_history_size(toml_text: str) -> int | None:
    """``rooms.history_size`` from ``rtnet config`` output (read by hand: tomllib is 3.11+, the editor of
    UE 5.3 and earlier runs Python 3.9)."""
    section = ""
    for raw in toml_text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == "rooms" and line.split("=", 1)[0].strip() == "history_size":
            value = line.split("=", 1)[1].split("#", 1)[0].strip()
            return int(value) if value.isdigit() else None
    return None


def parse_ready(line: str) -> dict[str, Any] | None:
    """The object of the gateway's ``READY {...}`` line, or None for any other line."""
    if not line.startswith("READY "):
        return None
    try:
        ready = json.loads(line[len("READY "):])
    except json.JSONDecodeError:
        return None
    return ready if isinstance(ready, dict) and isinstance(ready.get("port"), int) else None


def _pump(stream: IO[str], sink: queue.Queue[str | None]) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


class FaultGateway:
    """Start with ``start()`` (or ``with``), stop with ``stop()``; the process is always reaped."""

    def __init__(self, rtnet: Sequence[str], host: str = DEFAULT_HOST, config: str | None = None, seed: int = 0,
                 ready_timeout: float = 30.0, cwd: Path | None = None) -> None:
        self.rtnet = list(rtnet)
        self.host = host
        self.config = config
        self.seed = seed
        self.ready_timeout = ready_timeout
        self.cwd = cwd
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []  # everything the gateway printed, for error messages
        self.endpoint: GatewayEndpoint | None = None

    def __enter__(self) -> GatewayEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> GatewayEndpoint:
        """Start the gateway, wait for READY and /healthz, mint the test tokens."""
        lines: queue.Queue[str | None] = queue.Queue()
        # A test gateway has nothing to drain for: its clients are gone when it is stopped.
        command = serve_command(self.rtnet, self.host, self.config, self.seed, {"server.drain_timeout": "1"})
        self.process = subprocess.Popen(command,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        cwd=self.cwd, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.process.stdout is not None
        atexit.register(self.stop)  # no orphan gateway when the caller forgets, or exits early
        # Read on a thread for the whole run: a full pipe would stall the gateway.
        threading.Thread(target=_pump, args=(self.process.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + self.ready_timeout
        ready: dict[str, Any] | None = None
        try:
            while ready is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise GatewayError(f"the gateway printed no READY line in {self.ready_timeout:.0f} s:\n"
                                       + "".join(self.output[-20:]))
                try:
                    line = lines.get(timeout=remaining)
                except queue.Empty:
                    continue
                if line is None:
                    raise GatewayError(f"the gateway exited ({self.process.wait()}) before it was ready:\n"
                                       + "".join(self.output[-20:]))
                self.output.append(line)
                ready = parse_ready(line)
            threading.Thread(target=self._collect, args=(lines,), daemon=True).start()
            ops_host = DEFAULT_HOST if self.host in ("0.0.0.0", "::", "") else self.host
            self._wait_healthy(f"http://{ops_host}:{ready.get('internal_port', ready['port'])}/healthz", deadline)
            token = self._output(token_command(self.rtnet, TEST_PLAYER, config=self.config))
            admin = self._output(token_command(self.rtnet, TEST_ADMIN, admin=True, config=self.config))
            history = parse_history_size(self._output(config_command(self.rtnet, self.config), last_line=False))
        except BaseException:
            self.stop()
            raise
        self.endpoint = GatewayEndpoint(ops_host, int(ready["port"]), int(ready.get("internal_port", ready["port"])),
                                        token, admin, history or DEFAULT_HISTORY_SIZE)
        return self.endpoint

    def _collect(self, lines: queue.Queue[str | None]) -> None:
        while (line := lines.get()) is not None:
            self.output.append(line)

    def _wait_healthy(self, url: str, deadline: float) -> None:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() >= deadline:
                raise GatewayError(f"{url} did not answer 200 in {self.ready_timeout:.0f} s")
            time.sleep(0.05)

    def _output(self, command: list[str], last_line: bool = True) -> str:
        """What ``rtnet token`` (its last line) or ``rtnet config`` prints, with the gateway's settings."""
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.cwd, timeout=60)
        if done.returncode != 0 or not done.stdout.strip():
            raise GatewayError(f"{' '.join(command[-4:])} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout.strip().splitlines()[-1] if last_line else done.stdout

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (the gateway drains), then kill after ``timeout``; returns the exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        atexit.unregister(self.stop)
        if process.poll() is None:
            process.terminate()
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()
