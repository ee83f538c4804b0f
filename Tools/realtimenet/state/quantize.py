"""Per-field quantisation a room type declares: numbers at matching paths are rounded to a step before they
are stored and broadcast, and a change that rounds to the value already held is dropped from the patch.

Rules map a dotted path glob to a step, e.g. ``{"players.*.x": 0.01, "players.*.rot": 1}``; ``*``
matches one member name. Both the merge-patch contract and the version history are untouched: clients
receive ordinary RFC 7396 patches, only with fewer digits and fewer members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    pow10: int = field(init=False, repr=False, compare=False)  # 10**decimals, computed once: used per value

    def __post_init__(self) -> None:
        object.__setattr__(self, "pow10", 10**self.decimals)

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
        scaled: float = value * self.pow10 / self.multiple
        if not abs(scaled) < _EXACT:
            raise ValueError(f"{value!r} is too large to quantise to {self}")
        return round(scaled)

    def value(self, quantum: int) -> float | int:
        numerator = quantum * self.multiple
        return numerator if self.decimals == 0 else numerator / self.pow10


class _Rules:
    """One level of the rule tree: the rules below a member of this name, or below any member (``*``), and
    the step of a number found here."""

    __slots__ = ("any", "named", "step")

    def __init__(self) -> None:
        self.named: dict[str, _Rules] = {}
        self.any: _Rules | None = None
        self.step: Step | None = None

    def child(self, name: str) -> _Rules | None:
        """The rules for member ``name`` (a name beats ``*``, as the first matching rule used to)."""
        return self.named.get(name, self.any)


class Quantizer:
    """Rounds the numbers a patch writes at the declared paths, and drops changes that vanish. The rules are a
    tree walked beside the patch: one dictionary lookup per member, nothing per path."""

    def __init__(self, rules: dict[str, float]) -> None:
        self.rules = [(tuple(pattern.split(".")), Step.of(step)) for pattern, step in rules.items()]
        self._root = _Rules()
        for pattern, step in reversed(self.rules):  # the first rule that matches wins: it is written last
            node = self._root
            for part in pattern:
                if part == "*":
                    node.any = node.any or _Rules()
                    node = node.any
                elif any(ch in part for ch in "*?["):
                    raise ValueError(f"{'.'.join(pattern)}: a pattern part is a name or '*', not {part!r}")
                else:
                    node = node.named.setdefault(part, _Rules())
            node.step = step

    def apply(self, patch: dict[str, Any], document: dict[str, Any] | None) -> dict[str, Any]:
        """The patch with declared numbers rounded and no-op members removed (relative to ``document``)."""
        return self._apply(patch, document, self._root)

    def _apply(self, patch: dict[str, Any], document: dict[str, Any] | None, rules: _Rules | None) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, value in patch.items():
            current = document.get(name) if document is not None else None
            below = rules.child(name) if rules is not None else None
            if type(value) is dict:
                inner = self._apply(value, current if type(current) is dict else None, below)
                if inner or type(current) is not dict:
                    result[name] = inner
                continue
            if below is not None and below.step is not None and type(value) in (int, float):
                step = below.step
                try:
                    value = step.value(step.quantum(value))
                except ValueError:
                    pass  # too large to carry a fraction: kept as it is
            if value is None and document is not None and name not in document:
                continue  # deleting what is not there: nothing changes
            if value == current and value is not None:
                continue  # rounds to what is already there: nothing changes
            result[name] = value
        return result
