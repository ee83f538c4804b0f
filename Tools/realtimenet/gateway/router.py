"""JSON-RPC method registry: ``@method`` marks a service's method as the handler of a method of
protocol/openrpc.json, and ``Router.add_service`` registers the marked methods of a service object.

Params are decoded straight into the generated msgspec type of the method (C-speed validation), so a
handler only ever sees well-typed params. A handler is called as ``handler(caller, params)`` (the calling
connection, see ``caller.Caller``); it returns its result, or an awaitable of it, or raises ``RpcError``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, Union

import msgspec
from msgspec import UNSET, UnsetType

from realtimenet.protocol.messages import METHODS

Handler = Callable[[Any, Any], Any | Awaitable[Any]]
F = TypeVar("F", bound=Callable[..., Any])

_EMPTY_PARAMS = b"{}"
_MARK = "__rpc_method__"


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


def method(name: str) -> Callable[[F], F]:
    """Mark a service method as the handler of protocol method ``name`` (checked against the description
    when the module is imported)."""
    if name not in METHODS:
        raise KeyError(f"{name} is not a method of protocol/openrpc.json")

    def mark(fn: F) -> F:
        setattr(fn, _MARK, name)
        return fn

    return mark


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

    def add(self, name: str, handler: Handler) -> None:
        """Register ``handler(caller, params)`` for method ``name``."""
        spec = METHODS.get(name)
        if spec is None:
            raise KeyError(f"{name} is not a method of protocol/openrpc.json")
        if name in self.routes:
            raise KeyError(f"{name} is already registered")
        decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(spec.params)
        self.routes[name] = Route(name, decoder, handler, inspect.iscoroutinefunction(handler))
        self._request_types[name] = _request_type(name, spec.params)
        types = tuple(self._request_types.values())
        self._fast = msgspec.json.Decoder(Union[types])  # noqa: UP007 - a union built at run time

    def add_service(self, service: object) -> list[str]:
        """Register every method of ``service`` marked with ``@method``; returns their names."""
        names = []
        for _, bound in inspect.getmembers(service, inspect.ismethod):
            name = getattr(bound, _MARK, None)
            if name is not None:
                self.add(name, bound)
                names.append(name)
        return names

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
