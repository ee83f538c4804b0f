"""Server API keys: which configured key a request's ``Authorization: apikey <key>`` header names, compared in
constant time, and whether that key's scopes allow a method (protocol/server-api.openrpc.json ``x-scope``)."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from realtimenet.config import DEV_API_KEY, ApiConfig

SCHEME = "apikey"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An accepted key: its configured name (logs, metrics, the default ``from`` of publications) and scopes."""

    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        """Whether this key may call a method of ``scope``."""
        return "admin" in self.scopes or scope in self.scopes


@dataclass(frozen=True, slots=True)
class KeyRefusal:
    """Why a request's key was refused: HTTP 401 with ``{"error": reason}``."""

    reason: str  # missing_key | unknown_key


def loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (the development key is offered there only)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name may resolve to anything


class ApiKeyring:
    """The configured keys; with none configured, a development gateway whose API listens on a loopback address
    accepts the development admin key (it is public: anywhere else anyone could use it)."""

    def __init__(self, config: ApiConfig, development: bool) -> None:
        keys = [(name, key.secret, frozenset(key.scopes)) for name, key in sorted(config.keys.items())]
        if not keys and development:
            keys = [("development", DEV_API_KEY, frozenset({"admin"}))]
        self._keys = [(ApiKey(name, scopes), secret.encode()) for name, secret, scopes in keys]

    @property
    def development_key(self) -> str | None:
        """The development admin key when it is the one accepted (the `make run` banner prints it)."""
        return DEV_API_KEY if [k.name for k, _ in self._keys] == ["development"] else None

    def identify(self, authorization: str | None) -> ApiKey | KeyRefusal:
        """The key an ``Authorization`` header names. Every configured key is compared, each with
        ``hmac.compare_digest``, whatever matched before, so the time taken says nothing about any key."""
        if not authorization:
            return KeyRefusal("missing_key")
        scheme, _, presented = authorization.strip().partition(" ")
        if scheme.lower() != SCHEME or not presented.strip():
            return KeyRefusal("missing_key")
        candidate = presented.strip().encode()
        found: ApiKey | None = None
        for key, secret in self._keys:
            if hmac.compare_digest(candidate, secret) and found is None:
                found = key
        return found if found is not None else KeyRefusal("unknown_key")
