"""The shipped HAProxy configuration (deploy/haproxy/haproxy.cfg) in front of real gateway processes on real
Redis and NATS: WebSockets through it, balance and stickiness, draining seen by its health checks, the full
drain and a SIGKILL mid-drain with every event counted, and TLS (wss://) terminated by HAProxy."""

from __future__ import annotations

import json
import random
import signal
import socket
import ssl
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
import websocket

from realtimenet.client import Client, ConnectionClosed, RemoteError
from realtimenet.client.backoff import Backoff
from realtimenet.client.client import ClientEvent, Notification
from realtimenet.config import load_config
from realtimenet.exceptions import CallTimeout
from realtimenet.protocol.codes import CloseCode
from tests.conftest import GatewayProcess, eventually, http_get
from tests.services import (
    HAPROXY_CONFIG,
    Backend,
    HAProxy,
    Service,
    free_port,
    haproxy_check,
    nats_server,
    redis_cli,
    redis_server,
    render_haproxy,
    self_signed_certificate,
    start_haproxy,
)
from tests.test_cluster import wait_ready

Factory = Callable[..., GatewayProcess]


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Service]]:
    workdir = tmp_path_factory.mktemp("haproxy-backends")
    redis, nats_ = redis_server(workdir).start(), nats_server(workdir).start()
    yield redis, nats_
    nats_.stop()
    redis.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def settings(services: tuple[Service, Service], **server: Any) -> dict[str, dict[str, Any]]:
    redis, nats_ = services
    return {
        "server": {"drain_timeout": 0.5, **server},
        "backends": {"store": f"redis://127.0.0.1:{redis.port}/0", "bus": f"nats://127.0.0.1:{nats_.port}",
                     "check_interval": 0.1},
        "rate_limit": {"rate": 10000, "burst": 10000},
    }


@dataclass
class Fleet:
    """Gateways behind one HAProxy; ``gateways[i]`` is HAProxy's server ``gw{i + 1}``."""

    haproxy: HAProxy
    gateways: list[GatewayProcess]

    def server_of(self, node_id: str) -> str:
        return next(f"gw{i + 1}" for i, gw in enumerate(self.gateways) if gw.node_id == node_id)

    def token(self, player: str) -> str:
        return self.gateways[0].token(player)

    def connect(self, player: str, tls: bool = False, **kwargs: Any) -> Client:
        return Client.connect(self.haproxy.url(tls), self.token(player), **kwargs)


@pytest.fixture
def fleet_factory(tmp_path: Path, gateway_factory: Factory, backends: tuple[Service, Service],
                  certificate: tuple[Path, Path, Path]) -> Iterator[Callable[..., Fleet]]:
    started: list[HAProxy] = []

    def start(count: int = 2, server: dict[str, Any] | None = None, **render: Any) -> Fleet:
        gateways = [gateway_factory(settings(backends, **(server or {}))) for _ in range(count)]
        for gw in gateways:  # ready before HAProxy's first check: a failed one would start slowstart
            wait_ready(gw)
        haproxy = start_haproxy(tmp_path, [Backend(f"gw{i + 1}", gw.port, gw.ops_port)
                                           for i, gw in enumerate(gateways)], certificate[2], **render)
        started.append(haproxy)
        return Fleet(haproxy, gateways)

    yield start
    for haproxy in started:
        haproxy.stop()


def node_of(client: Client) -> str:
    """The node id of the client's current socket (from its ``session.welcome``); "" while it opens."""
    sock = client._socket
    return "" if sock is None or sock.welcome is None else sock.welcome.node_id


def killed(gw: GatewayProcess) -> None:
    """Tell the gateway fixture that this gateway's exit was intended (it checks for exit code 0)."""
    gw.proc.wait(10)
    gw.proc.returncode = 0


# ----- the configuration ---------------------------------------------------------------------------------


