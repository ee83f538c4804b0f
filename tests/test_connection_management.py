"""Connection management over real sockets: heartbeats, limits, back-pressure, devices, token expiry."""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable

import pytest
import websocket

from realtimenet.client import Client, ConnectFailed, RemoteError
from realtimenet.protocol.codes import CloseCode, ErrorCode
from tests.conftest import GatewayProcess, http_get, metric_value

Factory = Callable[..., GatewayProcess]


def raw_socket(gw: GatewayProcess, sub: str = "alice") -> websocket.WebSocket:
    """A websocket-client socket that only answers pings when it is read (so it can play dead)."""
    ws = websocket.WebSocket()
    ws.connect(gw.url, header=[f"Authorization: Bearer {gw.token(sub)}"], timeout=10)
    return ws


def read_until_close(ws: websocket.WebSocket, timeout: float = 15.0) -> tuple[int, str, list[str]]:
    """Read frames until the close frame; returns (code, reason, text frames seen)."""
    ws.settimeout(timeout)
    texts: list[str] = []
    while True:
        opcode, frame = ws.recv_data_frame(True)
        if opcode == websocket.ABNF.OPCODE_TEXT:
            texts.append(frame.data.decode())
        elif opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", frame.data[:2])[0]
            return code, frame.data[2:].decode(), texts


def test_silent_peer_is_closed_with_4010_and_a_live_one_is_kept(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"heartbeat_interval": 0.3, "heartbeat_timeout": 0.4}})
    live = gw.connect("live")  # its reader thread answers pings
    dead = raw_socket(gw, "dead")
    time.sleep(2.0)
    code, reason, _ = read_until_close(dead)
    assert (code, reason) == (CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout")
    assert live.call("sys.ping", {})["server_time"] > 0
    live.close()
    assert metric_value(gw.metrics(), "realtimenet_disconnects_total", {"code": "4010", "initiator": "server"}) == 1


def test_slow_consumer_is_closed_with_4009_and_counted(gateway_factory: Factory) -> None:
    gw = gateway_factory({
        "server": {"send_queue_max_bytes": 65536, "send_queue_stall_timeout": 0.5},
        "limits": {"max_string_length": 60000},
        "rate_limit": {"rate": 100000, "burst": 100000},
    })
    ws = raw_socket(gw)
    frame = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "sys.echo", "params": {"data": "x" * 50000}})
    try:
        for _ in range(600):  # 30 MB of answers the client never reads
            ws.send(frame)
    except OSError:
        pass  # the gateway may already have closed the socket
    time.sleep(1.5)
    code, reason, _ = read_until_close(ws)
    assert (code, reason) == (CloseCode.SLOW_CONSUMER, "slow consumer")
    assert metric_value(gw.metrics(), "realtimenet_slow_consumer_disconnects_total") == 1
    with gw.connect("other") as other:  # the gateway is fine
        assert other.call("sys.echo", {"data": 1}) == {"data": 1}


def test_frames_queued_under_back_pressure_arrive_intact(gateway_factory: Factory) -> None:
    """A reader that falls behind (but not past the limits) gets every answer, byte for byte."""
    gw = gateway_factory({
        "server": {"send_queue_max_bytes": 64 * 1024 * 1024, "send_queue_stall_timeout": 30},
        "limits": {"max_string_length": 60000},
        "rate_limit": {"rate": 100000, "burst": 100000},
    })
    ws = raw_socket(gw)
    count = 300  # 15 MB of answers: far more than the socket buffers hold
    for i in range(count):
        ws.send(json.dumps({"jsonrpc": "2.0", "id": i, "method": "sys.echo",
                            "params": {"data": chr(65 + i % 26) * 50000}}))
    time.sleep(1.0)
    ws.settimeout(15)
    ws.recv()  # welcome
    for i in range(count):
        answer = json.loads(ws.recv())
        assert answer == {"jsonrpc": "2.0", "id": i, "result": {"data": chr(65 + i % 26) * 50000}}
    ws.close()


def test_with_a_write_delay_frames_wait_for_it_and_then_arrive_together_in_order(gateway_factory: Factory) -> None:
    """``server.write_delay``: what a socket is sent within the delay goes out when it ends, in one write."""
    gw = gateway_factory({"server": {"write_delay": 0.08}})
    ws = raw_socket(gw)
    ws.recv()  # welcome
    started = time.monotonic()
    for i in range(20):
        ws.send(json.dumps({"jsonrpc": "2.0", "id": i, "method": "sys.echo", "params": {"data": i}}))
    answers = [json.loads(ws.recv()) for _ in range(20)]
    assert time.monotonic() - started >= 0.07  # nothing left before the delay was up
    assert answers == [{"jsonrpc": "2.0", "id": i, "result": {"data": i}} for i in range(20)]
    ws.close()


