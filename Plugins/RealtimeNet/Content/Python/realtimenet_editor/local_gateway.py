"""A gateway on this machine, started from the editor's RealtimeNet menu: ``rtnet serve`` on 127.0.0.1.

It listens where the plugin's settings point by default (``ws://127.0.0.1:8765/ws``) and serves the admin
console at ``/admin`` on the same port (``make run``'s layout). ``start`` waits for the gateway's ``READY``
line (a second or two) and returns what it printed: the address and a development token; ``stop`` ends it,
and so does leaving the editor (``atexit``). A port that is taken (another gateway, ``make run``) fails with
the gateway's own message, and the admin console entry then opens that gateway's console.
"""

from __future__ import annotations

import atexit
import json
import queue
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class LocalGatewayError(Exception):
    """Raised when the gateway does not start: it exited (its last lines say why) or printed no READY line."""


@dataclass
class Started:
    """What the gateway said when it was ready."""

    port: int
    internal_port: int
    banner: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}/ws"

    @property
    def admin_url(self) -> str:
        return admin_url(self.internal_port)

    @property
    def development_token(self) -> str | None:
        """The token ``rtnet serve`` prints for player ``dev-player`` (development configurations only)."""
        for index, line in enumerate(self.banner):
            if line.startswith("Development token") and index + 1 < len(self.banner):
                return self.banner[index + 1].strip() or None
        return None


def admin_url(port: int = DEFAULT_PORT) -> str:
    """The admin console of a gateway on this machine whose HTTP surfaces are on ``port``."""
    return f"http://{HOST}:{port}/admin"


def serve_command(rtnet: Sequence[str], port: int = DEFAULT_PORT, config: str | None = None) -> list[str]:
    """``rtnet serve`` on 127.0.0.1 and ``port`` (0: a free one), with the sample rooms' players declared as
    entities (``--sample``), so the sample content and the bots get compact ``state.entities``."""
    return [*rtnet, "serve", *(["--config", config] if config else []), "--sample", "--host", HOST,
            "--port", str(port)]


def parse_ready(line: str) -> dict[str, Any] | None:
    """The JSON of a ``READY {...}`` line, or None for any other line."""
    if not line.startswith("READY "):
        return None
    try:
        ready = json.loads(line[len("READY "):])
    except ValueError:
        return None
    return ready if isinstance(ready, dict) else None


class LocalGateway:
    """One ``rtnet serve`` child process."""

    def __init__(self, rtnet: Sequence[str], cwd: Path, port: int = DEFAULT_PORT, config: str | None = None) -> None:
        self.command = serve_command(rtnet, port, config)
        self.cwd = cwd
        self.process: subprocess.Popen[str] | None = None
        self.started: Started | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 20.0) -> Started:
        """Start the gateway and wait for its READY line; LocalGatewayError when it does not come."""
        if self.running and self.started is not None:
            return self.started
        self.process = subprocess.Popen(self.command, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace")
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        atexit.register(self.stop)
        banner: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise LocalGatewayError(f"no READY line within {timeout:.0f} s: {' '.join(banner[-3:])}") from None
            if line is None:
                code = self.process.wait()
                raise LocalGatewayError(f"`rtnet serve` exited with {code}: {' '.join(banner[-3:]).strip()}")
            ready = parse_ready(line)
            if ready is not None:
                port = int(ready["port"])
                self.started = Started(port, int(ready.get("internal_port", port)), banner)
                return self.started
            banner.append(line.rstrip("\n"))

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def stop(self) -> None:
        """End the gateway (SIGTERM, then kill after 5 s); a no-op when it is not running."""
        process, self.process, self.started = self.process, None, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
