"""Per-field quantisation a room type declares: numbers at matching paths are rounded to a step before they
are stored and broadcast, and a change that rounds to the value already held is dropped from the patch.

Rules map a dotted path glob to a step, e.g. ``{"players.*.x": 0.01, "players.*.rot": 1}``; ``*``
matches one member name. Both the merge-patch contract and the version history are untouched: clients
receive ordinary RFC 7396 patches, only with fewer digits and fewer members.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MAX_DECIMALS = 15
_EXACT = 2.0**53


@dataclass(frozen=True, slots=True)
class Step:
    """A quantisation step ``m * 10**-d``. A quantised number is ``q * m / 10**d`` for an integer ``q``:
    integer arithmetic and one correctly rounded division, so Python and C++ produce the same double
    as parsing the decimal literal (the compact entity encoding relies on it)."""

    multiple: int
    decimals: int

    @classmethod
    def of(cls, step: float) -> Step:
        if not step > 0:
            raise ValueError(f"a quantisation step must be positive, not {step!r}")
        _, digits, exponent = Decimal(repr(step)).normalize().as_tuple()
        if not isinstance(exponent, int):
            raise ValueError(f"a quantisation step must be finite, not {step!r}")
        multiple = int("".join(map(str, digits))) * 10 ** max(exponent, 0)
        decimals = max(-exponent, 0)
        if decimals > MAX_DECIMALS:
            raise ValueError(f"a quantisation step needs at most {MAX_DECIMALS} decimals, not {step!r}")
        return cls(multiple, decimals)

    def quantum(self, value: float) -> int:
        """The integer ``q`` whose value is nearest ``value``; ValueError when ``|q|`` would pass 2**53
        (beyond that doubles hold no fractions to round, and C++ could not hold ``q`` exactly)."""
        scaled: float = value * 10**self.decimals / self.multiple
        if not abs(scaled) < _EXACT:
            raise ValueError(f"{value!r} is too large to quantise to {self}")
        return round(scaled)

    def value(self, quantum: int) -> float | int:
        numerator = quantum * self.multiple
        return numerator if self.decimals == 0 else numerator / 10**self.decimals


class Quantizer:
    """Rounds the numbers a patch writes at the declared paths, and drops changes that vanish."""

    def __init__(self, rules: dict[str, float]) -> None:
        self.rules = [(tuple(pattern.split(".")), Step.of(step)) for pattern, step in rules.items()]
        self._cache: dict[tuple[str, ...], Step | None] = {}  # paths repeat every tick

    def _rule(self, path: tuple[str, ...]) -> Step | None:
        if path in self._cache:
            return self._cache[path]
        found = None
        for pattern, step in self.rules:
            if len(pattern) == len(path) and all(fnmatch.fnmatchcase(p, q) for p, q in zip(path, pattern,
                                                                                              strict=True)):
                found = step
                break
        if len(self._cache) < 100_000:  # bounded: member names come from clients
            self._cache[path] = found
        return found

    def apply(self, patch: dict[str, Any], document: dict[str, Any] | None,
              prefix: tuple[str, ...] = ()) -> dict[str, Any]:
        """The patch with declared numbers rounded and no-op members removed (relative to ``document``)."""
        result: dict[str, Any] = {}
        for name, value in patch.items():
            path = (*prefix, name)
            current = document.get(name) if isinstance(document, dict) else None
            if isinstance(value, dict):
                inner = self.apply(value, current if isinstance(current, dict) else None, path)
                if inner or not isinstance(current, dict):
                    result[name] = inner
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                step = self._rule(path)
                if step is not None:
                    try:
                        value = step.value(step.quantum(value))
                    except ValueError:
                        pass  # too large to carry a fraction: kept as it is
            if value is None and isinstance(document, dict) and name not in document:
                continue  # deleting what is not there: nothing changes
            if value == current and value is not None:
                continue  # rounds to what is already there: nothing changes
            result[name] = value
        return result

