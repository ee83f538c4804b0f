"""The chaos runs' fault proxy (tests/faultproxy.py): it forwards faithfully, and each fault does what it says."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from tests.faultproxy import FaultProxy, ProxyThread
from tests.services import redis_cli, redis_server


@asynccontextmanager
async def echo_upstream() -> AsyncIterator[int]:
    """A loopback TCP echo server; yields its port."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


def run(scenario: Callable[[FaultProxy], Awaitable[None]], **options: float) -> None:
    async def main() -> None:
        async with echo_upstream() as port:
            proxy = await FaultProxy(port, **options).start()  # type: ignore[arg-type]
            try:
                await asyncio.wait_for(scenario(proxy), 20)
            finally:
                await proxy.stop()
    asyncio.run(main())


async def roundtrip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes,
                    timeout: float = 5.0) -> bytes:
    writer.write(data)
    await writer.drain()
    return await asyncio.wait_for(reader.readexactly(len(data)), timeout)


def test_bytes_pass_unchanged_in_both_directions_with_back_pressure() -> None:
    async def scenario(proxy: FaultProxy) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        data = os.urandom(4 * 2**20)  # more than the proxy's queues and the socket buffers hold
        assert await roundtrip(reader, writer, data, timeout=15) == data
        writer.close()
        assert proxy.stats.bytes_up == proxy.stats.bytes_down == len(data)
        assert proxy.stats.accepted == 1
    run(scenario)


def test_latency_delays_each_direction_and_jitter_never_reorders() -> None:
    async def scenario(proxy: FaultProxy) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await roundtrip(reader, writer, b"warm") == b"warm"
        proxy.set_latency(0.1, jitter=0.05)
        started = time.monotonic()
        assert await roundtrip(reader, writer, b"x") == b"x"
        assert 0.2 <= time.monotonic() - started < 1.5  # 0.1 s up, 0.1 s down, plus jitter
        sent = b"".join(f"{i:05d}".encode() for i in range(200))
        for i in range(200):  # 200 separate chunks, each with its own jitter
            writer.write(sent[5 * i: 5 * i + 5])
            await writer.drain()
            await asyncio.sleep(0.001)
        assert await asyncio.wait_for(reader.readexactly(len(sent)), 10) == sent
        proxy.set_latency(0)
        started = time.monotonic()
        assert await roundtrip(reader, writer, b"y") == b"y"
        assert time.monotonic() - started < 0.1
        writer.close()
    run(scenario, seed=7)


def test_reset_all_ends_every_connection_with_a_reset_and_new_ones_work() -> None:
    async def scenario(proxy: FaultProxy) -> None:
        conns = [await asyncio.open_connection("127.0.0.1", proxy.port) for _ in range(3)]
        for reader, writer in conns:
            assert await roundtrip(reader, writer, b"hi") == b"hi"
        assert proxy.connections == 3
        assert proxy.reset_all() == 3
        for reader, _ in conns:
            with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
                await asyncio.wait_for(reader.readexactly(1), 5)
        assert proxy.stats.resets == 3 and proxy.connections == 0
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await roundtrip(reader, writer, b"again") == b"again"
        writer.close()
    run(scenario)


def test_a_partition_holds_everything_and_healing_delivers_it_all_in_order() -> None:
    async def scenario(proxy: FaultProxy) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await roundtrip(reader, writer, b"before") == b"before"
        proxy.partition()
        writer.write(b"during")
        await writer.drain()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.readexactly(6), 0.5)  # silence, not an error
        # A connection opened during the partition is accepted by the kernel but gets no answer either.
        late_reader, late_writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        late_writer.write(b"late")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(late_reader.readexactly(4), 0.3)
        assert proxy.partitioned and proxy.stats.partitions == 1
        proxy.heal()
        assert await asyncio.wait_for(reader.readexactly(6), 5) == b"during"
        assert await asyncio.wait_for(late_reader.readexactly(4), 5) == b"late"
        assert await roundtrip(reader, writer, b"after") == b"after"
        writer.close()
        late_writer.close()
    run(scenario)


def test_healing_with_reset_ends_the_connections_the_partition_held() -> None:
    async def scenario(proxy: FaultProxy) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await roundtrip(reader, writer, b"a") == b"a"
        proxy.partition()
        writer.write(b"lost with the connection")
        await asyncio.sleep(0.1)
        proxy.heal(reset=True)
        with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
            await asyncio.wait_for(reader.readexactly(1), 5)
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await roundtrip(reader, writer, b"fresh") == b"fresh"
        writer.close()
    run(scenario)


def test_a_lossy_link_resets_connections_with_the_given_probability() -> None:
    async def scenario(proxy: FaultProxy) -> None:
        proxy.reset_probability = 1.0
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"doomed")
        with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
            await asyncio.wait_for(reader.readexactly(6), 5)
        assert proxy.stats.resets == 1
        proxy.reset_probability = 0.0
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await roundtrip(reader, writer, b"fine") == b"fine"
        writer.close()
    run(scenario)


def test_connections_over_the_bound_are_refused() -> None:
    async def scenario(proxy: FaultProxy) -> None:
        kept = [await asyncio.open_connection("127.0.0.1", proxy.port) for _ in range(2)]
        for reader, writer in kept:
            assert await roundtrip(reader, writer, b"k") == b"k"
        reader, _ = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await asyncio.wait_for(reader.read(1), 5) == b""  # closed at once
        assert proxy.stats.refused == 1
        for _, writer in kept:
            writer.close()
    run(scenario, max_connections=2)


def test_an_unreachable_upstream_resets_the_client() -> None:
    async def scenario(proxy: FaultProxy) -> None:
        reader, _ = await asyncio.open_connection("127.0.0.1", proxy.port)
        with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
            await asyncio.wait_for(reader.readexactly(1), 5)
        assert proxy.stats.upstream_failures == 1

    async def main() -> None:
        async with echo_upstream() as port:
            pass  # closed again: nothing listens on the port now
        proxy = await FaultProxy(port).start()
        try:
            await scenario(proxy)
        finally:
            await proxy.stop()
    asyncio.run(main())


def test_a_real_redis_behind_the_proxy_thread_answers_stalls_and_recovers(tmp_path: object) -> None:
    from pathlib import Path

    redis = redis_server(Path(str(tmp_path))).start()
    proxies = ProxyThread()
    try:
        proxy = proxies.proxy(redis.port)
        assert redis_cli(proxy.port, "ping").strip() == "PONG"
        proxies.call(proxy.partition)
        with pytest.raises(Exception, match="timed out"):
            redis_cli(proxy.port, "ping", timeout=1.0)
        proxies.call(proxy.heal)
        assert redis_cli(proxy.port, "ping").strip() == "PONG"
        proxies.call(lambda: proxy.set_latency(0.2))
        started = time.monotonic()
        assert redis_cli(proxy.port, "ping").strip() == "PONG"
        assert time.monotonic() - started >= 0.4
    finally:
        proxies.close()
        redis.stop()
