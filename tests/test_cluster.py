"""Several gateway processes on real Redis and NATS JetStream: cross-node fan-out, resume on another node,
a node killed with SIGKILL, NATS restarted, presence of a dead node's players. Every event is counted."""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import nats
import pytest

from realtimenet.client import Client, ConnectionClosed, RemoteError
from realtimenet.client.backoff import Backoff
from realtimenet.client.client import ClientEvent, Notification
from tests.conftest import GatewayProcess, http_get, metric_value
from tests.services import Service, nats_server, redis_server

Factory = Callable[..., GatewayProcess]


@pytest.fixture
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Service]]:
    workdir = tmp_path_factory.mktemp("cluster")
    redis, nats_ = redis_server(workdir).start(), nats_server(workdir).start()
    yield redis, nats_
    nats_.stop()
    redis.stop()


def cluster_settings(redis: Service, nats_: Service, **extra: dict[str, Any]) -> dict[str, dict[str, Any]]:
    settings: dict[str, dict[str, Any]] = {
        "backends": {"store": f"redis://127.0.0.1:{redis.port}/0", "bus": f"nats://127.0.0.1:{nats_.port}",
                     "check_interval": 0.2},
        "rate_limit": {"rate": 10000, "burst": 10000},
        "presence": {"ttl": 2},
    }
    settings.update(extra)
    return settings


def wait_ready(gw: GatewayProcess, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http_get(gw.ops_url + "/readyz")[0] == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"{gw.url} not ready: {http_get(gw.ops_url + '/readyz')}")


class Counter:
    """Counts room events per value: lost ones are missing, duplicated ones count twice."""

    def __init__(self) -> None:
        self.seen: list[Any] = []
        self.lock = threading.Lock()

    def __call__(self, note: Notification) -> None:
        if note.method == "room.event":
            with self.lock:
                self.seen.append(note.params["data"])

    def wait_for(self, count: int, timeout: float = 15) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.seen) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # anything extra (a duplicate) would arrive now
        return list(self.seen)


