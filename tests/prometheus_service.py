"""For the observability tests: a real Prometheus server on a free loopback port; a state validator with a bug,
so a load can provoke the -32603 handler errors the dashboards and alerts watch; and a flood of clients run
in a process of its own (``python -m tests.prometheus_service``), so the test process stays free to scrape."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from tests.services import free_port, terminate


def buggy_validator(room: str, principal: Any, before: dict[str, Any], patch: dict[str, Any],
                    after: dict[str, Any]) -> bool:
    """A `state.validators` entry that fails like a studio's buggy validator when a patch sets ``crash``: the
    gateway answers -32603 and counts ``realtimenet_handler_errors_total{method="state.update"}``."""
    if "crash" in patch:
        raise RuntimeError("validator bug (on purpose, tests/prometheus_service.py)")
    return True


def require_binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/sbin")
    if path is None:
        raise RuntimeError(f"{name} is not installed (make test installs the Debian prometheus package)")
    return path


def scrape_config(targets: list[str], rule_files: list[Path], job: str = "realtimenet",
                  interval: str = "1s") -> str:
    """A Prometheus configuration scraping ``targets`` every ``interval`` and loading ``rule_files``.
    JSON is YAML, so no YAML library is needed."""
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [{"job_name": job, "metrics_path": "/metrics",
                            "static_configs": [{"targets": targets}]}],
    }
    return json.dumps(config, indent=2) + "\n"


@dataclass
class Prometheus:
    """A ``prometheus`` child process with its own configuration and TSDB in ``workdir``."""

    workdir: Path
    config: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "prometheus.log"

    def start(self, timeout: float = 20.0) -> Prometheus:
        config_path = self.workdir / "prometheus.yml"
        config_path.write_text(self.config)
        command = [require_binary("prometheus"), f"--config.file={config_path}",
                   f"--storage.tsdb.path={self.workdir / 'tsdb'}",
                   f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(command, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.proc.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"prometheus did not become ready: {self.log()}")

    def stop(self) -> None:
        if self.proc is not None:
            terminate(self.proc)

    def log(self, tail: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def api(self, path: str, params: dict[str, str] | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """GET an HTTP API endpoint; returns the JSON envelope (``status`` "success" or "error") for any
        HTTP status, so a query that does not parse comes back as data, not as an exception."""
        url = self.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return json.loads(response.read())  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            return json.loads(exc.read())  # type: ignore[no-any-return]

    def query(self, expr: str) -> dict[str, Any]:
        """Evaluate an instant query now."""
        return self.api("/api/v1/query", {"query": expr})

    def series_values(self, expr: str) -> list[float]:
        """The values of an instant vector query (empty on an error or no data)."""
        answer = self.query(expr)
        if answer.get("status") != "success":
            return []
        return [float(item["value"][1]) for item in answer["data"]["result"]]


class _FloodClient(WSListener):
    """One socket of the flood: keeps ``window`` frames unanswered, sending the next as each answer arrives."""

    def __init__(self, flood: _Flood) -> None:
        self.flood = flood
        self.transport: WSTransport | None = None
        self.welcomed = asyncio.get_running_loop().create_future()
        self.outstanding = 0
        self.closed = asyncio.get_running_loop().create_future()

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.flood.outstanding -= self.outstanding
        self.outstanding = 0
        for future in (self.welcomed, self.closed):
            if not future.done():
                future.set_result(None)

    def send(self) -> None:
        assert self.transport is not None
        self.transport.send(WSMsgType.TEXT, self.flood.frame)
        self.outstanding += 1
        self.flood.outstanding += 1
        self.flood.sent += 1

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is WSMsgType.CLOSE:
            transport.disconnect()
            return
        if frame.msg_type is not WSMsgType.TEXT:
            return
        if not self.welcomed.done():
            self.welcomed.set_result(None)  # session.welcome
            return
        self.outstanding -= 1
        self.flood.outstanding -= 1
        self.flood.answered += 1
        if self.flood.running:
            self.send()


@dataclass
class _Flood:
    frame: bytes
    running: bool = False
    sent: int = 0
    answered: int = 0
    outstanding: int = 0


async def flood(url: str, tokens: list[str], seconds: float, frame: str, window: int = 16,
                on_start: Callable[[], None] | None = None) -> dict[str, int]:
    """One WebSocket per token; for ``seconds`` each keeps ``window`` copies of ``frame`` (a request or a batch)
    unanswered, sending the next as soon as an answer arrives, i.e. as fast as the gateway answers. Then
    waits for the answers still owed and closes cleanly. picows clients: the flood costs the gateway far
    more than it costs this process."""
    state = _Flood(frame.encode())
    clients: list[_FloodClient] = []
    for token in tokens:
        _, listener = await ws_connect(lambda: _FloodClient(state), url, websocket_handshake_timeout=10,
                                       extra_headers={"Authorization": f"Bearer {token}"})
        assert isinstance(listener, _FloodClient)
        await asyncio.wait_for(listener.welcomed, 10)
        clients.append(listener)
    state.running = True
    for client in clients:
        for _ in range(window):
            client.send()
    if on_start is not None:
        on_start()
    await asyncio.sleep(seconds)
    state.running = False
    deadline = time.monotonic() + 15
    while state.outstanding > 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    for client in clients:
        if client.transport is not None:
            client.transport.send_close(WSCloseCode.OK)
    await asyncio.wait_for(asyncio.gather(*(c.closed for c in clients)), 10)
    return {"sent": state.sent, "answered": state.answered, "unanswered": state.outstanding}


if __name__ == "__main__":  # python -m tests.prometheus_service < {"url": ..., "tokens": [...], ...}
    job = json.load(sys.stdin)
    counts = asyncio.run(flood(job["url"], job["tokens"], job["seconds"], job["frame"], job.get("window", 16),
                               on_start=lambda: print("flooding", flush=True)))
    print(json.dumps(counts), flush=True)
