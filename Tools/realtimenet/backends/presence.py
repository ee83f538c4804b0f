"""PresenceStore: which devices of a player are connected (with status), when a player was last seen, and
which connections are members of a room, and which rooms have members, on every node.

Device and membership entries expire unless the node holding them refreshes them, so a crashed node's
devices and members vanish within the presence TTL.
"""

from __future__ import annotations

from typing import Protocol

import msgspec

NO_CUSTOM = msgspec.Raw(b"null")


class DeviceEntry(msgspec.Struct, kw_only=True):
    """One connected device's presence, written by the node that holds it. ``custom`` is the raw JSON the
    player set (``null``: none); msgspec decodes a Raw only on its own, not in a union with None."""

    status: str
    node_id: str
    updated_at: float
    custom: msgspec.Raw = msgspec.field(default_factory=lambda: NO_CUSTOM)
    session_id: str = ""  # the device's session (entries written before it existed have none)

    @property
    def has_custom(self) -> bool:
        return bytes(self.custom) != b"null"


class PresenceRecord(msgspec.Struct, kw_only=True):
    """What the store knows of one player: live devices and when the player was last seen."""

    devices: list[DeviceEntry]
    last_seen: float | None = None


class RoomCount(msgspec.Struct, frozen=True):
    """A room with live members: how many distinct players and how many connections."""

    room: str
    players: int
    connections: int


class PresenceStore(Protocol):
    """Devices, last-seen times and room memberships, with expiry."""

    async def put_device(self, player_id: str, session_id: str, entry: DeviceEntry, ttl: float) -> None:
        """Create or refresh one device's presence for ``ttl`` seconds."""

    async def drop_device(self, player_id: str, session_id: str, last_seen: float) -> None:
        """The device disconnected: forget it and remember when the player was last seen."""

    async def presence(self, player_ids: list[str]) -> list[PresenceRecord]:
        """Live devices and last-seen time of each player, in order."""

    async def device(self, player_id: str, session_id: str) -> DeviceEntry | None:
        """One live device entry (a session resumed elsewhere gets its status back from it), or None."""

    async def put_member(self, room: str, session_id: str, player_id: str, ttl: float) -> None:
        """Create or refresh one connection's membership of ``room`` for ``ttl`` seconds."""

    async def drop_member(self, room: str, session_id: str) -> None:
        """The connection left ``room`` (or closed)."""

    async def members(self, room: str) -> list[str]:
        """The players with a live membership of ``room`` on any node, sorted, each once."""

    async def rooms(self, after: str, limit: int) -> list[RoomCount]:
        """Up to ``limit`` rooms with live members on any node whose names sort after ``after``, by name."""
