"""The native scan (realtimenet._speedups) is never more lenient than the Python checks it stands in for, and
certifies the messages games send; the Python path alone gives the same answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtimenet.protocol import jsonrpc
from realtimenet.protocol.text import InvalidText, check_text

speedups = pytest.importorskip("realtimenet._speedups", reason="built by `pip install` where a C compiler is")
ROOT = Path(__file__).resolve().parent.parent
LIMITS = jsonrpc.Limits(max_depth=6, max_string_length=40, max_array_length=8, max_batch_size=4)


def python_accepts(frame: bytes, limits: jsonrpc.Limits = LIMITS) -> bool:
    try:
        check_text(frame)
        jsonrpc.check_limits(frame, limits)
    except (InvalidText, jsonrpc.Invalid):
        return False
    return True


def not_json(frame: bytes) -> bool:
    """msgspec cannot decode it: a certified frame still ends as -32700 when the request is decoded."""
    try:
        msgspec.json.decode(frame)
    except msgspec.DecodeError:
        return True
    return False


def native_certifies(frame: bytes, limits: jsonrpc.Limits = LIMITS) -> bool:
    return bool(speedups.scan_frame(frame, limits.max_depth, limits.max_string_length, limits.max_array_length))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=10) | st.dictionaries(st.text(max_size=45), children, max_size=10),
    max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(json_values, st.booleans())
def test_what_the_scan_certifies_the_python_checks_accept(value: object, ascii_only: bool) -> None:
    frame = json.dumps(value, ensure_ascii=ascii_only).encode()
    if native_certifies(frame):
        assert python_accepts(frame), frame


@settings(max_examples=400, deadline=None)
@given(json_values, st.binary(min_size=1, max_size=3), st.integers(min_value=0))
def test_a_mangled_message_is_never_certified_when_python_refuses_it(value: object, junk: bytes, at: int) -> None:
    frame = json.dumps(value, ensure_ascii=False).encode()
    at %= len(frame) + 1
    mangled = frame[:at] + junk + frame[at:]
    if native_certifies(mangled):  # the scan is no JSON validator: what is not JSON fails at the decode
        assert python_accepts(mangled) or not_json(mangled), mangled


@pytest.mark.parametrize("frame", [
    b'"\\udc80"', b'"\\ud83c"', b'"\\ud83cx"', b'"\xff"', b'"\xed\xa0\x80"', b'"\xc0\xaf"', b'"\xf4\x90\x80\x80"',
    b'[[[[[[[1]]]]]]]', b'"' + b"x" * 41 + b'"', b'"' + "é".encode() * 41 + b'"', b"[1,2,3,4,5,6,7,8,9]",
    b'{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1}', b"123456789012345678901", b"1e999", b"1E+400",
])
def test_what_python_refuses_is_never_certified(frame: bytes) -> None:
    assert not python_accepts(frame)
    assert not native_certifies(frame)


@pytest.mark.parametrize("frame", [
    b'{"jsonrpc":"2.0","id":7,"method":"sys.echo","params":{"data":{"x":1.25,"y":-3,"ok":true,"n":null}}}',
    '{"s":"κόσμε 🎮","t":"\\ud83c\\udfae\\n\\"q\\""}'.encode(), b'[[[[[[1]]]]]]', b'"' + b"x" * 40 + b'"',
    b'"' + "é".encode() * 40 + b'"', b"[1,2,3,4,5,6,7,8]", b"-123456789012345678", b"[1e99, -2.5E-10]",
])
def test_the_messages_games_send_are_certified(frame: bytes) -> None:
    assert python_accepts(frame)
    assert native_certifies(frame)


@pytest.fixture(params=["native", "python"])
def scan_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "python":
        monkeypatch.setattr(jsonrpc, "_scan", None)
    yield str(request.param)


@pytest.mark.parametrize(("frame", "error"), [
    (b'{"a":"\xff"}', InvalidText), (b'{"a":"\\udc80"}', InvalidText), (b"[" * 40 + b"]" * 40, jsonrpc.Invalid),
    (b'{"n":123456789012345678901234}', jsonrpc.Invalid), (b'{"f":1e999}', jsonrpc.Invalid),
])
def test_both_paths_refuse_the_same_frames_with_the_same_error(scan_path: str, frame: bytes, error: type) -> None:
    with pytest.raises(error):
        jsonrpc.split_frame(frame, LIMITS)


def test_both_paths_split_a_batch_the_same_way(scan_path: str) -> None:
    item = b'{"jsonrpc":"2.0","id":1,"method":"sys.ping","params":{}}'
    assert jsonrpc.split_frame(b"[" + item + b"," + item + b"]", LIMITS) == (True, [item, item])


def test_without_a_compiler_the_build_succeeds_without_the_extension(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--build-lib", str(tmp_path / "lib"),
                             "--build-temp", str(tmp_path / "tmp")], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "CC": "/bin/false"})
    assert result.returncode == 0, result.stderr
    assert 'building extension "realtimenet._speedups" failed' in result.stderr
    assert not list((tmp_path / "lib").rglob("_speedups*"))  # the pure Python path runs instead
