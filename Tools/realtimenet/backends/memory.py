"""The embedded backends (``memory``): stores in dictionaries and a bus by direct call, one process only,
so ``make run`` needs nothing else."""

from __future__ import annotations

import time
from collections.abc import Callable

from realtimenet.backends.bus_memory import MemoryBus
from realtimenet.backends.nodes_memory import MemoryNodeDirectory
from realtimenet.backends.presence_memory import MemoryPresenceStore
from realtimenet.backends.registry import BackendOptions, Stores
from realtimenet.backends.sessions_memory import MemorySessionStore
from realtimenet.backends.state_memory import MemoryStateStore


class MemoryStoreConnection:
    """The in-memory stores' shared part: always ready; the node's tick sweeps what expired."""

    def __init__(self, sessions: MemorySessionStore, presence: MemoryPresenceStore, state: MemoryStateStore,
                 nodes: MemoryNodeDirectory) -> None:
        self._sessions = sessions
        self._presence = presence
        self._state = state
        self._nodes = nodes

    async def ping(self) -> bool:
        return True

    def sweep(self) -> int:
        return self._sessions.sweep() + self._presence.sweep() + self._state.sweep() + self._nodes.sweep()

    async def close(self) -> None:
        return None


def memory_stores(clock: Callable[[], float] = time.monotonic, options: BackendOptions | None = None) -> Stores:
    """Fresh in-memory stores on ``clock`` (monotonic seconds: one process compares its own deadlines)."""
    options = options or BackendOptions()
    sessions = MemorySessionStore(clock)
    presence = MemoryPresenceStore(clock, last_seen_ttl=options.last_seen_ttl,
                                   last_seen_max_players=options.last_seen_max_players)
    state = MemoryStateStore(clock, ttl=options.state_ttl)
    nodes = MemoryNodeDirectory(clock)
    return Stores(sessions=sessions, presence=presence, state=state, nodes=nodes,
                  connection=MemoryStoreConnection(sessions, presence, state, nodes))


def open_stores(url: str, options: BackendOptions) -> Stores:
    """Registry factory of ``memory``."""
    return memory_stores(options=options)


def open_bus(url: str, options: BackendOptions) -> MemoryBus:
    """Registry factory of ``memory``."""
    return MemoryBus(options.history_size, max_streams=options.history_max_streams,
                     max_bytes=options.history_max_bytes, max_age=options.history_max_age)
