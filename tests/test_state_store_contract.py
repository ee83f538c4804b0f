"""Every StateStore behaves the same: the in-memory one and Redis (a real redis-server)."""

from __future__ import annotations

import asyncio

from realtimenet.backends.registry import Stores
from realtimenet.state.sync import RoomState, apply_update
from tests.backend_fixtures import Clock, run


def test_room_state_starts_empty_and_commits_by_compare_and_set(stores: tuple[Stores, Clock]) -> None:
    backend, _ = stores
    state = backend.state

    async def scenario() -> None:
        assert await state.load_state("arena") == RoomState()
        first = apply_update(RoomState(), 0, {"a": 1}, 10)
        assert await state.commit_state("arena", 0, first)
        assert not await state.commit_state("arena", 0, apply_update(RoomState(), 0, {"b": 1}, 10))
        loaded = await state.load_state("arena")
        assert (loaded.version, loaded.document) == (1, {"a": 1})
        assert [c.patch for c in loaded.log] == [{"a": 1}]
        assert await state.load_state("other") == RoomState()  # rooms do not share state
        await backend.connection.close()

    run(scenario())


def test_of_concurrent_writers_at_one_version_exactly_one_wins(stores: tuple[Stores, Clock]) -> None:
    backend, _ = stores

    async def scenario() -> None:
        wins = await asyncio.gather(*(backend.state.commit_state("race", 0, apply_update(RoomState(), 0, {"w": w}, 10))
                                      for w in range(8)))
        assert wins.count(True) == 1
        loaded = await backend.state.load_state("race")
        assert loaded.version == 1 and loaded.document == {"w": wins.index(True)}
        await backend.connection.close()

    run(scenario())


def test_room_state_is_forgotten_a_ttl_after_its_last_update(short_lived_stores: tuple[Stores, Clock]) -> None:
    backend, clock = short_lived_stores

    async def scenario() -> None:
        assert await backend.state.commit_state("fleeting", 0, apply_update(RoomState(), 0, {"a": 1}, 10))
        assert (await backend.state.load_state("fleeting")).version == 1
        clock.now += 0.3
        await asyncio.sleep(0.3)  # Redis expires keys on its own clock
        backend.connection.sweep()
        assert await backend.state.load_state("fleeting") == RoomState()  # a room nobody updates goes
        await backend.connection.close()

    run(scenario())
