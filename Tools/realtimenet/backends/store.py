"""SessionStore: session records and single-use resume tokens, shared by every node.

Sessions are written whenever they change (and their time-to-live refreshed while connected), not only at
close, so a node that dies without a goodbye leaves resumable sessions behind. Resume tokens are kept
hashed: a dump of the store does not leak live tokens.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

import msgspec

from realtimenet.state.sync import RoomState


class SessionRecord(msgspec.Struct, kw_only=True):
    """What a node needs to resume a session elsewhere."""

    session_id: str
    player_id: str
    node_id: str
    rooms: list[str] = msgspec.field(default_factory=list)
    updated_at: float = 0.0


class ResumeGrant(msgspec.Struct, frozen=True):
    """What a resume token unlocks."""

    session_id: str
    player_id: str


class DeviceEntry(msgspec.Struct, kw_only=True):
    """One connected device's presence, written by the node that holds it and expiring unless refreshed,
    so a crashed node's devices vanish within the presence TTL."""

    status: str
    node_id: str
    updated_at: float
    custom: msgspec.Raw | None = None


class PresenceRecord(msgspec.Struct, kw_only=True):
    """What the store knows of one player: live devices and when the player was last seen."""

    devices: list[DeviceEntry]
    last_seen: float | None = None


def token_key(token: str) -> str:
    """The stored form of a resume token."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore(Protocol):
    """Session records and resume tokens with expiry."""

    async def save_session(self, record: SessionRecord, ttl: float) -> None:
        """Create or replace a session record, expiring ``ttl`` seconds from now."""

    async def load_session(self, session_id: str) -> SessionRecord | None:
        """The record, or None if it never existed or expired."""

    async def delete_session(self, session_id: str) -> None:
        """Forget a session (a normal close)."""

    async def put_resume_token(self, token: str, grant: ResumeGrant, ttl: float) -> None:
        """Remember a resume token for ``ttl`` seconds."""

    async def take_resume_token(self, token: str) -> ResumeGrant | None:
        """Atomically return and forget a token's grant (single use); None if unknown, used or expired."""

    async def put_device(self, player_id: str, session_id: str, entry: DeviceEntry, ttl: float) -> None:
        """Create or refresh one device's presence for ``ttl`` seconds."""

    async def drop_device(self, player_id: str, session_id: str, last_seen: float) -> None:
        """The device disconnected: forget it and remember when the player was last seen."""

    async def presence(self, player_ids: list[str]) -> list[PresenceRecord]:
        """Live devices and last-seen time of each player, in order."""

    async def put_member(self, room: str, session_id: str, player_id: str, ttl: float) -> None:
        """Create or refresh one connection's membership of ``room`` for ``ttl`` seconds (refreshed by its node,
        like devices, so a crashed node's members vanish within the presence TTL)."""

    async def drop_member(self, room: str, session_id: str) -> None:
        """The connection left ``room`` (or closed)."""

    async def members(self, room: str) -> list[str]:
        """The players with a live membership of ``room`` on any node, sorted, each once."""

    async def load_state(self, room: str) -> RoomState:
        """The room's state (version 0 and an empty document if it has none yet)."""

    async def commit_state(self, room: str, expected_version: int, state: RoomState) -> bool:
        """Store ``state`` if the room is still at ``expected_version``; False if someone was faster."""

    def sweep(self) -> int:
        """Drop expired entries the server does not expire by itself; returns how many went."""

    async def ping(self) -> bool:
        """Whether the store answers now (readiness)."""

    async def close(self) -> None:
        """Release connections."""
