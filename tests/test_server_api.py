"""The server API (POST /api) through the Python server SDK, on embedded backends (one gateway, one port, as
`make run`) and on Redis + NATS with two gateway nodes (internal ports, as production): every call goes to one
node while the players are connected to the other, so each method is shown to act on the whole cluster."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from realtimenet import PROTOCOL_VERSION
from realtimenet.client import Client, RemoteError
from realtimenet.exceptions import ApiCallError, ApiRefused
from realtimenet.protocol.codes import ErrorCode
from realtimenet.server import AsyncServerClient, ServerClient
from realtimenet.server.client import Call
from realtimenet.state.merge_patch import merge_patch
from tests.conftest import GatewayProcess, eventually, http_get, metric_value, start_gateway_process
from tests.services import Service, free_port, nats_server, redis_server

KEYS = {
    "ops": {"secret": "ops-key-0123456789abcdef0123456789", "scopes": ["admin"]},
    "matchmaker": {"secret": "matchmaker-key-0123456789abcdef01", "scopes": ["publish"]},
    "dashboard": {"secret": "dashboard-key-0123456789abcdef0123", "scopes": ["read"]},
    "moderator": {"secret": "moderator-key-0123456789abcdef0123", "scopes": ["moderate", "read"]},
}


@dataclass
class Deployment:
    """Where the API is called (``api_node``) and where players connect (``player_node``)."""

    kind: str
    api_node: GatewayProcess
    player_node: GatewayProcess
    api_url: str

    def sdk(self, key: str = "ops") -> ServerClient:
        return ServerClient(self.api_url, KEYS[key]["secret"])

    def player(self, sub: str, **kwargs: Any) -> Client:
        return self.player_node.connect(sub, **kwargs)


def _stop(gateways: list[GatewayProcess]) -> None:
    for gw in gateways:
        code = gw.stop()
        time.sleep(0.05)
        assert "Traceback" not in gw.stderr, gw.stderr
        assert code == 0, gw.stderr[-2000:]


@pytest.fixture(scope="module", params=["embedded", "cluster"])
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workdir = Path(tmp_path_factory.mktemp(f"api-{request.param}"))
    settings: dict[str, dict[str, Any]] = {
        "api": {"keys": KEYS, "max_body_bytes": 4096}, "rate_limit": {"rate": 10000, "burst": 10000},
        "rooms": {"known": ["lobby*", "arena*", "r-*", "quiet*", "crowd*", "hist*", "state*", "kick*", "trace*"],
                  "history_size": 20},
        "presence": {"ttl": 3},
    }
    services: list[Service] = []
    if request.param == "embedded":
        gw = start_gateway_process(workdir, settings)
        gateways = [gw]
        yield Deployment("embedded", gw, gw, f"http://127.0.0.1:{gw.port}/api")
    else:
        redis, nats_ = redis_server(workdir).start(), nats_server(workdir).start()
        services = [redis, nats_]
        settings["backends"] = {"store": f"redis://127.0.0.1:{redis.port}/0", "bus": f"nats://127.0.0.1:{nats_.port}",
                                "check_interval": 0.2}
        gateways = []
        for _ in range(2):
            node = {**settings, "server": {"internal_port": free_port()}}
            gateways.append(start_gateway_process(workdir, node))
        for gw in gateways:
            assert eventually(lambda gw=gw: http_get(gw.ops_url + "/readyz")[0] == 200, 15)
        api_node, player_node = gateways
        # With an internal port, the public port serves WebSockets only: no server API there.
        public = httpx.post(f"http://127.0.0.1:{api_node.port}/api", content=b'{"jsonrpc": "2.0", "id": 1, '
                            b'"method": "node.info"}', headers={"Content-Type": "application/json",
                                                                "Authorization": f"apikey {KEYS['ops']['secret']}"})
        assert public.status_code in (400, 404) and b'"node_id"' not in public.content
        yield Deployment("cluster", api_node, player_node, f"{api_node.ops_url}/api")
    try:
        _stop(gateways)
    finally:
        for service in services:
            service.stop()


def test_publish_broadcast_and_send_reach_players_on_any_node(deployment: Deployment) -> None:
    alice, bob = deployment.player("alice"), deployment.player("bob")
    alice.join("lobby-pub")
    bob.join("arena-pub")
    with deployment.sdk("matchmaker") as api:
        published = api.room_publish(room="lobby-pub", data={"match": "m-42"}, from_="matchmaker")
        assert (published.stream, published.offset) == ("room:lobby-pub", 1)
        event = alice.wait_notification("room.event", 10).params
        assert (event["from"], event["data"], event["offset"]) == ("server:matchmaker", {"match": "m-42"}, 1)
        assert "type" not in event  # untyped, as 1.0 clients see events
        broadcast = api.room_broadcast(rooms=["lobby-pub", "arena-pub"], type="season.ended", data="season ends")
        assert [(p.stream, p.offset) for p in broadcast.published] == [("room:lobby-pub", 2), ("room:arena-pub", 1)]
        assert alice.wait_notification("room.event", 10).params["data"] == "season ends"
        bob_event = bob.wait_notification("room.event", 10).params
        assert (bob_event["from"], bob_event["type"], bob_event["data"]) == (
            "server:matchmaker", "season.ended", "season ends")  # the key's name
        typed = api.room_publish(room="arena-pub", type="Event.Match.Found", data={"match": "m-43"})
        assert bob.wait_notification("room.event", 10).params["type"] == "Event.Match.Found"
        with deployment.sdk("dashboard") as reader:  # kept in the history with its type
            assert reader.room_history(room="arena-pub", since_offset=typed.offset - 1).events[0]["type"] == \
                "Event.Match.Found"
        with pytest.raises(ApiCallError) as badly_typed:
            api.room_publish(room="arena-pub", type="no spaces", data=1)
        assert badly_typed.value.error_code is ErrorCode.INVALID_PARAMS
        api.player_send(player_id="bob", data={"reward": 100})
        direct = bob.wait_notification("direct.message", 10).params
        assert (direct["from"], direct["data"]) == ("server:matchmaker", {"reward": 100})
        with pytest.raises(ApiCallError) as unknown:
            api.room_publish(room="not-a-known-room", data=1)
        assert unknown.value.error_code is ErrorCode.NOT_FOUND
    alice.close()
    bob.close()


def test_state_update_is_versioned_with_the_clients_conflict_rules_and_deltas(deployment: Deployment) -> None:
    alice = deployment.player("alice")
    alice.join("state-1")
    with deployment.sdk("matchmaker") as writer, deployment.sdk("dashboard") as reader:
        assert writer.state_update(room="state-1", patch={"round": 1, "score": {"red": 0}}).version == 1
        delta = alice.wait_notification("state.delta", 10).params
        assert (delta["from"], delta["to"], delta["patch"]) == (0, 1, {"round": 1, "score": {"red": 0}})
        alice.call("state.update", {"room": "state-1", "base_version": 1, "patch": {"score": {"red": 1}}})
        with pytest.raises(ApiCallError) as conflict:  # made against version 1, touches what version 2 changed
            writer.state_update(room="state-1", base_version=1, patch={"score": {"red": 5}})
        assert conflict.value.error_code is ErrorCode.CONFLICT
        assert conflict.value.data["current_version"] == 2 and conflict.value.data["paths"] == ["score/red"]
        assert writer.state_update(room="state-1", base_version=1, patch={"round": 2}).version == 3  # disjoint
        with pytest.raises(ApiCallError) as future:
            writer.state_update(room="state-1", base_version=9, patch={"round": 3})
        assert future.value.error_code is ErrorCode.UNKNOWN_VERSION
        snapshot = reader.state_get(room="state-1")
        assert (snapshot.version, snapshot.document) == (3, {"round": 2, "score": {"red": 1}})
    # The member's deltas (the tick may coalesce two versions into one) end in the server's document.
    document = {"round": 1, "score": {"red": 0}}
    version = 1
    while version != 3:
        delta = alice.wait_notification("state.delta", 10).params
        assert delta["from"] == version
        document, version = merge_patch(document, delta["patch"]), delta["to"]
    assert document == {"round": 2, "score": {"red": 1}}
    alice.close()


def test_room_list_members_and_history(deployment: Deployment) -> None:
    players = [deployment.player(name) for name in ("ann", "ben", "cat")]
    players[0].join("crowd-a")
    players[1].join("crowd-a")
    players[2].join("crowd-b")
    players[2].call("presence.set", {"status": "away"})
    second_device = deployment.player("ann")
    second_device.join("crowd-a")
    with deployment.sdk("dashboard") as api:
        assert eventually(lambda: [r.room for r in api.room_list(after="crowd").rooms][:2] == ["crowd-a", "crowd-b"])
        first = api.room_list(after="crowd", limit=1)
        assert [(r.room, r.players, r.connections) for r in first.rooms] == [("crowd-a", 2, 3)]
        assert first.next == "crowd-a"
        second = api.room_list(after=first.next, limit=1)
        assert [r.room for r in second.rooms] == ["crowd-b"]
        members = api.room_members(room="crowd-a")
        assert [(p.player_id, p.status, p.devices) for p in members.players] == [("ann", "online", 2), ("ben", "online", 1)]
        assert [(p.player_id, p.status) for p in api.room_members(room="crowd-b").players] == [("cat", "away")]
    writer = deployment.sdk("matchmaker")
    for i in range(25):
        writer.room_publish(room="hist-1", data={"n": i})
    with deployment.sdk("dashboard") as api:
        since = api.room_history(room="hist-1", since_offset=22)
        assert since.complete and [e["data"]["n"] for e in since.events] == [22, 23, 24]
        assert since.events[0]["offset"] == 23 and since.offset == 25
        old = api.room_history(room="hist-1", since_offset=0, limit=5)  # 20 are kept (rooms.history_size)
        assert not old.complete and [e["offset"] for e in old.events] == [6, 7, 8, 9, 10]
    writer.close()
    for client in (*players, second_device):
        client.close()


def test_player_info_and_node_list(deployment: Deployment) -> None:
    dan = deployment.player("dan")
    dan.join("quiet-1")
    with deployment.sdk("dashboard") as api:
        assert eventually(lambda: api.player_info(player_id="dan").rooms == ["quiet-1"])
        info = api.player_info(player_id="dan")
        assert info.status == "online" and info.last_seen is None
        assert [d.session_id for d in info.devices] == [dan.welcome.session_id]
        assert info.devices[0].node_id == deployment.player_node.node_id
        assert [s.session_id for s in info.sessions] == [dan.welcome.session_id]
        dan.close()
        assert eventually(lambda: api.player_info(player_id="dan").status == "offline")
        gone = api.player_info(player_id="dan")
        assert gone.last_seen is not None and gone.last_seen > time.time() - 30 and gone.sessions == []
        expected = {deployment.api_node.node_id, deployment.player_node.node_id}
        assert eventually(lambda: {n.node_id for n in api.node_list().nodes} == expected)
        own = api.node_info()
        assert own.node_id == deployment.api_node.node_id and own.ready and own.uptime > 0
        assert own.version and own.protocol_version == PROTOCOL_VERSION


def test_disconnect_closes_the_player_on_its_node_and_revoking_makes_resume_fail(deployment: Deployment) -> None:
    eve = deployment.player("eve")
    eve.join("kick-1")
    token = eve.resume_token
    with deployment.sdk("moderator") as api:
        kicked = api.player_disconnect(player_id="eve", code=4403, reason="cheating")
        assert kicked.devices == 1 and kicked.sessions_revoked == 0
        closed = eve.wait_closed(10)
        assert (closed.code, closed.reason) == (4403, "cheating")
        # Not revoked: the session is still resumable.
        again = deployment.player("eve")
        resumed = again.call("session.resume", {"resume_token": token, "streams": []})
        assert resumed["rooms"] == ["kick-1"]
        fresh_token = resumed["resume_token"]
        revoked = api.player_disconnect(player_id="eve", code=4503, revoke_sessions=True)
        assert revoked.sessions_revoked >= 1
        assert again.wait_closed(10).code == 4503
        late = deployment.player("eve")
        with pytest.raises(RemoteError) as refused:
            late.call("session.resume", {"resume_token": fresh_token, "streams": []})
        assert refused.value.code == ErrorCode.RESUME_FAILED
        assert refused.value.data["reason"] in ("session_expired", "unknown_or_used_token")
        late.close()


def test_trace_mirrors_a_players_frames_with_payloads_only_for_admin(deployment: Deployment) -> None:
    fay = deployment.player("fay")
    with deployment.sdk("moderator") as moderator, deployment.sdk("ops") as admin:
        started = moderator.player_trace(player_id="fay", seconds=30)
        time.sleep(0.3)  # the command reaches the player's node
        fay.call("sys.echo", {"data": "traced"})
        assert eventually(lambda: len(moderator.trace_read(trace_id=started.trace_id).frames) >= 2)
        frames = moderator.trace_read(trace_id=started.trace_id).frames
        assert [(f.direction, f.method) for f in frames[:2]] == [("in", "sys.echo"), ("out", "(response)")]
        assert all(f.payload is msgspec.UNSET for f in frames)  # the moderate scope sees no payloads
        assert frames[0].node_id == deployment.player_node.node_id
        # The admin scope sees the frames themselves (on the node that started the trace, where both keys call).
        detailed = admin.trace_read(trace_id=started.trace_id).frames
        assert '"traced"' in detailed[0].payload
        assert admin.trace_read(trace_id=started.trace_id, after=1).frames[0].seq == 2
        with pytest.raises(ApiCallError) as missing:
            moderator.trace_read(trace_id="no-such-trace")
        assert missing.value.error_code is ErrorCode.NOT_FOUND
    fay.close()


def test_the_asyncio_client_and_batches(deployment: Deployment) -> None:
    async def scenario() -> None:
        async with AsyncServerClient(deployment.api_url, KEYS["ops"]["secret"]) as api:
            assert (await api.key_info()).scopes == ["admin"]
            results = await api.batch([Call("room.publish", {"room": "r-batch", "data": 1}),
                                       Call("room.publish", {"room": "r-batch"}),
                                       Call("no.such.method"),
                                       Call("state.get", {"room": "r-batch"})])
            assert results[0].offset == 1
            assert isinstance(results[1], ApiCallError) and results[1].error_code is ErrorCode.INVALID_PARAMS
            assert isinstance(results[2], ApiCallError) and results[2].error_code is ErrorCode.METHOD_NOT_FOUND
            assert results[3].version == 0

    asyncio.run(scenario())


# ----- refusals (the same code on every node: on the embedded deployment only) ---------------------------------


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    gw = start_gateway_process(Path(tmp_path_factory.mktemp("api-refusals")),
                               {"api": {"keys": KEYS, "max_body_bytes": 4096}})
    yield gw
    _stop([gw])


def _post(gw: GatewayProcess, body: bytes | str, key: str | None = "ops", **headers: str) -> httpx.Response:
    sent = {"Content-Type": "application/json", **headers}
    if key is not None:
        sent["Authorization"] = f"apikey {KEYS[key]['secret'] if key in KEYS else key}"
    return httpx.post(f"http://127.0.0.1:{gw.port}/api", content=body, headers=sent)


def test_wrong_keys_scopes_bodies_and_params_get_documented_errors_counted_and_logged_once(
        embedded: GatewayProcess) -> None:
    publish = '{"jsonrpc": "2.0", "id": 1, "method": "room.publish", "params": {"room": "r-x", "data": 1}}'
    missing = _post(embedded, publish, key=None)
    assert (missing.status_code, missing.json()["error"]) == (401, "missing_key")
    wrong = _post(embedded, publish, key="not-a-key-of-this-gateway")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "unknown_key")
    # A batch with one call out of the key's scope is refused whole: nothing ran.
    batch = f'[{publish}, {{"jsonrpc": "2.0", "id": 2, "method": "player.disconnect", "params": {{"player_id": "x"}}}}]'
    scope = _post(embedded, batch, key="matchmaker")
    assert scope.status_code == 403 and scope.json()["error"] == "out_of_scope"
    assert "player.disconnect" in scope.json()["detail"]
    with ServerClient(f"http://127.0.0.1:{embedded.port}/api", KEYS["dashboard"]["secret"]) as reader:
        assert reader.room_history(room="r-x").offset == 0
        with pytest.raises(ApiRefused) as refused:
            reader.room_publish(room="r-x", data=1)
        assert (refused.value.status, refused.value.reason) == (403, "out_of_scope")
    too_big = _post(embedded, '{"jsonrpc": "2.0", "id": 1, "method": "room.publish", "params": {"room": "r-x", "data": "'
                    + "x" * 5000 + '"}}')
    assert (too_big.status_code, too_big.json()["error"]) == (413, "body_too_large")
    form = _post(embedded, publish, **{"Content-Type": "application/x-www-form-urlencoded"})
    assert (form.status_code, form.json()["error"]) == (415, "unsupported_media_type")
    cross = _post(embedded, publish, Origin="http://evil.example")
    assert (cross.status_code, cross.json()["error"]) == (403, "cross_origin")
    get = httpx.get(f"http://127.0.0.1:{embedded.port}/api")
    assert (get.status_code, get.json()["error"]) == (405, "method_not_allowed")
    bad = _post(embedded, '{"jsonrpc": "2.0", "id": 7, "method": "room.publish", "params": {"room": 5, "data": 1}}')
    assert bad.status_code == 200 and bad.json()["error"]["code"] == -32602 and "room" in bad.json()["error"]["data"]["detail"]
    parse = _post(embedded, "{not json")
    assert parse.status_code == 200 and parse.json()["error"]["code"] == -32700
    surrogate = _post(embedded, '{"jsonrpc": "2.0", "id": 9, "method": "room.publish", '
                                '"params": {"room": "r-x", "data": "\\udc80"}}')  # no client could decode it
    assert surrogate.json()["error"]["code"] == -32700 and "surrogate" in surrogate.json()["error"]["data"]["detail"]
    unknown = _post(embedded, '{"jsonrpc": "2.0", "id": 8, "method": "room.delete", "params": {}}')
    assert unknown.json()["error"]["code"] == -32601
    note = _post(embedded, '{"jsonrpc": "2.0", "method": "room.publish", "params": {"room": "r-x", "data": 1}}')
    assert note.status_code == 204  # a notification: no answer
    metrics = embedded.metrics()
    for outcome, count in (("missing_key", 1), ("unknown_key", 1), ("out_of_scope", 2), ("body_too_large", 1),
                           ("unsupported_media_type", 1), ("cross_origin", 1), ("method_not_allowed", 1)):
        assert metric_value(metrics, "realtimenet_api_requests_total", {"outcome": outcome}) == count, outcome
    assert metric_value(metrics, "realtimenet_api_calls_total",
                        {"method": "room.publish", "outcome": "invalid_params"}) == 1
    assert metric_value(metrics, "realtimenet_api_calls_total",
                        {"method": "unknown", "outcome": "method_not_found"}) == 1
    assert "room.delete" not in metrics  # no label is chosen by the caller
    assert eventually(lambda: embedded.stderr.count("unknown_key") == 1)
    assert embedded.stderr.count("out_of_scope") == 2 and "Traceback" not in embedded.stderr


def test_the_api_limits_hold_and_say_which_limit(tmp_path: Path) -> None:
    gw = start_gateway_process(tmp_path, {"api": {"keys": KEYS, "max_batch_size": 3, "max_rooms_per_broadcast": 2,
                                                  "max_trace_seconds": 0}, "server": {"max_message_bytes": 2048}})
    try:
        call = '{{"jsonrpc": "2.0", "id": {}, "method": "room.history", "params": {{"room": "r-x"}}}}'
        three = _post(gw, "[" + ", ".join(call.format(i) for i in range(3)) + "]")
        assert three.status_code == 200 and len(three.json()) == 3
        four = _post(gw, "[" + ", ".join(call.format(i) for i in range(4)) + "]")
        assert four.status_code == 200
        assert four.json()["error"]["code"] == -32600 and "batch longer than 3" in four.json()["error"]["data"]["detail"]
        wide = _post(gw, '{"jsonrpc": "2.0", "id": 1, "method": "room.broadcast", '
                         '"params": {"rooms": ["a", "b", "c"], "data": 1}}')
        assert wide.json()["error"] == {"code": -32005, "message": "Limit exceeded",
                                        "data": {"max_rooms_per_broadcast": 2}}
        big = '"' + "x" * 3000 + '"'  # within api.max_body_bytes, over server.max_message_bytes
        for method, params in (("room.publish", f'{{"room": "r-big", "data": {big}}}'),
                               ("room.broadcast", f'{{"rooms": ["r-big"], "data": {big}}}'),
                               ("player.send", f'{{"player_id": "alice", "data": {big}}}')):
            answer = _post(gw, f'{{"jsonrpc": "2.0", "id": 1, "method": "{method}", "params": {params}}}').json()
            assert answer["error"] == {"code": -32005, "message": "Limit exceeded", "data": {"max_message_bytes": 2048}}
        history = _post(gw, '{"jsonrpc": "2.0", "id": 1, "method": "room.history", "params": {"room": "r-big"}}')
        assert history.json()["result"]["events"] == []  # nothing of it was stored
        fits = '"' + "x" * 2000 + '"'
        assert "result" in _post(gw, f'{{"jsonrpc": "2.0", "id": 1, "method": "room.publish", "params": '
                                     f'{{"room": "r-big", "data": {fits}}}}}').json()
        trace = _post(gw, '{"jsonrpc": "2.0", "id": 1, "method": "player.trace", "params": {"player_id": "alice"}}')
        assert trace.json()["error"]["code"] == -32002
        assert trace.json()["error"]["data"] == {"reason": "tracing_disabled"}
        assert "Traceback" not in gw.stderr
    finally:
        _stop([gw])


def test_the_development_key_works_only_without_configured_keys(tmp_path: Path) -> None:
    from realtimenet.config import DEV_API_KEY

    gw = start_gateway_process(tmp_path)
    try:
        with ServerClient(f"http://127.0.0.1:{gw.port}/api", DEV_API_KEY) as api:
            assert api.key_info().name == "development"
        assert f"apikey {DEV_API_KEY}" in "".join(gw.stdout_lines)  # the make run banner prints it
    finally:
        _stop([gw])
    configured = start_gateway_process(tmp_path, {"api": {"keys": {"ops": KEYS["ops"]}}})
    try:
        with ServerClient(f"http://127.0.0.1:{configured.port}/api", DEV_API_KEY) as api, \
                pytest.raises(ApiRefused) as refused:
            api.key_info()
        assert refused.value.reason == "unknown_key"
    finally:
        _stop([configured])


@pytest.mark.parametrize("deployment", ["cluster"], indirect=True)  # the embedded bus has no NATS transport
def test_the_nats_request_path_runs_the_same_handlers(deployment: Deployment) -> None:
    import json

    import nats

    bus_url = deployment.api_node.config.backends.bus
    ivy = deployment.player("ivy")
    ivy.join("lobby-nats")

    async def backend() -> list[Any]:
        nc = await nats.connect(bus_url)
        answers = []
        for subject, body in (("rtnet.publish.room.lobby-nats", {"from": "matchmaker", "data": {"go": 1}}),
                              ("rtnet.publish.room.not-known", {"from": "matchmaker", "data": 1}),
                              ("rtnet.publish.room.lobby-nats", "not an object")):
            reply = await nc.request(subject, json.dumps(body).encode(), timeout=5)
            answers.append(json.loads(reply.data))
        await nc.close()
        return answers

    ok, unknown, invalid = asyncio.run(backend())
    assert ok["stream"] == "room:lobby-nats" and ok["offset"] == 1
    assert unknown["error"] == "unknown_room" and invalid["error"] == "invalid_body"
    event = ivy.wait_notification("room.event", 10).params
    assert (event["from"], event["data"]) == ("server:matchmaker", {"go": 1})
    metrics = "".join(gw.metrics() for gw in (deployment.api_node, deployment.player_node))
    assert "realtimenet_api_calls_total{method=\"room.publish\",outcome=\"unknown_room\"} 1.0" in metrics
    ivy.close()
