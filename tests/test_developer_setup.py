"""Developer set-up: `rtnet genconfig` writes a production configuration with fresh secrets, and the Python
client's token provider keeps a long session alive across token expiry (refresh before it, and a reconnect
with a fresh token after a 4001)."""

from __future__ import annotations

import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from realtimenet.client import Client
from realtimenet.client.backoff import Backoff
from realtimenet.client.client import ClientEvent
from realtimenet.config import DEV_API_KEY, DEV_SECRET, load_config
from tests.conftest import GatewayProcess, eventually

RTNET = [sys.executable, "-m", "realtimenet.cli"]


def test_genconfig_writes_a_private_production_configuration_with_fresh_secrets(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    for path in (first, second):
        done = subprocess.run([*RTNET, "genconfig", "-o", str(path)], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    a, b = load_config(first, environ={}), load_config(second, environ={})
    assert a.server.environment == "production" and a.server.internal_port and a.server.host == "0.0.0.0"
    assert a.auth.secret != DEV_SECRET and len(a.auth.secret) >= 32 and a.auth.secret != b.auth.secret
    assert {name: key.scopes for name, key in a.api.keys.items()} == {
        "backend": ["publish", "read"], "moderation": ["moderate", "read"], "ops": ["admin"]}
    secrets = [key.secret for key in a.api.keys.values()]
    assert len(set(secrets)) == 3 and DEV_API_KEY not in secrets
    assert not set(secrets) & {key.secret for key in b.api.keys.values()}
    again = subprocess.run([*RTNET, "genconfig", "-o", str(first)], capture_output=True, text=True, timeout=30)
    assert again.returncode == 1 and "--force" in again.stderr
    assert load_config(first, environ={}).auth.secret == a.auth.secret  # not replaced


def test_a_token_provider_keeps_a_session_past_many_token_lifetimes(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory({"auth": {"expiry_grace": 1, "leeway": 0}})
    issued: list[str] = []

    def provider() -> str:
        issued.append(gw.token("lena", ttl=3))
        return issued[-1]

    events: list[ClientEvent] = []
    client = Client.connect(gw.url, token_provider=provider, on_event=events.append)
    client.join("lobby")
    time.sleep(8)  # more than two lifetimes of a 3 s token
    assert client.closed is None, client.closed
    # Refreshed well before each expiry, yet paced: about every half lifetime, not in a loop.
    assert 3 <= len(issued) <= 12 and client.token == issued[-1], len(issued)
    assert [e.kind for e in events].count("token_refreshed") >= 2
    assert client.call("sys.ping", {})["server_time"] > 0
    client.close()


def test_after_a_4001_close_the_client_reconnects_with_a_fresh_token_and_resumes(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory({"auth": {"expiry_grace": 1, "leeway": 0}})
    calls = {"n": 0}
    auth_down = threading.Event()
    auth_down.set()

    def provider() -> str:
        calls["n"] += 1
        if calls["n"] > 1 and auth_down.is_set():  # the auth service is down while the token runs out
            raise ConnectionError("auth service unavailable")
        return gw.token("moss", ttl=2 if calls["n"] == 1 else 60)

    events: list[ClientEvent] = []
    closes: list[int] = []
    client: Client | None = None

    def on_event(event: ClientEvent) -> None:
        events.append(event)
        if event.kind == "reconnecting" and client is not None and client.closed is not None:
            closes.append(client.closed.code)
            auth_down.clear()  # back: the reconnect asks the provider again

    client = Client.connect(gw.url, token_provider=provider, on_event=on_event, auto_reconnect=True,
                            backoff=Backoff(base=0.2, cap=0.5, max_attempts=20))
    client.join("lobby")
    assert eventually(lambda: any(e.kind == "resumed" for e in events), 15), events
    assert closes[0] == 4001 and any(e.kind == "token_refresh_failed" for e in events)
    assert client.closed is None and client.rooms == {"lobby"}
    listener = gw.connect("watcher")
    listener.join("lobby")
    listener.publish("lobby", "still here?")
    assert client.wait_notification("room.event", 10).params["data"] == "still here?"
    listener.close()
    client.close()
