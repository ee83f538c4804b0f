"""The in-memory SessionStore: dictionaries with expiry times and a sweeper. One process only."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from realtimenet.backends.store import DeviceEntry, PresenceRecord, ResumeGrant, SessionRecord, token_key
from realtimenet.state.sync import RoomState


class MemorySessionStore:
    """SessionStore in a dict; ``sweep()`` (called by the node's tick) drops expired entries."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sessions: dict[str, tuple[float, SessionRecord]] = {}
        self._tokens: dict[str, tuple[float, ResumeGrant]] = {}
        self._states: dict[str, RoomState] = {}
        self._devices: dict[str, dict[str, tuple[float, DeviceEntry]]] = {}
        self._last_seen: dict[str, float] = {}
        self._members: dict[str, dict[str, tuple[float, str]]] = {}  # room -> session -> (expires, player)

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

    async def put_device(self, player_id: str, session_id: str, entry: DeviceEntry, ttl: float) -> None:
        self._devices.setdefault(player_id, {})[session_id] = (self._clock() + ttl, entry)

    async def drop_device(self, player_id: str, session_id: str, last_seen: float) -> None:
        devices = self._devices.get(player_id)
        if devices is not None:
            devices.pop(session_id, None)
            if not devices:
                del self._devices[player_id]
        self._last_seen[player_id] = last_seen

    async def presence(self, player_ids: list[str]) -> list[PresenceRecord]:
        now = self._clock()
        return [PresenceRecord(devices=[entry for expires, entry in self._devices.get(p, {}).values() if expires > now],
                               last_seen=self._last_seen.get(p)) for p in player_ids]

    async def put_member(self, room: str, session_id: str, player_id: str, ttl: float) -> None:
        self._members.setdefault(room, {})[session_id] = (self._clock() + ttl, player_id)

    async def drop_member(self, room: str, session_id: str) -> None:
        members = self._members.get(room)
        if members is not None:
            members.pop(session_id, None)
            if not members:
                del self._members[room]

    async def members(self, room: str) -> list[str]:
        now = self._clock()
        return sorted({player for expires, player in self._members.get(room, {}).values() if expires > now})

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
        return (len(dead_sessions) + len(dead_tokens) + _sweep_entries(self._devices, now)
                + _sweep_entries(self._members, now))

    def __len__(self) -> int:
        """Live entries (sessions, tokens, devices, room memberships); last-seen times are kept on purpose."""
        return (len(self._sessions) + len(self._tokens) + sum(map(len, self._devices.values()))
                + sum(map(len, self._members.values())))

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._sessions.clear()
        self._tokens.clear()


def _sweep_entries(table: dict[str, dict[str, tuple[float, Any]]], now: float) -> int:
    """Drops the expired (deadline, value) entries of every group, and groups left empty; how many went."""
    dropped = 0
    for group in list(table):
        entries = table[group]
        for key in [k for k, (expires, _) in entries.items() if expires <= now]:
            del entries[key]
            dropped += 1
        if not entries:
            del table[group]
    return dropped
