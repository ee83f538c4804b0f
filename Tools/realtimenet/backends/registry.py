"""Which backend a URL names: its scheme picks a factory (``memory``, ``redis://``, ``nats://`` ...).

A store URL gives the stores (sessions, presence, room state, the node directory) on one connection; a bus URL gives the
event bus. Adding a backend means writing its implementations beside the interfaces and one line here;
configuration validation reads the same table, so a URL is refused at start, with the schemes that exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from realtimenet.backends.bus import EventBus
from realtimenet.backends.nodes import NodeDirectory
from realtimenet.backends.presence import PresenceStore
from realtimenet.backends.sessions import SessionStore
from realtimenet.backends.state import StateStore
from realtimenet.exceptions import ConfigError
from realtimenet.loader import load_callable

if TYPE_CHECKING:  # config.py imports this module to validate URLs
    from realtimenet.config import Config


class StoreConnection(Protocol):
    """What the stores of one URL share: readiness, expiry of what the server does not expire, release."""

    async def ping(self) -> bool:
        """Whether the store answers now (readiness)."""

    def sweep(self) -> int:
        """Drop expired entries the server does not expire by itself; returns how many went."""

    async def close(self) -> None:
        """Release connections."""


@dataclass(frozen=True)
class Stores:
    """The stores one ``backends.store`` URL names, and the connection they share."""

    sessions: SessionStore
    presence: PresenceStore
    state: StateStore
    nodes: NodeDirectory
    connection: StoreConnection


@dataclass(frozen=True)
class BackendOptions:
    """What every backend factory is given besides its URL: the names it uses and the bounds it keeps."""

    prefix: str = "rtnet"  # of every Redis key and NATS subject/stream
    history_size: int = 1000  # publications kept per resumable stream
    history_max_age: float = 600.0  # seconds a publication stays in history
    history_max_bytes: int = 256 << 20  # bytes of history for all streams together
    history_max_streams: int = 100_000  # streams an in-memory bus remembers
    max_message_bytes: int = 65_536  # the largest client message; a stored frame is at most this plus framing
    state_ttl: float = 86_400.0  # seconds a room's state outlives its last update (0: forever)
    last_seen_ttl: float = 30 * 86_400.0  # seconds a player's last-seen time is kept
    last_seen_max_players: int = 100_000  # players whose last-seen time the in-memory store keeps


# scheme -> "module:factory", imported only when used (the Redis and NATS clients load lazily).
STORE_FACTORIES: dict[str, str] = {
    "memory": "realtimenet.backends.memory:open_stores",
    **{scheme: "realtimenet.backends.redis_stores:open_stores"
       for scheme in ("redis", "rediss", "unix", "redis+cluster", "rediss+cluster")},
}
BUS_FACTORIES: dict[str, str] = {
    "memory": "realtimenet.backends.memory:open_bus",
    "nats": "realtimenet.backends.bus_nats:open_bus",
    "tls": "realtimenet.backends.bus_nats:open_bus",
}


def scheme(url: str) -> str:
    """``redis://h:1/0`` -> ``redis``; ``memory`` -> ``memory``."""
    head, sep, _ = url.partition("://")
    return head if sep else url


def _factory(table: dict[str, str], url: str, key: str) -> Callable[..., Any]:
    path = table.get(scheme(url))
    if path is None:
        known = ", ".join(f"{s}://" if s != "memory" else s for s in table)
        raise ConfigError(f"{key}: no backend for {url!r}; expected one of {known}")
    return load_callable(path, key)


def check_urls(store_url: str, bus_url: str) -> None:
    """Raise ConfigError unless both URLs name a known backend (configuration validation)."""
    for table, url, key in ((STORE_FACTORIES, store_url, "backends.store"), (BUS_FACTORIES, bus_url, "backends.bus")):
        if scheme(url) not in table:
            _factory(table, url, key)


def options_of(config: Config) -> BackendOptions:
    """The backend options a configuration sets."""
    return BackendOptions(prefix=config.backends.prefix, history_size=config.rooms.history_size,
                          history_max_age=config.rooms.history_max_age,
                          history_max_bytes=config.rooms.history_max_bytes,
                          history_max_streams=config.rooms.history_max_streams,
                          max_message_bytes=config.server.max_message_bytes, state_ttl=config.state.ttl,
                          last_seen_ttl=config.presence.last_seen_ttl,
                          last_seen_max_players=config.presence.last_seen_max_players)


def open_stores(url: str, options: BackendOptions) -> Stores:
    """The stores ``backends.store`` names."""
    stores: Stores = _factory(STORE_FACTORIES, url, "backends.store")(url, options)
    return stores


def open_bus(url: str, options: BackendOptions) -> EventBus:
    """The event bus ``backends.bus`` names."""
    bus: EventBus = _factory(BUS_FACTORIES, url, "backends.bus")(url, options)
    return bus
