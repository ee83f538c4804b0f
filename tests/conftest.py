"""Fixtures: real gateway processes (``rtnet serve``) and in-process gateways on free loopback ports."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from realtimenet.client import Client
from realtimenet.config import Config, load_config, toml_value
from realtimenet.gateway.auth import TokenVerifier
from realtimenet.gateway.server import Gateway

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ("tests.backend_fixtures",)  # redis, nats and stores: the backend contract tests' fixtures
RTNET = [sys.executable, "-m", "realtimenet.cli"]


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET a URL; returns (status, body) for any status."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def eventually(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; the client's callbacks run on its own threads,
    so a test waits for what a user would wait for instead of sleeping a guessed time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def metric_value(text: str, name: str, labels: dict[str, str] | None = None) -> float:
    """Value of one sample in Prometheus text format (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted((labels or {}).items()))
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        if "{" in series:
            metric, _, rest = series.partition("{")
            got = ",".join(sorted(rest.rstrip("}").split(","))) if rest.rstrip("}") else ""
        else:
            metric, got = series, ""
        if metric == name and got == want:
            return float(value)
    return 0.0


@dataclass
class GatewayProcess:
    """A ``rtnet serve`` child process."""

    proc: subprocess.Popen[str]
    port: int
    ops_port: int
    config: Config
    stdout_lines: list[str] = field(default_factory=list)
    node_id: str = ""
    stderr_lines: list[str] = field(default_factory=list)

    @property
    def stderr(self) -> str:
        """What the gateway logged (read continuously: a full pipe would block the gateway)."""
        return "".join(self.stderr_lines)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def ops_url(self) -> str:
        return f"http://127.0.0.1:{self.ops_port}"

    def token(self, sub: str = "alice", ttl: float | None = None, **claims: Any) -> str:
        return TokenVerifier(self.config.auth).mint(sub, ttl, **claims)

    def connect(self, sub: str = "alice", **kwargs: Any) -> Client:
        return Client.connect(self.url, self.token(sub), **kwargs)

    def metrics(self) -> str:
        status, body = http_get(self.ops_url + "/metrics")
        assert status == 200
        return body.decode()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def _write_config(tmp: Path, settings: dict[str, dict[str, Any]]) -> Path:
    lines = []
    for section, values in settings.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
    path = tmp / f"gateway-{time.monotonic_ns()}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_gateway_process(tmp: Path, settings: dict[str, dict[str, Any]] | None = None,
                          env: dict[str, str] | None = None) -> GatewayProcess:
    """Start ``rtnet serve`` on a free loopback port and wait for its READY line."""
    settings = {k: dict(v) for k, v in (settings or {}).items()}
    settings.setdefault("server", {}).setdefault("port", 0)
    settings["server"].setdefault("host", "127.0.0.1")
    settings["server"].setdefault("drain_timeout", 0.5)  # teardown should not wait out a production drain
    path = _write_config(tmp, settings)
    child_env = {**os.environ, **(env or {})}
    proc = subprocess.Popen([*RTNET, "serve", "--config", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env, cwd=ROOT)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            stderr = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"gateway exited early ({proc.wait()}): {stderr}")
        lines.append(line)
        if line.startswith("READY "):
            ready = json.loads(line[len("READY "):])
            errors: list[str] = []
            threading.Thread(target=_drain, args=(proc.stdout, lines), daemon=True).start()
            threading.Thread(target=_drain, args=(proc.stderr, errors), daemon=True).start()
            return GatewayProcess(proc, ready["port"], ready["internal_port"],
                                  load_config(path, environ={}), lines, ready["node_id"], errors)
    proc.kill()
    raise RuntimeError("gateway did not become ready")


def _drain(stream: Any, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)


@pytest.fixture
def gateway_factory(tmp_path: Path) -> Iterator[Callable[..., GatewayProcess]]:
    """Start gateway processes with config overrides; each must exit 0 on SIGTERM at teardown."""
    started: list[GatewayProcess] = []

    def start(settings: dict[str, dict[str, Any]] | None = None, env: dict[str, str] | None = None) -> GatewayProcess:
        gw = start_gateway_process(tmp_path, settings, env)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        code = gw.stop()
        time.sleep(0.05)  # the reader thread takes the last lines
        stderr = gw.stderr
        assert "Traceback" not in stderr or "correlation_id" in stderr, stderr
        assert code == 0, f"gateway exited with {code}: {stderr[-2000:]}"


@pytest.fixture
def gateway(gateway_factory: Callable[..., GatewayProcess]) -> GatewayProcess:
    """A gateway process with default settings."""
    return gateway_factory()


class InProcessGateway:
    """A ``Gateway`` running on its own event loop in a background thread, for white-box checks."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.gateway = Gateway(config)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> InProcessGateway:
        self._thread.start()
        self.run(self.gateway.start())
        return self

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the gateway's loop and return its result."""
        async def wrapper() -> Any:
            return fn()
        return self.run(wrapper())

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.gateway.ports['public']}/ws"

    def token(self, sub: str = "alice", ttl: float | None = None, **claims: Any) -> str:
        return TokenVerifier(self.config.auth).mint(sub, ttl, **claims)

    def connect(self, sub: str = "alice", **kwargs: Any) -> Client:
        return Client.connect(self.url, self.token(sub), **kwargs)

    def stop(self) -> None:
        self.run(self.gateway.stop(deadline=2.0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


@pytest.fixture
def inprocess_factory() -> Iterator[Callable[..., InProcessGateway]]:
    started: list[InProcessGateway] = []

    def start(**overrides: Any) -> InProcessGateway:
        overrides.setdefault("server.port", 0)
        gw = InProcessGateway(load_config(environ={}, overrides=overrides)).start()
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()
