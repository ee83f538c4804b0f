"""Per-connection token bucket."""

from __future__ import annotations


class TokenBucket:
    """``rate`` tokens per second up to ``burst``; each request takes ``cost`` tokens.

    Time is passed in (monotonic seconds), so the bucket is deterministic under test.
    """

    __slots__ = ("_stamp", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._stamp = now

    def take(self, now: float, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens if available; returns False (taking nothing) when over the limit."""
        if now > self._stamp:  # a clock that steps back refills nothing
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
        tokens = self._tokens
        if tokens >= cost:
            self._tokens = tokens - cost
            return True
        self._tokens = tokens
        return False

    def retry_after(self, cost: float = 1.0) -> float:
        """Seconds until ``cost`` tokens will be available."""
        return max(0.0, (cost - self._tokens) / self.rate)
