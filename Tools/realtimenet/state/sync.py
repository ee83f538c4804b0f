"""Room state: a JSON document with an integer version, its recent change log, the conflict policy and
catch-up planning. Sans-I/O: plain values in, plain values out.

Conflict policy (documented in docs/state-management.md): an update names the version it was made
against (``base_version``). Every member path it touches is compared with the paths changed by someone
else's updates committed after that version (an author's own earlier changes are not a conflict: a client
that moves every 50 ms writes again before it has seen its last move come back); if one is a prefix of the
other, the update is rejected with a conflict carrying the current version (the client rebases and
retries). Disjoint changes merge. An update against a version older than the kept log cannot be checked
and is rejected the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from realtimenet.state.merge_patch import compose, merge_patch

Path = tuple[str, ...]


class StateChange(msgspec.Struct, array_like=True, dict=True):
    """One committed update: the version it produced, its merge patch and who wrote it (a player id, or
    ``server:…``; "" in logs written before authors were kept). Treat it as immutable: the paths the patch
    writes are computed once and kept on the object (``written``; not encoded)."""

    version: int
    patch: dict[str, Any]
    author: str = ""

    def written(self) -> frozenset[Path]:
        """The member paths the patch writes (``patch_paths``), computed once per change."""
        try:
            return self.__dict__["_written"]  # type: ignore[no-any-return]
        except KeyError:
            paths = self.__dict__["_written"] = frozenset(patch_paths(self.patch))
            return paths

    def ancestors(self) -> frozenset[Path]:
        """Every proper prefix of a path the patch writes, computed once per change."""
        try:
            return self.__dict__["_ancestors"]  # type: ignore[no-any-return]
        except KeyError:
            paths = self.__dict__["_ancestors"] = frozenset(
                path[:n] for path in self.written() for n in range(1, len(path)))
            return paths

class RoomState(msgspec.Struct):
    """The authoritative state of one room: document, version and the last changes."""

    version: int = 0
    document: dict[str, Any] = msgspec.field(default_factory=dict)
    log: list[StateChange] = msgspec.field(default_factory=list)


@dataclass(frozen=True)
class Conflict(Exception):
    """The update touches paths changed since ``base_version`` (or that version is not in the log)."""

    current_version: int
    paths: list[str] = field(default_factory=list)
    reason: str = "conflict"


@dataclass(frozen=True)
class VersionFromTheFuture(Exception):
    """``base_version`` is newer than the room's version."""

    current_version: int


def patch_paths(patch: dict[str, Any], prefix: Path = ()) -> list[Path]:
    """The member paths a merge patch writes: leaves, deletions, and empty objects."""
    paths: list[Path] = []
    for name, value in patch.items():
        path = (*prefix, name)
        if isinstance(value, dict) and value:
            paths.extend(patch_paths(value, path))
        else:
            paths.append(path)
    return paths


def _clashes(mine: list[Path], since: list[StateChange]) -> list[str]:
    """The paths written by the changes ``since`` that overlap one of ``mine`` (one is a prefix of the
    other, or they are equal), sorted. Two set intersections per change (each change's paths and their
    prefixes are computed once), so an update checked against the few dozen changes of the last tick costs a
    few microseconds."""
    mine_set = frozenset(mine)
    mine_and_ancestors = mine_set | {path[:n] for path in mine for n in range(1, len(path))}
    clashes: set[Path] = set()
    for change in since:
        if change.written().isdisjoint(mine_and_ancestors) and change.ancestors().isdisjoint(mine_set):
            continue
        for theirs in change.written():  # rare: say which
            if theirs in mine_and_ancestors or any(theirs[:n] in mine_set for n in range(1, len(theirs))):
                clashes.add(theirs)
    return sorted("/".join(path) for path in clashes)


def apply_update(state: RoomState, base_version: int, patch: dict[str, Any], log_size: int,
                 author: str = "") -> RoomState:
    """The state after ``author``'s ``patch`` (made against ``base_version``), or raise Conflict or
    VersionFromTheFuture."""
    if base_version > state.version:
        raise VersionFromTheFuture(state.version)
    change = StateChange(state.version + 1, patch, author)
    if base_version < state.version:
        log = state.log
        oldest_checkable = log[0].version - 1 if log else state.version
        if base_version < oldest_checkable:
            raise Conflict(state.version, reason="base_version_too_old")
        if log[-1].version == state.version and log[-1].version - log[0].version == len(log) - 1:
            since = log[len(log) - (state.version - base_version):]  # consecutive versions: no scan
        else:
            since = [c for c in log if c.version > base_version]
        others = [c for c in since if c.author != author] if author else since
        mine = patch_paths(patch)
        change.__dict__["_written"] = frozenset(mine)  # what ``written()`` would compute again
        clashes = _clashes(mine, others)
        if clashes:
            raise Conflict(state.version, clashes)
    document = merge_patch(state.document, patch)
    log = state.log[-log_size + 1:] if log_size > 1 else []
    log.append(change)
    return RoomState(change.version, document, log)


@dataclass(frozen=True)
class Delta:
    """``state.delta``: the patch that takes the document from version ``from_version`` to ``to_version``."""

    from_version: int
    to_version: int
    patch: dict[str, Any]


@dataclass(frozen=True)
class CatchUp:
    """What brings a client from one version to the current one: deltas in order, or a snapshot."""

    to_version: int
    deltas: list[Delta] = field(default_factory=list)
    document: dict[str, Any] | None = None


_size = msgspec.json.Encoder().encode


def catch_up(state: RoomState, known_version: int) -> CatchUp | None:
    """The smallest correct way from ``known_version`` to now (one composed delta where merge patches
    compose, or a snapshot when that is smaller or the versions are not in the log); None when current."""
    if known_version == state.version:
        return None
    snapshot = CatchUp(state.version, document=state.document)
    missed = [c for c in state.log if c.version > known_version]
    if known_version > state.version or len(missed) != state.version - known_version:
        return snapshot  # unknown or evicted versions: only the whole document is right
    deltas = coalesce(missed, known_version)
    if sum(len(_size(d.patch)) for d in deltas) >= len(_size(state.document)):
        return snapshot
    return CatchUp(state.version, deltas=deltas)


def coalesce(changes: list[StateChange], from_version: int) -> list[Delta]:
    """Compose consecutive changes (in version order) into as few deltas as possible; where two patches do
    not compose (see ``compose``), both stay, in order. A missing version is never papered over: the change
    after the gap starts a delta of its own, from the version before it, which a client at any other version
    recognises as a gap (and reloads) rather than applying a patch that lacks the missing change."""
    deltas: list[Delta] = []
    start = from_version
    for change in changes:
        if change.version != start + 1:
            start = change.version - 1  # a gap
        elif deltas:
            joined = compose(deltas[-1].patch, change.patch)
            if isinstance(joined, dict):
                deltas[-1] = Delta(deltas[-1].from_version, change.version, joined)
                start = change.version
                continue
        deltas.append(Delta(start, change.version, change.patch))
        start = change.version
    return deltas
