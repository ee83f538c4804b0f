"""``rtnet genconfig``: a production-shaped configuration with a fresh random JWT secret and API keys, so that a
deployment starts from strong secrets instead of the development ones (which production refuses)."""

from __future__ import annotations

import secrets

from realtimenet.config import load_config

_TEMPLATE = """\
# Written by `rtnet genconfig`: a production configuration with fresh secrets. Keep this file private
# (mode 600); every key is documented in docs/configuration.md. Edit the hosts and backends, then check it
# with `rtnet config -c <file>` and start with `rtnet serve -c <file>`.

[server]
environment = "production"
host = "0.0.0.0"          # the public port: WebSockets (/ws) only
port = 8765
internal_host = "127.0.0.1"  # health, readiness, metrics, the server API and the admin console: keep private
internal_port = 9765

[auth]
algorithms = ["HS256"]
secret = "{auth_secret}"
# issuer = "https://auth.example.com"   # required `iss`, if your auth service sets one
# audience = "my-game"                  # required `aud`

[backends]
store = "redis://127.0.0.1:6379/0"
bus = "nats://127.0.0.1:4222"

# Server API keys (POST /api on the internal port, docs/server-api.md): one per service, least scope each.
[api.keys.backend]
secret = "{backend_key}"
scopes = ["publish", "read"]

[api.keys.moderation]
secret = "{moderation_key}"
scopes = ["moderate", "read"]

[api.keys.ops]
secret = "{ops_key}"
scopes = ["admin"]        # everything; the admin console (/admin) needs it
"""


def production_config() -> str:
    """The configuration text, with secrets drawn from ``secrets`` (48 random bytes each, URL-safe)."""
    text = _TEMPLATE.format(auth_secret=secrets.token_urlsafe(48), backend_key=secrets.token_urlsafe(48),
                            moderation_key=secrets.token_urlsafe(48), ops_key=secrets.token_urlsafe(48))
    _check(text)
    return text


def _check(text: str) -> None:
    """Refuse to hand out a configuration the gateway would refuse."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gateway.toml"
        path.write_text(text, encoding="utf-8")
        load_config(path, environ={})
