"""Node-level work that nobody awaits (store writes, bus subscriptions, presence announcements)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol, TypeVar

from realtimenet.exceptions import BackendUnavailable
from realtimenet.gateway.metrics import Metrics

log = logging.getLogger("realtimenet.node")

T = TypeVar("T")

# Writes a round keeps in flight at once: enough to keep a remote store's round trips overlapped, few enough
# that a round over 10,000 connections is a few dozen tasks (one task per connection, 20,000 at every presence
# refresh, was tens of MB allocated at once and the gateway's RSS high-water mark).
ROUND_CONCURRENCY = 64


class TaskHandle(Protocol):
    def cancel(self) -> Any: ...


class Spawn(Protocol):
    """Starts a coroutine on the event loop (``loop.create_task``); tests may run them by hand."""

    def __call__(self, coro: Coroutine[Any, Any, None], /) -> TaskHandle: ...


class Background:
    """Runs coroutines without blocking the caller; a failure is logged and counted, never raised."""

    def __init__(self, spawn: Spawn | None, metrics: Metrics) -> None:
        self._spawn = spawn
        self._metrics = metrics
        self._running: set[TaskHandle] = set()
        self._rounds: set[str] = set()  # names of the rounds under way

    def run(self, coro: Coroutine[Any, Any, None]) -> None:
        """Start ``coro``; without an event loop (sans-I/O tests) it is dropped: nothing to persist to."""
        if self._spawn is None:
            coro.close()
            return
        handle = self._spawn(self._logged(coro))
        self._running.add(handle)
        done = getattr(handle, "add_done_callback", None)
        if done is not None:
            done(lambda _: self._running.discard(handle))

    def run_each(self, name: str, items: Sequence[T], work: Callable[[T], Coroutine[Any, Any, None]]) -> None:
        """``work(item)`` for every item, from one task, at most ``ROUND_CONCURRENCY`` at a time, each failure
        logged and counted like ``run``'s. A round still under way when the next one of the same ``name`` is
        asked for (a slow store) finishes first, and the new one is skipped."""
        if self._spawn is None or name in self._rounds or not items:
            return
        self._rounds.add(name)

        async def round_of_work() -> None:
            try:
                for start in range(0, len(items), ROUND_CONCURRENCY):
                    await asyncio.gather(*(self._logged(work(item))
                                           for item in items[start:start + ROUND_CONCURRENCY]))
            finally:
                self._rounds.discard(name)

        self.run(round_of_work())

    async def _logged(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except BackendUnavailable as exc:
            self._metrics.backend_errors.labels(exc.backend).inc()
            log.warning("background write skipped: %s", exc)
        except Exception:  # background work must never kill the loop's error handler quietly
            log.exception("background task failed")
