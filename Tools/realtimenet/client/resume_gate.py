"""Holds the calls made while the client reconnects, and lets them out in the order they came once it resumed.

A call that went out on a new socket before its ``session.resume`` had finished would be refused (the socket is
in no room yet: -32002 ``not_a_member``), or would run in a session about to be replaced.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class ResumeGate:
    """Open while the session lives on a socket, closed from the moment a reconnect starts until it ends (resumed,
    started afresh, given up or the client closed).

    ``passable`` is the free check a call makes first; only when it fails does the call queue in ``wait_turn``.
    Calls queued while the gate was closed leave one at a time, first come first served: each holds its turn
    until its frame is written (``leave``), so the frames go out in the order the calls were made.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._open = True
        self._queue: deque[object] = deque()

    @property
    def passable(self) -> bool:
        """Open and nobody queued: a call goes straight out (read without the lock: a call racing a close either
        finds its socket closed or is caught by the socket's end, as any call in flight is)."""
        return self._open and not self._queue

    def close(self) -> None:
        """A reconnect has started: calls queue from now on."""
        with self._changed:
            self._open = False

    def open(self) -> None:
        """The reconnect has ended: queued calls leave, in order."""
        with self._changed:
            self._open = True
            self._changed.notify_all()

    def wait_turn(self, timeout: float) -> object | None:
        """Queue, and wait at most ``timeout`` seconds until the gate is open and this call is first; returns the
        turn to hand to ``leave`` once the call's frame is written, or None when the time ran out."""
        deadline = time.monotonic() + timeout
        turn = object()
        with self._changed:
            self._queue.append(turn)
            while not (self._open and self._queue[0] is turn):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._queue.remove(turn)
                    self._changed.notify_all()  # whoever was behind this call may be first now
                    return None
                self._changed.wait(remaining)
        return turn

    def leave(self, turn: object) -> None:
        """The call whose turn it was has written its frame (or failed): the next one goes."""
        with self._changed:
            self._queue.remove(turn)
            self._changed.notify_all()
