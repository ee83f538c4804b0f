"""JSON-RPC method registry: a decorator binds a handler to a method of protocol/openrpc.json.

Params are decoded straight into the generated msgspec type of the method (C-speed validation), so a
handler only ever sees well-typed params. A handler returns its result, or an awaitable of it, or
raises ``RpcError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

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


class Router:
    """Method name -> route. Only methods described in protocol/openrpc.json can be registered."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}

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
            return fn

        return register

    def include(self, other: Router) -> None:
        """Add every route of ``other`` (a service's own router) to this one."""
        for name, route in other.routes.items():
            if name in self.routes:
                raise KeyError(f"{name} is already registered")
            self.routes[name] = route
