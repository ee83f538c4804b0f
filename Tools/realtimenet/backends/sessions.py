"""SessionStore: session records and single-use resume tokens, shared by every node.

Sessions are written whenever they change (and their time-to-live refreshed while connected), not only at
close, so a node that dies without a goodbye leaves resumable sessions behind. Resume tokens are kept
hashed: a dump of the store does not leak live tokens.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

import msgspec


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


TAKE_REPEAT_GRACE = 30.0  # seconds a taken resume token can be taken again until the resume succeeds


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
        """Forget a session (a normal close, or revoked by the server API)."""

    async def sessions_of(self, player_id: str) -> list[SessionRecord]:
        """The player's live session records (connected or still resumable), by session id."""

    async def put_resume_token(self, token: str, grant: ResumeGrant, ttl: float) -> None:
        """Remember a resume token for ``ttl`` seconds."""

    async def take_resume_token(self, token: str) -> ResumeGrant | None:
        """Return a token's grant and mark the token taken; None if unknown, forgotten or expired. A taken
        token gives its grant again for ``TAKE_REPEAT_GRACE`` seconds, until ``forget_resume_token``: a
        take whose reply was lost (a store timeout or reset after the store ran it) may be retried, by the
        client library or by the client's next resume."""

    async def forget_resume_token(self, token: str) -> None:
        """The resume the token was taken for succeeded: the token is spent for good."""
