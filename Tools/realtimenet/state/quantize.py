"""Per-field quantisation a room type declares: numbers at matching paths are rounded to a step before they
are stored and broadcast, and a change that rounds to the value already held is dropped from the patch.

Rules map a dotted path glob to a step, e.g. ``{"players.*.x": 0.01, "players.*.rot": 1}``; ``*``
matches one member name. Both the merge-patch contract and the version history are untouched: clients
receive ordinary RFC 7396 patches, only with fewer digits and fewer members.
"""

from __future__ import annotations

import fnmatch
from decimal import Decimal
from typing import Any


class Quantizer:
    """Rounds the numbers a patch writes at the declared paths, and drops changes that vanish."""

    def __init__(self, rules: dict[str, float]) -> None:
        self.rules = [(tuple(pattern.split(".")), step, _decimals(step)) for pattern, step in rules.items()]
        self._cache: dict[tuple[str, ...], tuple[float, int] | None] = {}  # paths repeat every tick

    def _rule(self, path: tuple[str, ...]) -> tuple[float, int] | None:
        if path in self._cache:
            return self._cache[path]
        found = None
        for pattern, step, decimals in self.rules:
            if len(pattern) == len(path) and all(fnmatch.fnmatchcase(p, q) for p, q in zip(path, pattern,
                                                                                              strict=True)):
                found = (step, decimals)
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
                rule = self._rule(path)
                if rule is not None:
                    step, decimals = rule
                    value = round(round(value / step) * step, decimals)
                    if decimals == 0:
                        value = int(value)
            if value is None and isinstance(document, dict) and name not in document:
                continue  # deleting what is not there: nothing changes
            if value == current and value is not None:
                continue  # rounds to what is already there: nothing changes
            result[name] = value
        return result


def _decimals(step: float) -> int:
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
