"""Room-type validators used by the tests through `state.validators` (a studio would ship its own)."""

from __future__ import annotations

import time
from typing import Any


def arena(room: str, principal: Any, before: dict[str, Any], patch: dict[str, Any], after: dict[str, Any]) -> bool:
    """Scores never go down; positions stay inside the arena."""
    for player, score in after.get("scores", {}).items():
        if score < before.get("scores", {}).get(player, 0):
            raise ValueError(f"score of {player} cannot decrease")
    return all(0 <= p.get("x", 0) <= 100 for p in after.get("players", {}).values() if isinstance(p, dict))


def slow(room: str, principal: Any, before: dict[str, Any], patch: dict[str, Any], after: dict[str, Any]) -> bool:
    """A validator with a bug that blocks the event loop for as many seconds as the patch's ``block`` says."""
    time.sleep(float(patch.get("block", 0)))
    return True
