"""A raw WebSocket client for conformance tests: it writes frames exactly as told (reserved bits, opcodes,
fragments, invalid UTF-8, bad close codes) and reads what the server answers, frame by frame."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from dataclasses import dataclass

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


@dataclass(frozen=True)
class Frame:
    """A frame the server sent."""

    fin: bool
    rsv: int
    opcode: int
    payload: bytes

    @property
    def close_code(self) -> int | None:
        """The close code of a close frame (None for an empty close payload)."""
        return struct.unpack("!H", self.payload[:2])[0] if self.opcode == CLOSE and len(self.payload) >= 2 else None

    @property
    def close_reason(self) -> bytes:
        return self.payload[2:] if self.opcode == CLOSE else b""


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0, mask: bool = True) -> bytes:
    """One client frame: masked (as clients must) unless ``mask`` is False."""
    head = bytearray([(0x80 if fin else 0) | (rsv & 0x7) << 4 | opcode])
    size = len(payload)
    bit = 0x80 if mask else 0
    if size < 126:
        head.append(bit | size)
    elif size < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", size)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", size)
    if not mask:
        return bytes(head) + payload
    key = os.urandom(4)
    return bytes(head) + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


class RawSocket:
    """An upgraded socket with a timeout, and a frame reader."""

    def __init__(self, host: str, port: int, token: str, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws?access_token={token} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"closed during the upgrade: {head!r}")
            head += chunk
        status, _, self.buffer = head.partition(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n")[0]:
            raise ConnectionError(status.decode(errors="replace"))

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the TCP connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def recv(self) -> Frame:
        """The next frame the server sends (EOFError when the TCP connection ends first)."""
        b0, b1 = self._read(2)
        size = b1 & 0x7F
        if size == 126:
            size = struct.unpack("!H", self._read(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._read(8))[0]
        if b1 & 0x80:
            raise AssertionError("the server masked a frame")
        return Frame(bool(b0 & 0x80), (b0 >> 4) & 0x7, b0 & 0xF, self._read(size))

    def recv_until(self, opcode: int, timeout: float = 5.0) -> Frame:
        """Skip frames (the welcome, notifications) until one with ``opcode``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.recv()
            if got.opcode == opcode:
                return got
        raise TimeoutError(f"no frame with opcode {opcode:#x}")

    def closed_by_server(self, timeout: float = 5.0) -> Frame | None:
        """The server's close frame, skipping anything before it, answered as a client should (so the server
        ends TCP at once); None if TCP ended without one."""
        try:
            got = self.recv_until(CLOSE, timeout)
        except EOFError:
            return None
        try:
            self.send(frame(CLOSE, got.payload[:2]))
        except OSError:
            pass  # the server may already have ended TCP
        return got

    def tcp_closed(self, timeout: float = 3.0) -> bool:
        """Whether the server ends the TCP connection within ``timeout`` (after the close handshake)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except TimeoutError:
            return False
        except OSError:
            return True

    def close(self) -> None:
        self.sock.close()
