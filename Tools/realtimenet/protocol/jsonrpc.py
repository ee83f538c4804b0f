"""JSON-RPC 2.0 envelopes: strict decoding, input sanitising and encoding. Sans-I/O.

Decoding is typed (msgspec) on the fast path; only frames that *could* break a sanitising limit are
walked in Python, and that possibility is decided with byte counts done in C (a frame with fewer than
``max_depth`` brackets cannot nest deeper than that; a frame shorter than ``max_string_length`` cannot
hold a longer string; one with fewer commas than ``max_array_length`` cannot hold a longer array; a
number can only overflow a double or a 64-bit integer with a three-digit exponent or 19+ digits).

Payloads typed "any JSON" are carried as raw bytes and never parsed on the fast path, which is why the
number check matters: msgspec skips raw values without range-checking them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.text import check_text

_scan: Callable[[bytes, int, int, int], bool] | None
try:
    from realtimenet._speedups import scan_frame as _scan
except ImportError:  # built without a C compiler: the Python checks alone
    _scan = None

RequestId = int | str | None


@dataclass(frozen=True, slots=True)
class Limits:
    """Sanitising limits applied to every incoming frame."""

    max_depth: int = 32
    max_string_length: int = 16_384
    max_array_length: int = 1_024
    max_batch_size: int = 64


class Request(msgspec.Struct, omit_defaults=True):
    """A JSON-RPC request or notification (``id`` unset)."""

    jsonrpc: str
    method: str
    params: msgspec.Raw | UnsetType = UNSET
    id: int | str | UnsetType | None = UNSET

    @property
    def is_notification(self) -> bool:
        return self.id is UNSET


class ErrorObject(msgspec.Struct, omit_defaults=True):
    """The ``error`` member of an error response."""

    code: int
    message: str
    data: Any = UNSET


class Incoming(msgspec.Struct, omit_defaults=True):
    """A frame item as a client receives it: a response (``id`` with ``result`` or ``error``) or a
    notification (``method`` with ``params``)."""

    jsonrpc: str
    id: int | str | UnsetType | None = UNSET
    result: msgspec.Raw | UnsetType = UNSET
    error: ErrorObject | UnsetType = UNSET
    method: str | UnsetType = UNSET
    params: msgspec.Raw | UnsetType = UNSET


class _Result(msgspec.Struct):
    jsonrpc: str
    id: int | str | None
    result: Any


class _Error(msgspec.Struct):
    jsonrpc: str
    id: int | str | None
    error: ErrorObject


class _Notify(msgspec.Struct):
    jsonrpc: str
    method: str
    params: Any


class _Call(msgspec.Struct, omit_defaults=True):
    jsonrpc: str
    method: str
    params: Any = UNSET
    id: int | str | UnsetType = UNSET


class Invalid(Exception):
    """An incoming item that must be answered with an error response (or dropped, for notifications)."""

    def __init__(self, code: ErrorCode, detail: str, request_id: RequestId = None, kind: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.request_id = request_id
        self.kind = kind or code.name.lower()


_request_decoder = msgspec.json.Decoder(Request)
_batch_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_any_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()
_client_decoder = msgspec.json.Decoder(Incoming | list[Incoming])

VERSION = "2.0"


def encode_result(request_id: RequestId, result: Any) -> bytes:
    """Encode a success response."""
    return _encoder.encode(_Result(VERSION, request_id, result))


def encode_error(request_id: RequestId, code: int, message: str, data: Any = UNSET) -> bytes:
    """Encode an error response."""
    return _encoder.encode(_Error(VERSION, request_id, ErrorObject(code, message, data)))


def encode_notification(method: str, params: Any) -> bytes:
    """Encode a notification once; the same bytes can be sent to any number of connections."""
    return _encoder.encode(_Notify(VERSION, method, params))


def encode_call(method: str, params: Any = UNSET, request_id: int | str | UnsetType = UNSET) -> bytes:
    """Encode a client request (``request_id`` set) or client notification."""
    return _encoder.encode(_Call(VERSION, method, params, request_id))


def encode_batch(items: list[bytes]) -> bytes:
    """Join already-encoded items into one batch frame without re-encoding them."""
    return b"[" + b",".join(items) + b"]"


def _shape_of(byte: int) -> int:
    char = chr(byte)
    if "0" <= char <= "9":
        return ord("0")
    if char in "eE":
        return ord("e")
    if char in "[{":
        return ord("[")
    return byte if char == "," else ord(" ")


# Every byte mapped to its role: digits -> "0", exponent markers -> "e", openers -> "[", "," kept, "+"
# deleted (so "1E+308" reads "0e000"), the rest blank. One C-speed translate, then counts and searches.
_SHAPE = bytes(_shape_of(b) for b in range(256))
_LONG_INTEGER = b"0" * 19
_INT_RANGE = (-(2**63), 2**64 - 1)


def _walk_limits(value: Any, limits: Limits) -> str | None:
    """Precise sanitising check over a decoded value; returns what was exceeded, or None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > limits.max_string_length:
                return f"string longer than {limits.max_string_length}"
        elif isinstance(item, int):
            if not _INT_RANGE[0] <= item <= _INT_RANGE[1]:
                return "integer outside the 64-bit range"
        elif isinstance(item, list):
            if depth > limits.max_depth:
                return f"nesting deeper than {limits.max_depth}"
            if len(item) > limits.max_array_length:
                return f"array longer than {limits.max_array_length}"
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, dict):
            if depth > limits.max_depth:
                return f"nesting deeper than {limits.max_depth}"
            if len(item) > limits.max_array_length:
                return f"object with more than {limits.max_array_length} members"
            for k, v in item.items():
                if len(k) > limits.max_string_length:
                    return f"member name longer than {limits.max_string_length}"
                stack.append((v, depth + 1))
    return None


