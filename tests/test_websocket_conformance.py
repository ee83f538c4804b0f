"""RFC 6455 conformance of the gateway's server side, in sections after Autobahn|Testsuite's: framing,
pings and pongs, reserved bits, opcodes, fragmentation, UTF-8 handling, close handling and limits.

Each case sends raw frames (tests/ws_raw.py) and checks what the server answers: the RPC answer, a pong,
the close handshake with the code the RFC asks for (1002 protocol error, 1007 invalid payload data, 1009
too big), never 1005, 1006 or 1015 on the wire. docs/websocket-conformance.md lists the same cases; a test
keeps the two in step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from realtimenet.gateway.auth import TokenVerifier
from tests.conftest import GatewayProcess, metric_value, start_gateway_process
from tests.ws_raw import BINARY, CLOSE, CONTINUATION, PING, PONG, TEXT, RawSocket, close_payload, frame

ROOT = Path(__file__).resolve().parent.parent
MAX_MESSAGE = 4096
NEVER_ON_THE_WIRE = {1005, 1006, 1015}


def echo(data: str, rid: int = 1) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "sys.echo", "params": {"data": data}},
                      ensure_ascii=False).encode()


@dataclass(frozen=True)
class Answers:
    """Every request sent is answered (sys.echo gives back ``data``) and the connection stays open."""

    data: list[str]


@dataclass(frozen=True)
class Pongs:
    """A pong with this payload comes back and the connection stays open."""

    payload: bytes


@dataclass(frozen=True)
class Closes:
    """The server closes with ``code`` (and then ends the TCP connection)."""

    code: int


@dataclass(frozen=True)
class EchoesClose:
    """The server answers the client's close with ``code`` (None: an empty close payload)."""

    code: int | None


@dataclass(frozen=True)
class Case:
    id: str
    what: str
    frames: list[bytes]
    expect: Answers | Pongs | Closes | EchoesClose


HELLO = echo("hello")
AT_LIMIT = "y" * (MAX_MESSAGE - len(echo("")))  # the whole message is exactly max_message_bytes
UTF8 = echo("κόσμε ✓ 🎮")
HALF = len(HELLO) // 2

