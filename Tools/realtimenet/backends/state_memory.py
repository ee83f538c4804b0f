"""The in-memory StateStore: one dictionary entry per room. One process only."""

from __future__ import annotations

from realtimenet.state.sync import RoomState


class MemoryStateStore:
    """StateStore in a dictionary (room states do not expire)."""

    def __init__(self) -> None:
        self._states: dict[str, RoomState] = {}

    async def load_state(self, room: str) -> RoomState:
        return self._states.get(room) or RoomState()

    async def commit_state(self, room: str, expected_version: int, state: RoomState) -> bool:
        current = self._states.get(room)
        if (current.version if current else 0) != expected_version:
            return False
        self._states[room] = state
        return True

    def __len__(self) -> int:
        return len(self._states)
