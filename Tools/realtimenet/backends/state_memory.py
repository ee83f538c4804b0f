"""The in-memory StateStore: one dictionary entry per room, forgotten ``ttl`` seconds after its last update.
One process only."""

from __future__ import annotations

import time
from collections.abc import Callable

from realtimenet.backends.expiry import sweep_expired
from realtimenet.state.sync import RoomState


class MemoryStateStore:
    """StateStore in a dictionary; ``sweep()`` forgets rooms not updated for ``ttl`` seconds (0: never)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl: float = 0.0) -> None:
        self._clock = clock
        self._ttl = ttl
        self._states: dict[str, tuple[float, RoomState]] = {}  # room -> (deadline, state)

    async def load_state(self, room: str) -> RoomState:
        entry = self._states.get(room)
        if entry is None or (self._ttl and entry[0] <= self._clock()):
            return RoomState()
        return entry[1]

    async def commit_state(self, room: str, expected_version: int, state: RoomState) -> bool:
        if (await self.load_state(room)).version != expected_version:
            return False
        self._states[room] = (self._clock() + self._ttl, state)
        return True

    def sweep(self) -> int:
        """Forget the rooms whose state expired; how many went."""
        if not self._ttl:
            return 0
        return sweep_expired(self._states, self._clock())

    def __len__(self) -> int:
        return len(self._states)
