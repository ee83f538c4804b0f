"""JSON-RPC method registry: a decorator binds a handler to a method of protocol/openrpc.json.

Params are decoded straight into the generated msgspec type of the method (C-speed validation), so a
handler only ever sees well-typed params. A handler returns its result, or an awaitable of it, or
raises ``RpcError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, Union

import msgspec
from msgspec import UNSET, UnsetType

from realtimenet.protocol.messages import METHODS

if TYPE_CHECKING:
    from realtimenet.gateway.connection import Connection

P = TypeVar("P", bound=msgspec.Struct)
Handler = Callable[["Connection", Any], Any | Awaitable[Any]]

_EMPTY_PARAMS = b"{}"


@dataclass(frozen=True, slots=True)
class Route:
    """A registered method: its params decoder and handler."""

    name: str
    decoder: msgspec.json.Decoder[Any]
    handler: Handler
    is_async: bool

    def decode_params(self, raw: bytes | msgspec.Raw | None) -> Any:
        """Decode params (absent params count as ``{}``); raises msgspec.ValidationError/DecodeError."""
        return self.decoder.decode(_EMPTY_PARAMS if raw is None else raw)


def _request_type(name: str, params: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """A request struct tagged by its method, so one decode reads the envelope and the typed params."""
    return msgspec.defstruct(
        params.__name__.removesuffix("Params") + "Request",
        [("jsonrpc", str), ("params", params | UnsetType, UNSET), ("id", int | str | None | UnsetType, UNSET)],
        tag_field="method", tag=name, kw_only=True)


class Router:
    """Method name -> route. Only methods described in protocol/openrpc.json can be registered.

    ``decode_fast`` reads a well-formed request of a registered method in one typed pass (a tagged union
    keyed by ``method``); anything else (an unknown method, bad params, a malformed envelope) goes the
    slow way, which decodes step by step to give the precise error.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self._request_types: dict[str, type[msgspec.Struct]] = {}
        self._fast: msgspec.json.Decoder[Any] | None = None

    def _rebuild(self) -> None:
        types = tuple(self._request_types.values())
        self._fast = msgspec.json.Decoder(Union[types]) if types else None  # noqa: UP007 - runtime union

    def decode_fast(self, item: bytes) -> tuple[str, Any, Any] | None:
        """(method, typed params, id) of a well-formed request with params, or None."""
        if self._fast is None:
            return None
        try:
            req = self._fast.decode(item)
        except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
            return None
        if req.jsonrpc != "2.0" or req.params is UNSET or isinstance(req.id, bool):
            return None
        return req.__struct_config__.tag, req.params, req.id
    def method(self, name: str) -> Callable[[Handler], Handler]:
        """Decorator: register ``fn(connection, params)`` as the handler of ``name``."""
        spec = METHODS.get(name)
        if spec is None:
            raise KeyError(f"{name} is not a method of protocol/openrpc.json")

        def register(fn: Handler) -> Handler:
            import inspect

            if name in self.routes:
                raise KeyError(f"{name} is already registered")
            decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(spec.params)
            self.routes[name] = Route(name, decoder, fn, inspect.iscoroutinefunction(fn))
            self._request_types[name] = _request_type(name, spec.params)
            self._rebuild()
            return fn

        return register

    def include(self, other: Router) -> None:
        """Add every route of ``other`` (a service's own router) to this one."""
        for name, route in other.routes.items():
            if name in self.routes:
                raise KeyError(f"{name} is already registered")
            self.routes[name] = route
            self._request_types[name] = other._request_types[name]
        self._rebuild()
