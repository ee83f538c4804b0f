"""The in-memory SessionStore: dictionaries with expiry times and a sweeper. One process only."""

from __future__ import annotations

import time
from collections.abc import Callable

from realtimenet.backends.store import ResumeGrant, SessionRecord, token_key
from realtimenet.state.sync import RoomState


class MemorySessionStore:
    """SessionStore in a dict; ``sweep()`` (called by the node's tick) drops expired entries."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sessions: dict[str, tuple[float, SessionRecord]] = {}
        self._tokens: dict[str, tuple[float, ResumeGrant]] = {}
        self._states: dict[str, RoomState] = {}

    async def save_session(self, record: SessionRecord, ttl: float) -> None:
        self._sessions[record.session_id] = (self._clock() + ttl, record)

    async def load_session(self, session_id: str) -> SessionRecord | None:
        entry = self._sessions.get(session_id)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    async def delete_session(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    async def put_resume_token(self, token: str, grant: ResumeGrant, ttl: float) -> None:
        self._tokens[token_key(token)] = (self._clock() + ttl, grant)

    async def take_resume_token(self, token: str) -> ResumeGrant | None:
        entry = self._tokens.pop(token_key(token), None)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    async def load_state(self, room: str) -> RoomState:
        return self._states.get(room) or RoomState()

    async def commit_state(self, room: str, expected_version: int, state: RoomState) -> bool:
        current = self._states.get(room)
        if (current.version if current else 0) != expected_version:
            return False
        self._states[room] = state
        return True

    def sweep(self) -> int:
        """Drop expired sessions and tokens; returns how many went."""
        now = self._clock()
        dead_sessions = [k for k, (expires, _) in self._sessions.items() if expires <= now]
        dead_tokens = [k for k, (expires, _) in self._tokens.items() if expires <= now]
        for key in dead_sessions:
            del self._sessions[key]
        for key in dead_tokens:
            del self._tokens[key]
        return len(dead_sessions) + len(dead_tokens)

    def __len__(self) -> int:
        return len(self._sessions) + len(self._tokens)

    async def close(self) -> None:
        self._sessions.clear()
        self._tokens.clear()
