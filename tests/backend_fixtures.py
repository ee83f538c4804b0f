"""Fixtures for the backend contract tests: every implementation of a port, behind one ``Stores`` or bus,
on a real redis-server / nats-server (started on free loopback ports) or in memory."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realtimenet.backends.memory import memory_stores
from realtimenet.backends.redis_connection import RedisConnection
from realtimenet.backends.redis_stores import redis_stores
from realtimenet.backends.registry import BackendOptions, Stores
from tests.services import Service, nats_server, redis_server

STORE_KINDS = ["memory", "redis"]


class Clock:
    """A clock the test moves by hand (the stores' deadlines follow it)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def redis_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = redis_server(tmp_path_factory.mktemp("redis")).start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def nats_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = nats_server(Path(tmp_path_factory.mktemp("nats"))).start()
    yield service
    service.stop()


def make_stores(kind: str, redis: Service, clock: Clock, options: BackendOptions | None = None) -> Stores:
    """Fresh stores of ``kind`` on ``clock``; Redis ones under a key prefix of their own."""
    if kind == "memory":
        return memory_stores(clock, options)
    return redis_stores(RedisConnection(f"redis://127.0.0.1:{redis.port}/0", prefix=f"t{id(clock)}", clock=clock),
                        options)


@pytest.fixture(params=STORE_KINDS)
def stores(request: pytest.FixtureRequest, redis_service: Service) -> tuple[Stores, Clock]:
    clock = Clock()
    return make_stores(request.param, redis_service, clock), clock


@pytest.fixture(params=STORE_KINDS)
def short_lived_stores(request: pytest.FixtureRequest, redis_service: Service) -> tuple[Stores, Clock]:
    """Stores whose room state and last-seen times live 0.2 s (Redis expires on its own clock)."""
    clock = Clock()
    options = BackendOptions(state_ttl=0.2, last_seen_ttl=0.2)
    return make_stores(request.param, redis_service, clock, options), clock
