"""The sans-I/O JSON-RPC 2.0 envelopes (realtimenet.protocol.jsonrpc): splitting frames into requests,
the sanitising limits, the precise error of each malformed request, and encoding once."""

from __future__ import annotations

import json

import msgspec
import pytest
from msgspec import UNSET

from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import ErrorCode

LIMITS = jsonrpc.Limits(max_depth=4, max_string_length=16, max_array_length=3, max_batch_size=2)


def test_a_single_request_is_one_item_and_a_batch_its_members() -> None:
    single = b'{"jsonrpc":"2.0","id":1,"method":"sys.ping"}'
    assert jsonrpc.split_frame(single, LIMITS) == (False, [single])
    assert jsonrpc.split_frame(b"  [" + single + b",\n" + single + b"]", LIMITS) == (True, [single, single])


@pytest.mark.parametrize(("frame", "code", "kind"), [
    (b"[]", ErrorCode.INVALID_REQUEST, "empty_batch"),
    (b"[1,2,3,4]", ErrorCode.INVALID_REQUEST, "limit_exceeded"),  # past max_array_length before max_batch_size
    (b'{"o":{"a":1,"b":2,"c":3,"d":4}}', ErrorCode.INVALID_REQUEST, "limit_exceeded"),
    (b"[[[[[1]]]]]", ErrorCode.INVALID_REQUEST, "limit_exceeded"),
    (b'{"s":"' + b"x" * 17 + b'"}', ErrorCode.INVALID_REQUEST, "limit_exceeded"),
    (b'{"n":123456789012345678901}', ErrorCode.INVALID_REQUEST, "limit_exceeded"),
    (b'{"f":1e999}', ErrorCode.PARSE_ERROR, "parse_error"),
    (b"[{,]", ErrorCode.PARSE_ERROR, "parse_error"),
])
def test_frames_that_break_a_limit_or_are_not_json_get_one_error(frame: bytes, code: ErrorCode, kind: str) -> None:
    with pytest.raises(jsonrpc.Invalid) as info:
        jsonrpc.split_frame(frame, LIMITS)
    assert (info.value.code, info.value.kind) == (code, kind)


def test_a_batch_longer_than_allowed_is_refused() -> None:
    wide = jsonrpc.Limits(max_batch_size=2)
    item = b'{"jsonrpc":"2.0","method":"sys.ping"}'
    with pytest.raises(jsonrpc.Invalid) as info:
        jsonrpc.split_frame(b"[" + b",".join([item] * 3) + b"]", wide)
    assert info.value.kind == "batch_too_long"


def test_a_limit_error_keeps_the_request_id_when_it_can_be_read() -> None:
    with pytest.raises(jsonrpc.Invalid) as info:
        jsonrpc.split_frame(b'{"jsonrpc":"2.0","id":"r7","method":"x","params":{"s":"' + b"y" * 40 + b'"}}', LIMITS)
    assert info.value.request_id == "r7"


@pytest.mark.parametrize(("item", "detail", "rid"), [
    (b'"a string"', "must be a JSON object", None),
    (b'{"jsonrpc":"1.0","id":3,"method":"m"}', '"jsonrpc" must be "2.0"', 3),
    (b'{"jsonrpc":"2.0","id":4,"method":7}', '"method" must be a string', 4),
    (b'{"jsonrpc":"2.0","id":true,"method":"m"}', '"id" must be a string, a number or null', None),
    (b'{"jsonrpc":"2.0","id":{"x":1},"method":"m"}', '"id" must be a string, a number or null', None),
])
def test_each_malformed_request_gets_its_precise_reason(item: bytes, detail: str, rid: object) -> None:
    with pytest.raises(jsonrpc.Invalid) as info:
        jsonrpc.decode_request(item)
    assert info.value.code == ErrorCode.INVALID_REQUEST
    assert detail in info.value.detail and info.value.request_id == rid


def test_a_notification_has_no_id_and_params_stay_raw() -> None:
    req = jsonrpc.decode_request(b'{"jsonrpc":"2.0","method":"sys.echo","params":{"data":[1, 2]}}')
    assert req.is_notification and req.id is UNSET
    assert bytes(req.params) == b'{"data":[1, 2]}'  # forwarded as it arrived, not re-encoded


def test_encoders_write_valid_envelopes_and_a_batch_joins_them_without_re_encoding() -> None:
    result = jsonrpc.encode_result(1, {"ok": True})
    error = jsonrpc.encode_error("a", ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND.message, {"room": "x"})
    note = jsonrpc.encode_notification("room.event", {"n": 1})
    assert json.loads(result) == {"jsonrpc": "2.0", "id": 1, "result": {"ok": True}}
    assert json.loads(error)["error"] == {"code": -32003, "message": ErrorCode.NOT_FOUND.message, "data": {"room": "x"}}
    assert json.loads(note) == {"jsonrpc": "2.0", "method": "room.event", "params": {"n": 1}}
    assert jsonrpc.encode_batch([result, error]) == b"[" + result + b"," + error + b"]"
    decoded = jsonrpc.decode_incoming(jsonrpc.encode_batch([result, note]))
    assert isinstance(decoded, list) and bytes(decoded[0].result) == b'{"ok":true}'
    assert decoded[1].method == "room.event"


def test_raw_params_are_sent_as_they_came() -> None:
    raw = msgspec.Raw(b'{"big":18446744073709551615}')
    assert jsonrpc.encode_result(1, raw).endswith(b'"result":{"big":18446744073709551615}}')
