"""Gateways on a real Redis: sessions, presence and state shared by nodes; Redis going away and back."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest

from realtimenet.backends.sessions import token_key
from realtimenet.client import RemoteError
from realtimenet.protocol.codes import ErrorCode
from tests.conftest import GatewayProcess, eventually, http_get, metric_value
from tests.services import Service, redis_cli, redis_server

Factory = Callable[..., GatewayProcess]


@pytest.fixture
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = redis_server(tmp_path_factory.mktemp("redis")).start()
    yield service
    service.stop()


def on_redis(redis: Service, **sections: dict[str, object]) -> dict[str, dict[str, object]]:
    settings: dict[str, dict[str, object]] = {"backends": {"store": f"redis://127.0.0.1:{redis.port}/0",
                                                           "check_interval": 0.2}}
    settings.update(sections)
    return settings


def ready(gw: GatewayProcess) -> tuple[int, dict[str, object]]:
    status, body = http_get(gw.ops_url + "/readyz")
    return status, json.loads(body)


def test_session_state_and_presence_are_shared_by_nodes(gateway_factory: Factory, redis: Service) -> None:
    node_a, node_b = gateway_factory(on_redis(redis)), gateway_factory(on_redis(redis))
    alice = node_a.connect("alice")
    alice.join("arena")
    alice.call("state.update", {"room": "arena", "base_version": 0, "patch": {"map": "m" * 100, "hp": 10}})
    token = alice.resume_token
    alice.abort()
    bob = node_b.connect("bob")
    bob.join("arena")
    assert bob.call("state.get", {"room": "arena"})["document"]["hp"] == 10  # state lives in Redis
    bob.call("state.update", {"room": "arena", "base_version": 1, "patch": {"hp": 9}})
    again = node_b.connect("alice")  # the lost session resumes on the other node
    resumed = again.call("session.resume", {"resume_token": token, "streams": [],
                                            "state": [{"room": "arena", "version": 1}]})
    assert resumed["rooms"] == ["arena"]
    delta = again.wait_notification("state.delta").params
    assert (delta["from"], delta["to"], delta["patch"]) == (1, 2, {"hp": 9})
    [presence] = node_a.connect("carol").call("presence.query", {"players": ["bob"]})["players"]
    assert presence["status"] == "online"  # bob is on node B; node A sees him through Redis


def test_redis_restart_is_survived(gateway_factory: Factory, redis: Service) -> None:
    gw = gateway_factory(on_redis(redis))
    client = gw.connect("alice")
    client.join("arena")
    assert ready(gw) == (200, {"ready": True, "backends": {"store": "up", "bus": "up"}})
    redis.stop()
    deadline = time.monotonic() + 5
    while ready(gw)[0] == 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    status, body = ready(gw)
    assert (status, body["reason"], body["backends"]) == (503, "backend_down", {"store": "down", "bus": "up"})
    with pytest.raises(RemoteError) as info:
        client.call("state.get", {"room": "arena"})
    assert (info.value.code, info.value.data) == (ErrorCode.BACKEND_UNAVAILABLE, {"backend": "store"})
    assert client.call("sys.ping", {})["server_time"] > 0  # what needs no Redis keeps working
    redis.start()
    deadline = time.monotonic() + 10
    while ready(gw)[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready(gw)[0] == 200
    assert client.call("state.get", {"room": "arena"})["version"] == 0  # reconnected by itself
    text = gw.metrics()
    assert metric_value(text, "realtimenet_backend_up", {"backend": "store"}) == 1
    assert metric_value(text, "realtimenet_backend_errors_total", {"backend": "store"}) >= 1


def test_a_socket_opened_while_redis_was_down_can_resume_once_it_is_back(gateway_factory: Factory,
                                                                         redis: Service) -> None:
    gw = gateway_factory(on_redis(redis))
    redis.stop()
    assert eventually(lambda: ready(gw)[0] == 503)
    alice = gw.connect("alice")  # welcomed at once; its session record and resume token cannot be written yet
    redis.start()
    key = f"rtnet:{{t:{token_key(alice.resume_token)}}}"
    assert eventually(lambda: redis_cli(redis.port, "EXISTS", key).strip() == "1", 15)  # written once it is back
    session, token = alice.welcome.session_id, alice.resume_token
    alice.abort()
    resumed = gw.connect("alice").call("session.resume", {"resume_token": token, "streams": []})
    assert resumed["session_id"] == session
