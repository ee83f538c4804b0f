"""The backends on clusters: the Redis stores on a Redis Cluster (3 primaries + 3 replicas) and NatsBus on a
3-server NATS cluster with a JetStream R3 stream, each losing a server (SIGKILL) while in use."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from realtimenet.backends.bus import Publication
from realtimenet.backends.bus_nats import NatsBus, parse_servers
from realtimenet.backends.presence import DeviceEntry
from realtimenet.backends.redis_connection import ClusterUrl, RedisConnection, parse_cluster_url
from realtimenet.backends.redis_stores import redis_stores
from realtimenet.backends.sessions import ResumeGrant, SessionRecord
from realtimenet.backends.sessions_redis import RedisSessionStore
from realtimenet.exceptions import BackendUnavailable, ConfigError
from realtimenet.state.sync import RoomState, apply_update
from tests.services import NatsCluster, RedisCluster, nats_cluster, redis_cli, redis_cluster


@pytest.fixture(scope="module")
def rcluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    cluster = redis_cluster(tmp_path_factory.mktemp("rcluster"))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def ncluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    cluster = nats_cluster(tmp_path_factory.mktemp("ncluster"))
    yield cluster
    cluster.stop()


def test_store_and_bus_urls() -> None:
    assert parse_cluster_url("redis://127.0.0.1:6379/0") is None  # one server
    assert parse_cluster_url("unix:///run/redis.sock") is None
    assert parse_cluster_url("redis://a:7000,b:7001,c") == ClusterUrl([("a", 7000), ("b", 7001), ("c", 6379)])
    assert parse_cluster_url("rediss://user:p%40ss@a:7000?cluster=true") == ClusterUrl(
        [("a", 7000)], "user", "p@ss", tls=True)
    assert parse_cluster_url("redis+cluster://:secret@a:7000/") == ClusterUrl([("a", 7000)], None, "secret")
    with pytest.raises(ConfigError, match="database 0 only, not '2'"):
        parse_cluster_url("redis://a:7000,b:7001/2")
    assert parse_servers("nats://127.0.0.1:4222") == (["nats://127.0.0.1:4222"], {})
    assert parse_servers("nats://a:4222,b:4222, nats://c:4222?replicas=3") == (
        ["nats://a:4222", "nats://b:4222", "nats://c:4222"], {"replicas": "3"})
    assert parse_servers("tls://u:p@a:4222,b:4222") == (["tls://u:p@a:4222", "tls://u:p@b:4222"], {})
    bus = NatsBus("nats://a:4222,nats://b:4222,nats://c:4222?replicas=3")
    assert (bus.servers, bus.replicas, bus.heartbeat) == (["nats://a:4222", "nats://b:4222", "nats://c:4222"], 3, 1.0)
    assert NatsBus("nats://a:4222").replicas == 1
    assert NatsBus("nats://u:secret@a:4222,b:4222").where == "nats://a:4222,nats://b:4222"  # logged: no password


def test_store_contract_on_redis_cluster_with_keys_on_every_primary(rcluster: RedisCluster) -> None:
    async def scenario() -> None:
        connection = RedisConnection(rcluster.url, prefix="contract")
        stores = redis_stores(connection)
        sessions, presence, state_store = stores.sessions, stores.presence, stores.state
        assert connection.cluster and await connection.ping()
        for i in range(60):
            record = SessionRecord(session_id=f"s{i}", player_id=f"p{i}", node_id="n1", rooms=["lobby"])
            await sessions.save_session(record, 60)
            await sessions.put_resume_token(f"tok{i}", ResumeGrant(f"s{i}", f"p{i}"), 60)
            await presence.put_device(f"p{i}", f"s{i}", DeviceEntry(status="online", node_id="n1", updated_at=0), 30)
        for i in range(60):
            assert (await sessions.load_session(f"s{i}")) is not None
            assert await sessions.take_resume_token(f"tok{i}") == ResumeGrant(f"s{i}", f"p{i}")
            await sessions.forget_resume_token(f"tok{i}")
            assert await sessions.take_resume_token(f"tok{i}") is None  # single use on a cluster too
        records = await presence.presence([f"p{i}" for i in range(60)])
        assert [len(r.devices) for r in records] == [1] * 60
        await presence.drop_device("p1", "s1", 1234.5)
        [gone] = await presence.presence(["p1"])
        assert gone.devices == [] and gone.last_seen == 1234.5
        await sessions.delete_session("s1")
        assert await sessions.load_session("s1") is None
        # Compare-and-set (WATCH/MULTI on one key): of concurrent writers at one version, exactly one wins.
        for room in ("arena", "lobby", "dungeon"):
            wins = await asyncio.gather(*(state_store.commit_state(room, 0, apply_update(RoomState(), 0, {"w": w}, 10))
                                          for w in range(8)))
            assert wins.count(True) == 1
            state = await state_store.load_state(room)
            assert state.version == 1 and state.document == {"w": wins.index(True)}
        await connection.close()

    asyncio.run(scenario())
    counts = [int(redis_cli(m.port, "dbsize").strip() or 0) for m in rcluster.masters()]
    assert len(counts) == 3 and all(c > 0 for c in counts), counts  # the slots of all three primaries are used


def test_store_follows_a_primary_failover(rcluster: RedisCluster) -> None:
    async def write(store: RedisSessionStore, n: int) -> None:
        for i in range(n):
            await store.save_session(SessionRecord(session_id=f"f{i}", player_id="p", node_id="n", rooms=[]), 120)

    async def before() -> None:
        connection = RedisConnection(rcluster.url, prefix="failover")
        await write(RedisSessionStore(connection), 40)
        await connection.close()

    asyncio.run(before())
    rcluster.wait_replicated()
    victim = rcluster.masters()[0]
    victim.kill()

    async def during() -> list[bool]:
        connection = RedisConnection(rcluster.url, prefix="failover")
        store = RedisSessionStore(connection)
        loaded: list[bool] = []
        for _ in range(200):  # bounded: ~20 s at most
            if await connection.ping():
                break
            await asyncio.sleep(0.1)
        for i in range(40):
            try:
                loaded.append(await store.load_session(f"f{i}") is not None)
            except BackendUnavailable:
                loaded.append(False)
        await connection.close()
        return loaded

    took = rcluster.wait_healthy(20)
    loaded = asyncio.run(during())
    assert all(loaded), loaded  # every session written (and replicated) before the kill is still there
    assert took < 10
    assert victim.port not in {m.port for m in rcluster.masters()}


async def _publish(bus: NatsBus, stream: str, tag: str) -> Publication | None:
    try:
        return await bus.publish(stream, lambda epoch, offset: json.dumps(
            {"tag": tag, "epoch": epoch, "offset": offset}).encode())
    except BackendUnavailable:
        return None


def test_bus_on_nats_cluster_keeps_three_replicas_and_survives_the_leader(ncluster: NatsCluster,
                                                                          tmp_path: Path) -> None:
    async def scenario() -> None:
        publisher, follower = NatsBus(ncluster.url, prefix="scale"), NatsBus(ncluster.url, prefix="scale")
        received: list[Publication] = []
        follower.set_listener(received.append)
        publisher.set_listener(lambda _: None)
        for bus in (publisher, follower):
            for _ in range(100):
                try:
                    await bus.connect()
                    break
                except Exception:  # JetStream still electing: connect() keeps the connection and retries
                    await asyncio.sleep(0.2)
        await follower.subscribe("room:lobby")
        nc = await nats.connect(servers=parse_servers(ncluster.url)[0])
        info = await nc.jetstream().stream_info("SCALE_EVENTS")
        assert info.config.num_replicas == 3 and info.cluster is not None
        leader = info.cluster.leader
        await nc.close()

        acked: list[Publication] = []
        attempts = 0
        for i in range(30):
            pub = await _publish(publisher, "room:lobby", f"a{i}")
            attempts += 1
            assert pub is not None
            acked.append(pub)
        [victim] = [n for n in ncluster.nodes if n.name == f"nats-{leader.rsplit('-', 1)[1]}"]
        victim.kill()
        i = 30
        for _ in range(400):  # bounded: publish until 30 more are acknowledged
            if len(acked) >= 60:
                break
            pub = await _publish(publisher, "room:lobby", f"b{i}")
            attempts += 1
            i += 1
            if pub is None:
                await asyncio.sleep(0.05)
                continue
            acked.append(pub)
        assert len(acked) == 60
        for _ in range(200):
            if len(received) >= len(acked):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        got = [json.loads(p.frame) for p in received]
        offsets = [g["offset"] for g in got]
        assert offsets == list(range(1, len(got) + 1))  # in order, no gap, no duplicate
        assert {p.offset for p in acked} <= set(offsets)  # every acknowledged publication arrived
        tags = {g["tag"]: g["offset"] for g in got}
        assert all(tags[json.loads(p.frame)["tag"]] == p.offset for p in acked)
        history = await follower.history("room:lobby", acked[0].epoch, 0)
        assert [p.offset for p in history] == offsets  # the replicated history is complete
        await publisher.close()
        await follower.close()

    try:
        asyncio.run(scenario())
    finally:
        for node in ncluster.nodes:
            if not node.running:
                node.start()
        ncluster.wait_healthy()


def test_concurrent_publishers_on_a_replicated_stream_claim_each_offset_once(ncluster: NatsCluster) -> None:
    # nats-server checks Nats-Expected-Last-Subject-Sequence before proposing to the replicas, not against
    # the proposals in flight (nats-server#4320): without the message id claiming the offset, two nodes
    # publishing at once both "win" one offset and clients drop one of them as a duplicate.
    ncluster.wait_healthy()

    async def scenario() -> None:
        buses = [NatsBus(ncluster.url, prefix="race") for _ in range(3)]
        for bus in buses:
            bus.set_listener(lambda _: None)
            for _ in range(100):
                try:
                    await bus.connect()
                    break
                except Exception:
                    await asyncio.sleep(0.2)
        acked: dict[str, int] = {}

        async def publish(bus: NatsBus, tag: str) -> None:
            for i in range(100):
                pub = await _publish(bus, "room:race", f"{tag}{i}")
                if pub is not None:
                    acked[f"{tag}{i}"] = pub.offset

        await asyncio.gather(*(publish(bus, f"n{k}-") for k, bus in enumerate(buses)))
        assert len(acked) >= 290  # a publish may time out (then it was maybe stored, and is not counted)
        assert len(set(acked.values())) == len(acked)  # never two acknowledgements for one offset
        position = await buses[0].position("room:race")
        history = await buses[0].history("room:race", position.epoch, 0)
        assert [p.offset for p in history] == list(range(1, len(history) + 1))
        stored = {json.loads(p.frame)["tag"]: p.offset for p in history}
        assert len(stored) == len(history)  # no publication stored twice
        assert all(stored.get(tag) == offset for tag, offset in acked.items())  # each acknowledged one, at its offset
        for bus in buses:
            await bus.close()

    asyncio.run(scenario())
