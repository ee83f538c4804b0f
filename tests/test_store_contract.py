"""Every SessionStore behaves the same: the in-memory one and Redis (a real redis-server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from realtimenet.backends.store import DeviceEntry, ResumeGrant, SessionRecord
from realtimenet.backends.store_memory import MemorySessionStore
from realtimenet.backends.store_redis import RedisSessionStore
from realtimenet.state.sync import RoomState, apply_update
from tests.services import Service, redis_server


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = redis_server(tmp_path_factory.mktemp("redis")).start()
    yield service
    service.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, redis: Service) -> Iterator[tuple[Any, Clock]]:
    clock = Clock()
    if request.param == "memory":
        yield MemorySessionStore(clock), clock
        return
    backend = RedisSessionStore(f"redis://127.0.0.1:{redis.port}/0", prefix=f"t{id(clock)}", clock=clock)
    yield backend, clock
    asyncio.run(backend.close())


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_sessions_and_single_use_tokens(store: tuple[Any, Clock]) -> None:
    backend, _ = store

    async def scenario() -> None:
        record = SessionRecord(session_id="s1", player_id="alice", node_id="n1", rooms=["lobby"])
        await backend.save_session(record, 60)
        assert await backend.load_session("s1") == record
        await backend.put_resume_token("tok", ResumeGrant("s1", "alice"), 60)
        assert await backend.take_resume_token("tok") == ResumeGrant("s1", "alice")
        assert await backend.take_resume_token("tok") is None  # single use
        assert await backend.take_resume_token("forged") is None
        await backend.delete_session("s1")
        assert await backend.load_session("s1") is None
        if isinstance(backend, RedisSessionStore):
            await backend.close()

    run(scenario())


def test_presence_devices_expire_and_last_seen_stays(store: tuple[Any, Clock]) -> None:
    backend, clock = store

    async def scenario() -> None:
        entry = DeviceEntry(status="online", node_id="n1", updated_at=clock.now)
        await backend.put_device("alice", "s1", entry, 30)
        await backend.put_device("alice", "s2", DeviceEntry(status="away", node_id="n2", updated_at=clock.now), 30)
        [record] = await backend.presence(["alice"])
        assert sorted(d.status for d in record.devices) == ["away", "online"]
        await backend.drop_device("alice", "s2", 1234.5)
        clock.now += 31  # node n1 died: nobody refreshes s1
        if isinstance(backend, MemorySessionStore):
            backend.sweep()
        [record, unknown] = await backend.presence(["alice", "bob"])
        assert record.devices == [] and record.last_seen == 1234.5
        assert unknown.devices == [] and unknown.last_seen is None
        if isinstance(backend, RedisSessionStore):
            await backend.close()

    run(scenario())


def test_room_state_compare_and_set(store: tuple[Any, Clock]) -> None:
    backend, _ = store

    async def scenario() -> None:
        assert await backend.load_state("arena") == RoomState()
        first = apply_update(RoomState(), 0, {"a": 1}, 10)
        assert await backend.commit_state("arena", 0, first)
        assert not await backend.commit_state("arena", 0, apply_update(RoomState(), 0, {"b": 1}, 10))
        loaded = await backend.load_state("arena")
        assert (loaded.version, loaded.document) == (1, {"a": 1})
        assert [c.patch for c in loaded.log] == [{"a": 1}]
        if isinstance(backend, RedisSessionStore):
            await backend.close()

    run(scenario())



def test_room_members_count_players_once_and_expire_unless_refreshed(store: tuple[Any, Clock]) -> None:
    backend, clock = store

    async def scenario() -> None:
        await backend.put_member("arena", "s1", "bob", 30)
        await backend.put_member("arena", "s2", "bob", 30)  # bob's second device
        await backend.put_member("arena", "s3", "ann", 30)
        await backend.put_member("lobby", "s4", "zed", 30)
        assert await backend.members("arena") == ["ann", "bob"]
        assert await backend.members("nowhere") == []
        await backend.drop_member("arena", "s1")
        assert await backend.members("arena") == ["ann", "bob"]  # still on s2
        clock.now += 20
        await backend.put_member("arena", "s3", "ann", 30)  # ann's node refreshes; bob's died
        clock.now += 15
        if isinstance(backend, MemorySessionStore):
            backend.sweep()
        assert await backend.members("arena") == ["ann"]
        assert await backend.members("lobby") == []
        if isinstance(backend, RedisSessionStore):
            await backend.close()

    run(scenario())
