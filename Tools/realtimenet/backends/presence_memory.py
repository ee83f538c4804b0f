"""The in-memory PresenceStore: devices and memberships with deadlines, swept by the node's tick; last-seen
times for ``last_seen_ttl`` and at most ``last_seen_max_players`` players (the longest gone go first)."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable

from realtimenet.backends.expiry import sweep_expired, sweep_groups
from realtimenet.backends.presence import DeviceEntry, PresenceRecord, RoomCount


class MemoryPresenceStore:
    """PresenceStore in dictionaries; ``sweep()`` drops expired devices and memberships."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, last_seen_ttl: float = 30 * 86_400.0,
                 last_seen_max_players: int = 100_000) -> None:
        self._clock = clock
        self._last_seen_ttl = last_seen_ttl
        self._last_seen_max = last_seen_max_players
        self._devices: dict[str, dict[str, tuple[float, DeviceEntry]]] = {}  # player -> session -> entry
        self._last_seen: dict[str, tuple[float, float]] = {}  # player -> (deadline, last seen)
        self._members: dict[str, dict[str, tuple[float, str]]] = {}  # room -> session -> (deadline, player)

    async def put_device(self, player_id: str, session_id: str, entry: DeviceEntry, ttl: float) -> None:
        self._devices.setdefault(player_id, {})[session_id] = (self._clock() + ttl, entry)

    async def drop_device(self, player_id: str, session_id: str, last_seen: float) -> None:
        devices = self._devices.get(player_id)
        if devices is not None:
            devices.pop(session_id, None)
            if not devices:
                del self._devices[player_id]
        self._last_seen.pop(player_id, None)  # re-inserted last: the dictionary stays in order of departure
        self._last_seen[player_id] = (self._clock() + self._last_seen_ttl, last_seen)
        if len(self._last_seen) > self._last_seen_max:
            del self._last_seen[next(iter(self._last_seen))]

    async def presence(self, player_ids: list[str]) -> list[PresenceRecord]:
        now = self._clock()
        return [PresenceRecord(devices=[entry for expires, entry in self._devices.get(p, {}).values() if expires > now],
                               last_seen=self._seen(p, now)) for p in player_ids]

    async def device(self, player_id: str, session_id: str) -> DeviceEntry | None:
        entry = self._devices.get(player_id, {}).get(session_id)
        return entry[1] if entry is not None and entry[0] > self._clock() else None

    def _seen(self, player_id: str, now: float) -> float | None:
        entry = self._last_seen.get(player_id)
        return entry[1] if entry is not None and entry[0] > now else None

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

    async def rooms(self, after: str, limit: int) -> list[RoomCount]:
        now = self._clock()
        names = sorted(self._members)
        found: list[RoomCount] = []
        for room in names[bisect.bisect_right(names, after):]:
            live = [player for expires, player in self._members[room].values() if expires > now]
            if live:
                found.append(RoomCount(room, len(set(live)), len(live)))
                if len(found) >= limit:
                    break
        return found

    def sweep(self) -> int:
        """Drop expired devices, memberships and last-seen times; returns how many went."""
        now = self._clock()
        return (sweep_groups(self._devices, now) + sweep_groups(self._members, now)
                + sweep_expired(self._last_seen, now))

    def __len__(self) -> int:
        """Live devices and memberships."""
        return sum(map(len, self._devices.values())) + sum(map(len, self._members.values()))
