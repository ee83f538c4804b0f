"""``state.get`` and ``state.update``: versioned room state with the conflict policy of
``realtimenet.state.sync``, committed through the store (compare-and-set) and announced on the bus
stream ``state:<room>`` so every node can coalesce deltas for its own members."""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from realtimenet.backends.bus import constant_frame
from realtimenet.config import StateConfig
from realtimenet.exceptions import ConfigError, RpcError
from realtimenet.gateway.router import Router
from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.messages import StateGetParams, StateSnapshot, StateUpdated, StateUpdateParams
from realtimenet.state.entities import EntitySchema
from realtimenet.state.quantize import Quantizer
from realtimenet.state.sync import Conflict, StateChange, VersionFromTheFuture, apply_update

if TYPE_CHECKING:
    from realtimenet.gateway.connection import Connection

router = Router()
Validator = Callable[..., Any]
T = TypeVar("T")
_encode = msgspec.json.Encoder().encode
_COMMIT_ATTEMPTS = 8


def state_stream(room: str) -> str:
    return f"state:{room}"


def load_validators(spec: dict[str, str]) -> list[tuple[str, Validator]]:
    """``{"match-*": "module:function"}`` -> [(pattern, callable)], loaded at start so typos fail early."""
    loaded = []
    for pattern, path in spec.items():
        module, _, name = path.partition(":")
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"state.validators.{pattern}: cannot load {path!r}: {exc}") from None
        loaded.append((pattern, fn))
    return loaded


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


def _member(conn: Connection, room: str) -> None:
    if room not in conn.rooms:
        raise RpcError(ErrorCode.FORBIDDEN, {"room": room, "reason": "not_a_member"})


@router.method("state.get")
async def get(conn: Connection, params: StateGetParams) -> StateSnapshot:
    """The room's current document and version."""
    _member(conn, params.room)
    state = await conn.node.store.load_state(params.room)
    return StateSnapshot(room=params.room, version=state.version, document=state.document)


@router.method("state.update")
async def update(conn: Connection, params: StateUpdateParams) -> StateUpdated:
    """Apply a merge patch made against ``base_version``; conflicts and invalid results change nothing."""
    node = conn.node
    _member(conn, params.room)
    config = node.config.state
    quantizer = first_match(params.room, node.state_quantizers)
    for _ in range(_COMMIT_ATTEMPTS):
        state = await node.store.load_state(params.room)
        patch = params.patch if quantizer is None else quantizer.apply(params.patch, state.document)
        if not patch:
            node.metrics.state_versions.labels("unchanged").inc()
            return StateUpdated(room=params.room, version=state.version)  # nothing left after rounding
        try:
            new = apply_update(state, params.base_version, patch, config.log_size)
        except VersionFromTheFuture as exc:
            node.metrics.state_rejections.labels("unknown_version").inc()
            raise RpcError(ErrorCode.UNKNOWN_VERSION, {"current_version": exc.current_version}) from None
        except Conflict as exc:
            node.metrics.state_rejections.labels(exc.reason).inc()
            raise RpcError(ErrorCode.CONFLICT, {"current_version": exc.current_version, "paths": exc.paths,
                                                "reason": exc.reason}) from None
        if len(_encode(new.document)) > config.max_document_bytes:
            node.metrics.state_rejections.labels("too_large").inc()
            raise RpcError(ErrorCode.LIMIT_EXCEEDED, {"max_document_bytes": config.max_document_bytes})
        _validate(conn, params.room, state.document, patch, new.document)
        if await node.store.commit_state(params.room, state.version, new):
            record = _encode(StateChange(new.version, patch))
            await node.publish(state_stream(params.room), constant_frame(record))
            node.metrics.state_versions.labels("committed").inc()
            return StateUpdated(room=params.room, version=new.version)
        # Another update won the race: check this one again against what it did.
    node.metrics.state_rejections.labels("contention").inc()
    raise RpcError(ErrorCode.CONFLICT, {"reason": "contention"})


def _validate(conn: Connection, room: str, before: dict[str, Any], patch: dict[str, Any],
              after: dict[str, Any]) -> None:
    for pattern, validator in conn.node.state_validators:
        if not fnmatch.fnmatchcase(room, pattern):
            continue
        try:
            ok = validator(room, conn.principal, before, patch, after)
        except ValueError as exc:
            conn.node.metrics.state_rejections.labels("invalid").inc()
            raise RpcError(ErrorCode.INVALID_PARAMS, {"detail": str(exc), "reason": "invalid_state"}) from None
        if ok is False:
            conn.node.metrics.state_rejections.labels("invalid").inc()
            raise RpcError(ErrorCode.INVALID_PARAMS, {"reason": "invalid_state"})
