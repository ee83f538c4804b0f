"""Sessions on this node: the records any node can resume (written when they change and refreshed while
connected), the resume token of each connection, and the takeover of a session by a new socket."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from realtimenet.backends.sessions import ResumeGrant, SessionRecord, SessionStore
from realtimenet.config import SessionsConfig
from realtimenet.gateway.background import Background
from realtimenet.gateway.caller import Caller
from realtimenet.gateway.presence import PresenceService


def new_resume_token() -> str:
    """A random, unguessable resume token."""
    return secrets.token_urlsafe(24)


class SessionKeeper:
    """Writes session records and resume tokens to the session store."""

    def __init__(self, config: SessionsConfig, store: SessionStore, presence: PresenceService,
                 background: Background, node_id: str, wall_clock: Callable[[], float]) -> None:
        self._config = config
        self.store = store
        self._presence = presence
        self._background = background
        self._node_id = node_id
        self._wall_clock = wall_clock

    @property
    def ttl(self) -> float:
        """How long a session and its resume token outlive their connection."""
        return self._config.ttl

    def persist(self, caller: Caller) -> None:
        """Write the caller's session record (rooms and all) so any node can resume it."""
        record = SessionRecord(session_id=caller.session_id, player_id=caller.principal.player_id,
                               node_id=self._node_id, rooms=sorted(caller.rooms), updated_at=self._wall_clock())
        self._background.run(self.store.save_session(record, self._config.ttl))

    def refresh(self, callers: Iterable[Caller]) -> None:
        """Keep live sessions from expiring; every ``sessions.ttl`` / 3 from the node's tick."""
        for caller in callers:
            if caller.is_open:
                self.persist(caller)

    async def grant(self, caller: Caller, token: str) -> None:
        """Store ``token`` as the caller's resume token."""
        await self.store.put_resume_token(token, ResumeGrant(caller.session_id, caller.principal.player_id),
                                          self._config.ttl)

    async def rotate(self, caller: Caller) -> str:
        """A fresh resume token for the caller (the one it used is spent); returns it."""
        token = new_resume_token()
        await self.grant(caller, token)
        return token

    def ended(self, session_id: str) -> None:
        """The session ended on purpose (a normal close by the client): it is not resumable."""
        self._background.run(self.store.delete_session(session_id))

    async def adopt(self, caller: Caller, old_session_id: str) -> None:
        """The caller (renamed to the session it resumed) drops the fresh session it started with: its record
        and its device entry move to the resumed session."""
        await self.store.delete_session(old_session_id)
        await self._presence.drop_device(caller.principal.player_id, old_session_id)
        await self._presence.put_device(caller)
