"""Server-to-client WebSocket frames, written by the gateway itself (RFC 6455 section 5.2: unmasked, FIN set).

The edge (``server.py``) queues a socket's outgoing frames as immutable ``bytes`` and hands them to the
transport once per event-loop iteration with one ``writelines`` (one ``writev``): a broadcast's payload is
the same object for every recipient, a socket that gets several frames in one iteration costs one system
call, and, because nothing queued is ever a view of a buffer someone reuses, uvloop's transports (which keep
a reference to what they could not send at once) deliver it intact under back-pressure.
"""

from __future__ import annotations

import struct

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
_SHORT = [bytes((0x80 | TEXT, n)) for n in range(126)]  # the header of every text frame under 126 bytes
_MEDIUM = struct.Struct("!BBH")
_LONG = struct.Struct("!BBQ")


def header(size: int, opcode: int = TEXT) -> bytes:
    """The header of a final, unmasked frame of ``size`` payload bytes."""
    if size < 126:
        return _SHORT[size] if opcode == TEXT else bytes((0x80 | opcode, size))
    if size < 65536:
        return _MEDIUM.pack(0x80 | opcode, 126, size)
    return _LONG.pack(0x80 | opcode, 127, size)


def control(opcode: int, payload: bytes = b"") -> bytes:
    """A whole ping, pong or close frame (payload at most 125 bytes)."""
    return header(len(payload), opcode) + payload[:125]
