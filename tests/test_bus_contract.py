"""Every EventBus behaves the same: the in-process one and NATS JetStream (a real nats-server)."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import nats
import pytest

from realtimenet.backends.bus import EventBus, HistoryGap, Publication, ServerPublication, constant_frame
from realtimenet.backends.bus_memory import MemoryBus
from realtimenet.backends.bus_nats import NatsBus
from tests.backend_fixtures import run
from tests.services import Service


def _frame(tag: str) -> Callable[[str, int], bytes]:
    return lambda epoch, offset: json.dumps({"tag": tag, "epoch": epoch, "offset": offset}).encode()


async def _eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


@asynccontextmanager
async def _bus(kind: str, nats_port: int, history_size: int = 5, on_server_publication: Any = None,
               max_age: float = 600.0, max_bytes: int = 256 << 20) -> AsyncIterator[tuple[EventBus, list[Publication]]]:
    """A started bus of ``kind`` and the publications its listener got."""
    bus: EventBus
    if kind == "memory":
        bus = MemoryBus(history_size, max_bytes=max_bytes, max_age=max_age)
    else:  # a prefix of its own per test: streams start empty
        bus = NatsBus(f"nats://127.0.0.1:{nats_port}", prefix=f"c{secrets.token_hex(3)}", history_size=history_size,
                      max_bytes=max_bytes, max_age=max_age)
    received: list[Publication] = []
    bus.set_listener(received.append)

    async def refuse(request: ServerPublication) -> dict[str, Any]:
        return {"error": "not_in_this_test"}

    await bus.start(on_server_publication or refuse)
    assert await _wait_ping(bus)
    try:
        yield bus, received
    finally:
        await bus.close()


async def _wait_ping(bus: EventBus) -> bool:
    for _ in range(250):
        if await bus.ping():
            return True
        await asyncio.sleep(0.02)
    return False


@pytest.fixture(params=["memory", "nats"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_offsets_grow_by_one_per_stream_and_the_frame_carries_them(kind: str, nats_service: Service) -> None:
    async def scenario() -> None:
        async with _bus(kind, nats_service.port) as (bus, _):
            empty = await bus.position("room:a")
            assert empty.offset == 0
            first = await bus.publish("room:a", _frame("x"))
            second = await bus.publish("room:a", _frame("y"))
            other = await bus.publish("room:b", _frame("z"))
            assert [first.offset, second.offset, other.offset] == [1, 2, 1]
            assert first.epoch == second.epoch != "" and empty.epoch != ""  # a run may start a new epoch
            assert json.loads(second.frame) == {"tag": "y", "epoch": second.epoch, "offset": 2}
            assert (await bus.position("room:a")).offset == 2

    run(scenario())


def test_history_replays_exactly_what_was_missed_or_refuses(kind: str, nats_service: Service) -> None:
    async def scenario() -> None:
        async with _bus(kind, nats_service.port, history_size=5) as (bus, _):
            pubs = [await bus.publish("player:p", _frame(f"m{i}")) for i in range(8)]
            epoch = pubs[0].epoch
            missed = await bus.history("player:p", epoch, 5)
            assert [p.offset for p in missed] == [6, 7, 8]
            assert [p.frame for p in missed] == [p.frame for p in pubs[5:]]  # the stored bytes, once encoded
            assert await bus.history("player:p", epoch, 8) == []
            with pytest.raises(HistoryGap):
                await bus.history("player:p", epoch, 2)  # 6 missed, 5 kept: never a partial replay
            with pytest.raises(HistoryGap):
                await bus.history("player:p", "another-epoch", 7)
            with pytest.raises(HistoryGap):
                await bus.history("player:p", epoch, 9)  # ahead of the stream

    run(scenario())


def test_subscribers_get_publications_until_they_unsubscribe(kind: str, nats_service: Service) -> None:
    async def scenario() -> None:
        async with _bus(kind, nats_service.port) as (bus, received):
            await bus.publish("room:s", _frame("before"))  # nobody here followed it yet
            await bus.subscribe("room:s")
            await bus.subscribe("presence:s")
            await bus.publish("room:s", _frame("one"))
            await bus.publish("presence:s", constant_frame(b'{"internal":true}'))
            await bus.publish("room:other", _frame("not followed"))
            assert await _eventually(lambda: len(received) >= 2)
            await asyncio.sleep(0.1)
            assert sorted(p.stream for p in received) == ["presence:s", "room:s"]
            [event] = [p for p in received if p.stream == "room:s"]
            assert (json.loads(event.frame)["tag"], event.offset) == ("one", 2)
            await bus.unsubscribe("room:s")
            await bus.publish("room:s", _frame("after"))
            await asyncio.sleep(0.2)
            assert [json.loads(p.frame).get("tag") for p in received if p.stream == "room:s"] == ["one"]

    run(scenario())


def test_internal_streams_carry_no_position_and_keep_no_history(kind: str, nats_service: Service) -> None:
    async def scenario() -> None:
        async with _bus(kind, nats_service.port) as (bus, received):
            await bus.subscribe("state:r")
            for i in range(3):
                await bus.publish("state:r", constant_frame(f"[{i},{{}}]".encode()))
            assert await _eventually(lambda: len(received) == 3)
            assert [p.frame for p in received] == [b"[0,{}]", b"[1,{}]", b"[2,{}]"]  # in order

    run(scenario())


def test_nats_hands_backend_publications_to_the_node_and_answers(nats_service: Service) -> None:
    async def scenario() -> None:
        asked: list[ServerPublication] = []

        async def handle(request: ServerPublication) -> dict[str, Any]:
            asked.append(request)
            return {"stream": request.stream, "epoch": "e", "offset": len(asked)}

        async with _bus("nats", nats_service.port, on_server_publication=handle) as (bus, _):
            assert isinstance(bus, NatsBus)
            client = await nats.connect(f"nats://127.0.0.1:{nats_service.port}")
            body = b'{"from":"matchmaker","data":{"go":1}}'
            for _ in range(100):  # the gateway's subscription is made once it is connected
                try:
                    answer = await client.request(f"{bus.prefix}.publish.room.arena", body, timeout=0.5)
                    break
                except nats.errors.NoRespondersError:
                    await asyncio.sleep(0.05)
            assert msgspec.json.decode(answer.data) == {"stream": "room:arena", "epoch": "e", "offset": 1}
            player = "b" + "ø" * 3  # player ids are base64url in the subject
            token = base64.urlsafe_b64encode(player.encode()).rstrip(b"=").decode()
            answer = await client.request(f"{bus.prefix}.publish.player.{token}", body, timeout=2)
            assert asked[1] == ServerPublication(f"player:{player}", body)
            await client.close()

    run(scenario())


def test_history_ages_out_and_offsets_never_repeat_within_an_epoch(kind: str, nats_service: Service) -> None:
    async def scenario() -> None:
        async with _bus(kind, nats_service.port, max_age=1.0) as (bus, _):
            old = [await bus.publish("room:aging", _frame(f"a{i}")) for i in range(3)]
            await asyncio.sleep(2.5)  # JetStream expires by max_age on its own timer
            with pytest.raises(HistoryGap):
                await bus.history("room:aging", old[0].epoch, 1)  # aged out: the client reloads
            new = await bus.publish("room:aging", _frame("b"))
            # Either the run goes on (offset 4 in the same epoch) or a new one starts under a new epoch; never
            # an old offset again in the old epoch, which a client would drop as already seen.
            assert (new.epoch, new.offset) == (old[0].epoch, 4) or (new.epoch != old[0].epoch and new.offset == 1)
            assert await bus.history("room:aging", new.epoch, new.offset - 1) == [new]

    run(scenario())


def test_history_is_bounded_in_bytes_for_all_streams_together(kind: str, nats_service: Service) -> None:
    budget = 64 * 1024

    async def scenario() -> None:
        async with _bus(kind, nats_service.port, history_size=1000, max_bytes=budget) as (bus, _):
            payload = "x" * 2000
            for i in range(100):  # 200 KB into a 64 KB budget, across 20 streams
                await bus.publish(f"player:p{i % 20}", _frame(payload))
            if isinstance(bus, MemoryBus):
                held = bus.history_bytes
            else:
                assert isinstance(bus, NatsBus)
                client = await nats.connect(f"nats://127.0.0.1:{nats_service.port}")
                info = await client.jetstream().stream_info(bus.stream_name)
                await client.close()
                held = info.state.bytes
                assert (info.config.max_bytes, info.config.max_age) == (budget, 600.0)
                assert info.config.max_msg_size == bus.limits["max_msg_size"]
            assert 0 < held <= budget
            latest = await bus.position("player:p19")
            assert [p.offset for p in await bus.history("player:p19", latest.epoch, latest.offset - 1)] == [
                latest.offset]  # the newest publications are kept
            with pytest.raises(HistoryGap):
                await bus.history("player:p0", (await bus.position("player:p0")).epoch, 0)  # the oldest are not

    run(scenario())
