"""Where a bot is at any moment: a smooth, bounded path through the room, sampled as a pawn sends it.

A path is a sum of slow sinusoids per axis with random phases (a wandering Lissajous figure): smooth in
position, velocity and heading (no corners for the interpolation on the other end to smear), bounded by the
area, and a pure function of time and the bot's seed, so a bot that reconnects carries on where it would
have been. The sample is what ``URealtimeNetMovementComponent`` sends: ``x``, ``y``, ``z`` in document units
(metres here; the component's ``StateScale`` turns them into world units), the heading ``rot`` in degrees,
and ``ack``, the sequence number of the move. Fields the room declares in ``state.entities`` (learnt from
``room.join``) are quantised on the client as docs/state-management-patterns.md recommends, so a bot sends
exactly the values others will see and nothing when a tick rounds to what it sent last.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from realtimenet.state.quantize import Step

FIELDS = ("x", "y", "z", "rot")
_TERMS = 3  # sinusoids per axis: enough to wander without looking periodic


@dataclass(frozen=True)
class Area:
    """The square the bots walk in, centred on (``center_x``, ``center_y``), ``half_size`` from the centre to
    an edge, at height ``z``; ``speed`` is the highest speed a bot reaches (document units per second)."""

    half_size: float = 20.0
    speed: float = 4.0
    center_x: float = 0.0
    center_y: float = 0.0
    z: float = 0.0


@dataclass(frozen=True)
class Wave:
    amplitude: float
    omega: float
    phase: float


class Motion:
    """One bot's path: ``position(t)`` and ``sample(t)`` for ``t`` in seconds since any fixed origin."""

    def __init__(self, area: Area, rng: random.Random) -> None:
        self.area = area
        self.x_waves = self._waves(area, rng)
        self.y_waves = self._waves(area, rng)

    @staticmethod
    def _waves(area: Area, rng: random.Random) -> tuple[Wave, ...]:
        # Amplitudes add up to the half size (the path never leaves the area); frequencies are chosen so the
        # fastest possible speed, sum(amplitude * omega) on each axis, stays at speed / sqrt(2).
        weights = [rng.uniform(0.5, 1.0) for _ in range(_TERMS)]
        total = sum(weights)
        amplitudes = [area.half_size * w / total for w in weights]
        shares = [rng.uniform(0.5, 1.0) for _ in range(_TERMS)]
        budget = area.speed / math.sqrt(2) / sum(shares)
        return tuple(Wave(a, budget * s / a if a > 0 else 0.0, rng.uniform(0, math.tau))
                     for a, s in zip(amplitudes, shares, strict=True))

    def position(self, t: float) -> tuple[float, float]:
        """(x, y) at time ``t``."""
        return (self.area.center_x + sum(w.amplitude * math.sin(w.omega * t + w.phase) for w in self.x_waves),
                self.area.center_y + sum(w.amplitude * math.sin(w.omega * t + w.phase) for w in self.y_waves))

    def velocity(self, t: float) -> tuple[float, float]:
        """(dx/dt, dy/dt) at time ``t``."""
        return (sum(w.amplitude * w.omega * math.cos(w.omega * t + w.phase) for w in self.x_waves),
                sum(w.amplitude * w.omega * math.cos(w.omega * t + w.phase) for w in self.y_waves))

    def sample(self, t: float) -> dict[str, float]:
        """The fields a pawn sends: position and heading (degrees in [0, 360), the direction of travel)."""
        x, y = self.position(t)
        vx, vy = self.velocity(t)
        heading = math.degrees(math.atan2(vy, vx)) % 360.0
        return {"x": x, "y": y, "z": self.area.z, "rot": heading}


def quantizer(steps: dict[str, float]) -> dict[str, Step]:
    """The ``Step`` of each field a room declares (``room.join``'s ``entities[collection]``)."""
    return {field: Step.of(step) for field, step in steps.items()}


def quantize(sample: dict[str, float], steps: dict[str, Step]) -> dict[str, float | int]:
    """The sample with every declared field rounded to its step, as the gateway would store it."""
    out: dict[str, float | int] = {}
    for field, value in sample.items():
        step = steps.get(field)
        out[field] = value if step is None else step.value(step.quantum(value))
    return out
