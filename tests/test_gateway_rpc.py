"""JSON-RPC over a real gateway process: welcome, sys methods, batches, notifications, errors."""

from __future__ import annotations

import json
import time

import pytest
from msgspec import UNSET

from realtimenet import PROTOCOL_VERSION
from realtimenet.client import BatchCall, Client, RemoteError
from realtimenet.protocol.codes import ErrorCode
from tests.conftest import GatewayProcess, metric_value


def test_welcome_is_the_first_frame(gateway: GatewayProcess) -> None:
    seen = []
    client = Client.connect(gateway.url, gateway.token("alice"), on_notification=seen.append)
    try:
        assert seen[0].method == "session.welcome"
        welcome = client.welcome
        assert welcome is not None
        assert welcome.player_id == "alice"
        assert welcome.protocol_version == PROTOCOL_VERSION
        assert len(welcome.resume_token) >= 32
        assert welcome.heartbeat_interval == gateway.config.server.heartbeat_interval
        assert abs(welcome.server_time / 1000 - time.time()) < 5
        assert welcome.token_expires_at is not None and welcome.token_expires_at > time.time()
    finally:
        client.close()


def test_ping_returns_server_time_and_echoes_client_time(gateway: GatewayProcess) -> None:
    with gateway.connect() as client:
        before = time.time() * 1000
        pong = client.call("sys.ping", {"client_time": 1234.5})
        after = time.time() * 1000
        assert pong["client_time"] == 1234.5
        assert before - 50 <= pong["server_time"] <= after + 50


def test_echo_returns_data_unchanged(gateway: GatewayProcess) -> None:
    data = {"nested": [1, 2.5, "three", None, True, {"k": "v"}], "unicode": "héllo ✓",
            "edges": [1e308, -9223372036854775808, 18446744073709551615, 1e-400, "1e999 in a string"]}
    with gateway.connect() as client:
        assert client.call("sys.echo", {"data": data}) == {"data": data}


def test_query_parameter_token_works_like_the_header(gateway: GatewayProcess) -> None:
    client = Client.connect(gateway.url, gateway.token("bob"), query_token=True)
    assert client.welcome is not None and client.welcome.player_id == "bob"
    client.close()


def test_batch_answers_every_request_in_one_frame(gateway: GatewayProcess) -> None:
    with gateway.connect() as client:
        results = client.batch([
            BatchCall("sys.echo", {"data": 1}),
            BatchCall("no.such.method", {}),
            BatchCall("sys.ping", notify=True),
            BatchCall("sys.echo", {"wrong": 1}),
            BatchCall("sys.echo", {"data": "last"}),
        ])
        assert results[0] == {"data": 1}
        assert isinstance(results[1], RemoteError) and results[1].code == ErrorCode.METHOD_NOT_FOUND
        assert results[2] is None
        assert isinstance(results[3], RemoteError) and results[3].code == ErrorCode.INVALID_PARAMS
        assert "data" in results[3].data["detail"]
        assert results[4] == {"data": "last"}


def test_notification_only_batch_gets_no_answer(gateway: GatewayProcess) -> None:
    with gateway.connect() as client:
        client.send_raw(json.dumps([{"jsonrpc": "2.0", "method": "sys.ping"},
                                    {"jsonrpc": "2.0", "method": "sys.echo", "params": {"data": 1}}]))
        client.notify("sys.ping")
        # The next answer the client sees is for this call, not for anything above.
        assert client.call("sys.echo", {"data": "after"}) == {"data": "after"}
        assert client.notifications.qsize() == 1  # only the welcome


@pytest.mark.parametrize(
    ("frame", "code", "kind"),
    [
        ("{not json", ErrorCode.PARSE_ERROR, "parse_error"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":NaN}}', ErrorCode.PARSE_ERROR, "parse_error"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":Infinity}}', ErrorCode.PARSE_ERROR,
         "parse_error"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":1e999}}', ErrorCode.PARSE_ERROR,
         "parse_error"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":1E+400}}', ErrorCode.PARSE_ERROR,
         "parse_error"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":[123456789012345678901234567890]}}',
         ErrorCode.INVALID_REQUEST, "limit_exceeded"),
        ("[]", ErrorCode.INVALID_REQUEST, "empty_batch"),
        ('"just a string"', ErrorCode.INVALID_REQUEST, "invalid_request"),
        ('{"jsonrpc":"1.0","id":1,"method":"sys.ping"}', ErrorCode.INVALID_REQUEST, "invalid_request"),
        ('{"jsonrpc":"2.0","id":1,"method":42}', ErrorCode.INVALID_REQUEST, "invalid_request"),
        ('{"jsonrpc":"2.0","id":{"x":1},"method":"sys.ping"}', ErrorCode.INVALID_REQUEST, "invalid_request"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":' + "[" * 40 + "]" * 40 + "}}",
         ErrorCode.INVALID_REQUEST, "limit_exceeded"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":' + "[" * 5000 + "]" * 5000 + "}}",
         ErrorCode.INVALID_REQUEST, "limit_exceeded"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":"' + "x" * 20000 + '"}}',
         ErrorCode.INVALID_REQUEST, "limit_exceeded"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":[' + ",".join(["1"] * 2000) + "]}}",
         ErrorCode.INVALID_REQUEST, "limit_exceeded"),
        ('{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":[1]}', ErrorCode.INVALID_PARAMS, "invalid_params"),
        ('{"jsonrpc":"2.0","id":1,"method":"auth.refresh","params":{"token":5}}', ErrorCode.INVALID_PARAMS,
         "invalid_params"),
        ('{"jsonrpc":"2.0","id":1,"method":"no.such"}', ErrorCode.METHOD_NOT_FOUND, "method_not_found"),
    ],
)
def test_bad_input_gets_an_error_is_counted_and_the_connection_survives(
        gateway: GatewayProcess, frame: str, code: ErrorCode, kind: str) -> None:
    before = metric_value(gateway.metrics(), "realtimenet_bad_input_total", {"kind": kind})
    with gateway.connect() as client:
        client.send_raw(frame)
        reply = client.unmatched.get(timeout=5)
        assert reply.error is not UNSET
        assert reply.error.code == code
        assert reply.error.data["detail"] if code != ErrorCode.METHOD_NOT_FOUND else reply.error.data["method"]
        # The connection keeps working after the error.
        assert client.call("sys.echo", {"data": "still here"}) == {"data": "still here"}
    assert metric_value(gateway.metrics(), "realtimenet_bad_input_total", {"kind": kind}) == before + 1


def test_errors_carry_the_request_id_and_the_documented_code(gateway: GatewayProcess) -> None:
    with gateway.connect() as client:
        with pytest.raises(RemoteError) as info:
            client.call("no.such.method", {})
        assert info.value.code == ErrorCode.METHOD_NOT_FOUND
        assert info.value.data == {"method": "no.such.method"}
        with pytest.raises(RemoteError) as info:
            client.call("sys.echo", {"data": "x" * 20000})
        assert info.value.code == ErrorCode.INVALID_REQUEST
        assert "string longer than" in info.value.data["detail"]