CASES = [
    # 1 Framing
    Case("1.1", "text message, 7-bit length", [frame(TEXT, HELLO)], Answers(["hello"])),
    Case("1.2", "text message, 16-bit length", [frame(TEXT, echo("x" * 300))], Answers(["x" * 300])),
    Case("1.3", "text message of exactly the size limit", [frame(TEXT, echo(AT_LIMIT))], Answers([AT_LIMIT])),
    Case("1.4", "binary message (the protocol is text only)", [frame(BINARY, b"\x00\x01")], Closes(4500)),
    Case("1.5", "unmasked client frame", [frame(TEXT, HELLO, mask=False)], Closes(1002)),
    # 2 Pings and pongs
    Case("2.1", "ping without payload", [frame(PING)], Pongs(b"")),
    Case("2.2", "ping with 125 bytes of payload", [frame(PING, b"p" * 125)], Pongs(b"p" * 125)),
    Case("2.3", "ping with binary payload", [frame(PING, bytes(range(0, 250, 2)))], Pongs(bytes(range(0, 250, 2)))),
    Case("2.4", "ping with 126 bytes (control frames hold at most 125)", [frame(PING, b"p" * 126)], Closes(1002)),
    Case("2.5", "unsolicited pong is ignored", [frame(PONG, b"x"), frame(TEXT, HELLO)], Answers(["hello"])),
    Case("2.6", "fragmented ping", [frame(PING, b"a", fin=False)], Closes(1002)),
    # 3 Reserved bits
    Case("3.1", "RSV1 on a text frame without an extension", [frame(TEXT, HELLO, rsv=4)], Closes(1002)),
    Case("3.2", "RSV2 on a text frame", [frame(TEXT, HELLO, rsv=2)], Closes(1002)),
    Case("3.3", "RSV3 on a text frame", [frame(TEXT, HELLO, rsv=1)], Closes(1002)),
    Case("3.4", "all reserved bits on a ping", [frame(PING, b"x", rsv=7)], Closes(1002)),
    Case("3.5", "RSV1 on a close frame", [frame(CLOSE, close_payload(1000), rsv=4)], Closes(1002)),
    Case("3.6", "RSV2 on a continuation frame", [frame(TEXT, HELLO[:HALF], fin=False),
                                                 frame(CONTINUATION, HELLO[HALF:], rsv=2)], Closes(1002)),
    # 4 Opcodes
    *(Case(f"4.1.{op}", f"reserved data opcode {op:#x}", [frame(op, b"x")], Closes(1002)) for op in range(3, 8)),
    *(Case(f"4.2.{op:x}", f"reserved control opcode {op:#x}", [frame(op, b"x")], Closes(1002))
      for op in range(0xB, 0x10)),
    # 5 Fragmentation
    Case("5.1", "text message in two fragments", [frame(TEXT, HELLO[:HALF], fin=False),
                                                  frame(CONTINUATION, HELLO[HALF:])], Answers(["hello"])),
    Case("5.2", "text message in one fragment per byte", [
        frame(TEXT, HELLO[:1], fin=False), *(frame(CONTINUATION, HELLO[i:i + 1], fin=False)
                                             for i in range(1, len(HELLO) - 1)),
        frame(CONTINUATION, HELLO[-1:])], Answers(["hello"])),
    Case("5.3", "empty fragments around the message", [frame(TEXT, b"", fin=False), frame(CONTINUATION, HELLO,
                                                                                           fin=False),
                                                       frame(CONTINUATION, b"")], Answers(["hello"])),
    Case("5.4", "a ping between fragments is answered", [frame(TEXT, HELLO[:HALF], fin=False), frame(PING, b"mid"),
                                                        frame(CONTINUATION, HELLO[HALF:])], Pongs(b"mid")),
    Case("5.5", "continuation without a started message", [frame(CONTINUATION, HELLO)], Closes(1002)),
    Case("5.6", "final continuation without a started message", [frame(CONTINUATION, b"x", fin=False)],
         Closes(1002)),
    Case("5.7", "a new text frame inside a fragmented message", [frame(TEXT, HELLO[:HALF], fin=False),
                                                                frame(TEXT, HELLO)], Closes(1002)),
    Case("5.8", "a binary frame inside a fragmented text message", [frame(TEXT, HELLO[:HALF], fin=False),
                                                                   frame(BINARY, b"x")], Closes(1002)),
    Case("5.9", "a fragmented binary message", [frame(BINARY, b"ab", fin=False), frame(CONTINUATION, b"cd")],
         Closes(4500)),
    Case("5.10", "two messages back to back after a fragmented one", [
        frame(TEXT, HELLO[:HALF], fin=False), frame(CONTINUATION, HELLO[HALF:]), frame(TEXT, echo("again", 2))],
        Answers(["hello", "again"])),
    # 6 UTF-8 handling
    Case("6.1", "valid multibyte text", [frame(TEXT, UTF8)], Answers(["κόσμε ✓ 🎮"])),
    Case("6.2", "valid text split inside a code point across fragments", [
        frame(TEXT, UTF8[:UTF8.index("🎮".encode()) + 2], fin=False),
        frame(CONTINUATION, UTF8[UTF8.index("🎮".encode()) + 2:])], Answers(["κόσμε ✓ 🎮"])),
    Case("6.3", "invalid byte 0xff inside a JSON string", [frame(TEXT, HELLO.replace(b"hello", b"he\xffllo"))],
         Closes(1007)),
    Case("6.4", "truncated multibyte sequence", [frame(TEXT, HELLO.replace(b"hello", b"he\xce"))], Closes(1007)),
    Case("6.5", "overlong encoding of '/'", [frame(TEXT, HELLO.replace(b"hello", b"\xc0\xaf"))], Closes(1007)),
    Case("6.6", "UTF-16 surrogate encoded in UTF-8", [frame(TEXT, HELLO.replace(b"hello", b"\xed\xa0\x80"))],
         Closes(1007)),
    Case("6.7", "code point above U+10FFFF", [frame(TEXT, HELLO.replace(b"hello", b"\xf4\x90\x80\x80"))],
         Closes(1007)),
    Case("6.8", "invalid UTF-8 in the last fragment", [frame(TEXT, HELLO[:HALF], fin=False),
                                                       frame(CONTINUATION, HELLO[HALF:-3] + b"\xff\"}}")],
         Closes(1007)),
    Case("6.9", "invalid UTF-8 outside any JSON string", [frame(TEXT, b"\xff" + HELLO)], Closes(1007)),
    Case("6.10", "a lone surrogate escape (valid UTF-8, not Unicode text)", [frame(TEXT, echo("x").replace(
        b'"x"', b'"\\udc80"'))], Closes(1007)),
    # 7 Close handling
    Case("7.1", "close 1000 is echoed", [frame(CLOSE, close_payload(1000))], EchoesClose(1000)),
    Case("7.2", "close with a reason is echoed", [frame(CLOSE, close_payload(1001, b"bye"))], EchoesClose(1001)),
    Case("7.3", "empty close is answered with 1000", [frame(CLOSE)], EchoesClose(1000)),
    Case("7.4", "close code 3000 (registered range)", [frame(CLOSE, close_payload(3000))], EchoesClose(3000)),
    Case("7.5", "close code 4999 (private range)", [frame(CLOSE, close_payload(4999))], EchoesClose(4999)),
    Case("7.6", "close with 123 bytes of reason", [frame(CLOSE, close_payload(1000, b"r" * 123))], EchoesClose(1000)),
    Case("7.7", "close with a one-byte payload", [frame(CLOSE, b"\x03")], Closes(1002)),
    *(Case(f"7.8.{code}", f"invalid close code {code}", [frame(CLOSE, close_payload(code))], Closes(1002))
      for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535)),
    Case("7.9", "close reason that is not UTF-8", [frame(CLOSE, close_payload(1000, b"\xff\xfe"))], Closes(1007)),
    Case("7.10", "frames after the client's close are ignored", [frame(CLOSE, close_payload(1000)), frame(TEXT, HELLO)],
         EchoesClose(1000)),
    # 8 Limits
    Case("8.1", "a frame over the message limit", [frame(TEXT, echo("z" * MAX_MESSAGE))], Closes(1009)),
    Case("8.2", "fragments adding up to over the limit", [frame(TEXT, b"[" + b" " * (MAX_MESSAGE - 10), fin=False),
                                                          frame(CONTINUATION, b" " * 20, fin=False)], Closes(1009)),
]


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    proc = start_gateway_process(tmp_path_factory.mktemp("conformance"),
                                 {"server": {"max_message_bytes": MAX_MESSAGE, "drain_timeout": 0.2}})
    yield proc
    assert proc.stop() == 0


