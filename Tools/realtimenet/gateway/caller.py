"""What a method handler sees of the connection that called it (``Caller``), and what the stream hub needs of
a connection that follows streams (``Subscriber``). ``connection.Connection`` is both; handlers never see
the node, only the connection and the services they were built with (``node.py`` wires them)."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from realtimenet.backends.bus import Publication
from realtimenet.gateway.auth import Principal
from realtimenet.protocol.codes import CloseCode


class Subscriber(Protocol):
    """A local receiver of stream publications."""

    @property
    def is_open(self) -> bool:
        """Whether frames sent now still go out."""

    def deliver(self, publication: Publication) -> None:
        """A publication of a stream it follows."""

    def send(self, data: bytes) -> None:
        """Queue an already-encoded frame."""


class Caller(Subscriber, Protocol):
    """The calling connection: who it is, its session, the rooms it is in and its presence."""

    principal: Principal
    session_id: str
    resume_token: str  # the one the client holds now (rotated by each resume)
    rooms: set[str]
    presence_status: str
    presence_custom: msgspec.Raw | None

    def notify(self, method: str, params: Any) -> None:
        """Send a notification to this connection only."""

    def close(self, code: CloseCode | int, reason: str = "", initiator: str = "server", send: bool = True) -> None:
        """Start closing with ``code``."""

    def refresh_principal(self, principal: Principal) -> None:
        """Adopt a refreshed token of the same player."""
