"""Every HTTP refusal the gateway makes is JSON with a documented reason: malformed upgrades, wrong versions,
unknown paths; and an upgrade any RFC 6455 client sends (Firefox's ``Connection: keep-alive, Upgrade``) is
accepted. (What picows refuses before the gateway sees the request, a method other than GET, HTTP/1.0, a
body or a malformed header line, it answers itself: docs/security.md.)"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from realtimenet.gateway.auth import TokenVerifier
from tests.conftest import GatewayProcess, start_gateway_process

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    proc = start_gateway_process(tmp_path_factory.mktemp("http"))
    yield proc
    assert proc.stop() == 0


def request(gw: GatewayProcess, head: str) -> tuple[int, dict[str, str], bytes]:
    """Send a raw request head; (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", gw.port), timeout=5) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data and (b" 101 " in data.split(b"\r\n", 1)[0]):
                break
    head_part, _, body = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def upgrade(gw: GatewayProcess, *, method: str = "GET", connection: str = "Upgrade", upgrade_to: str = "websocket",
            version: str = "13", key: str = KEY, token: bool = True) -> str:
    auth = f"Authorization: Bearer {TokenVerifier(gw.config.auth).mint('alice')}\n" if token else ""
    return (f"{method} /ws HTTP/1.1\nHost: 127.0.0.1\nUpgrade: {upgrade_to}\nConnection: {connection}\n"
            f"Sec-WebSocket-Version: {version}\nSec-WebSocket-Key: {key}\n{auth}")


@pytest.mark.parametrize(("kwargs", "status", "error"), [
    ({"upgrade_to": "h2c"}, 400, "not_a_websocket_upgrade"),
    ({"connection": "keep-alive"}, 400, "not_a_websocket_upgrade"),
    ({"version": "8"}, 426, "unsupported_websocket_version"),
    ({"version": ""}, 426, "unsupported_websocket_version"),
    ({"key": "short"}, 400, "bad_websocket_key"),
    ({"key": "!!!!"}, 400, "bad_websocket_key"),
    ({"token": False, "version": "8"}, 401, "missing_token"),  # the token is checked first
])
def test_a_bad_upgrade_is_refused_with_json(gw: GatewayProcess, kwargs: dict[str, object], status: int,
                                            error: str) -> None:
    got, headers, body = request(gw, upgrade(gw, **kwargs))  # type: ignore[arg-type]
    assert got == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"] == error
    if status == 426:
        assert headers["sec-websocket-version"] == "13"


@pytest.mark.parametrize("connection", ["Upgrade", "upgrade", "keep-alive, Upgrade", "Upgrade, keep-alive"])
def test_every_valid_connection_header_upgrades(gw: GatewayProcess, connection: str) -> None:
    status, headers, _ = request(gw, upgrade(gw, connection=connection))
    assert status == 101 and headers["upgrade"].lower() == "websocket"


def test_unknown_paths_are_json_404(gw: GatewayProcess) -> None:
    status, headers, body = request(gw, "GET /nowhere HTTP/1.1\nHost: x\n")
    assert (status, headers["content-type"], json.loads(body)) == (404, "application/json", {"error": "not_found"})
