"""Room state on the gateway: ``state.get`` and ``state.update`` (versioned, with the conflict policy of
``realtimenet.state.sync``, committed through the state store by compare-and-set and announced on the
room's state stream so every node learns of it), and the broadcast at the state tick: per room, the changes
since the last tick coalesced into as few ``state.delta`` frames as the patches compose into, each encoded
once for all local members, or one packed ``state.entities`` frame for members that asked for it (this
node's ``EntityMirror`` of the room knows what they hold)."""

from __future__ import annotations

import asyncio
import fnmatch
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeVar

import msgspec

from realtimenet.backends.bus import Publication, constant_frame
from realtimenet.backends.state import StateStore
from realtimenet.config import StateConfig
from realtimenet.exceptions import ConfigError, RpcError
from realtimenet.gateway.auth import Principal
from realtimenet.gateway.background import Background
from realtimenet.gateway.caller import Caller, Subscriber
from realtimenet.gateway.hub import Hub
from realtimenet.gateway.membership import require_member
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.router import method
from realtimenet.loader import load_callable
from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.jsonrpc import encode_notification
from realtimenet.protocol.messages import (
    StateDeltaParams,
    StateEntitiesParams,
    StateGetParams,
    StateSnapshot,
    StateUpdated,
    StateUpdateParams,
)
from realtimenet.protocol.streams import STATE_PREFIX, room_stream, state_stream
from realtimenet.state.entities import EntityMirror, EntitySchema
from realtimenet.state.quantize import Quantizer
from realtimenet.state.sync import Conflict, Delta, RoomState, StateChange, VersionFromTheFuture, apply_update, coalesce

Validator = Callable[..., Any]
T = TypeVar("T")
_encode = msgspec.json.Encoder().encode
_change_decoder = msgspec.json.Decoder(StateChange)
_changes_decoder = msgspec.json.Decoder(list[StateChange])
_COMMIT_ATTEMPTS = 8
_ROOM_TYPE_CACHE = 4096  # room names whose quantizer is remembered
_KNOWN_FOR = 10.0  # seconds a kept state is trusted as the starting point of a round (at most state.ttl / 2)
_GAP_WAIT_TICKS = 3  # a missing version is waited for this many state ticks, then skipped (clients reload)


def _version(change: StateChange) -> int:
    return change.version


def _out_of_order(changes: list[StateChange]) -> bool:
    return any(a.version >= b.version for a, b in pairwise(changes))


@dataclass
class _Update:
    """A ``state.update`` (or server API change) waiting for its room's next commit round."""

    base_version: int | None
    patch: dict[str, Any]
    author: Principal
    answer: asyncio.Future[int] | None = None  # for an update that waited for a round


class _Refusal(RpcError):
    """An update refused by the rules; ``label`` is its ``realtimenet_state_rejections_total`` reason."""

    def __init__(self, label: str, code: ErrorCode, data: dict[str, Any]) -> None:
        super().__init__(code, data)
        self.label = label


def load_validators(spec: dict[str, str]) -> list[tuple[str, Validator]]:
    """``{"match-*": "module:function"}`` -> [(pattern, callable)], loaded at start so typos fail early."""
    return [(pattern, load_callable(path, f"state.validators.{pattern}")) for pattern, path in spec.items()]


def load_room_types(config: StateConfig) -> tuple[list[tuple[str, Quantizer]], list[tuple[str, EntitySchema]]]:
    """Per room glob pattern, the quantizer (``state.quantize`` plus every declared entity field) and the
    entity schema (``state.entities``); a bad step fails at start, naming its key."""
    quantizers, schemas = [], []
    for pattern in dict.fromkeys([*config.entities, *config.quantize]):
        try:
            schema = EntitySchema(config.entities[pattern]) if pattern in config.entities else None
            rules = {**(schema.quantize_rules() if schema else {}), **config.quantize.get(pattern, {})}
            quantizers.append((pattern, Quantizer(rules)))
        except ValueError as exc:
            section = "entities" if pattern in config.entities else "quantize"
            raise ConfigError(f"state.{section}.{pattern}: {exc}") from None
        if schema is not None:
            schemas.append((pattern, schema))
    return quantizers, schemas


