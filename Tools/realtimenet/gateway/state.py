"""Room state on the gateway: ``state.get`` and ``state.update`` (versioned, with the conflict policy of
``realtimenet.state.sync``, committed through the state store by compare-and-set and announced on the
room's state stream so every node learns of it), and the broadcast at the state tick: per room, the changes
since the last tick coalesced into as few ``state.delta`` frames as the patches compose into, each encoded
once for all local members, or one packed ``state.entities`` frame for members that asked for it (this
node's ``EntityMirror`` of the room knows what they hold)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
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
_COMMIT_ATTEMPTS = 8


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
        Returns the version after it; raises RpcError."""
        quantizer = first_match(room, self._quantizers)
        for _ in range(_COMMIT_ATTEMPTS):
            state = await self._store.load_state(room)
            change = patch if quantizer is None else quantizer.apply(patch, state.document)
            if not change:
                self._metrics.child(self._metrics.state_versions, "unchanged").inc()
                return state.version  # nothing left after rounding
            try:
                new = apply_update(state, state.version if base_version is None else base_version, change,
                                   self._config.log_size, author.player_id)
            except VersionFromTheFuture as exc:
                self._metrics.state_rejections.labels("unknown_version").inc()
                raise RpcError(ErrorCode.UNKNOWN_VERSION, {"current_version": exc.current_version}) from None
            except Conflict as exc:
                self._metrics.state_rejections.labels(exc.reason).inc()
                raise RpcError(ErrorCode.CONFLICT, {"current_version": exc.current_version, "paths": exc.paths,
                                                    "reason": exc.reason}) from None
            if len(_encode(new.document)) > self._config.max_document_bytes:
                self._metrics.state_rejections.labels("too_large").inc()
                raise RpcError(ErrorCode.LIMIT_EXCEEDED, {"max_document_bytes": self._config.max_document_bytes})
            self._validate(author, room, state.document, change, new.document)
            if await self._store.commit_state(room, state.version, new):
                record = _encode(StateChange(new.version, change))
                await self._hub.publish(state_stream(room), constant_frame(record))
                self._metrics.child(self._metrics.state_versions, "committed").inc()
                return new.version
            # Another update won the race: check this one again against what it did.
        self._metrics.state_rejections.labels("contention").inc()
        raise RpcError(ErrorCode.CONFLICT, {"reason": "contention"})

    def _validate(self, author: Principal, room: str, before: dict[str, Any], patch: dict[str, Any],
                  after: dict[str, Any]) -> None:
        for pattern, validator in self._validators:
            if not fnmatch.fnmatchcase(room, pattern):
                continue
            try:
                ok = validator(room, author, before, patch, after)
            except ValueError as exc:
                self._metrics.state_rejections.labels("invalid").inc()
                raise RpcError(ErrorCode.INVALID_PARAMS, {"detail": str(exc), "reason": "invalid_state"}) from None
            if ok is False:
                self._metrics.state_rejections.labels("invalid").inc()
                raise RpcError(ErrorCode.INVALID_PARAMS, {"reason": "invalid_state"})

    # ----- the change feed and the tick -------------------------------------------------------------

    def _on_change(self, room: str, publication: Publication) -> None:
        self.pending.setdefault(room, []).append(_change_decoder.decode(publication.frame))

    def flush(self) -> None:
        """Broadcast the state changes gathered since the last tick (see the module docstring)."""
        pending, self.pending = self.pending, {}
        for room, changes in pending.items():
            followers = self._hub.followers(room_stream(room))
            if not followers:
                continue
            deltas = coalesce(changes, changes[0].version - 1)
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
