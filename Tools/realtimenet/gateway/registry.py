"""Live connections of one node, by session and by player (several devices per player)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from realtimenet.gateway.connection import Connection


class ConnectionRegistry:
    """Indexes open connections; the node decides admission, the registry only keeps books."""

    def __init__(self) -> None:
        self._by_session: dict[str, Connection] = {}
        self._by_player: dict[str, list[Connection]] = {}

    def __len__(self) -> int:
        return len(self._by_session)

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._by_session.values()))

    @property
    def player_count(self) -> int:
        return len(self._by_player)

    def of_player(self, player_id: str) -> list[Connection]:
        """The player's connections, oldest first."""
        return list(self._by_player.get(player_id, ()))

    def get(self, session_id: str) -> Connection | None:
        return self._by_session.get(session_id)

    def add(self, conn: Connection) -> None:
        self._by_session[conn.session_id] = conn
        self._by_player.setdefault(conn.principal.player_id, []).append(conn)

    def rename(self, conn: Connection, session_id: str) -> None:
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

    def remove(self, conn: Connection) -> bool:
        """Forget ``conn``; returns False if it was not registered (so a close is handled once)."""
        if self._by_session.pop(conn.session_id, None) is None:
            return False
        devices = self._by_player.get(conn.principal.player_id)
        if devices is not None:
            devices.remove(conn)
            if not devices:
                del self._by_player[conn.principal.player_id]
        return True
