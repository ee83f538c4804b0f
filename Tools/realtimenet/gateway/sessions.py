"""Sessions on this node: the records any node can resume (written when they change and refreshed while
connected), the resume token of each connection, and the takeover of a session by a new socket."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from realtimenet.backends.sessions import ResumeGrant, SessionRecord, SessionStore
from realtimenet.config import SessionsConfig
from realtimenet.exceptions import BackendUnavailable
from realtimenet.gateway.background import Background
from realtimenet.gateway.caller import Caller
from realtimenet.gateway.presence import PresenceService

SPENT_TOKEN_GRACE = 30.0  # seconds after a resume in which, if its socket dies silent, the spent token works again


def new_resume_token() -> str:
    """A random, unguessable resume token."""
    return secrets.token_urlsafe(24)


class SessionKeeper:
    """Writes session records and resume tokens to the session store. A write the store refused (an outage)
    is tried again from the node's tick until it goes through or the connection is gone, so a socket that
    opened during an outage is still resumable once the store is back."""

    def __init__(self, config: SessionsConfig, store: SessionStore, presence: PresenceService,
                 background: Background, node_id: str, wall_clock: Callable[[], float]) -> None:
        self._config = config
        self.store = store
        self._presence = presence
        self._background = background
        self._node_id = node_id
        self._wall_clock = wall_clock
        self._unsaved: dict[str, Caller] = {}  # session id -> connection whose last write failed
        self._retrying = False

    @property
    def ttl(self) -> float:
        """How long a session and its resume token outlive their connection."""
        return self._config.ttl

    def persist(self, caller: Caller) -> None:
        """Write the session record (rooms and all) so any node can resume it."""
        self._background.run(self._write(caller, with_token=False))

    def save(self, caller: Caller) -> None:
        """Write the session record and the current resume token: at open, and while connected, so that the
        token outlives the connection by ``sessions.ttl`` however long the connection lasted."""
        self._background.run(self._write(caller, with_token=True))

    def refresh(self, callers: Iterable[Caller]) -> None:
        """Keep live sessions and their resume tokens from expiring; every ``sessions.ttl`` / 3 from the tick,
        as one bounded round of writes."""
        self._background.run_each("sessions.refresh", [c for c in callers if c.is_open], self._refresh_one)

    async def _refresh_one(self, caller: Caller) -> None:
        if caller.is_open:  # closed since the round began: its token may have been taken by a resume since
            await self._write(caller, with_token=True)

    def retry_unsaved(self) -> None:
        """From the node's tick: write again what the store refused, one connection after another, the round
        ending at the first refusal (the store is still down: the next tick tries again)."""
        if self._unsaved and not self._retrying:
            self._retrying = True
            self._background.run(self._retry())

    async def _retry(self) -> None:
        try:
            for session_id, caller in list(self._unsaved.items()):
                del self._unsaved[session_id]  # the session may have been renamed by a resume since
                if caller.is_open:
                    await self._write(caller, with_token=True)
        finally:
            self._retrying = False

    async def _write(self, caller: Caller, with_token: bool) -> None:
        record = SessionRecord(session_id=caller.session_id, player_id=caller.principal.player_id,
                               node_id=self._node_id, rooms=sorted(caller.rooms), updated_at=self._wall_clock())
        try:
            await self.store.save_session(record, self._config.ttl)
            if with_token:
                await self.grant(caller, caller.resume_token)
        except BackendUnavailable:
            self._unsaved[caller.session_id] = caller
            raise  # counted and logged by Background
        self._unsaved.pop(caller.session_id, None)

    async def grant(self, caller: Caller, token: str) -> None:
        """Store ``token`` as a resume token of the caller's session."""
        await self.store.put_resume_token(token, ResumeGrant(caller.session_id, caller.principal.player_id),
                                          self._config.ttl)

    def give_back(self, token: str, grant: ResumeGrant) -> None:
        """Make a token taken by a resume that did not finish valid again (written in the background: the
        resume's own task may be being cancelled)."""
        self._background.run(self.store.put_resume_token(token, grant, self._config.ttl))

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
