"""What the gateway accepts as a text message: valid UTF-8 (RFC 6455 section 8.1) whose JSON holds no lone
surrogate escape (``"\\udc80"`` is valid JSON text but no Unicode string: strict decoders, the C++ client's
among them, refuse it). Checked once at the door, so nothing a client sends can reach another player, the
history or a log as text that would break a receiver.

Both checks are cheap for the common case: ASCII frames skip the UTF-8 decode, and the surrogate check only
runs on frames that contain a ``\\ud``/``\\uD`` escape at all.
"""

from __future__ import annotations

import re

_SURROGATE_ESCAPE = re.compile(rb"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


class InvalidText(ValueError):
    """A text message that is not Unicode text; the message says why."""


def check_text(payload: bytes) -> None:
    """Raise InvalidText unless ``payload`` is valid UTF-8 without lone surrogate escapes."""
    if not payload.isascii():
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidText(f"invalid UTF-8 at byte {exc.start}") from None
    if b"\\ud" in payload or b"\\uD" in payload:
        _check_surrogate_escapes(payload)


def _check_surrogate_escapes(payload: bytes) -> None:
    """Every ``\\uD800``-``\\uDBFF`` escape must be followed at once by a ``\\uDC00``-``\\uDFFF`` one, and
    every low one preceded by a high one. An escape counts only after an odd number of backslashes
    (``\\\\udc80`` is a backslash followed by text)."""
    expect_low_at = -1
    for match in _SURROGATE_ESCAPE.finditer(payload):
        if len(match.group(1)) % 2 == 0:
            continue  # an escaped backslash, then plain text
        unit = int(match.group(2), 16)
        start = match.start(1) + len(match.group(1)) - 1
        if unit >= 0xDC00:  # low
            if start != expect_low_at:
                raise InvalidText(f"lone low surrogate escape at byte {start}")
            expect_low_at = -1
            continue
        if expect_low_at != -1:
            raise InvalidText(f"lone high surrogate escape before byte {start}")
        expect_low_at = match.end()
    if expect_low_at != -1:
        raise InvalidText("lone high surrogate escape at the end")
