"""The reference deployment at small scale: three gateways behind the shipped HAProxy configuration, on a
Redis Cluster (3 primaries + 3 replicas) and a 3-server NATS cluster with a JetStream R3 stream. Clients
publish and receive through HAProxy while, one after the other, a Redis primary, a NATS server (the stream's
leader) and a gateway are killed with SIGKILL: every acknowledged event reaches every subscriber, in order,
once, and no client has to reload."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest

from realtimenet.backends.bus_nats import parse_servers
from tests.conftest import GatewayProcess, eventually, http_get
from tests.services import (
    Backend,
    HAProxy,
    NatsCluster,
    RedisCluster,
    nats_cluster,
    redis_cluster,
    self_signed_certificate,
    start_haproxy,
)
from tests.test_cluster import wait_ready
from tests.test_haproxy import Fleet, Publisher, assert_nothing_lost, node_of, subscribe

Factory = Callable[..., GatewayProcess]


@pytest.fixture(scope="module")
def clusters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisCluster, NatsCluster]]:
    workdir = tmp_path_factory.mktemp("scaleout")
    rcluster = redis_cluster(workdir)
    try:
        ncluster = nats_cluster(workdir)
    except BaseException:
        rcluster.stop()
        raise
    yield rcluster, ncluster
    ncluster.stop()
    rcluster.stop()


def stream_leader(ncluster: NatsCluster, stream: str = "RTNET_EVENTS") -> str:
    async def ask() -> str:
        nc = await nats.connect(servers=[s for s, n in zip(parse_servers(ncluster.url)[0], ncluster.nodes,
                                                           strict=True) if n.running])
        try:
            info = await nc.jetstream(timeout=2).stream_info(stream)
            assert info.config.num_replicas == 3 and info.cluster is not None and info.cluster.leader
            return str(info.cluster.leader)
        finally:
            await nc.close()
    return asyncio.run(ask())


@pytest.mark.timeout(150)
def test_three_gateways_on_clusters_lose_nothing_when_a_redis_primary_a_nats_server_and_a_gateway_die(
        clusters: tuple[RedisCluster, NatsCluster], gateway_factory: Factory, tmp_path: Path) -> None:
    rcluster, ncluster = clusters
    settings: dict[str, dict[str, Any]] = {
        "server": {"drain_timeout": 0.5},
        "backends": {"store": rcluster.url, "bus": ncluster.url, "check_interval": 0.2},
        "rate_limit": {"rate": 10000, "burst": 10000},
    }
    gateways = [gateway_factory(settings) for _ in range(3)]
    for gw in gateways:
        wait_ready(gw, timeout=20)
    haproxy: HAProxy = start_haproxy(tmp_path, [Backend(f"gw{i + 1}", gw.port, gw.ops_port)
                                                for i, gw in enumerate(gateways)],
                                     self_signed_certificate(tmp_path)[2])
    try:
        fleet = Fleet(haproxy, gateways)
        subscribers = [subscribe(fleet, f"player{i}", 500 + i, "scale") for i in range(9)]
        by_node = {gw.node_id: [s for s in subscribers if node_of(s.client) == gw.node_id] for gw in gateways}
        assert sorted(len(s) for s in by_node.values()) == [3, 3, 3]  # leastconn over three gateways
        publishers = [Publisher(members[0], f"pub{i}", interval=0.02) for i, members in enumerate(by_node.values())]
        for pub in publishers:
            pub.start()
        time.sleep(1.0)

        # 1. A Redis primary dies; its replica takes over its slots.
        rcluster.wait_replicated()  # replication is asynchronous: see docs/deployment.md
        primary = rcluster.masters()[0]
        primary.kill()
        failover = rcluster.wait_healthy(20)
        for gw in gateways:
            wait_ready(gw, timeout=15)  # /readyz: every slot has a primary again

        # 2. The NATS server leading the R3 stream dies; the other two elect a new leader.
        leader = stream_leader(ncluster)
        [victim] = [n for n in ncluster.nodes if n.name == f"nats-{leader.rsplit('-', 1)[1]}"]
        victim.kill()
        acked = sum(len(p.acked) for p in publishers)
        assert eventually(lambda: sum(len(p.acked) for p in publishers) > acked + 30, timeout=20)
        assert stream_leader(ncluster) != leader
        for gw in gateways:
            wait_ready(gw, timeout=15)

        # 3. A gateway dies; its clients reconnect through HAProxy to the other two and resume.
        doomed = gateways[0]
        moving = by_node[doomed.node_id]
        doomed.proc.send_signal(signal.SIGKILL)
        doomed.proc.wait(10)
        doomed.proc.returncode = 0  # killed on purpose: the gateway fixture checks for 0
        assert eventually(lambda: all(node_of(s.client) not in ("", doomed.node_id) for s in moving), timeout=20)
        assert eventually(lambda: all(any(e.kind == "resumed" for e in s.lifecycle) for s in moving), timeout=20)
        acked = sum(len(p.acked) for p in publishers)
        assert eventually(lambda: sum(len(p.acked) for p in publishers) > acked + 30, timeout=20)
        for pub in publishers:
            pub.stopping.set()
            pub.join(15)
        assert all(len(p.acked) > 50 for p in publishers), [len(p.acked) for p in publishers]
        assert_nothing_lost(subscribers, publishers)
        assert failover < 10
        assert http_get(f"http://127.0.0.1:{haproxy.stats_port}/healthz")[0] == 200
        for sub in subscribers:
            sub.client.close()
    finally:
        haproxy.stop()
