"""Node-level work that nobody awaits (store writes, bus subscriptions, presence announcements)."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any, Protocol

from realtimenet.exceptions import BackendUnavailable
from realtimenet.gateway.metrics import Metrics

log = logging.getLogger("realtimenet.node")


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

    async def _logged(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except BackendUnavailable as exc:
            self._metrics.backend_errors.labels(exc.backend).inc()
            log.warning("background write skipped: %s", exc)
        except Exception:  # background work must never kill the loop's error handler quietly
            log.exception("background task failed")
