"""The gateway's message path under fuzzing, briefly (``make fuzz`` runs the long versions; figures in
docs/reliability.md):

- the regression corpus (tests/fuzz_corpus/gateway/, seeds and every finding kept) through the harness of
  tests/gateway_fuzz.py: a real node's sans-I/O Connection, the text check and the JSON-RPC envelopes;
- structured scripts (hypothesis): requests for every method with arbitrary params and ids, batches, invalid
  text, time, pongs, drops and resumes;
- a brief atheris run of the same harness (coverage-guided, from the corpus);
- raw RFC 6455 frame sequences (any opcode, reserved bits, fragmentation, masking, close codes, sizes) against
  a live in-process gateway over real sockets: what comes back is valid UTF-8 JSON-RPC, a pong or a close
  with a documented code, never 1005/1006/1015, and the gateway keeps serving.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtimenet.protocol.codes import CloseCode
from tests.conftest import InProcessGateway
from tests.gateway_fuzz import (
    CORPUS,
    Finding,
    Transport,
    check_frame,
    check_native_scan_agrees,
    check_text_agrees,
    corpus_inputs,
    run_script,
)
from tests.ws_raw import CLOSE, PONG, TEXT, RawSocket, close_payload, frame

ROOT = Path(__file__).resolve().parent.parent
LONG = int(os.environ.get("RTNET_FUZZ_EXAMPLES", "0"))  # set by `make fuzz` (scripts/fuzz.sh)
EXAMPLES = LONG or 150
FRAME_EXAMPLES = LONG or 60
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize(("name", "data"), corpus_inputs(), ids=[name for name, _ in corpus_inputs()])
def test_every_input_of_the_regression_corpus_keeps_every_invariant(name: str, data: bytes) -> None:
    run_script(data)


def test_the_harness_catches_each_kind_of_breach() -> None:
    for bad in (b'{"jsonrpc":"2.0","method":"x","params":"\xff"}', b'{"jsonrpc":"2.0","method":"x","params":"\\udc80"}',
                b"not json", b'{"jsonrpc":"1.0","id":1,"result":1}', b'{"jsonrpc":"2.0","id":1,"result":1,"error":{}}',
                b'{"jsonrpc":"2.0","id":1,"error":{"code":-32099,"message":"Server error"}}',
                b'{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}'):
        with pytest.raises(Finding):
            check_frame(bad)
    check_frame(b'[{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}]')
    transport = Transport()
    for code in (1005, 1006, 1015, 4999, 2000):
        with pytest.raises(Finding):
            transport.close(code, "")
    with pytest.raises(Finding):
        transport.close(1000, "é" * 62)  # 124 bytes: longer than a close frame's reason can be
    transport.close(int(CloseCode.INVALID_PAYLOAD), "invalid UTF-8 at byte 3")
    with pytest.raises(Finding):
        transport.send(b'{"jsonrpc":"2.0","method":"late","params":{}}')


@FUZZ_SETTINGS
@given(st.text(alphabet=st.sampled_from(['\\', 'u', 'd', 'D', '8', 'c', '0', 'a', '"', 'x', '\ud800', '\udc00',
                                          '\U0001f600']), max_size=24),
       st.booleans())
def test_the_text_check_agrees_with_a_strict_decoder(text: str, ascii_only: bool) -> None:
    # Strings of backslashes, surrogate escapes (escaped or not, paired or not) and real characters.
    check_text_agrees(json.dumps({"s": text, text[:8]: 1}, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"))


# Bytes a UTF-8 validator must get right: overlong forms, UTF-16 surrogates encoded in UTF-8, code points past
# U+10FFFF, truncated and stray continuation bytes, and the JSON characters around them.
TRICKY_BYTES = [b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5",
                b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc3\xa9", b"\xf0\x9f\x98\x80",
                b"\xef\xbf\xbf", b"\\ud800", b"\\udc00", b"\\\\", b'"', b"[", b"]", b"{", b"}", b",", b":", b"1",
                b"a", b" ", b"\x00", b"\x1f", b"1e999", b"18446744073709551616"]


@FUZZ_SETTINGS
@given(st.lists(st.sampled_from(TRICKY_BYTES) | st.binary(max_size=4), max_size=40), st.integers(0, 3))
def test_the_native_scan_never_certifies_what_the_python_checks_refuse(parts: list[bytes], shape: int) -> None:
    body = b"".join(parts)
    wrapped = [body, b'"' + body + b'"', b'{"jsonrpc":"2.0","id":1,"method":"sys.echo","params":{"data":"' + body + b'"}}',
               b"[" * 9 + body + b"]" * 9][shape]
    check_native_scan_agrees(wrapped)


# ----- structured scripts --------------------------------------------------------------------------------

METHODS = ["sys.ping", "sys.echo", "auth.refresh", "room.join", "room.leave", "room.publish", "direct.send",
           "session.resume", "state.get", "state.update", "presence.set", "presence.query", "fault.inject", "nope"]
KEYS = ["room", "data", "to", "client_time", "token", "state_encoding", "resume_token", "streams", "stream", "epoch",
        "offset", "state", "version", "base_version", "patch", "status", "custom", "players", "x"]
ROOMS = st.sampled_from(["lobby", "arena-1", "r", "nowhere", "", "lobby\n", "a" * 300])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | ROOMS
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner,
                                                                max_size=4),
    max_leaves=12)
params = st.one_of(
    json_values,
    st.fixed_dictionaries({"room": ROOMS}, optional={"data": json_values, "state_encoding": st.sampled_from(
        ["entities", "delta", 3]), "base_version": st.integers(-2, 5), "patch": json_values}),
    st.fixed_dictionaries({"status": st.sampled_from(["online", "away", "busy", "x"])}, optional={"custom": json_values}),
    st.fixed_dictionaries({"to": st.sampled_from(["fuzzer", "other", ""]), "data": json_values}),
    st.fixed_dictionaries({"resume_token": st.text(max_size=40), "streams": st.lists(st.fixed_dictionaries(
        {"stream": st.sampled_from(["room:lobby", "player:fuzzer", "room:x"]), "epoch": st.text(max_size=8),
         "offset": st.integers(-1, 20)}), max_size=3)}))
ids = st.none() | st.integers(-5, 2**53) | st.text(max_size=6) | st.booleans() | st.just(1.5)


@st.composite
def request(draw: st.DrawFn) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": draw(st.sampled_from(["2.0", "2.0", "2.0", "1.0"])),
                               "method": draw(st.sampled_from(METHODS))}
    if draw(st.booleans()):
        message["params"] = draw(params)
    if draw(st.integers(0, 3)):
        message["id"] = draw(ids)
    return message


@st.composite
def line(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        return json.dumps(draw(request()), ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if kind == 5:
        return json.dumps(draw(st.lists(request(), max_size=10))).encode()
    if kind == 6:
        return draw(st.sampled_from([b"#tick 1", b"#tick 0.05", b"#tick 30", b"#pong", b"#backpressure", b"#drop",
                                     b"#reconnect", b"#resume", b"#close 1000", b"#close 4000", b"#close 1006"]))
    return draw(st.binary(max_size=40)).replace(b"\n", b" ")


@FUZZ_SETTINGS
@given(st.lists(line(), min_size=1, max_size=12))
def test_structured_scripts_keep_every_invariant(lines: list[bytes]) -> None:
    run_script(b"\n".join(lines))


@pytest.mark.timeout(120)
def test_a_brief_coverage_guided_run_finds_nothing(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "gateway_fuzz.py"), "-runs=3000",
                           "-max_total_time=30", "-seed=1", f"-artifact_prefix={tmp_path}/",
                           f"-dict={ROOT / 'tests' / 'fuzz_corpus' / 'gateway.dict'}", str(corpus), str(CORPUS)],
                          capture_output=True, text=True, timeout=110, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "Done 3000 runs" in done.stderr or "max_total_time" in done.stderr or "DONE" in done.stderr, done.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*"))


# ----- raw frames against a live gateway -------------------------------------------------------------------

MAX_MESSAGE = 2048
CLOSE_CODES = st.sampled_from([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1011, 1015, 1016, 2999, 3000, 4000,
                               4999, 5000, 0, 65535])
payloads = st.one_of(
    st.builds(lambda m: json.dumps(m).encode(), request()),
    st.binary(max_size=64),
    st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(close_payload, CLOSE_CODES, st.binary(max_size=8)),
    st.integers(MAX_MESSAGE - 8, MAX_MESSAGE + 8).map(lambda n: b'"' + b"x" * (n - 2) + b'"'),
)
# Weighted towards well-formed frames, so that sequences get past the first violation often enough.
raw_frames = st.tuples(st.sampled_from([0x1] * 8 + [0x0, 0x0, 0x2, 0x3, 0x8, 0x9, 0x9, 0xA, 0xB]),
                       st.sampled_from([True] * 5 + [False]), st.sampled_from([0] * 10 + [1, 2, 4]), payloads,
                       st.sampled_from([True] * 10 + [False]))


@pytest.fixture(scope="module")
def live_gateway() -> Any:
    from realtimenet.config import load_config

    gw = InProcessGateway(load_config(environ={}, overrides={
        "server.port": 0, "server.max_message_bytes": MAX_MESSAGE, "rate_limit.rate": 100000,
        "rate_limit.burst": 100000, "server.max_connections_per_player": 1000})).start()
    yield gw
    gw.stop()


def exchange(gw: InProcessGateway, frames: list[tuple[int, bool, int, bytes, bool]]) -> list[Any]:
    """Send the frames, then a ping request; read until its answer, the close or the end of TCP."""
    raw = RawSocket("127.0.0.1", gw.gateway.ports["public"], gw.token("raw"), timeout=5)
    got: list[Any] = []
    try:
        for opcode, fin, rsv, payload, mask in frames:
            if opcode in (0x8, 0x9, 0xA) and len(payload) > 125:
                payload = payload[:125]  # control frames are short (a longer one is picows's own 1002 case)
            raw.send(frame(opcode, payload, fin=fin, rsv=rsv, mask=mask))
        raw.send(frame(TEXT, b'{"jsonrpc":"2.0","id":"last","method":"sys.ping","params":{}}'))
        while True:
            reply = raw.recv()
            got.append(reply)
            if reply.opcode == CLOSE:
                break
            if reply.opcode == TEXT and b'"id":"last"' in reply.payload:
                break
    except EOFError:
        got.append("eof")
    except (ConnectionResetError, BrokenPipeError):
        got.append("reset")
    finally:
        try:
            raw.sock.close()
        except OSError:
            pass
    return got


def check_reply(reply: Any) -> None:
    if isinstance(reply, str):
        return  # the TCP connection ended (after a close frame, or picows failing a frame it cannot parse)
    assert reply.rsv == 0 and reply.fin, reply
    if reply.opcode == TEXT:
        check_frame(reply.payload)
    elif reply.opcode == CLOSE:
        code = reply.close_code
        assert code is not None and code in {int(c) for c in CloseCode}, reply
        assert code not in (1005, 1006, 1015)
        reply.close_reason.decode("utf-8")
    else:
        assert reply.opcode == PONG, reply


def test_raw_frames_get_valid_answers_or_a_documented_close(live_gateway: InProcessGateway) -> None:
    @settings(max_examples=FRAME_EXAMPLES, deadline=None, derandomize=not LONG, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                     HealthCheck.data_too_large])
    @given(st.lists(raw_frames, min_size=1, max_size=6))
    def search(frames: list[tuple[int, bool, int, bytes, bool]]) -> None:
        for reply in exchange(live_gateway, frames):
            check_reply(reply)

    search()
    # The gateway is still whole: a fresh client is served, and no handler failed.
    client = live_gateway.connect("after")
    assert client.call("sys.ping", {"client_time": 1})["client_time"] == 1
    client.close()
    metrics = live_gateway.call(lambda: live_gateway.gateway.node.metrics.handler_errors._metrics)
    assert not metrics, metrics
    if LONG:
        print("FRAMES_FUZZ " + json.dumps({"examples": FRAME_EXAMPLES}))

