"""The in-memory SessionStore: dictionaries with deadlines, swept by the node's tick. One process only."""

from __future__ import annotations

import time
from collections.abc import Callable

from realtimenet.backends.expiry import sweep_expired
from realtimenet.backends.sessions import ResumeGrant, SessionRecord, token_key


class MemorySessionStore:
    """SessionStore in dictionaries; ``sweep()`` drops what expired."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sessions: dict[str, tuple[float, SessionRecord]] = {}
        self._tokens: dict[str, tuple[float, ResumeGrant]] = {}

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

    def sweep(self) -> int:
        """Drop expired sessions and tokens; returns how many went."""
        now = self._clock()
        return sweep_expired(self._sessions, now) + sweep_expired(self._tokens, now)

    def __len__(self) -> int:
        """Live sessions and tokens."""
        return len(self._sessions) + len(self._tokens)
