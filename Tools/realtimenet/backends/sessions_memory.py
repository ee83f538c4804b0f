"""The in-memory SessionStore: dictionaries with deadlines, swept by the node's tick. One process only."""

from __future__ import annotations

import time
from collections.abc import Callable

from realtimenet.backends.expiry import sweep_expired
from realtimenet.backends.sessions import TAKE_REPEAT_GRACE, ResumeGrant, SessionRecord, token_key


class MemorySessionStore:
    """SessionStore in dictionaries; ``sweep()`` drops what expired."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sessions: dict[str, tuple[float, SessionRecord]] = {}
        self._tokens: dict[str, tuple[float, tuple[ResumeGrant, bool]]] = {}  # hash -> (deadline, (grant, taken))
        self._by_player: dict[str, set[str]] = {}  # player -> session ids (pruned when read and swept)

    async def save_session(self, record: SessionRecord, ttl: float) -> None:
        self._sessions[record.session_id] = (self._clock() + ttl, record)
        self._by_player.setdefault(record.player_id, set()).add(record.session_id)

    async def load_session(self, session_id: str) -> SessionRecord | None:
        entry = self._sessions.get(session_id)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    async def delete_session(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    async def sessions_of(self, player_id: str) -> list[SessionRecord]:
        ids = self._by_player.get(player_id, set())
        records = [record for record in map(self._live, sorted(ids)) if record is not None
                   and record.player_id == player_id]
        ids.intersection_update(r.session_id for r in records)
        if not ids:
            self._by_player.pop(player_id, None)
        return records

    def _live(self, session_id: str) -> SessionRecord | None:
        entry = self._sessions.get(session_id)
        return entry[1] if entry is not None and entry[0] > self._clock() else None

    async def put_resume_token(self, token: str, grant: ResumeGrant, ttl: float) -> None:
        self._tokens[token_key(token)] = (self._clock() + ttl, (grant, False))

    async def take_resume_token(self, token: str) -> ResumeGrant | None:
        key, now = token_key(token), self._clock()
        entry = self._tokens.get(key)
        if entry is None or entry[0] <= now:
            return None
        grant, taken = entry[1]
        if not taken:
            self._tokens[key] = (now + TAKE_REPEAT_GRACE, (grant, True))
        return grant

    async def forget_resume_token(self, token: str) -> None:
        self._tokens.pop(token_key(token), None)

    def sweep(self) -> int:
        """Drop expired sessions and tokens; returns how many went."""
        now = self._clock()
        dropped = sweep_expired(self._sessions, now) + sweep_expired(self._tokens, now)
        for player in [p for p, ids in self._by_player.items() if not ids & self._sessions.keys()]:
            del self._by_player[player]
        return dropped

    def __len__(self) -> int:
        """Live sessions and tokens."""
        return len(self._sessions) + len(self._tokens)
