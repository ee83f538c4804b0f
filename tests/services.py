"""Real Redis and NATS (JetStream) servers on free loopback ports, for the tests. Never the machine's own
services on their standard ports: each test session starts its own and stops it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@dataclass
class Service:
    """A server process that can be stopped, killed and started again on the same port."""

    name: str
    command: list[str]
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> Service:
        self.proc = subprocess.Popen(self.command, cwd=self.workdir, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        _wait_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self, downtime: float = 0.5) -> None:
        self.stop()
        time.sleep(downtime)
        self.start()


def _require(binary: str) -> str:
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/bin")
    if path is None:
        raise RuntimeError(f"{binary} is not installed (make test installs it)")
    return path


def redis_server(workdir: Path) -> Service:
    port = free_port()
    command = [_require("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
               "--appendonly", "no", "--dir", str(workdir)]
    return Service("redis", command, port, workdir)


def nats_server(workdir: Path) -> Service:
    port = free_port()
    store = workdir / f"jetstream-{port}"
    command = [_require("nats-server"), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
    return Service("nats", command, port, workdir)
