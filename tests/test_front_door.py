"""The one-port front door (gateway/front_door.py) and the API keyring (gateway/api_keys.py), on their own."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from realtimenet.config import DEV_API_KEY, ApiConfig, ApiKeyConfig
from realtimenet.gateway.api_keys import ApiKey, ApiKeyring, KeyRefusal
from realtimenet.gateway.front_door import request_path
from realtimenet.gateway.http_surface import serves
from tests.conftest import GatewayProcess


def test_the_request_line_decides_where_a_socket_goes() -> None:
    assert request_path(b"GET /ws?access_token=x HTTP/1.1\r\nHost: a\r\n") == "/ws"
    assert request_path(b"POST /api HTTP/1.1\r\n") == "/api"
    assert request_path(b"POST /api HTT") is None  # not complete yet: look again
    assert request_path(b"garbage\r\n") == ""  # picows answers it
    assert [p for p in ("/api", "/admin", "/admin/assets/app.js", "/ws", "/healthz", "/apis", "/administer")
            if serves(p)] == ["/api", "/admin", "/admin/assets/app.js"]


def _raw(port: int, *parts: bytes, pause: float = 0.0, read: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for part in parts:
            sock.sendall(part)
            time.sleep(pause)
        if not read:
            return b""
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_a_request_line_sent_in_pieces_still_reaches_the_right_server(gateway: GatewayProcess) -> None:
    body = b'{"jsonrpc": "2.0", "id": 1, "method": "key.info"}'
    answer = _raw(gateway.port, b"POST /a", b"pi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Authorization: apikey " + DEV_API_KEY.encode() + b"\r\nConnection: close\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body, pause=0.05)
    assert answer.startswith(b"HTTP/1.1 200") and b'"name":"development"' in answer
    health = _raw(gateway.port, b"GET /hea", b"lthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", pause=0.05)
    assert health.startswith(b"HTTP/1.1 200") and gateway.node_id.encode() in health  # picows's ops endpoint
    client = gateway.connect("alice")  # and WebSockets, through the same port
    assert client.call("sys.ping", {})["server_time"] > 0
    client.close()


def test_a_socket_that_never_sends_its_request_line_is_closed(gateway_factory: Any) -> None:
    gw: GatewayProcess = gateway_factory({"server": {"handshake_timeout": 0.5}})
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gw.port), timeout=5) as sock:
        sock.sendall(b"GET /w")  # and nothing more
        try:
            assert sock.recv(1024) == b""  # closed by the gateway
        except ConnectionResetError:  # closed with the unread bytes still queued: a reset
            pass
    assert time.monotonic() - started < 3
    client = gw.connect("alice")  # the port still serves
    client.close()


def _keyring(**keys: tuple[str, list[str]]) -> ApiKeyring:
    return ApiKeyring(ApiConfig(keys={name: ApiKeyConfig(secret=secret, scopes=scopes)  # type: ignore[arg-type]
                                      for name, (secret, scopes) in keys.items()}), development=True)


def test_the_keyring_names_the_key_and_checks_scopes() -> None:
    ring = _keyring(pub=("p" * 32, ["publish"]), ops=("o" * 32, ["admin"]))
    assert ring.identify(f"apikey {'p' * 32}") == ApiKey("pub", frozenset({"publish"}))
    assert ring.identify(f"ApiKey  {'o' * 32} ") == ApiKey("ops", frozenset({"admin"}))
    assert ring.identify(None) == KeyRefusal("missing_key")
    assert ring.identify(f"Bearer {'p' * 32}") == KeyRefusal("missing_key")
    assert ring.identify("apikey " + "p" * 31) == KeyRefusal("unknown_key")
    assert ring.identify(f"apikey {DEV_API_KEY}") == KeyRefusal("unknown_key")  # keys configured: no dev key
    pub, ops = ring.identify(f"apikey {'p' * 32}"), ring.identify(f"apikey {'o' * 32}")
    assert isinstance(pub, ApiKey) and isinstance(ops, ApiKey)
    assert pub.allows("publish") and not pub.allows("read") and ops.allows("moderate")
    assert ring.development_key is None
    assert _keyring().identify(f"apikey {DEV_API_KEY}") == ApiKey("development", frozenset({"admin"}))
    assert ApiKeyring(ApiConfig(), development=False).identify(f"apikey {DEV_API_KEY}") == KeyRefusal("unknown_key")


def test_every_key_is_compared_whatever_matched_first(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    compared: list[bytes] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return real(a, b)

    ring = _keyring(a=("a" * 32, ["read"]), b=("b" * 32, ["read"]), c=("c" * 32, ["read"]))
    monkeypatch.setattr("realtimenet.gateway.api_keys.hmac.compare_digest", spy)
    assert isinstance(ring.identify(f"apikey {'a' * 32}"), ApiKey)
    assert len(compared) == 3  # a match does not stop the loop: the time says nothing about the keys


def test_the_development_key_is_offered_on_loopback_only() -> None:
    from realtimenet.config import load_config
    from realtimenet.gateway.node import GatewayNode

    def accepts_dev_key(**overrides: Any) -> bool:
        node = GatewayNode(load_config(environ={}, overrides={"auth.allow_dev_secret_off_loopback": True,
                                                              **overrides}))
        return isinstance(node.api.keyring.identify(f"apikey {DEV_API_KEY}"), ApiKey)

    assert accepts_dev_key()  # make run: 127.0.0.1
    assert not accepts_dev_key(**{"server.host": "0.0.0.0"})  # one port, public: the key is public knowledge
    assert accepts_dev_key(**{"server.host": "0.0.0.0", "server.internal_port": 9999})  # API on 127.0.0.1
    assert not accepts_dev_key(**{"server.internal_host": "10.0.0.5", "server.internal_port": 9999})
