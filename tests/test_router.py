"""The method router: only described methods can be registered, services register their marked methods, and
a well-formed request is decoded in one typed pass while anything else falls to the precise slow path."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from realtimenet.gateway.router import Router, method
from realtimenet.protocol.messages import SysEchoParams, SysPingParams


class _Service:
    def __init__(self) -> None:
        self.seen: list[Any] = []

    @method("sys.ping")
    def ping(self, caller: Any, params: SysPingParams) -> str:
        self.seen.append((caller, params))
        return "pong"

    @method("sys.echo")
    async def echo(self, caller: Any, params: SysEchoParams) -> Any:
        return params.data

    def helper(self) -> None:  # not marked: not a route
        pass


def test_a_service_registers_its_marked_methods_bound_to_itself() -> None:
    router, service = Router(), _Service()
    assert sorted(router.add_service(service)) == ["sys.echo", "sys.ping"]
    ping, echo = router.routes["sys.ping"], router.routes["sys.echo"]
    assert (ping.is_async, echo.is_async) == (False, True)
    assert ping.handler("caller", ping.decode_params(b'{"client_time":5}')) == "pong"
    assert service.seen == [("caller", SysPingParams(client_time=5))]


def test_only_methods_of_the_description_can_be_marked_or_added() -> None:
    with pytest.raises(KeyError, match=r"not a method of protocol/openrpc\.json"):
        method("no.such.method")
    with pytest.raises(KeyError, match="not a method"):
        Router().add("no.such.method", lambda caller, params: None)


def test_a_method_is_registered_once() -> None:
    router = Router()
    router.add_service(_Service())
    with pytest.raises(KeyError, match="already registered"):
        router.add_service(_Service())


def test_well_formed_requests_decode_in_one_typed_pass() -> None:
    router = Router()
    router.add_service(_Service())
    assert router.decode_fast(b'{"jsonrpc":"2.0","id":7,"method":"sys.ping","params":{"client_time":1.5}}') == (
        "sys.ping", SysPingParams(client_time=1.5), 7)
    name, params, rid = router.decode_fast(b'{"jsonrpc":"2.0","method":"sys.echo","params":{"data":[1]}}') or ()
    assert (name, bytes(params.data), rid) == ("sys.echo", b"[1]", msgspec.UNSET)


@pytest.mark.parametrize("item", [
    b'{"jsonrpc":"2.0","id":1,"method":"sys.ping"}',  # no params: the slow path fills in {}
    b'{"jsonrpc":"2.0","id":1,"method":"room.join","params":{"room":"a"}}',  # not registered here
    b'{"jsonrpc":"1.0","id":1,"method":"sys.ping","params":{}}',
    b'{"jsonrpc":"2.0","id":true,"method":"sys.ping","params":{}}',
    b'{"jsonrpc":"2.0","id":1,"method":"sys.ping","params":{"client_time":"soon"}}',
    b"not json",
])
def test_anything_else_goes_the_slow_way_for_a_precise_error(item: bytes) -> None:
    router = Router()
    router.add_service(_Service())
    assert router.decode_fast(item) is None


def test_absent_params_decode_as_an_empty_object() -> None:
    router = Router()
    router.add_service(_Service())
    assert router.routes["sys.ping"].decode_params(None) == SysPingParams()
    with pytest.raises(msgspec.ValidationError):
        router.routes["sys.ping"].decode_params(b"[1]")
