"""Background work: a round of writes over every connection stays bounded, whatever the number of connections."""

from __future__ import annotations

import asyncio

from prometheus_client import generate_latest

from realtimenet.exceptions import BackendUnavailable
from realtimenet.gateway.background import ROUND_CONCURRENCY, Background
from realtimenet.gateway.metrics import Metrics
from tests.conftest import metric_value


class _Store:
    """A store write that takes a moment, recording how many are in flight at once."""

    def __init__(self, fail: set[int] | None = None) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self.written: list[int] = []
        self.fail = fail or set()

    async def write(self, item: int) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.001)
            if item in self.fail:
                raise BackendUnavailable("store", "connection refused")
            self.written.append(item)
        finally:
            self.in_flight -= 1


async def _settle(background: Background) -> None:
    while background._running:
        await asyncio.sleep(0.01)


def test_a_round_over_many_connections_keeps_few_writes_in_flight_and_writes_them_all() -> None:
    async def scenario() -> tuple[_Store, int]:
        background = Background(asyncio.get_running_loop().create_task, Metrics())
        store = _Store()
        background.run_each("refresh", list(range(5000)), store.write)
        await asyncio.sleep(0)
        tasks = len(asyncio.all_tasks())
        await _settle(background)
        return store, tasks

    store, tasks_during = asyncio.run(scenario())
    assert sorted(store.written) == list(range(5000))
    assert store.most_in_flight == ROUND_CONCURRENCY
    assert tasks_during <= ROUND_CONCURRENCY + 2  # the round and its writes, not one task per connection


def test_a_round_asked_for_while_the_last_is_under_way_is_skipped() -> None:
    async def scenario() -> list[int]:
        background = Background(asyncio.get_running_loop().create_task, Metrics())
        store = _Store()
        background.run_each("refresh", list(range(200)), store.write)
        background.run_each("refresh", list(range(1000, 1200)), store.write)  # the store is slow: skipped
        background.run_each("other", [7], store.write)  # another round runs alongside
        await _settle(background)
        background.run_each("refresh", [9], store.write)  # the first one is over: this one runs
        await _settle(background)
        return store.written

    written = asyncio.run(scenario())
    assert sorted(written) == sorted([*range(200), 7, 9])  # nothing of the skipped round


def test_a_failed_write_in_a_round_is_counted_and_the_round_goes_on() -> None:
    async def scenario() -> tuple[_Store, Metrics]:
        metrics = Metrics()
        background = Background(asyncio.get_running_loop().create_task, metrics)
        store = _Store(fail={3, 150})
        background.run_each("refresh", list(range(300)), store.write)
        await _settle(background)
        return store, metrics

    store, metrics = asyncio.run(scenario())
    assert sorted(store.written) == [n for n in range(300) if n not in (3, 150)]
    text = generate_latest(metrics.registry).decode()
    assert metric_value(text, "realtimenet_backend_errors_total", {"backend": "store"}) == 2


def test_without_an_event_loop_a_round_does_nothing() -> None:
    store = _Store()
    Background(None, Metrics()).run_each("refresh", [1, 2, 3], store.write)
    assert store.written == []