def _may_exceed(frame: bytes, limits: Limits) -> bool:
    """Cheap necessary conditions: False means the frame cannot break any limit."""
    size = len(frame)
    shape = frame.translate(_SHAPE, b"+")
    return (
        b"e000" in shape  # a double overflows only with a three-digit positive exponent,
        or _LONG_INTEGER in shape  # a 64-bit integer only with 19 or more digits
        or size > limits.max_string_length
        or (size > 2 * limits.max_depth and shape.count(b"[") > limits.max_depth)
        or (size > 2 * limits.max_array_length and shape.count(b",") >= limits.max_array_length)
    )


def check_limits(frame: bytes, limits: Limits) -> None:
    """Raise ``Invalid`` if ``frame`` (valid JSON) breaks a sanitising limit."""
    if not _may_exceed(frame, limits):
        return
    try:
        value = _any_decoder.decode(frame)
    except RecursionError:
        raise Invalid(ErrorCode.INVALID_REQUEST, f"nesting deeper than {limits.max_depth}",
                      kind="limit_exceeded") from None
    except msgspec.DecodeError as exc:
        raise Invalid(ErrorCode.PARSE_ERROR, str(exc), kind="parse_error") from None
    exceeded = _walk_limits(value, limits)
    if exceeded:
        raise Invalid(ErrorCode.INVALID_REQUEST, exceeded, _guess_id(value), kind="limit_exceeded")


def _guess_id(value: Any) -> RequestId:
    if isinstance(value, dict):
        rid = value.get("id")
        if isinstance(rid, (int, str)) and not isinstance(rid, bool):
            return rid
    return None


def _diagnose(item: bytes) -> Invalid:
    """Why a single item failed typed decoding: not JSON at all, or JSON but not a request."""
    try:
        value = _any_decoder.decode(item)
    except RecursionError:
        return Invalid(ErrorCode.INVALID_REQUEST, "nesting too deep", kind="limit_exceeded")
    except msgspec.DecodeError as exc:
        return Invalid(ErrorCode.PARSE_ERROR, str(exc), kind="parse_error")
    rid = _guess_id(value)
    if not isinstance(value, dict):
        return Invalid(ErrorCode.INVALID_REQUEST, "a request must be a JSON object", rid)
    if value.get("jsonrpc") != VERSION:
        return Invalid(ErrorCode.INVALID_REQUEST, 'member "jsonrpc" must be "2.0"', rid)
    if not isinstance(value.get("method"), str):
        return Invalid(ErrorCode.INVALID_REQUEST, 'member "method" must be a string', rid)
    rid_value = value.get("id")
    if isinstance(rid_value, bool) or ("id" in value and not (rid_value is None or isinstance(rid_value, (int, str)))):
        return Invalid(ErrorCode.INVALID_REQUEST, 'member "id" must be a string, a number or null')
    return Invalid(ErrorCode.INVALID_REQUEST, "not a JSON-RPC 2.0 request", rid)


def decode_request(item: bytes) -> Request:
    """Decode one request object (already within limits); raise ``Invalid`` with the right code."""
    try:
        req = _request_decoder.decode(item)
    except (msgspec.DecodeError, RecursionError):
        raise _diagnose(item) from None
    if req.jsonrpc != VERSION:
        raise Invalid(ErrorCode.INVALID_REQUEST, 'member "jsonrpc" must be "2.0"',
                      None if req.id is UNSET else req.id)
    if isinstance(req.id, bool):
        raise Invalid(ErrorCode.INVALID_REQUEST, 'member "id" must be a string, a number or null')
    return req


def check_frame(frame: bytes, limits: Limits) -> None:
    """Raise ``InvalidText`` (not UTF-8 text, protocol/text.py) or ``Invalid`` (a limit exceeded) unless the
    frame passes every check a client message must pass. The native scan (realtimenet._speedups, built when a C
    compiler is there) certifies the common case in one pass; anything it is not sure of, and every frame when
    it is not built, goes through the Python checks, which alone decide what is refused and say why."""
    if _scan is not None and _scan(frame, limits.max_depth, limits.max_string_length, limits.max_array_length):
        return
    check_text(frame)
    check_limits(frame, limits)


def split_frame(frame: bytes, limits: Limits) -> tuple[bool, list[bytes]]:
    """Return (is_batch, items) for a text frame, after ``check_frame``.

    Raises ``InvalidText`` for bytes that are not text, and ``Invalid`` for a frame that must be answered with
    one error: a parse error, an empty or oversized batch, or a limit exceeded.
    """
    check_frame(frame, limits)
    first = frame[:1]
    if first.isspace():  # rare: avoid copying every frame to strip it
        first = frame.lstrip()[:1]
    if first != b"[":
        return False, [frame]
    try:
        items = _batch_decoder.decode(frame)
    except (msgspec.DecodeError, RecursionError):
        raise _diagnose(frame) from None
    if not items:
        raise Invalid(ErrorCode.INVALID_REQUEST, "empty batch", kind="empty_batch")
    if len(items) > limits.max_batch_size:
        raise Invalid(ErrorCode.INVALID_REQUEST, f"batch longer than {limits.max_batch_size}",
                      kind="batch_too_long")
    return True, [bytes(raw) for raw in items]


def decode_incoming(frame: bytes | str) -> Incoming | list[Incoming]:
    """Client side: decode a frame from the gateway (a response, a batch of them, or a notification)."""
    decoded: Incoming | list[Incoming] = _client_decoder.decode(frame)
    return decoded
