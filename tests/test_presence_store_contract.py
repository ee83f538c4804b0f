"""Every PresenceStore behaves the same: the in-memory one and Redis (a real redis-server)."""

from __future__ import annotations

import asyncio

import msgspec

from realtimenet.backends.presence import DeviceEntry
from realtimenet.backends.presence_memory import MemoryPresenceStore
from realtimenet.backends.registry import Stores
from tests.backend_fixtures import Clock, run


def test_devices_expire_unless_refreshed_and_last_seen_stays(stores: tuple[Stores, Clock]) -> None:
    backend, clock = stores
    presence = backend.presence

    async def scenario() -> None:
        entry = DeviceEntry(status="online", node_id="n1", updated_at=clock.now)
        await presence.put_device("alice", "s1", entry, 30)
        await presence.put_device("alice", "s2", DeviceEntry(status="away", node_id="n2", updated_at=clock.now), 30)
        [record] = await presence.presence(["alice"])
        assert sorted(d.status for d in record.devices) == ["away", "online"]
        await presence.drop_device("alice", "s2", 1234.5)
        clock.now += 31  # node n1 died: nobody refreshes s1
        backend.connection.sweep()
        [record, unknown] = await presence.presence(["alice", "bob"])
        assert record.devices == [] and record.last_seen == 1234.5
        assert unknown.devices == [] and unknown.last_seen is None
        await backend.connection.close()

    run(scenario())


def test_room_members_count_players_once_and_expire_unless_refreshed(stores: tuple[Stores, Clock]) -> None:
    backend, clock = stores
    presence = backend.presence

    async def scenario() -> None:
        await presence.put_member("arena", "s1", "bob", 30)
        await presence.put_member("arena", "s2", "bob", 30)  # bob's second device
        await presence.put_member("arena", "s3", "ann", 30)
        await presence.put_member("lobby", "s4", "zed", 30)
        assert await presence.members("arena") == ["ann", "bob"]
        assert await presence.members("nowhere") == []
        await presence.drop_member("arena", "s1")
        assert await presence.members("arena") == ["ann", "bob"]  # still on s2
        clock.now += 20
        await presence.put_member("arena", "s3", "ann", 30)  # ann's node refreshes; bob's died
        clock.now += 15
        backend.connection.sweep()
        assert await presence.members("arena") == ["ann"]
        assert await presence.members("lobby") == []
        await backend.connection.close()

    run(scenario())


def test_last_seen_times_are_forgotten_after_their_ttl(short_lived_stores: tuple[Stores, Clock]) -> None:
    backend, clock = short_lived_stores

    async def scenario() -> None:
        await backend.presence.drop_device("ghost", "s1", 1234.5)
        assert (await backend.presence.presence(["ghost"]))[0].last_seen == 1234.5
        clock.now += 0.3
        await asyncio.sleep(0.3)
        backend.connection.sweep()
        assert (await backend.presence.presence(["ghost"]))[0].last_seen is None
        await backend.connection.close()

    run(scenario())


def test_room_directory_lists_rooms_with_live_members_by_name_in_pages(stores: tuple[Stores, Clock]) -> None:
    backend, clock = stores
    presence = backend.presence

    async def scenario() -> None:
        for room, session, player in (("b-arena", "s1", "bob"), ("b-arena", "s2", "bob"), ("b-arena", "s3", "ann"),
                                      ("a-lobby", "s4", "zed"), ("c-duel", "s5", "kim"), ("d-gone", "s6", "old")):
            await presence.put_member(room, session, player, 30)
        await presence.drop_member("d-gone", "s6")  # everyone left
        first = await presence.rooms("", 2)
        assert [(r.room, r.players, r.connections) for r in first] == [("a-lobby", 1, 1), ("b-arena", 2, 3)]
        second = await presence.rooms(first[-1].room, 2)
        assert [r.room for r in second] == ["c-duel"]
        assert await presence.rooms("c-duel", 2) == []
        clock.now += 20
        await presence.put_member("c-duel", "s5", "kim", 30)  # only kim's node is alive
        clock.now += 15
        backend.connection.sweep()
        assert [r.room for r in await presence.rooms("", 100)] == ["c-duel"]
        await backend.connection.close()

    run(scenario())


def test_one_device_entry_is_found_by_its_session_until_it_expires(stores: tuple[Stores, Clock]) -> None:
    backend, clock = stores
    presence = backend.presence

    async def scenario() -> None:
        entry = DeviceEntry(status="away", node_id="n1", updated_at=clock.now, custom=msgspec.Raw(b'{"m":1}'))
        await presence.put_device("alice", "s1", entry, 30)
        found = await presence.device("alice", "s1")
        assert found is not None and (found.status, bytes(found.custom or b"")) == ("away", b'{"m":1}')
        assert await presence.device("alice", "s2") is None and await presence.device("bob", "s1") is None
        [record] = await presence.presence(["alice"])  # a custom payload reads back from every store
        assert bytes(record.devices[0].custom) == b'{"m":1}'
        clock.now += 31
        assert await presence.device("alice", "s1") is None  # not refreshed: gone
        await backend.connection.close()

    run(scenario())


def test_the_in_memory_store_keeps_last_seen_times_of_a_bounded_number_of_players() -> None:
    presence = MemoryPresenceStore(Clock(), last_seen_max_players=3)

    async def scenario() -> None:
        for n, player in enumerate(["ann", "bo", "cy", "di"]):
            await presence.drop_device(player, f"s-{player}", 1000.0 + n)
        await presence.drop_device("bo", "s-bo-2", 2000.0)  # bo left again: now the most recent
        await presence.drop_device("ed", "s-ed", 2001.0)
        seen = {p: r.last_seen for p, r in zip(["ann", "bo", "cy", "di", "ed"],
                                               await presence.presence(["ann", "bo", "cy", "di", "ed"]), strict=True)}
        assert seen == {"ann": None, "bo": 2000.0, "cy": None, "di": 1003.0, "ed": 2001.0}  # the longest gone went

    run(scenario())