def test_events_cross_nodes_with_contiguous_offsets(services: tuple[Service, Service], gateway_factory: Factory) -> None:
    node_a = gateway_factory(cluster_settings(*services))
    node_b = gateway_factory(cluster_settings(*services))
    wait_ready(node_a)
    wait_ready(node_b)
    alice, bob = node_a.connect("alice"), node_b.connect("bob")
    alice.join("lobby")
    bob.join("lobby")
    offsets: list[int] = []

    def publish(client: Client, tag: str) -> None:
        for i in range(50):
            offsets.append(client.publish("lobby", f"{tag}{i}")["offset"])

    threads = [threading.Thread(target=publish, args=(c, t)) for c, t in ((alice, "a"), (bob, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(offsets) == list(range(1, 101))  # two nodes, one sequence, no gap, no repeat
    for client in (alice, bob):
        events = [client.wait_notification("room.event").params for _ in range(100)]
        assert [e["offset"] for e in events] == list(range(1, 101))


def test_backend_services_publish_into_rooms_through_nats(services: tuple[Service, Service],
                                                          gateway_factory: Factory) -> None:
    redis, nats_ = services
    gw = gateway_factory(cluster_settings(redis, nats_))
    wait_ready(gw)
    alice = gw.connect("alice")
    alice.join("lobby")

    async def backend() -> Any:
        nc = await nats.connect(f"nats://127.0.0.1:{nats_.port}")
        reply = await nc.request("rtnet.publish.room.lobby", json.dumps(
            {"from": "matchmaker", "data": {"match": "ready"}}).encode(), timeout=5)
        await nc.close()
        return json.loads(reply.data)

    import asyncio
    ack = asyncio.run(backend())
    assert ack["stream"] == "room:lobby" and ack["offset"] == 1
    event = alice.wait_notification("room.event").params
    assert (event["from"], event["data"], event["offset"]) == ("server:matchmaker", {"match": "ready"}, 1)

    # Any valid room name works as a subject, dots included; what cannot be published is answered, never
    # dropped in silence.
    alice.join("arena.eu-1")

    async def requests() -> list[Any]:
        nc = await nats.connect(f"nats://127.0.0.1:{nats_.port}")
        body = json.dumps({"from": "matchmaker", "data": 1}).encode()
        answers = []
        for subject, payload in (("rtnet.publish.room.arena.eu-1", body),
                                 ("rtnet.publish.room.lobby", b"{not json"),
                                 ("rtnet.publish.room.lobby", b'{"data": 1}'),
                                 ("rtnet.publish.room.lobby", b'{"from":"x","data":"\xff"}'),
                                 ("rtnet.publish.room.bad!name", body),
                                 ("rtnet.publish.player.!!!", body),
                                 ("rtnet.publish.guild.g1", body)):
            reply = await nc.request(subject, payload, timeout=5)
            answers.append(json.loads(reply.data))
        await nc.close()
        return answers

    dotted, *refused = asyncio.run(requests())
    assert dotted["stream"] == "room:arena.eu-1" and dotted["offset"] == 1
    assert alice.wait_notification("room.event").params["room"] == "arena.eu-1"
    assert [a["error"] for a in refused] == ["invalid_body", "invalid_body", "invalid_body", "invalid_room",
                                             "invalid_subject", "invalid_subject"]
    assert metric_value(gw.metrics(), "realtimenet_bad_input_total", {"kind": "backend_publication"}) == 6


def test_sigkill_mid_stream_then_resume_on_another_node_loses_nothing(services: tuple[Service, Service], gateway_factory: Factory) -> None:
    doomed = gateway_factory(cluster_settings(*services))
    survivor = gateway_factory(cluster_settings(*services))
    for gw in (doomed, survivor):
        wait_ready(gw)
    counter, lifecycle = Counter(), []
    alice = Client.connect([doomed.url, survivor.url], doomed.token("alice"), on_notification=counter,
                           auto_reconnect=True, on_event=lifecycle.append,
                           backoff=Backoff(base=0.05, cap=0.3, rng=random.Random(5)))
    alice.join("lobby")
    publisher = survivor.connect("bob")
    publisher.join("lobby")
    total = 200

    def publish() -> None:
        for i in range(total):
            publisher.publish("lobby", i)
            time.sleep(0.003)

    thread = threading.Thread(target=publish)
    thread.start()
    time.sleep(0.2)
    doomed.proc.send_signal(signal.SIGKILL)
    thread.join()
    assert counter.wait_for(total) == list(range(total))
    assert any(e.kind == "resumed" for e in lifecycle)
    assert alice.url == survivor.url
    doomed.proc.wait()
    doomed.proc.returncode = 0  # killed on purpose: the fixture would flag it


def test_presence_of_a_killed_nodes_players_goes_offline_within_the_ttl(services: tuple[Service, Service], gateway_factory: Factory) -> None:
    doomed = gateway_factory(cluster_settings(*services))
    observer_node = gateway_factory(cluster_settings(*services))
    wait_ready(doomed)
    wait_ready(observer_node)
    doomed.connect("ghost")
    observer = observer_node.connect("observer")
    time.sleep(0.3)
    [ghost] = observer.call("presence.query", {"players": ["ghost"]})["players"]
    assert ghost["status"] == "online"
    doomed.proc.send_signal(signal.SIGKILL)
    doomed.proc.wait()
    killed_at = time.monotonic()
    while time.monotonic() - killed_at < 5:
        [ghost] = observer.call("presence.query", {"players": ["ghost"]})["players"]
        if ghost["status"] == "offline":
            break
        time.sleep(0.1)
    assert ghost["status"] == "offline" and ghost["devices"] == 0
    assert time.monotonic() - killed_at <= 2 + 1  # presence.ttl plus the polling
    doomed.proc.returncode = 0


def test_room_members_span_nodes_and_a_killed_nodes_go_within_the_ttl(services: tuple[Service, Service],
                                                                     gateway_factory: Factory) -> None:
    doomed = gateway_factory(cluster_settings(*services))
    other = gateway_factory(cluster_settings(*services))
    wait_ready(doomed)
    wait_ready(other)
    ghost = doomed.connect("ghost")
    ghost.join("arena")
    late = other.connect("late")
    late.join("arena")
    assert [m["player_id"] for m in late.call("presence.query", {"room": "arena"})["players"]] == ["ghost", "late"]
    doomed.proc.send_signal(signal.SIGKILL)
    doomed.proc.wait()
    killed_at = time.monotonic()
    members: list[str] = []
    while time.monotonic() - killed_at < 5:
        members = [m["player_id"] for m in late.call("presence.query", {"room": "arena"})["players"]]
        if members == ["late"]:
            break
        time.sleep(0.1)
    assert members == ["late"] and time.monotonic() - killed_at <= 2 + 1  # presence.ttl plus the polling
    doomed.proc.returncode = 0
    late.close()


def test_nats_restart_is_survived(services: tuple[Service, Service], gateway_factory: Factory) -> None:
    redis, nats_ = services
    gw = gateway_factory(cluster_settings(redis, nats_))
    wait_ready(gw)
    counter = Counter()
    alice = Client.connect(gw.url, gw.token("alice"), on_notification=counter)
    alice.join("lobby")
    bob = gw.connect("bob")
    bob.join("lobby")
    for i in range(5):
        bob.publish("lobby", i)
    nats_.stop()
    deadline = time.monotonic() + 5
    while http_get(gw.ops_url + "/readyz")[0] == 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    status, body = http_get(gw.ops_url + "/readyz")
    assert status == 503 and json.loads(body)["backends"]["bus"] == "down"
    with pytest.raises(RemoteError) as info:
        bob.publish("lobby", "while down")
    assert info.value.data == {"backend": "bus"}
    assert alice.call("sys.ping", {})["server_time"] > 0
    nats_.start()
    wait_ready(gw, timeout=15)
    for i in range(5, 10):
        bob.publish("lobby", i)
    assert counter.wait_for(10) == list(range(10))  # history survived (file storage), offsets continue
    try:
        alice.close()
    except ConnectionClosed:
        pass


del ClientEvent
