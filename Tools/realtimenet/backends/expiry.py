"""Deadline bookkeeping shared by the in-memory stores: entries are ``(deadline, value)`` pairs."""

from __future__ import annotations

from typing import Any


def sweep_expired(entries: dict[str, tuple[float, Any]], now: float) -> int:
    """Drop the entries whose deadline has passed; how many went."""
    dead = [key for key, (deadline, _) in entries.items() if deadline <= now]
    for key in dead:
        del entries[key]
    return len(dead)


def sweep_groups(groups: dict[str, dict[str, tuple[float, Any]]], now: float) -> int:
    """``sweep_expired`` over every group, dropping groups left empty; how many entries went."""
    dropped = 0
    for name in list(groups):
        dropped += sweep_expired(groups[name], now)
        if not groups[name]:
            del groups[name]
    return dropped
