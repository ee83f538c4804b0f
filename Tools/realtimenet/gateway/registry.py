"""Live connections of one node, by session and by player (several devices per player)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Generic, Protocol, TypeVar

from realtimenet.gateway.auth import Principal


class Registered(Protocol):
    """What the registry reads of a connection."""

    principal: Principal
    session_id: str
    replaced: bool


C = TypeVar("C", bound=Registered)
C_co = TypeVar("C_co", covariant=True)


class ConnectionLookup(Protocol[C_co]):
    """A read-only view of the registry, for services that look connections up."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[C_co]: ...

    def get(self, session_id: str) -> C_co | None: ...

    def of_player(self, player_id: str) -> Sequence[C_co]: ...


class ConnectionRegistry(Generic[C]):
    """Indexes open connections; the node decides admission, the registry only keeps books."""

    def __init__(self) -> None:
        self._by_session: dict[str, C] = {}
        self._by_player: dict[str, list[C]] = {}

    def __len__(self) -> int:
        return len(self._by_session)

    def __iter__(self) -> Iterator[C]:
        return iter(list(self._by_session.values()))

    @property
    def player_count(self) -> int:
        return len(self._by_player)

    def of_player(self, player_id: str) -> list[C]:
        """The player's connections, oldest first."""
        return list(self._by_player.get(player_id, ()))

    def get(self, session_id: str) -> C | None:
        return self._by_session.get(session_id)

    def add(self, conn: C) -> None:
        self._by_session[conn.session_id] = conn
        self._by_player.setdefault(conn.principal.player_id, []).append(conn)

    def rename(self, conn: C, session_id: str) -> None:
        """Give ``conn`` another session id (it resumed an earlier session). A connection still holding
        that id (the lost socket, not yet gone) is re-keyed so that its close cannot remove ``conn``."""
        holder = self._by_session.get(session_id)
        if holder is not None and holder is not conn:
            holder.session_id = f"{session_id}~replaced"
            holder.replaced = True
            self._by_session[holder.session_id] = self._by_session.pop(session_id)
        self._by_session.pop(conn.session_id, None)
        conn.session_id = session_id
        self._by_session[session_id] = conn

    def remove(self, conn: C) -> bool:
        """Forget ``conn``; returns False if it was not registered (so a close is handled once)."""
        if self._by_session.pop(conn.session_id, None) is None:
            return False
        devices = self._by_player.get(conn.principal.player_id)
        if devices is not None:
            devices.remove(conn)
            if not devices:
                del self._by_player[conn.principal.player_id]
        return True
