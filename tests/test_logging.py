"""The gateway's log: one JSON object per line when asked, no token or secret in any line, and no client able
to flood it."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from realtimenet.logs import REDACTED, RateLimit, Redactor
from tests.conftest import GatewayProcess
from tests.ws_raw import TEXT, RawSocket, frame


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _record(msg: str, *args: Any) -> logging.LogRecord:
    return logging.LogRecord("realtimenet.client", logging.INFO, __file__, 1, msg, args, None)


def test_the_rate_limit_holds_a_flood_back_and_says_how_much() -> None:
    clock = _Clock()
    limit = RateLimit(burst=3, period=60, clock=clock)
    passed = [limit.filter(_record("bad input (parse_error): %s", i)) for i in range(50)]
    assert passed.count(True) == 3
    assert limit.filter(_record("other template %s", 1))  # another kind has its own budget
    clock.now = 61
    first = _record("bad input (parse_error): %s", "x")
    assert limit.filter(first)
    assert "(and 47 more like it in the last 60 s)" in first.getMessage()


def test_the_redactor_removes_tokens_and_secrets() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
    redact = Redactor(["hunter2-hunter2", "short"])
    text = redact(f"GET /ws?access_token={token}&x=1 Authorization: Bearer {token} key=hunter2-hunter2 short")
    assert token not in text and "hunter2" not in text
    assert f"access_token={REDACTED}&x=1" in text and text.endswith("short")  # too short to be a secret


def test_json_logs_are_one_object_per_line_and_hold_no_token(gateway_factory: Any) -> None:
    secret = "a-secret-of-our-own-" + "z" * 30
    gw: GatewayProcess = gateway_factory({"log": {"json": True, "level": "debug"}, "auth": {"secret": secret}})
    token = gw.token("alice")
    raw = RawSocket("127.0.0.1", gw.port, token)  # the token travels in the query string
    raw.recv()
    for _ in range(150):  # a flood of bad input (within the rate limit): counted, logged a few times only
        raw.send(frame(TEXT, b"{not json"))
    raw.send(frame(TEXT, b'{"jsonrpc":"2.0","id":1,"method":"auth.refresh","params":{"token":"' +
                   token.encode() + b'x"}}'))
    time.sleep(0.5)
    raw.close()
    with gw.connect("bob") as client:
        client.call("sys.ping", {})
    time.sleep(0.3)
    gw.stop()
    lines = [line for line in gw.stderr.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    flood = [e for e in entries if e["message"].startswith("bad input (parse_error)")]
    assert 1 <= len(flood) <= 10, len(flood)
    assert any(e["message"].startswith("token refused (bad_signature)") for e in entries)
    whole = gw.stderr
    assert token not in whole and token.split(".")[2] not in whole and secret not in whole


def test_metrics_hold_no_secret_token_or_api_key(gateway_factory: Any) -> None:
    secret, key = "a-secret-of-our-own-" + "q" * 30, "k3y-" + "w" * 40
    gw: GatewayProcess = gateway_factory({"auth": {"secret": secret},
                                          "api": {"keys": {"matchmaker": {"secret": key, "scopes": ["publish"]}}}})
    token = gw.token("alice")
    with gw.connect("alice") as client:
        client.call("sys.ping", {})
        try:
            RawSocket("127.0.0.1", gw.port, token + "x")  # a refused token: counted, by its reason only
        except ConnectionError as refused:
            assert "401" in str(refused)
        text = gw.metrics()
    assert "realtimenet_connections" in text
    assert secret not in text and key not in text and token not in text and token.split(".")[2] not in text
