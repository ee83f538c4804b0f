"""A TCP proxy on the loopback that injects network faults between two real processes (a gateway and its
Redis or NATS server), for the chaos runs (bench/chaos.py) and their tests.

Faults, each switchable at any time while connections are open:

- **latency**: every chunk is delivered ``latency`` (+ up to ``jitter``) seconds after it was read, in order,
  in both directions;
- **reset**: ``reset_all()`` ends every open connection with a TCP RST at once (a crashed middlebox, a
  failover); ``reset_probability`` resets a connection on any chunk with that probability (a lossy link
  that keeps breaking connections);
- **partition**: ``partition()`` stops forwarding in both directions and holds new connections unanswered,
  as a network that drops every packet would: nothing is lost or reordered in the TCP streams (the
  sending kernels keep their data, as TCP would retransmit it), the endpoints see only silence and their
  own timeouts. ``heal()`` lets everything through again; ``heal(reset=True)`` ends the held connections
  instead, as after a partition long enough for TCP to give up.

Bounded: at most ``max_connections`` open at once and ``QUEUE_CHUNKS`` chunks in flight per direction (a
full queue stops the reads, so back-pressure reaches the sender as it would through a slow link). Binds
127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

QUEUE_CHUNKS = 256
READ_BYTES = 65536
T = TypeVar("T")


@dataclass
class ProxyStats:
    """What a proxy did since it started."""

    accepted: int = 0
    refused: int = 0  # over max_connections
    upstream_failures: int = 0  # the upstream could not be reached
    resets: int = 0  # connections ended with a RST by a fault
    bytes_up: int = 0  # client -> upstream
    bytes_down: int = 0  # upstream -> client
    partitions: int = 0


class _Link:
    """One proxied connection: the client's socket and the upstream's."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.closed = False

    def reset(self) -> None:
        """End both sides at once with a RST (SO_LINGER 0), dropping whatever is queued."""
        if self.closed:
            return
        self.closed = True
        for writer in (self.client, self.upstream):
            if writer is None:
                continue
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()

    def close(self) -> None:
        """End both sides normally (a FIN after what was written)."""
        if self.closed:
            return
        self.closed = True
        for writer in (self.client, self.upstream):
            if writer is not None:
                writer.close()
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()


class FaultProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``; see the module's docstring for the faults."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1", *, port: int = 0,
                 max_connections: int = 1024, seed: int = 0, name: str = "") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.name = name or f"proxy->{upstream_port}"
        self.latency = 0.0
        self.jitter = 0.0
        self.reset_probability = 0.0
        self.max_connections = max_connections
        self.stats = ProxyStats()
        self._wanted_port = port
        self._random = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._open = asyncio.Event()  # set while not partitioned
        self._open.set()

    @property
    def port(self) -> int:
        """The port clients connect to instead of the upstream's."""
        assert self._server is not None, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connections(self) -> int:
        """Connections open now."""
        return len(self._links)

    @property
    def partitioned(self) -> bool:
        return not self._open.is_set()

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self._wanted_port,
                                                  reuse_address=True)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.close()
        self._links.clear()
        self._open.set()
        if self._server is not None:
            await self._server.wait_closed()

    # ----- faults -----------------------------------------------------------------------------------

    def set_latency(self, latency: float, jitter: float = 0.0) -> None:
        """Delay every chunk by ``latency`` + uniform(0, ``jitter``) seconds, order kept."""
        self.latency, self.jitter = max(0.0, latency), max(0.0, jitter)

    def reset_all(self) -> int:
        """End every open connection with a RST; returns how many."""
        links = list(self._links)
        for link in links:
            link.reset()
        self._links.clear()
        self.stats.resets += len(links)
        return len(links)

    def partition(self) -> None:
        """Forward nothing, in either direction, and leave new connections unanswered, until ``heal``."""
        if self._open.is_set():
            self.stats.partitions += 1
        self._open.clear()

    def heal(self, reset: bool = False) -> None:
        """End the partition; with ``reset`` the connections it held are ended with a RST instead."""
        if reset:
            self.reset_all()
        self._open.set()

    # ----- forwarding -------------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._links) >= self.max_connections:
            self.stats.refused += 1
            writer.close()
            return
        self.stats.accepted += 1
        link = _Link(writer)
        self._links.add(link)
        try:
            await self._open.wait()  # a partitioned network does not answer the SYN either
            if link.closed:
                return
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                self.stats.upstream_failures += 1
                link.reset()
                return
            link.upstream = up_writer
            if link.closed:  # reset while connecting
                up_writer.transport.abort()
                return
            link.tasks = [asyncio.current_task()]  # type: ignore[list-item]
            up = asyncio.ensure_future(self._pump(link, reader, up_writer, "bytes_up"))
            down = asyncio.ensure_future(self._pump(link, up_reader, writer, "bytes_down"))
            link.tasks += [up, down]
            await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
            await asyncio.gather(up, down, return_exceptions=True)
        except asyncio.CancelledError:
            pass
        finally:
            link.close()
            self._links.discard(link)

    async def _pump(self, link: _Link, source: asyncio.StreamReader, sink: asyncio.StreamWriter, counter: str) -> None:
        """Read ``source``, deliver to ``sink`` after the latency; ends when either side ends."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(QUEUE_CHUNKS)
        writer = asyncio.ensure_future(self._deliver(link, queue, sink, counter))
        link.tasks.append(writer)
        try:
            while not link.closed:
                await self._open.wait()
                chunk = await source.read(READ_BYTES)
                if not chunk:
                    break
                if self.reset_probability and self._random.random() < self.reset_probability:
                    self.stats.resets += 1
                    link.reset()
                    return
                delay = self.latency + (self._random.uniform(0, self.jitter) if self.jitter else 0.0)
                await queue.put((time.monotonic() + delay, chunk))
            await queue.put((0.0, b""))  # end of stream, after what is queued
            await writer
        except (OSError, asyncio.IncompleteReadError):
            link.reset()
        finally:
            writer.cancel()

    async def _deliver(self, link: _Link, queue: asyncio.Queue[tuple[float, bytes]], sink: asyncio.StreamWriter,
                       counter: str) -> None:
        last = 0.0
        try:
            while True:
                due, chunk = await queue.get()
                if not chunk:
                    if sink.can_write_eof():
                        sink.write_eof()
                    return
                due = max(due, last)  # jitter never reorders a stream
                last = due
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._open.wait()
                sink.write(chunk)
                setattr(self.stats, counter, getattr(self.stats, counter) + len(chunk))
                await sink.drain()
        except OSError:
            link.reset()


class ProxyThread:
    """Fault proxies on an event loop of their own, in a daemon thread, for code that blocks (the Python
    client, the chaos run's orchestration). Every method is thread-safe."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fault-proxies", daemon=True)
        self._thread.start()
        self.proxies: list[FaultProxy] = []

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        async def wrapper() -> T:
            return fn()
        return self.run(wrapper(), timeout)

    def proxy(self, upstream_port: int, **options: Any) -> FaultProxy:
        """Start a proxy to 127.0.0.1:``upstream_port``; change its faults with ``call``."""
        proxy = self.run(FaultProxy(upstream_port, **options).start())
        self.proxies.append(proxy)
        return proxy

    def close(self) -> None:
        for proxy in self.proxies:
            with contextlib.suppress(Exception):
                self.run(proxy.stop(), 5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self.loop.close()