def test_rate_limit_answers_with_errors_then_closes_4008(gateway_factory: Factory) -> None:
    gw = gateway_factory({"rate_limit": {"rate": 5, "burst": 5, "max_violations": 3}})
    bystander = gw.connect("bystander")
    flooder = gw.connect("flooder")
    errors = []
    for _ in range(5):
        flooder.call("sys.ping", {})
    for _ in range(2):
        with pytest.raises(RemoteError) as info:
            flooder.call("sys.ping", {})
        errors.append(info.value)
    assert all(e.code == ErrorCode.RATE_LIMITED and e.data["retry_after"] > 0 for e in errors)
    for _ in range(3):
        flooder.send_raw(json.dumps({"jsonrpc": "2.0", "id": 99, "method": "sys.ping"}))
    closed = flooder.wait_closed()
    assert (closed.code, closed.reason) == (CloseCode.RATE_LIMITED, "rate limited")
    assert bystander.call("sys.echo", {"data": "unaffected"}) == {"data": "unaffected"}
    bystander.close()
    assert metric_value(gw.metrics(), "realtimenet_rate_limited_requests_total") == 3


def test_oversize_frame_is_closed_with_1009(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"max_message_bytes": 4096}})
    with gw.connect("ok") as ok:
        client = gw.connect()
        client.send_raw(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "sys.echo", "params": {"data": "x" * 5000}}))
        assert client.wait_closed().code == CloseCode.MESSAGE_TOO_BIG
        assert ok.call("sys.ping", {})
    assert metric_value(gw.metrics(), "realtimenet_bad_input_total", {"kind": "oversize_frame"}) == 1


def test_oversize_fragmented_message_is_closed_with_1009(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"max_message_bytes": 4096}})
    ws = raw_socket(gw)
    ws.send_frame(websocket.ABNF.create_frame("x" * 3000, websocket.ABNF.OPCODE_TEXT, fin=0))
    ws.send_frame(websocket.ABNF.create_frame("y" * 3000, websocket.ABNF.OPCODE_CONT, fin=1))
    code, _, _ = read_until_close(ws)
    assert code == CloseCode.MESSAGE_TOO_BIG
    assert metric_value(gw.metrics(), "realtimenet_bad_input_total", {"kind": "oversize_message"}) == 1


def test_fragmented_message_within_the_limit_is_reassembled(gateway: GatewayProcess) -> None:
    ws = raw_socket(gateway)
    text = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "sys.echo", "params": {"data": "abc" * 100}})
    ws.send_frame(websocket.ABNF.create_frame(text[:50], websocket.ABNF.OPCODE_TEXT, fin=0))
    ws.send_frame(websocket.ABNF.create_frame(text[50:120], websocket.ABNF.OPCODE_CONT, fin=0))
    ws.send_frame(websocket.ABNF.create_frame(text[120:], websocket.ABNF.OPCODE_CONT, fin=1))
    ws.recv()  # welcome
    assert json.loads(ws.recv()) == {"jsonrpc": "2.0", "id": 7, "result": {"data": "abc" * 100}}
    ws.close()


def test_binary_frame_is_closed_with_4500(gateway: GatewayProcess) -> None:
    client = gateway.connect()
    client.send_raw(b"\x00\x01binary", binary=True)
    closed = client.wait_closed()
    assert closed.code == CloseCode.UNSUPPORTED_DATA and not closed.should_reconnect
    assert metric_value(gateway.metrics(), "realtimenet_bad_input_total", {"kind": "binary_frame"}) == 1


def test_max_connections_refuses_with_503(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"max_connections": 2}})
    first, second = gw.connect("a"), gw.connect("b")
    with pytest.raises(ConnectFailed) as info:
        gw.connect("c")
    assert (info.value.status, info.value.reason) == (503, "server_full")
    first.close()
    time.sleep(0.2)
    third = gw.connect("c")
    second.close()
    third.close()


def test_extra_device_replaces_the_oldest_with_4502(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"max_connections_per_player": 2}})
    phone, tablet = gw.connect("alice"), gw.connect("alice")
    laptop = gw.connect("alice")
    closed = phone.wait_closed()
    assert (closed.code, closed.should_reconnect) == (CloseCode.SESSION_REPLACED, False)
    assert tablet.call("sys.ping", {}) and laptop.call("sys.ping", {})
    tablet.close()
    laptop.close()


def test_extra_device_can_be_refused_instead(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"max_connections_per_player": 1, "device_limit_policy": "reject_new"}})
    phone = gw.connect("alice")
    with pytest.raises(ConnectFailed) as info:
        gw.connect("alice")
    assert (info.value.status, info.value.reason) == (409, "device_limit")
    assert gw.connect("bob").call("sys.ping", {})
    phone.close()