def test_the_shipped_configuration_passes_haproxy_check(tmp_path: Path, certificate: tuple[Path, Path, Path]) -> None:
    text = HAPROXY_CONFIG.read_text()
    for directive in ("mode http", "timeout tunnel 1h", "timeout client-fin", "balance leastconn",
                      "http-check expect status 200", "uri /readyz", "cookie RTNETSRV insert indirect nocache",
                      "stick on http_auth_bearer,jwt_payload_query('$.sub')", "slowstart", "retry-on",
                      "bind :443 ssl crt", "monitor-uri /healthz", "stats uri /stats"):
        assert directive in text, directive
    assert "shutdown-sessions" not in text.replace("`on-marked-down shutdown-sessions`", "")  # drain keeps sockets
    config = tmp_path / "haproxy.cfg"
    config.write_text(render_haproxy([Backend("gw1", 8765, 9100), Backend("gw2", 8766, 9101)], http_port=8080,
                                     https_port=8443, stats_port=8404, pem=certificate[2],
                                     admin_socket=tmp_path / "a.sock"))
    checked = haproxy_check(config)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_shipped_systemd_unit_and_service_configs_are_valid(tmp_path: Path) -> None:
    deploy = HAPROXY_CONFIG.parent.parent
    unit = (deploy / "systemd" / "realtimenet@.service").read_text()
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert (settings["KillSignal"], settings["KillMode"]) == ("SIGTERM", "mixed")
    # The example fleet config validates, with the instance's environment file applied, and the unit gives
    # its drain (plus the 2 s close grace) time before systemd's SIGKILL.
    env = dict(line.split("=", 1) for line in (deploy / "systemd" / "gw1.env").read_text().splitlines()
               if line and not line.startswith("#"))
    config = load_config(deploy / "systemd" / "gateway.toml", environ=env)
    assert (config.server.port, config.server.internal_port) == (8765, 9100)
    assert int(settings["TimeoutStopSec"]) >= config.server.drain_timeout + 2 + 5
    # systemd's own check of the unit and the target (ExecStart pointed at this checkout's rtnet).
    for name in ("realtimenet@gw1.service", "realtimenet.target"):
        source = deploy / "systemd" / ("realtimenet@.service" if name.endswith(".service") else name)
        (tmp_path / name).write_text(source.read_text().replace(
            "/opt/realtimenet/.venv/bin/rtnet", str(Path(sys.executable).parent / "rtnet")))
    verified = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "realtimenet@gw1.service"),
                               str(tmp_path / "realtimenet.target")], capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
    # NATS: the server's own configuration check.
    checked = subprocess.run(["nats-server", "-c", str(deploy / "nats" / "nats-server.conf"), "-t"],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Redis: the cluster node configuration starts (on a free loopback port) and answers with its password.
    node = Service("redis", ["redis-server", str(deploy / "redis" / "redis-cluster.conf"), "--bind", "127.0.0.1",
                             "--port", str(port := free_port()), "--cluster-port", str(free_port()),
                             "--dir", str(tmp_path)], port, tmp_path).start()
    try:
        assert redis_cli(port, "-a", "change-me", "--no-auth-warning", "cluster", "info").startswith("cluster_state")
    finally:
        node.stop()


# ----- sockets through the balancer ------------------------------------------------------------------------


def test_sockets_persist_are_balanced_and_stick_to_their_node(fleet_factory: Callable[..., Fleet]) -> None:
    # `timeout client/server` 1 s: an upgraded socket is governed by `timeout tunnel` (1 h) instead.
    fleet = fleet_factory(overrides={"timeout client ": "timeout client 1s", "timeout server ": "timeout server 1s"})
    players = [f"p{i}" for i in range(8)]
    clients = {p: fleet.connect(p) for p in players}
    nodes = {p: node_of(c) for p, c in clients.items()}
    counts = [list(nodes.values()).count(gw.node_id) for gw in fleet.gateways]
    assert counts == [4, 4], counts  # leastconn: the fewest open sockets gets the next one
    for client in clients.values():
        client.join("hall")
    time.sleep(2.5)  # idle for longer than `timeout client` and `timeout server`
    clients["p0"].publish("hall", "still here")
    for client in clients.values():
        assert client.wait_notification("room.event").params["data"] == "still here"
        assert client.closed is None

    # The same players again, as new sockets (a game client keeps no cookie; it sends the same JWT): the
    # stick table keyed by the token's `sub` sends each to the node it was on, whatever leastconn says.
    for player in players[:4]:  # now 2/4 or so: leastconn alone would move some of them
        clients[player].close()
    for player in players[:4]:
        again = fleet.connect(player)
        assert node_of(again) == nodes[player], player
        clients[player] = again
    table = fleet.haproxy.command("show table gateways")
    for player in players:
        assert f"key={player} " in table, table
    # Browsers use ?access_token= (no header), and the same stickiness applies.
    browser_token = fleet.token("p5")
    browserish = Client.connect(fleet.haproxy.url(), browser_token, query_token=True)
    assert node_of(browserish) == nodes["p5"]
    # And the cookie HAProxy inserts, for clients that keep cookies: it wins over the table.
    target = next(gw for gw in fleet.gateways if gw.node_id != nodes["p6"])
    ws = websocket.create_connection(fleet.haproxy.url(), header=[f"Authorization: Bearer {fleet.token('p6')}"],
                                     cookie=f"RTNETSRV={fleet.server_of(target.node_id)}", timeout=5)
    welcome = json.loads(ws.recv())
    assert welcome["method"] == "session.welcome" and welcome["params"]["node_id"] == target.node_id
    ws.close()
    # Only /ws is public through the balancer.
    assert http_get(f"http://127.0.0.1:{fleet.haproxy.http_port}/metrics")[0] == 404
    assert http_get(f"http://127.0.0.1:{fleet.haproxy.stats_port}/healthz")[0] == 200
    for client in [*clients.values(), browserish]:
        client.close()
    # HAProxy's log records every request, the browser's query-string token never.
    time.sleep(0.3)
    log = fleet.haproxy.log.read_text(errors="replace")
    assert '"GET /ws HTTP/1.1"' in log and "GET /metrics" in log
    assert browser_token.split(".")[2] not in log and "access_token" not in log


# ----- draining ----------------------------------------------------------------------------------------------


class StatusWatch:
    """Polls HAProxy's view of one server every 20 ms: (seconds since start, status) on every change."""

    def __init__(self, haproxy: HAProxy, server: str) -> None:
        self.haproxy, self.server = haproxy, server
        self.changes: list[tuple[float, str]] = []
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            status = self.haproxy.servers().get(self.server, {}).get("status", "?")
            if not self.changes or self.changes[-1][1] != status:
                self.changes.append((time.monotonic() - self.started, status))
            time.sleep(0.02)

    def stop(self) -> list[tuple[float, str]]:
        self._stop.set()
        self._thread.join(5)
        return self.changes


def test_a_draining_gateway_keeps_its_sockets_gets_no_new_ones_and_is_never_seen_healthy(
        fleet_factory: Callable[..., Fleet]) -> None:
    fleet = fleet_factory(server={"drain_timeout": 5.0})
    old = [fleet.connect(f"old{i}") for i in range(6)]
    draining = fleet.gateways[0]
    staying = fleet.gateways[1]
    on_draining = [c for c in old if node_of(c) == draining.node_id]
    assert len(on_draining) == 3
    watch = StatusWatch(fleet.haproxy, "gw1")
    time.sleep(0.2)
    signalled = time.monotonic()
    draining.proc.send_signal(signal.SIGTERM)
    # New sockets right away: before HAProxy's checks have noticed, the gateway refuses the upgrade with 503
    # and HAProxy retries it on the other gateway; after, it is not even tried. No client sees a refusal.
    new = []
    while time.monotonic() - signalled < 1.5:
        new.append(fleet.connect(f"new{len(new)}"))
    assert {node_of(c) for c in new} == {staying.node_id}, len(new)
    refused = fleet.haproxy.servers()["gw1"]  # upgrades gw1 refused (503 draining) that HAProxy sent elsewhere
    assert int(refused["wredis"]) > 0 and int(refused["hrsp_5xx"]) == 0, refused
    for client in on_draining:
        assert client.wait_notification("server.draining").params == {"deadline": 5.0}
    # The old sockets still work through HAProxy while the node drains.
    time.sleep(1.0)
    for client in on_draining:
        assert client.call("sys.echo", {"data": "draining"})["data"] == "draining"
    closes = [c.wait_closed(timeout=10) for c in on_draining]
    closed_after = time.monotonic() - signalled
    assert {c.code for c in closes} == {CloseCode.SERVICE_RESTART}
    assert 4.5 <= closed_after < 8, closed_after  # at the deadline: HAProxy did not cut them
    assert draining.proc.wait(10) == 0
    time.sleep(0.3)
    changes = watch.stop()
    sigterm_at = signalled - watch.started
    # e.g. [(0.0, 'UP'), (0.48, 'UP 1/2'), (0.60, 'DOWN')] with SIGTERM at 0.20: the first check after it fails
    # ("UP 1/2": going down), the next one takes the server out; then DOWN until the process is gone.
    down_at = next(t for t, status in changes if status.startswith("DOWN"))
    assert down_at - sigterm_at < 1.0, (changes, sigterm_at)  # out of rotation within a second
    first_failed = next(t for t, status in changes if status != "UP")
    assert first_failed > sigterm_at and changes[-1][1].startswith("DOWN"), changes
    assert not [status for t, status in changes if t >= first_failed and status == "UP"], changes  # never again
    for client in [*old, *new]:
        if client.closed is None:
            client.close()


@dataclass
class Subscriber:
    """A client through HAProxy that counts every room event it is given (after the client's own dedup)."""

    client: Client
    events: list[dict[str, Any]] = field(default_factory=list)
    lifecycle: list[ClientEvent] = field(default_factory=list)
    room: str = "arena"


def subscribe(fleet: Fleet, player: str, seed: int, room: str) -> Subscriber:
    events: list[dict[str, Any]] = []
    lifecycle: list[ClientEvent] = []

    def on_note(note: Notification) -> None:
        if note.method == "room.event":
            events.append(note.params)

    client = fleet.connect(player, on_notification=on_note, on_event=lifecycle.append, auto_reconnect=True,
                           backoff=Backoff(base=0.05, cap=0.3, rng=random.Random(seed)))
    client.join(room)
    return Subscriber(client, events, lifecycle, room)


class Publisher(threading.Thread):
    """Publishes unique payloads until stopped; a publication counts as sent once acknowledged. After a lost
    socket it waits for the client to resume and publishes the next payload (one whose acknowledgement was
    lost may still have been stored: it is "attempted", never counted twice)."""

    def __init__(self, subscriber: Subscriber, name: str, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.subscriber, self.tag, self.interval = subscriber, name, interval
        self.acked: dict[str, int] = {}  # payload -> offset
        self.attempted: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set() and n < 5000:
            payload = f"{self.tag}-{n}"
            n += 1
            self.attempted.append(payload)
            try:
                self.acked[payload] = self.subscriber.client.publish(self.subscriber.room, payload,
                                                                     timeout=5)["offset"]
            except (ConnectionClosed, CallTimeout, RemoteError):
                time.sleep(0.1)
                continue
            time.sleep(self.interval)


def assert_nothing_lost(subscribers: list[Subscriber], publishers: list[Publisher]) -> None:
    acked = {p: o for pub in publishers for p, o in pub.acked.items()}
    attempted = {p for pub in publishers for p in pub.attempted}
    last = max(acked.values())
    for sub in subscribers:
        if not eventually(lambda s=sub: len(s.events) >= last, timeout=15):
            missing = sorted(set(range(1, last + 1)) - {e["offset"] for e in sub.events})
            raise AssertionError(f"{node_of(sub.client)}: {len(sub.events)} of {last}; missing {missing}; "
                                 f"{[(e.kind, e.data.get('url', '')) for e in sub.lifecycle]}")
    time.sleep(0.3)  # a duplicate would arrive now
    for sub in subscribers:
        offsets = [e["offset"] for e in sub.events]
        assert offsets == list(range(1, len(offsets) + 1)), offsets  # in order, no gap, no duplicate
        payloads = [e["data"] for e in sub.events]
        assert len(set(payloads)) == len(payloads)
        assert set(payloads) <= attempted
        got = {e["data"]: e["offset"] for e in sub.events}
        at = {e["offset"]: e["data"] for e in sub.events}
        wrong = [(p, o, got.get(p), at.get(o)) for p, o in acked.items() if got.get(p) != o]
        assert not wrong, wrong  # every acknowledged one, where it was stored (payload, acked at, got at, there)
        assert not [e for e in sub.lifecycle if e.kind in ("resync", "resume_failed", "gave_up")], sub.lifecycle


def test_full_drain_through_haproxy_moves_everyone_with_nothing_lost(fleet_factory: Callable[..., Fleet]) -> None:
    fleet = fleet_factory(server={"drain_timeout": 3.0})
    subscribers = [subscribe(fleet, f"s{i}", i, "drain-arena") for i in range(8)]
    draining = fleet.gateways[0]
    moving = [s for s in subscribers if node_of(s.client) == draining.node_id]
    assert len(moving) == 4
    publishers = [Publisher(subscribers[0], "a"), Publisher(subscribers[1], "b")]  # one on each node
    assert {node_of(p.subscriber.client) for p in publishers} == {g.node_id for g in fleet.gateways}
    for pub in publishers:
        pub.start()
    time.sleep(0.5)
    draining.proc.send_signal(signal.SIGTERM)
    assert draining.proc.wait(10) == 0  # everyone left before the deadline
    time.sleep(0.5)
    for pub in publishers:
        pub.stopping.set()
        pub.join(10)
    assert all(len(p.acked) > 20 for p in publishers)
    assert_nothing_lost(subscribers, publishers)
    for sub in moving:
        kinds = [e.kind for e in sub.lifecycle]
        assert kinds[0] == "draining" and "resumed" in kinds, kinds
        assert node_of(sub.client) == fleet.gateways[1].node_id  # back through HAProxy, on the other node
    # The stick table followed them: their next reconnect goes where their session now lives.
    table = fleet.haproxy.command("show table gateways")
    for sub in subscribers:
        player = sub.client.welcome.player_id if sub.client.welcome else ""
        assert f"key={player} " in table and all(
            "server_key=gw2" in line for line in table.splitlines() if f"key={player} " in line), table
    for sub in subscribers:
        sub.client.close()


def test_a_gateway_killed_mid_drain_loses_no_persisted_session(fleet_factory: Callable[..., Fleet]) -> None:
    # A long deadline: clients leave a draining node at a random moment in its first half, so most are still
    # there when the node is killed (SIGKILL) half a second in. Their sessions were persisted at connect and
    # join: they resume on the other node through HAProxy with nothing lost.
    fleet = fleet_factory(server={"drain_timeout": 60.0})
    subscribers = [subscribe(fleet, f"k{i}", 100 + i, "kill-arena") for i in range(8)]
    doomed, survivor = fleet.gateways
    on_doomed = [s for s in subscribers if node_of(s.client) == doomed.node_id]
    publisher = Publisher(next(s for s in subscribers if node_of(s.client) == survivor.node_id), "c")
    publisher.start()
    time.sleep(0.5)
    doomed.proc.send_signal(signal.SIGTERM)
    assert eventually(lambda: all(any(e.kind == "draining" for e in s.lifecycle) for s in on_doomed), timeout=5)
    time.sleep(0.5)
    still_there = [s for s in on_doomed if node_of(s.client) == doomed.node_id]
    doomed.proc.send_signal(signal.SIGKILL)
    killed(doomed)
    assert len(still_there) >= 2  # the kill did hit sockets that were still draining
    assert eventually(lambda: all(node_of(s.client) == survivor.node_id for s in on_doomed), timeout=15)
    time.sleep(0.5)
    publisher.stopping.set()
    publisher.join(10)
    assert_nothing_lost(subscribers, [publisher])
    for sub in subscribers:
        sub.client.close()


def _https_status(url: str, context: ssl.SSLContext) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


# ----- TLS ----------------------------------------------------------------------------------------------------


def test_wss_terminated_by_haproxy_and_tls_to_gateways_that_serve_it_themselves(
        tmp_path: Path, gateway_factory: Factory, backends: tuple[Service, Service],
        certificate: tuple[Path, Path, Path]) -> None:
    cert, key, pem = certificate
    # HAProxy terminates the clients' wss:// and opens TLS again to each gateway, which serves it itself
    # (server.tls_cert_file / tls_key_file), verifying its certificate; the health checks go over TLS too.
    tls_gateways = [gateway_factory(settings(backends, tls_cert_file=str(cert), tls_key_file=str(key)))
                    for _ in range(2)]
    context = ssl.create_default_context(cafile=str(cert))
    for gw in tls_gateways:  # https://.../readyz: the ops endpoints share the TLS port
        assert eventually(lambda gw=gw: _https_status(f"https://127.0.0.1:{gw.ops_port}/readyz", context) == 200)
    haproxy = start_haproxy(tmp_path, [Backend(f"gw{i + 1}", gw.port, gw.ops_port)
                                       for i, gw in enumerate(tls_gateways)], pem,
                            server_options=f"ssl verify required ca-file {cert} check-ssl")
    try:
        clients = [Client.connect(haproxy.url(tls=True), tls_gateways[0].token(f"t{i}"),
                                  sslopt={"ca_certs": str(cert)}) for i in range(4)]
        assert {node_of(c) for c in clients} == {gw.node_id for gw in tls_gateways}
        clients[0].join("vault")
        clients[1].join("vault")
        clients[0].publish("vault", "over tls twice")
        assert clients[1].wait_notification("room.event").params["data"] == "over tls twice"
        with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):  # the client verifies HAProxy
            websocket.create_connection(haproxy.url(tls=True), timeout=5)
        # The plain port of a TLS gateway is TLS only; direct wss:// to it works too.
        direct = Client.connect(tls_gateways[0].url.replace("ws://", "wss://"), tls_gateways[0].token("d"),
                                sslopt={"ca_certs": str(cert)})
        assert direct.call("sys.echo", {"data": "direct"})["data"] == "direct"
        with socket.create_connection(("127.0.0.1", haproxy.https_port), timeout=5) as raw:
            raw.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP to the TLS port: refused
            assert not raw.recv(1024).startswith(b"HTTP/1.1 101")
        for client in [*clients, direct]:
            client.close()
    finally:
        haproxy.stop()
