"""StateStore: each room's versioned JSON document and change log, committed by compare-and-set so that
concurrent updates on any number of nodes produce one version sequence."""

from __future__ import annotations

from typing import Protocol

from realtimenet.state.sync import RoomState


class StateStore(Protocol):
    """Room state with compare-and-set commits."""

    async def load_state(self, room: str) -> RoomState:
        """The room's state (version 0 and an empty document if it has none yet)."""

    async def commit_state(self, room: str, expected_version: int, state: RoomState) -> bool:
        """Store ``state`` if the room is still at ``expected_version``; False if someone was faster."""