def test_expired_token_gets_a_notice_then_4001(gateway_factory: Factory) -> None:
    gw = gateway_factory({"auth": {"leeway": 0, "expiry_grace": 1}})
    client = Client.connect(gw.url, gw.token("alice", ttl=2))
    notice = client.wait_notification("session.token_expiring", timeout=6)
    assert notice.params["close_at"] == notice.params["expired_at"] + 1
    closed = client.wait_closed(timeout=6)
    assert (closed.code, closed.reason, closed.should_reconnect) == (CloseCode.TOKEN_EXPIRED, "token expired", True)


def test_auth_refresh_keeps_the_connection_past_the_old_expiry(gateway_factory: Factory) -> None:
    gw = gateway_factory({"auth": {"leeway": 0, "expiry_grace": 0.5}})
    client = Client.connect(gw.url, gw.token("alice", ttl=2))
    with pytest.raises(RemoteError) as info:
        client.call("auth.refresh", {"token": gw.token("mallory", ttl=3600)})
    assert info.value.code == ErrorCode.UNAUTHORIZED and info.value.data == {"reason": "subject_mismatch"}
    with pytest.raises(RemoteError) as info:
        client.call("auth.refresh", {"token": "not.a.jwt"})
    assert info.value.data == {"reason": "malformed_token"}
    refreshed = client.call("auth.refresh", {"token": gw.token("alice", ttl=3600)})
    assert refreshed["player_id"] == "alice" and refreshed["expires_at"] > time.time() + 3000
    time.sleep(4)
    assert client.call("sys.ping", {})["server_time"] > 0
    client.close()
    text = gw.metrics()
    assert metric_value(text, "realtimenet_auth_failures_total", {"reason": "subject_mismatch"}) == 1


def test_client_close_is_recorded_with_its_code(gateway: GatewayProcess) -> None:
    client = gateway.connect()
    closed = client.close(1000, "bye")
    assert closed.code == 1000
    time.sleep(0.2)
    text = gateway.metrics()
    assert metric_value(text, "realtimenet_disconnects_total", {"code": "1000", "initiator": "client"}) == 1
    assert metric_value(text, "realtimenet_connections") == 0


def test_sigterm_closes_clients_with_1012_and_exits_cleanly(gateway_factory: Factory) -> None:
    gw = gateway_factory()  # drain_timeout 0.5 s in tests; the drain itself: tests/test_operations.py
    clients = [gw.connect(f"p{i}") for i in range(3)]
    assert gw.stop() == 0
    for client in clients:
        assert client.wait_closed().code == CloseCode.SERVICE_RESTART


@pytest.mark.parametrize(
    ("headers", "query", "reason"),
    [
        ({}, "", "missing_token"),
        ({"Authorization": "Bearer not-a-jwt"}, "", "malformed_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "", "missing_token"),
        ({}, "?access_token=a.b.c", "malformed_token"),
    ],
)
def test_refused_upgrade_is_401_json_and_never_upgraded(
        gateway: GatewayProcess, headers: dict[str, str], query: str, reason: str) -> None:
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", **headers}
    status, body = http_get(f"http://127.0.0.1:{gateway.port}/ws{query}", upgrade)
    assert status == 401
    assert json.loads(body)["error"] == reason
    assert metric_value(gateway.metrics(), "realtimenet_auth_failures_total", {"reason": reason}) == 1


def test_expired_and_wrongly_signed_tokens_are_refused(gateway: GatewayProcess) -> None:
    with pytest.raises(ConnectFailed) as info:
        Client.connect(gateway.url, gateway.token("alice", ttl=-120))
    assert (info.value.status, info.value.reason) == (401, "expired")
    import jwt as pyjwt
    forged = pyjwt.encode({"sub": "alice", "exp": time.time() + 60}, "some-other-secret-of-32-bytes-or-more!",
                          algorithm="HS256")
    with pytest.raises(ConnectFailed) as info:
        Client.connect(gateway.url, forged)
    assert (info.value.status, info.value.reason) == (401, "bad_signature")


def test_ops_endpoints(gateway: GatewayProcess) -> None:
    base = f"http://127.0.0.1:{gateway.port}"
    status, body = http_get(base + "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = http_get(base + "/readyz")
    assert status == 200 and json.loads(body)["ready"] is True
    status, body = http_get(base + "/metrics")
    assert status == 200 and b"realtimenet_connections" in body
    status, body = http_get(base + "/nope")
    assert status == 404 and json.loads(body) == {"error": "not_found"}


def test_internal_port_moves_ops_endpoints_off_the_public_port(gateway_factory: Factory) -> None:
    import socket as pysocket

    with pysocket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        internal = probe.getsockname()[1]
    gw = gateway_factory({"server": {"internal_port": internal}})
    assert gw.ops_port == internal
    assert http_get(f"http://127.0.0.1:{gw.port}/metrics")[0] == 404
    assert http_get(f"http://127.0.0.1:{internal}/metrics")[0] == 200
    assert http_get(f"http://127.0.0.1:{internal}/readyz")[0] == 200
    with gw.connect() as client:
        assert client.call("sys.ping", {})
