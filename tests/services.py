"""Real Redis and NATS (JetStream) servers on free loopback ports, for the tests. Never the machine's own
services on their standard ports: each test session starts its own and stops it."""

from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def terminate(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL after 10 s: what every fixture does with the server it started."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_healthy(healthy: Callable[[], bool], what: str, timeout: float) -> float:
    """Poll ``healthy`` until it holds; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if healthy():
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"{what} not healthy after {timeout} s")


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on now, never one this process handed out before: ports are picked
    before their servers start, and the kernel may offer a released port again at once."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


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
        if self.proc is not None:
            terminate(self.proc)

    def kill(self) -> None:
        """SIGKILL: no shutdown work at all (a crashed machine, as far as its peers can tell)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

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


# ----- clusters: Redis Cluster (masters + replicas) and NATS with JetStream ------------------------------


def redis_cli(port: int, *args: str, timeout: float = 5.0) -> str:
    """``redis-cli -p PORT ARGS`` on the loopback; its output."""
    done = subprocess.run([_require("redis-cli"), "-h", "127.0.0.1", "-p", str(port), *args], capture_output=True,
                          text=True, timeout=timeout, check=False)
    return done.stdout


def _node_port(fields: list[str]) -> int:
    """The client port of one ``cluster nodes`` line (``<id> 127.0.0.1:7000@17000 master ...``)."""
    return int(fields[1].split("@")[0].rsplit(":", 1)[1])


@dataclass
class RedisCluster:
    """A Redis Cluster on the loopback: ``masters`` primaries with ``replicas`` replicas each."""

    nodes: list[Service]

    @property
    def url(self) -> str:
        """The store URL the gateway takes: every node as a seed (backends.store)."""
        return "redis://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def _topology(self) -> list[list[str]]:
        for node in self.nodes:
            if node.running:
                out = redis_cli(node.port, "cluster", "nodes")
                if out.strip():
                    return [line.split() for line in out.splitlines() if line.strip()]
        raise RuntimeError("no Redis Cluster node answers")

    def masters(self) -> list[Service]:
        """The live nodes that are primaries now (a promoted replica included)."""
        ports = {_node_port(f) for f in self._topology() if "master" in f[2] and "fail" not in f[2]}
        return [n for n in self.nodes if n.port in ports and n.running]

    def healthy(self) -> bool:
        """Every live node says ``cluster_state:ok`` with all 16384 slots ok, and every slot's owner is alive
        (a killed primary still owns its slots until its replica has taken over)."""
        live = [n for n in self.nodes if n.running]
        for node in live:
            info = redis_cli(node.port, "cluster", "info")
            if "cluster_state:ok" not in info or "cluster_slots_ok:16384" not in info:
                return False
        owners = {_node_port(f) for f in self._topology() if len(f) > 8}  # a slot range follows the 8 fields
        return owners <= {n.port for n in live}

    def wait_healthy(self, timeout: float = 20.0) -> float:
        """Wait until the cluster serves every slot again; returns the seconds it took."""
        return wait_until_healthy(self.healthy, "Redis Cluster", timeout)

    def wait_replicated(self, timeout: float = 10.0) -> None:
        """Wait until every replica has every write its primary took (replication is asynchronous: a write
        acknowledged by a primary that dies before this may be lost)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = False
            for master in self.masters():
                info = redis_cli(master.port, "info", "replication")
                fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
                offset = int(fields.get("master_repl_offset", "0"))
                replicas = [v for k, v in fields.items() if k.startswith("slave") and k[5:].isdigit()]
                behind |= not replicas or any(f"offset={offset}," not in r + "," for r in replicas)
            if not behind:
                return
            time.sleep(0.05)
        raise RuntimeError("Redis Cluster replicas did not catch up")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def redis_cluster(workdir: Path, masters: int = 3, replicas: int = 1, node_timeout_ms: int = 1000) -> RedisCluster:
    """Start ``masters * (1 + replicas)`` ``redis-server --cluster-enabled yes`` on free loopback ports, join
    them with ``redis-cli --cluster create`` and wait until every slot is served. A short
    ``cluster-node-timeout`` makes a replica take over a killed primary within about two seconds."""
    nodes = []
    for _ in range(masters * (1 + replicas)):
        port = free_port()
        home = workdir / f"redis-{port}"
        home.mkdir()
        command = [_require("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                   "--appendonly", "no", "--dir", str(home), "--cluster-enabled", "yes",
                   "--cluster-config-file", f"nodes-{port}.conf", "--cluster-port", str(free_port()),
                   "--cluster-node-timeout", str(node_timeout_ms),
                   "--cluster-replica-validity-factor", "0", "--repl-diskless-sync-delay", "0"]
        nodes.append(Service("redis-cluster", command, port, home))
    cluster = RedisCluster(nodes)
    try:
        for node in nodes:
            node.start()
        created = subprocess.run(
            [_require("redis-cli"), "--cluster", "create", *(f"127.0.0.1:{n.port}" for n in nodes),
             "--cluster-replicas", str(replicas), "--cluster-yes"],
            capture_output=True, text=True, timeout=60, check=False)
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout}{created.stderr}")
        cluster.wait_healthy(30)
        deadline = time.monotonic() + 20  # the replicas must have attached before a primary can fail over
        while len(cluster.masters()) != masters or any(
                "master_link_status:up" not in redis_cli(n.port, "info", "replication")
                for n in nodes if n not in cluster.masters()):
            if time.monotonic() > deadline:
                raise RuntimeError("Redis Cluster replicas did not attach")
            time.sleep(0.1)
    except BaseException:
        cluster.stop()
        raise
    return cluster


@dataclass
class NatsCluster:
    """NATS servers with JetStream, routed into one cluster (a JetStream R3 stream survives one loss)."""

    nodes: list[Service]
    monitor_ports: list[int]

    @property
    def url(self) -> str:
        """The bus URL the gateway takes: every server, and three replicas for the stream (backends.bus)."""
        return ",".join(f"nats://127.0.0.1:{n.port}" for n in self.nodes) + f"?replicas={min(3, len(self.nodes))}"

    def healthy(self) -> bool:
        """Every live server reports JetStream healthy (meta leader known, its assets current)."""
        live = [(n, m) for n, m in zip(self.nodes, self.monitor_ports, strict=True)
                if n.running]
        for _, monitor in live:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{monitor}/healthz", timeout=1) as response:
                    if response.status != 200:
                        return False
            except (OSError, urllib.error.URLError):
                return False
        return bool(live)

    def wait_healthy(self, timeout: float = 30.0) -> float:
        return wait_until_healthy(self.healthy, "NATS cluster", timeout)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def nats_cluster(workdir: Path, size: int = 3, name: str = "rtnet") -> NatsCluster:
    """Start ``size`` ``nats-server -js`` routed to each other (``--cluster``/``--routes``), each with its own
    store directory and server name, and wait until JetStream has a meta leader."""
    ports = [(free_port(), free_port(), free_port()) for _ in range(size)]  # client, cluster, monitoring
    nodes = []
    for i, (port, route, monitor) in enumerate(ports):
        routes = ",".join(f"nats://127.0.0.1:{r}" for j, (_, r, _) in enumerate(ports) if j != i)
        command = [_require("nats-server"), "-a", "127.0.0.1", "-p", str(port), "-m", str(monitor),
                   "-js", "-sd", str(workdir / f"nats-{i}"), "--server_name", f"{name}-{i}", "--cluster_name", name,
                   "--cluster", f"nats://127.0.0.1:{route}", "--routes", routes]
        nodes.append(Service(f"nats-{i}", command, port, workdir))
    cluster = NatsCluster(nodes, [m for _, _, m in ports])
    try:
        for node in nodes:
            node.start()
        cluster.wait_healthy(30)
    except BaseException:
        cluster.stop()
        raise
    return cluster


# ----- HAProxy in front of gateways: the shipped deploy/haproxy/haproxy.cfg, rendered for the loopback ----

HAPROXY_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "haproxy" / "haproxy.cfg"


def self_signed_certificate(directory: Path, name: str = "rtnet") -> tuple[Path, Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 (``openssl req -x509``): (cert, key, cert+key PEM
    as HAProxy's ``crt`` wants it)."""
    cert, key, pem = directory / f"{name}.crt", directory / f"{name}.key", directory / f"{name}.pem"
    subprocess.run([_require("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=30)
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return cert, key, pem


@dataclass(frozen=True)
class Backend:
    """One gateway as an HAProxy server line: its name, public port and the port that serves /readyz."""

    name: str
    port: int
    check_port: int


def render_haproxy(backends: list[Backend], *, http_port: int, https_port: int, stats_port: int, pem: Path,
                   admin_socket: Path, template: str | None = None, server_options: str = "",
                   overrides: dict[str, str] | None = None) -> str:
    """The shipped configuration with only what differs on a test machine replaced: loopback addresses and
    free ports, the certificate, the admin socket, no chroot/user, logs on stdout, the server lines, and shorter
    check timers (``overrides`` replaces more lines: first word(s) -> whole new line). Every replaced line
    must exist, so the test breaks when the shipped file changes shape."""
    text = HAPROXY_CONFIG.read_text() if template is None else template
    fast_checks = "check inter 300ms fastinter 100ms downinter 300ms rise 2 fall 2 slowstart 1s"
    replace = {
        "chroot ": "",
        "user ": "",
        "group ": "",
        "log /dev/log": "log stdout format raw local0",  # into the test's log file
        "stats socket ": f"stats socket {admin_socket} mode 600 level admin",
        "maxconn 200000": "maxconn 4096",
        "bind :443 ": f"bind 127.0.0.1:{https_port} ssl crt {pem} alpn h2,http/1.1",
        "bind :80": f"bind 127.0.0.1:{http_port}",
        "bind 127.0.0.1:8404": f"bind 127.0.0.1:{stats_port}",
        "default-server check inter 2s fastinter 500ms downinter 2s rise 2 fall 2 slowstart 60s":
            "default-server " + fast_checks + " observe layer4 error-limit 10 on-error fail-check",
        **(overrides or {}),
    }
    found = dict.fromkeys(replace, 0)
    lines: list[str] = []
    servers_at = -1
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("server gw"):
            servers_at = len(lines) if servers_at < 0 else servers_at
            continue
        for prefix, new in replace.items():
            if stripped.startswith(prefix):
                found[prefix] += 1
                line = line[: len(line) - len(line.lstrip())] + new if new else ""
                break
        lines.append(line)
    missing = [prefix for prefix, count in found.items() if not count]
    if missing or servers_at < 0:
        raise AssertionError(f"the shipped HAProxy config no longer has: {missing or ['server gw* lines']}")
    lines[servers_at:servers_at] = [
        f"    server {b.name} 127.0.0.1:{b.port} cookie {b.name} port {b.check_port} {server_options}".rstrip()
        for b in backends]
    return "\n".join(lines) + "\n"


@dataclass
class HAProxy:
    """A foreground ``haproxy -db`` on loopback ports, with its stats page and runtime API."""

    proc: subprocess.Popen[bytes]
    config: Path
    http_port: int
    https_port: int
    stats_port: int
    admin_socket: Path
    log: Path

    def url(self, tls: bool = False) -> str:
        return f"wss://127.0.0.1:{self.https_port}/ws" if tls else f"ws://127.0.0.1:{self.http_port}/ws"

    def servers(self, backend: str = "gateways") -> dict[str, dict[str, str]]:
        """The stats CSV rows of the backend's servers, by server name (``status``: UP, DOWN, UP 1/2, ...)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=2) as response:
            text = response.read().decode()
        rows = list(csv.reader(io.StringIO(text.lstrip("# "))))
        header = rows[0]
        found = {}
        for row in rows[1:]:
            record = dict(zip(header, row, strict=False))
            if record.get("pxname") == backend and record.get("svname") not in ("BACKEND", "FRONTEND"):
                found[record["svname"]] = record
        return found

    def command(self, line: str) -> str:
        """One runtime API command on the admin socket (``show table gateways``, ``show servers state``)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(str(self.admin_socket))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def wait_status(self, server: str, status: str, timeout: float = 10.0, checked: bool = False) -> None:
        """Wait until HAProxy shows ``server`` in ``status`` (with ``checked``: after a passed health check)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.servers().get(server, {})
            if row.get("status") == status and (not checked or row.get("check_status") in ("L7OK", "L6OK")):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{server} not {status}: {self.servers().get(server)}")

    def stop(self) -> None:
        terminate(self.proc)
        shutil.rmtree(self.admin_socket.parent, ignore_errors=True)


def haproxy_check(config: Path) -> subprocess.CompletedProcess[str]:
    """``haproxy -c -f CONFIG``: the configuration check."""
    return subprocess.run([_require("haproxy"), "-c", "-f", str(config)], capture_output=True, text=True, timeout=30,
                          check=False)


def start_haproxy(workdir: Path, backends: list[Backend], pem: Path, **render: Any) -> HAProxy:
    """Render the shipped configuration for ``backends``, check it with ``haproxy -c`` and run it in the
    foreground (``-db``) until ``stop``; waits until every server is UP."""
    http_port, https_port, stats_port = free_port(), free_port(), free_port()
    sockdir = Path(tempfile.mkdtemp(prefix="rtnet-haproxy-"))  # short: a unix socket path has ~100 bytes
    admin = sockdir / "admin.sock"
    config = workdir / f"haproxy-{http_port}.cfg"
    config.write_text(render_haproxy(backends, http_port=http_port, https_port=https_port, stats_port=stats_port,
                                     pem=pem, admin_socket=admin, **render))
    checked = haproxy_check(config)
    if checked.returncode != 0:
        raise RuntimeError(f"haproxy -c failed: {checked.stdout}{checked.stderr}")
    log = workdir / f"haproxy-{http_port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([_require("haproxy"), "-db", "-f", str(config)], stdout=sink, stderr=sink)
    balancer = HAProxy(proc, config, http_port, https_port, stats_port, admin, log)
    try:
        _wait_port(http_port)
        _wait_port(stats_port)
        for backend in backends:
            balancer.wait_status(backend.name, "UP", checked=True)
    except BaseException:
        balancer.stop()
        raise
    return balancer
