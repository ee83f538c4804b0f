"""``rtnet serve --workers N``: N gateway processes on one public port, one per core.

Python runs one event loop per process, so a second core needs a second process. Each worker is a full
gateway node (its own node id, registry and metrics) bound to the same port with SO_REUSEPORT: the
kernel spreads new sockets over the workers, and the shared Redis store and NATS bus make any worker
able to serve any room or resume any session, exactly as separate machines behind a balancer would.
The supervisor holds the port (so port 0 stays the same for restarted workers), forwards SIGTERM and
SIGINT (each worker drains), and restarts a worker that dies unasked.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import IO, Any

from realtimenet.config import Config
from realtimenet.exceptions import ConfigError

log = logging.getLogger("realtimenet.workers")
RESTART_DELAY = 1.0


def check(config: Config) -> None:
    if config.backends.store == "memory" or config.backends.bus == "memory":
        raise ConfigError("server.workers > 1 needs shared backends: set backends.store (Redis) and backends.bus "
                          "(NATS); with the embedded ones each worker would be an island")


def reserve_port(host: str, port: int) -> socket.socket:
    """A bound, never listening, SO_REUSEPORT socket: it fixes the port (0 picks one) for every worker."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    holder = socket.socket(family, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind((host, port))
    return holder


class Supervisor:
    """Starts the workers, reports them ready as one, forwards signals, restarts the ones that die."""

    def __init__(self, config: Config, argv: list[str]) -> None:
        check(config)
        self.config = config
        self.holder = reserve_port(config.server.host, config.server.port)
        self.port: int = self.holder.getsockname()[1]
        self.argv = argv
        self.workers: list[subprocess.Popen[str] | None] = [None] * config.server.workers
        self.ready: list[dict[str, Any] | None] = [None] * config.server.workers
        self.stopping = threading.Event()
        self._ready_changed = threading.Condition()

    def _command(self, index: int) -> list[str]:
        server = self.config.server
        extra = ["--port", str(self.port), "--workers", "1", "--set", "server.reuse_port=true"]
        if server.internal_port:  # one ops port per worker: each has its own metrics
            extra += ["--set", f"server.internal_port={server.internal_port + index}"]
        return [sys.executable, "-m", "realtimenet.cli", *self.argv, *extra]

    def _start(self, index: int) -> None:
        proc = subprocess.Popen(self._command(index), stdout=subprocess.PIPE, text=True)
        self.workers[index] = proc
        threading.Thread(target=self._watch, args=(index, proc), daemon=True,
                         name=f"realtimenet-worker-{index}").start()

    def _watch(self, index: int, proc: subprocess.Popen[str]) -> None:
        stdout: IO[str] | None = proc.stdout
        assert stdout is not None
        for line in stdout:
            if line.startswith("READY "):
                with self._ready_changed:
                    self.ready[index] = json.loads(line[len("READY "):])
                    self._ready_changed.notify_all()
        code = proc.wait()
        with self._ready_changed:
            self.ready[index] = None
            self._ready_changed.notify_all()
        if not self.stopping.is_set():
            log.error("worker %d exited with %s; restarting in %.0f s", index, code, RESTART_DELAY)
            if not self.stopping.wait(RESTART_DELAY):
                self._start(index)

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._forward)
        for index in range(len(self.workers)):
            self._start(index)
        with self._ready_changed:
            if not self._ready_changed.wait_for(lambda: all(self.ready) or self.stopping.is_set(), timeout=60):
                self._forward(signal.SIGTERM, None)
                raise ConfigError("workers did not become ready within 60 s")
        workers = [r["node_id"] for r in self.ready if r is not None]
        internal = self.ready[0]["internal_port"] if self.ready[0] else self.port
        print(f"RealtimeNet: {len(workers)} workers share ws://{self.config.server.host}:{self.port}/ws", flush=True)
        print("READY " + json.dumps({"event": "ready", "node_id": workers[0], "port": self.port,
                                     "internal_port": internal, "workers": workers}), flush=True)
        while not self.stopping.is_set() or any(p is not None and p.poll() is None for p in self.workers):
            time.sleep(0.1)
        self.holder.close()
        return max((p.returncode or 0) for p in self.workers if p is not None)

    def _forward(self, signum: int, _frame: Any) -> None:
        self.stopping.set()
        for proc in self.workers:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signum)
