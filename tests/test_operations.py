"""Running the gateway: SIGTERM draining, TLS served by the gateway itself, ``--workers`` on one port, and
the operational metrics that go with them."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from realtimenet.client import Client, ConnectFailed
from realtimenet.client.backoff import Backoff
from realtimenet.client.client import ClientEvent
from realtimenet.protocol.codes import CloseCode
from tests.conftest import RTNET, GatewayProcess, _write_config, eventually, http_get, metric_value
from tests.services import Service, self_signed_certificate
from tests.test_cluster import Counter, cluster_settings, services, wait_ready

Factory = Callable[..., GatewayProcess]
__all__ = ["services"]  # the fixture, shared with tests/test_cluster.py


def test_sigterm_drains_then_closes_with_1012(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"drain_timeout": 2.0}})
    alice = gw.connect("alice")
    started = time.monotonic()
    gw.proc.send_signal(signal.SIGTERM)
    note = alice.wait_notification("server.draining")
    assert note.params == {"deadline": 2.0}
    status, body = http_get(gw.ops_url + "/readyz")
    assert (status, json.loads(body)["reason"]) == (503, "draining")  # the balancer stops sending sockets
    assert http_get(gw.ops_url + "/healthz")[0] == 200  # but the process is alive and answering
    with pytest.raises(ConnectFailed) as refused:
        Client.connect(gw.url, gw.token("bob"))
    assert (refused.value.status, refused.value.reason) == (503, "draining")
    assert metric_value(gw.metrics(), "realtimenet_draining") == 1
    closed = alice.wait_closed(timeout=5)
    assert closed.code == CloseCode.SERVICE_RESTART
    assert 1.8 <= time.monotonic() - started < 4.5  # the deadline, not before, not much after
    assert gw.proc.wait(5) == 0


def test_a_draining_node_hands_its_clients_to_another_with_nothing_lost(
        services: tuple[Service, Service], gateway_factory: Factory) -> None:
    leaving = gateway_factory(cluster_settings(*services, server={"drain_timeout": 3.0}))
    staying = gateway_factory(cluster_settings(*services))
    wait_ready(leaving)
    wait_ready(staying)
    counters = [Counter() for _ in range(4)]
    lifecycles: list[list[ClientEvent]] = [[] for _ in counters]
    clients = [Client.connect([leaving.url, staying.url], leaving.token(f"p{i}"), on_notification=counter,
                              on_event=events.append, auto_reconnect=True,
                              backoff=Backoff(base=0.05, cap=0.2, rng=random.Random(i)))
               for i, (counter, events) in enumerate(zip(counters, lifecycles, strict=True))]
    for client in clients:
        client.join("arena")
        assert client.welcome is not None and client.welcome.node_id == leaving.node_id
    publisher = staying.connect("publisher")
    publisher.join("arena")
    total = 150
    stop = threading.Event()

    def publish() -> None:
        for i in range(total):
            publisher.publish("arena", i)
            time.sleep(0.01)
        stop.set()

    thread = threading.Thread(target=publish)
    thread.start()
    time.sleep(0.3)
    leaving.proc.send_signal(signal.SIGTERM)
    thread.join()
    for counter in counters:
        assert counter.wait_for(total) == list(range(total))  # zero lost, zero duplicated, in order
    for client, events in zip(clients, lifecycles, strict=True):
        kinds = [e.kind for e in events]
        assert kinds[0] == "draining" and "resumed" in kinds and "resync" not in kinds
        assert client._socket is not None and client._socket.welcome is not None
        assert client._socket.welcome.node_id == staying.node_id
    assert leaving.proc.wait(5) == 0  # everyone left before the deadline: it finished early
    for client in clients:
        client.close()


def test_the_gateway_serves_wss_itself(tmp_path: Path, gateway_factory: Factory) -> None:
    cert, key, _ = self_signed_certificate(tmp_path)
    gw = gateway_factory({"server": {"tls_cert_file": str(cert), "tls_key_file": str(key)}})
    url = gw.url.replace("ws://", "wss://")
    alice = Client.connect(url, gw.token("alice"), sslopt={"ca_certs": str(cert)})
    assert alice.call("sys.echo", {"data": "over tls"})["data"] == "over tls"
    alice.close()
    with pytest.raises(ConnectFailed):  # an unverified certificate is refused by the client
        Client.connect(url, gw.token("alice"))


def test_a_missing_key_fails_at_start_naming_the_keys(tmp_path: Path) -> None:
    path = _write_config(tmp_path, {"server": {"port": 0, "tls_cert_file": str(tmp_path / "absent.crt")}})
    result = subprocess.run([*RTNET, "serve", "--config", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "server.tls_cert_file and server.tls_key_file" in result.stderr


def test_workers_need_shared_backends(tmp_path: Path) -> None:
    path = _write_config(tmp_path, {"server": {"port": 0}})
    result = subprocess.run([*RTNET, "serve", "--config", str(path), "--workers", "2"], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode != 0 and "server.workers > 1 needs shared backends" in result.stderr


def test_workers_share_one_port_and_one_room(tmp_path: Path, services: tuple[Service, Service]) -> None:
    settings = cluster_settings(*services)
    settings["server"] = {"port": 0, "host": "127.0.0.1", "drain_timeout": 0.5}
    path = _write_config(tmp_path, settings)
    proc = subprocess.Popen([*RTNET, "serve", "--config", str(path), "--workers", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert proc.stdout is not None
        ready: dict[str, Any] = {}
        deadline = time.monotonic() + 30
        while not ready and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.startswith("READY "):
                ready = json.loads(line[len("READY "):])
        assert len(ready["workers"]) == 2 and len(set(ready["workers"])) == 2
        from realtimenet.config import load_config
        from realtimenet.gateway.auth import TokenVerifier

        verifier = TokenVerifier(load_config(path, environ={}).auth)
        url = f"ws://127.0.0.1:{ready['port']}/ws"
        counter = Counter()
        listeners = [Client.connect(url, verifier.mint(f"p{i}"), on_notification=counter) for i in range(16)]
        nodes = {c.welcome.node_id for c in listeners if c.welcome is not None}
        assert nodes == set(ready["workers"])  # the kernel spread the sockets over both processes
        for client in listeners:
            client.join("arena")
        listeners[0].publish("arena", "hello from one worker")
        assert eventually(lambda: len(counter.seen) == 16)  # delivered on both workers
        for client in listeners:
            client.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def test_operational_metrics_are_exported(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"heartbeat_interval": 0.4}})
    alice, bob = gw.connect("alice"), gw.connect("bob")
    alice.join("lobby")
    bob.join("lobby")
    for i in range(5):
        alice.publish("lobby", {"i": i, "pad": "x" * 100})
    bob.call("presence.set", {"status": "away"})
    time.sleep(0.5)  # a housekeeping tick folds and samples

    def scraped() -> bool:
        text = gw.metrics()
        return metric_value(text, "realtimenet_received_bytes_by_method_total", {"method": "room.publish"}) > 500
    assert eventually(scraped, timeout=5)
    text = gw.metrics()
    assert metric_value(text, "realtimenet_notifications_sent_total", {"method": "room.event"}) >= 10  # 5 x 2
    assert metric_value(text, "realtimenet_notification_bytes_sent_total", {"method": "room.event"}) > 1000
    assert metric_value(text, "realtimenet_presence_devices", {"status": "away"}) == 1
    assert metric_value(text, "realtimenet_presence_devices", {"status": "online"}) == 1
    assert metric_value(text, "realtimenet_bus_publish_seconds_count") >= 5
    assert metric_value(text, "realtimenet_bus_delivery_lag_seconds_count") >= 5
    assert metric_value(text, "realtimenet_draining") == 0
    assert "realtimenet_send_queue_bytes" in text and "realtimenet_send_queue_max_bytes" in text
