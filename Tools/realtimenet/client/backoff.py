"""Decorrelated-jitter backoff (the AWS architecture blog's variant): spreads reconnect storms."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``next()`` gives the delay before each attempt: min(cap, uniform(base, previous * 3)).

    ``max_attempts`` 0 means unlimited. Pass ``rng`` (e.g. ``random.Random(seed)``) for a fixed sequence.
    """

    base: float = 0.1
    cap: float = 10.0
    max_attempts: int = 0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0
    _previous: float = 0.0

    def next(self) -> float | None:
        """The next delay in seconds, or None once ``max_attempts`` are used up."""
        if self.max_attempts and self.attempt >= self.max_attempts:
            return None
        self.attempt += 1
        self._previous = min(self.cap, self.rng.uniform(self.base, max(self.base, self._previous * 3)))
        return self._previous

    def reset(self) -> None:
        """After a success: the next failure starts from ``base`` again."""
        self.attempt = 0
        self._previous = 0.0