def _connect(gw: GatewayProcess) -> RawSocket:
    raw = RawSocket("127.0.0.1", gw.port, TokenVerifier(gw.config.auth).mint("conformance"))
    welcome = raw.recv()
    assert welcome.opcode == TEXT and b"session.welcome" in welcome.payload
    return raw


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rfc6455_case(gw: GatewayProcess, case: Case) -> None:
    raw = _connect(gw)
    try:
        for data in case.frames:
            raw.send(data)
        expect = case.expect
        if isinstance(expect, Answers):
            for data in expect.data:
                answer = json.loads(raw.recv_until(TEXT).payload)
                assert answer["result"] == {"data": data}
            raw.send(frame(PING, b"still open"))
            assert raw.recv_until(PONG).payload == b"still open"
        elif isinstance(expect, Pongs):
            assert raw.recv_until(PONG).payload == expect.payload
        elif isinstance(expect, Closes):
            got = raw.closed_by_server()
            assert got is not None, "the server dropped TCP without a close frame"
            assert got.close_code == expect.code, (got.close_code, got.close_reason)
            got.close_reason.decode("utf-8")  # the reason is text
            assert raw.tcp_closed(), "the server kept TCP open after its close"
        else:
            got = raw.closed_by_server()
            assert got is not None and got.close_code == expect.code, got
            assert raw.tcp_closed()
    finally:
        raw.close()


def test_the_server_never_sends_reserved_close_codes(gw: GatewayProcess) -> None:
    for case in CASES:
        expected = case.expect.code if isinstance(case.expect, (Closes, EchoesClose)) else None
        assert expected not in NEVER_ON_THE_WIRE


def test_protocol_violations_are_counted_with_a_bounded_label(gw: GatewayProcess) -> None:
    before = metric_value(gw.metrics(), "realtimenet_bad_input_total", {"kind": "protocol_error"})
    raw = _connect(gw)
    raw.send(frame(TEXT, HELLO, rsv=4))
    assert raw.closed_by_server() is not None
    raw.close()
    text = gw.metrics()
    assert metric_value(text, "realtimenet_bad_input_total", {"kind": "protocol_error"}) == before + 1


def test_the_documented_table_lists_every_case() -> None:
    doc = (ROOT / "docs/websocket-conformance.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d[\w.]*) \| [^|]+ \| ([^|]+?) \|", doc, flags=re.M))
    for case in CASES:
        expect = case.expect
        want = {Answers: "answered", Pongs: "pong"}.get(type(expect)) or (
            f"close {expect.code}" if isinstance(expect, Closes) else
            f"close echoed {expect.code if expect.code is not None else '(empty)'}")
        assert rows.get(case.id) == want, f"{case.id}: docs say {rows.get(case.id)!r}, the suite {want!r}"
    assert len(rows) == len(CASES)