def first_match(room: str, patterns: list[tuple[str, T]]) -> T | None:
    return next((value for pattern, value in patterns if fnmatch.fnmatchcase(room, pattern)), None)


class StateService:
    """Room state methods, the change feed from the bus and the broadcast at the state tick."""

    def __init__(self, config: StateConfig, store: StateStore, hub: Hub, metrics: Metrics,
                 background: Background) -> None:
        self._config = config
        self._store = store
        self._hub = hub
        self._metrics = metrics
        self._background = background
        self._validators = load_validators(config.validators)
        self._quantizers, self._schemas = load_room_types(config)
        self.pending: dict[str, list[StateChange]] = {}  # room -> changes not yet broadcast here
        self.entity_followers: dict[str, set[Subscriber]] = {}  # room -> members taking state.entities
        self.entity_mirrors: dict[str, EntityMirror] = {}  # room -> entity fields as last broadcast here
        self._reseeding: set[str] = set()
        self._known: dict[str, tuple[float, RoomState]] = {}  # room -> (when, state) this node committed last
        self._known_for = min(_KNOWN_FOR, config.ttl / 2) if config.ttl else _KNOWN_FOR
        self._kept_rooms = config.kept_rooms
        self._quantizer_of: dict[str, Quantizer | None] = {}  # room -> its type's quantizer (see _quantizer)
        self._waiting: dict[str, list[_Update]] = {}  # room -> updates for its next commit round here
        self._committing: dict[str, asyncio.Task[None]] = {}  # room -> the task committing its rounds
        self.broadcast_versions: dict[str, int] = {}  # room -> version its last state broadcast here reached
        self._gap_ticks: dict[str, int] = {}  # room -> ticks its changes have waited for a missing version
        hub.route_internal(STATE_PREFIX, self._on_change)

    async def load(self, room: str) -> RoomState:
        """The room's current state."""
        return await self._store.load_state(room)

    # ----- methods ----------------------------------------------------------------------------------

    @method("state.get")
    async def get(self, caller: Caller, params: StateGetParams) -> StateSnapshot:
        """The room's current document and version."""
        require_member(caller, params.room, self._metrics)
        state = await self._store.load_state(params.room)
        return StateSnapshot(room=params.room, version=state.version, document=state.document)

    @method("state.update")
    async def update(self, caller: Caller, params: StateUpdateParams) -> StateUpdated:
        """Apply a merge patch made against ``base_version``; conflicts and invalid results change nothing."""
        require_member(caller, params.room, self._metrics)
        version = await self.commit(params.room, params.base_version, params.patch, caller.principal)
        return StateUpdated(room=params.room, version=version)

    async def commit(self, room: str, base_version: int | None, patch: dict[str, Any], author: Principal) -> int:
        """The one path of every state change (a member's ``state.update``, the server API's): quantise, check the
        conflict rules against ``base_version`` (None: the current version), the size and the validators, commit
        by compare-and-set and announce on the room's state stream (members get ``state.delta`` at the tick).
        Returns the version after it; raises RpcError.

        Group commit: the updates that reach this node for one room while a commit of it is under way wait,
        then go together: one load, each checked and applied in turn (each gets its own version and change),
        one compare-and-set. Twenty players moving at 20 Hz thus cost a few store round trips per tick instead
        of racing each other for the same version."""
        gathering = self._waiting.get(room)
        if gathering is not None:  # a round is under way: ride the next one
            later: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            gathering.append(_Update(base_version, patch, author, later))
            return await later
        self._waiting[room] = []  # from now on, updates for the room gather here
        try:  # alone and at once: no task, no future when nothing contends
            (answer,) = await self._commit_round(room, [_Update(base_version, patch, author)])
        finally:
            self._next_rounds(room)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def _next_rounds(self, room: str) -> None:
        """After a round: commit what gathered meanwhile in a task of its own (the caller whose update started
        a round may be cancelled, its socket closed; the others must still be answered), or stop gathering."""
        if self._waiting.get(room):
            task = asyncio.get_running_loop().create_task(self._commit_rounds(room))
            self._committing[room] = task
            task.add_done_callback(lambda _: self._committing.pop(room, None))
        else:
            self._waiting.pop(room, None)

    async def _commit_rounds(self, room: str) -> None:
        gathered: list[_Update] = []
        try:
            while gathered := self._waiting.get(room, []):
                self._waiting[room] = []
                answers = await self._commit_round(room, gathered)
                for update, answer in zip(gathered, answers, strict=True):
                    if update.answer is None or update.answer.done():
                        continue  # its caller went away
                    if isinstance(answer, Exception):
                        update.answer.set_exception(answer)
                    else:
                        update.answer.set_result(answer)
        finally:
            for update in [*gathered, *self._waiting.pop(room, [])]:  # the node stops: nobody waits forever
                if update.answer is not None and not update.answer.done():
                    update.answer.cancel()

    async def _commit_round(self, room: str, updates: list[_Update]) -> list[int | Exception]:
        """Commit ``updates`` together; per update, its new version (or the current one, when rounding left
        nothing to change) or the error it is answered with."""
        quantizer = self._quantizer(room)
        try:
            for attempt in range(_COMMIT_ATTEMPTS):
                # The state this node committed last, if any: when no other node wrote the room since (the
                # compare-and-set tells), loading it again would only cost a round trip and a decode.
                known = self._recall(room) if attempt == 0 else None
                state = known if known is not None else await self._store.load_state(room)
                start = state
                applied: list[StateChange | int | Exception] = []
                for update in updates:
                    try:
                        new = self._apply(room, state, update, quantizer)
                    except Exception as exc:  # refused (_Refusal), or a validator's bug: this update only
                        applied.append(exc)
                        continue
                    if new is not state:
                        state = new
                        applied.append(state.log[-1])
                    else:
                        applied.append(state.version)  # nothing left after rounding
                if known is not None and any(not isinstance(outcome, StateChange) for outcome in applied):
                    continue  # refused or unchanged against what may be old: ask the store
                if state is start or await self._store.commit_state(room, start.version, state):
                    break
                # Another node won the race: check them all again against what it did.
            else:
                self._metrics.state_rejections.labels("contention").inc(len(updates))
                return [RpcError(ErrorCode.CONFLICT, {"reason": "contention"})] * len(updates)
        except Exception as exc:  # the store failed: -32009 for each
            return [exc] * len(updates)
        if state is not start:
            self._remember(room, state)
        changes = [outcome for outcome in applied if isinstance(outcome, StateChange)]
        announced: Exception | None = None
        if changes:  # one publication per round, the changes in version order
            try:
                await self._hub.publish(state_stream(room), constant_frame(_encode(changes)))
            except Exception as exc:  # committed, but the bus is down: say so (-32009), as before
                announced = exc
            else:
                self._metrics.child(self._metrics.state_versions, "committed").inc(len(changes))
        answers: list[int | Exception] = []
        for outcome in applied:
            if isinstance(outcome, StateChange):
                answers.append(outcome.version if announced is None else announced)
                continue
            if isinstance(outcome, _Refusal):
                self._metrics.state_rejections.labels(outcome.label).inc()  # once, however many attempts
            elif isinstance(outcome, int):
                self._metrics.child(self._metrics.state_versions, "unchanged").inc()
            answers.append(outcome)
        return answers

    def _remember(self, room: str, state: RoomState) -> None:
        """Keep the state this node just committed for the room's next round (the most recently committed
        ``state.kept_rooms`` rooms)."""
        self._known.pop(room, None)  # to the end: the first entry is the least recently committed
        self._known[room] = (time.monotonic(), state)
        if len(self._known) > self._kept_rooms:
            del self._known[next(iter(self._known))]

    def _recall(self, room: str) -> RoomState | None:
        """The state remembered for the room, if it is recent: the compare-and-set catches any other node's
        commit since, but not a room that expired from the store (``state.ttl``) and was written back up to
        the same version meanwhile, which takes longer than this."""
        known = self._known.pop(room, None)
        if known is None or time.monotonic() - known[0] > self._known_for:
            return None
        return known[1]

    def _quantizer(self, room: str) -> Quantizer | None:
        """The room type's quantizer, matched once per room name (a glob match per update showed in profiles)."""
        try:
            return self._quantizer_of[room]
        except KeyError:
            if len(self._quantizer_of) >= _ROOM_TYPE_CACHE:
                self._quantizer_of.clear()  # bounded: rooms come and go
            found = self._quantizer_of[room] = first_match(room, self._quantizers)
            return found

    def _apply(self, room: str, state: RoomState, update: _Update, quantizer: Quantizer | None) -> RoomState:
        """The state after ``update`` (``state`` itself when rounding left nothing to change); raises _Refusal."""
        base_version = state.version if update.base_version is None else update.base_version
        if base_version > state.version:  # whatever the patch: the caller knows a version that is not there
            raise _Refusal("unknown_version", ErrorCode.UNKNOWN_VERSION, {"current_version": state.version})
        change = update.patch if quantizer is None else quantizer.apply(update.patch, state.document)
        if not change:
            return state
        try:
            new = apply_update(state, base_version, change, self._config.log_size, update.author.player_id)
        except VersionFromTheFuture as exc:
            raise _Refusal("unknown_version", ErrorCode.UNKNOWN_VERSION, {"current_version": exc.current_version}) \
                from None
        except Conflict as exc:
            raise _Refusal(exc.reason, ErrorCode.CONFLICT, {"current_version": exc.current_version,
                                                            "paths": exc.paths, "reason": exc.reason}) from None
        limit = self._config.max_document_bytes
        if len(_encode(new.document)) > limit:
            raise _Refusal("too_large", ErrorCode.LIMIT_EXCEEDED, {"max_document_bytes": limit})
        self._validate(update.author, room, state.document, change, new.document)
        return new

    def _validate(self, author: Principal, room: str, before: dict[str, Any], patch: dict[str, Any],
                  after: dict[str, Any]) -> None:
        for pattern, validator in self._validators:
            if not fnmatch.fnmatchcase(room, pattern):
                continue
            try:
                ok = validator(room, author, before, patch, after)
            except ValueError as exc:
                raise _Refusal("invalid", ErrorCode.INVALID_PARAMS, {"detail": str(exc), "reason": "invalid_state"}) \
                    from None
            if ok is False:
                raise _Refusal("invalid", ErrorCode.INVALID_PARAMS, {"reason": "invalid_state"})

    # ----- the change feed and the tick -------------------------------------------------------------

    def _on_change(self, room: str, publication: Publication) -> None:
        frame = publication.frame
        if frame[1:2] == b"[":  # a commit round's changes: [[version, patch, author], ...]
            self.pending.setdefault(room, []).extend(_changes_decoder.decode(frame))
        else:  # one change (what a node before group commit announced)
            self.pending.setdefault(room, []).append(_change_decoder.decode(frame))

    def flush(self) -> None:
        """Broadcast the state changes gathered since the last tick (see the module docstring)."""
        pending, self.pending = self.pending, {}
        for room, arrived in pending.items():
            followers = self._hub.followers(room_stream(room))
            if not followers:
                self.broadcast_versions.pop(room, None)
                continue
            changes = self._in_order(room, arrived)
            if not changes:
                continue
            deltas = coalesce(changes, changes[0].version - 1)
            self.broadcast_versions[room] = changes[-1].version
            compact = self.entity_followers.get(room)
            packed = self._entities_frame(room, deltas) if compact else None
            plain = followers if packed is None or compact is None else followers - compact
            if packed is not None and compact is not None:
                self._metrics.delta_bytes.observe(len(packed))
                self._metrics.notified("state.entities", len(packed), self._hub.broadcast(compact, packed))
            if not plain:
                continue
            for delta in deltas:
                frame = encode_notification("state.delta", StateDeltaParams(
                    room=room, from_=delta.from_version, to=delta.to_version, patch=delta.patch))
                self._metrics.delta_bytes.observe(len(frame))
                self._metrics.notified("state.delta", len(frame), self._hub.broadcast(plain, frame))

    def _in_order(self, room: str, arrived: list[StateChange]) -> list[StateChange]:
        """The changes to broadcast now: in version order, none already broadcast, and none after a missing
        version. Two nodes' publications can reach this one out of order (each node's own are in order), so
        changes after a gap wait for it, up to ``_GAP_WAIT_TICKS`` ticks; then they go anyway, and clients
        reload past the gap (``coalesce`` never composes across it)."""
        if not arrived:
            return arrived
        last = self.broadcast_versions.get(room)
        changes = arrived
        if _out_of_order(arrived):  # sorted, each version once
            changes = list({change.version: change for change in sorted(arrived, key=_version)}.values())
        if last is None:
            last = changes[0].version - 1
        elif changes[0].version <= last:
            changes = [change for change in changes if change.version > last]  # delivered twice
            if not changes:
                return changes
        ready = 0
        while ready < len(changes) and changes[ready].version == last + 1 + ready:
            ready += 1
        if ready == len(changes):
            self._gap_ticks.pop(room, None)
            return changes
        waited = self._gap_ticks.get(room, 0)
        if waited < _GAP_WAIT_TICKS:
            self._gap_ticks[room] = waited + 1
            self.pending.setdefault(room, []).extend(changes[ready:])  # after this tick's arrivals: sorted then
            return changes[:ready]
        self._gap_ticks.pop(room, None)
        self._metrics.state_gaps.inc()
        return changes

    def forget_quiet_rooms(self) -> None:
        """Drop the broadcast versions of rooms nobody here follows any more (housekeeping, about once a
        second: a room's last member may leave without a change after it), and the kept states too old to
        start a round from."""
        for room in [room for room in self.broadcast_versions if not self._hub.followers(room_stream(room))]:
            del self.broadcast_versions[room]
            self._gap_ticks.pop(room, None)
        stale = time.monotonic() - self._known_for  # kept states nobody will start a round from any more
        for room in [room for room, (when, _) in self._known.items() if when < stale]:
            del self._known[room]

    # ----- the compact entity encoding (realtimenet.state.entities) ---------------------------------

    def follow_entities(self, subscriber: Subscriber, room: str, state: RoomState) -> EntitySchema | None:
        """``subscriber`` takes ``state.entities`` in ``room`` (joined at ``state``), if the room type
        declares entity collections; the schema it was given, or None."""
        schema = first_match(room, self._schemas)
        if schema is None:
            return None
        self.entity_followers.setdefault(room, set()).add(subscriber)
        mirror = self.entity_mirrors.get(room)
        if mirror is None or mirror.version < state.version:
            self.entity_mirrors[room] = EntityMirror(schema, state.document, state.version)
        return schema

    def unfollow_entities(self, subscriber: Subscriber, room: str) -> None:
        followers = self.entity_followers.get(room)
        if followers is None:
            return
        followers.discard(subscriber)
        if not followers:
            del self.entity_followers[room]
            self.entity_mirrors.pop(room, None)

    def _entities_frame(self, room: str, deltas: list[Delta]) -> bytes | None:
        """The tick's ``state.entities`` frame, or None when it must go as ``state.delta`` (several deltas,
        no entity field moved, or this node's mirror of the room is not at ``from``)."""
        mirror = self.entity_mirrors.get(room)
        if mirror is None:
            return None
        frame = None
        for delta in deltas:
            if delta.to_version <= mirror.version:
                continue  # the mirror was seeded after this change
            if delta.from_version > mirror.version:
                self._reseed_mirror(room)  # a change this node never saw (bus gap): reload the document
                return None
            if delta.from_version < mirror.version or len(deltas) > 1:
                # Merge patches are idempotent, so one that spans the mirror's version still brings it to
                # ``to``; but packed differences are only right for a client exactly at ``from``.
                mirror.advance(delta.to_version, delta.patch)
                continue
            packed, rest = mirror.encode(delta.from_version, delta.to_version, delta.patch)
            if packed:
                frame = encode_notification("state.entities", StateEntitiesParams(
                    room=room, from_=delta.from_version, to=delta.to_version, entities=packed,
                    rest=rest if rest else msgspec.UNSET))
        return frame

    def _reseed_mirror(self, room: str) -> None:
        if room in self._reseeding:
            return
        self._reseeding.add(room)

        async def reseed() -> None:
            try:
                state = await self._store.load_state(room)
                mirror = self.entity_mirrors.get(room)
                if mirror is not None and state.version > mirror.version:
                    self.entity_mirrors[room] = EntityMirror(mirror.schema, state.document, state.version)
            finally:
                self._reseeding.discard(room)

        self._background.run(reseed())
