"""``rtnet bots``: paths, the sans-I/O bot, and swarms against real gateway processes (moves, chat, presence,
cuts injected with ``fault.inject`` and resumed, tokens refreshed through expiry, exit codes)."""

from __future__ import annotations

import asyncio
import json
import math
import random
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest

from realtimenet.bots.bot import Bot, BotOptions, Phase, token_expiry
from realtimenet.bots.motion import Area, Motion, quantize, quantizer
from realtimenet.bots.stats import LatencyHistogram, Stats, render_summary
from realtimenet.bots.swarm import Swarm, SwarmOptions
from realtimenet.bots.tokens import CommandTokens, DevTokens, TokenCommandError
from realtimenet.client import Client
from realtimenet.protocol.codes import CloseCode
from tests.conftest import ROOT, RTNET, GatewayProcess, eventually, metric_value

ENTITIES = {"state": {"entities": {"arena*": {"players": {"x": 0.01, "y": 0.01, "z": 0.01, "rot": 1}}}}}
FAULTS = {"faults": {"enabled": True, "seed": 3}}


# --- paths ----------------------------------------------------------------------------------------------------


def test_paths_stay_in_the_area_under_the_speed_and_are_smooth() -> None:
    area = Area(half_size=10.0, speed=3.0, center_x=100.0, center_y=-50.0, z=2.0)
    for seed in range(20):
        motion = Motion(area, random.Random(seed))
        previous = None
        for step in range(2000):  # 100 s at 20 Hz
            t = step / 20
            sample = motion.sample(t)
            assert abs(sample["x"] - 100.0) <= 10.0 + 1e-9 and abs(sample["y"] + 50.0) <= 10.0 + 1e-9
            assert sample["z"] == 2.0 and 0.0 <= sample["rot"] < 360.0
            vx, vy = motion.velocity(t)
            assert math.hypot(vx, vy) <= 3.0 + 1e-9
            if previous is not None:  # never a jump: at most top speed times the interval
                assert math.hypot(sample["x"] - previous["x"], sample["y"] - previous["y"]) <= 3.0 / 20 + 1e-9
            previous = sample


def test_paths_wander_and_depend_only_on_the_seed() -> None:
    a, b = Motion(Area(), random.Random("s:1")), Motion(Area(), random.Random("s:1"))
    assert [a.sample(t / 3) for t in range(50)] == [b.sample(t / 3) for t in range(50)]
    other = Motion(Area(), random.Random("s:2"))
    assert a.sample(1.0) != other.sample(1.0)
    xs = [a.position(t)[0] for t in range(0, 600, 3)]
    assert max(xs) - min(xs) > 10.0  # it goes places, in a 40 x 40 area


def test_quantised_like_the_declared_entity_fields() -> None:
    steps = quantizer({"x": 0.01, "y": 0.01, "rot": 1})
    out = quantize({"x": 1.23456, "y": -0.005001, "z": 0.123456, "rot": 359.7}, steps)
    assert out == {"x": 1.23, "y": -0.01, "z": 0.123456, "rot": 360}  # z is not declared: sent as it is


def test_latency_percentiles_within_a_bucket() -> None:
    histogram = LatencyHistogram()
    assert histogram.percentile(50) is None
    for ms in range(1, 101):
        histogram.add(ms / 1000)
    p50, p99 = histogram.percentile(50), histogram.percentile(99)
    assert p50 is not None and p99 is not None
    assert 0.050 <= p50 <= 0.050 * 1.021 and 0.099 <= p99 <= 0.100
    assert histogram.percentile(100) == pytest.approx(0.1)


def test_token_expiry_is_read_without_verifying() -> None:
    from realtimenet.config import load_config
    from realtimenet.gateway.auth import TokenVerifier

    token = TokenVerifier(load_config(environ={}).auth).mint("p", ttl=60)
    exp = token_expiry(token)
    assert exp is not None and abs(exp - (time.time() + 60)) < 5
    assert token_expiry("not a jwt") is None and token_expiry("a.b.c") is None


# --- one bot, sans-I/O -------------------------------------------------------------------------------------


def frame(obj: Any) -> bytes:
    return json.dumps(obj).encode()


class Wire:
    """The far side of a bot's socket: what it sent, decoded; answers fed back by id."""

    def __init__(self, bot: Bot, now: float = 0.0) -> None:
        self.bot = bot
        self.sent: list[dict[str, Any]] = []
        self.closed: list[int] = []
        bot.attach(lambda data: self.sent.append(json.loads(data)), self.closed.append, now)

    def last(self, method: str) -> dict[str, Any]:
        return next(m for m in reversed(self.sent) if m.get("method") == method)

    def answer(self, method: str, result: Any, now: float = 0.0) -> None:
        request = self.last(method)
        self.bot.on_text(frame({"jsonrpc": "2.0", "id": request["id"], "result": result}), now, time.time())

    def error(self, method: str, code: int, data: Any, now: float = 0.0) -> None:
        request = self.last(method)
        self.bot.on_text(frame({"jsonrpc": "2.0", "id": request["id"],
                                "error": {"code": code, "message": "x", "data": data}}), now, time.time())

    def notify(self, method: str, params: Any, now: float = 0.0) -> None:
        self.bot.on_text(frame({"jsonrpc": "2.0", "method": method, "params": params}), now, time.time())


WELCOME = {"session_id": "s1", "player_id": "bot-1", "resume_token": "r1", "heartbeat_interval": 15,
           "server_time": 0, "protocol_version": "1.0", "node_id": "n"}
JOINED = {"room": "arena-1", "stream": "room:arena-1", "epoch": "e1", "offset": 4, "state_version": 10, "state": {},
          "entities": {"players": {"rot": 1, "x": 0.01, "y": 0.01, "z": 0.01}}}


def playing_bot(options: BotOptions | None = None) -> tuple[Bot, Wire, Stats]:
    stats = Stats(0.0)
    bot = Bot("bot-1", "arena-1", options or BotOptions(chat_every=0, presence_every=0), stats, random.Random(1), 0.0)
    wire = Wire(bot)
    wire.notify("session.welcome", WELCOME)
    assert wire.sent[-1]["method"] == "room.join"
    assert wire.sent[-1]["params"] == {"room": "arena-1", "state_encoding": "entities"}
    wire.answer("room.join", JOINED)
    assert bot.phase is Phase.PLAYING
    assert wire.last("presence.set")["params"] == {"status": "online", "custom": {"bot": True, "room": "arena-1"}}
    return bot, wire, stats


def test_a_bot_moves_its_own_entity_quantised_against_the_newest_version() -> None:
    bot, wire, stats = playing_bot()
    bot.tick(0.0, time.time())
    move = wire.last("state.update")["params"]
    assert move["room"] == "arena-1" and move["base_version"] == 10
    entity = move["patch"]["players"]["bot-1"]
    assert set(entity) == {"x", "y", "z", "rot", "ack"} and entity["ack"] == 1
    assert all(round(entity[f] * 100) == pytest.approx(entity[f] * 100) for f in ("x", "y", "z"))
    assert isinstance(entity["rot"], int)
    for step in range(1, 10):  # nothing answered: its own changes are no conflict, so it goes on, up to three
        bot.tick(step * 0.05, time.time())
    assert [m["params"]["base_version"] for m in wire.sent if m.get("method") == "state.update"] == [10, 10, 10]
    assert stats.totals.moves == 3 and stats.totals.moves_skipped >= 1  # then held back, not queued
    wire.notify("state.entities", {"room": "arena-1", "from": 10, "to": 12, "entities": {}})
    wire.answer("state.update", {"room": "arena-1", "version": 13}, now=0.46)
    for step in range(10, 13):
        bot.tick(step * 0.05, time.time())
    fourth = wire.last("state.update")["params"]
    assert fourth["base_version"] == 13 and fourth["patch"]["players"]["bot-1"]["ack"] == 4
    assert stats.totals.moves == 4 and stats.window_rtt.count == 2  # room.join and a move were answered


def test_a_conflict_takes_the_rooms_version_and_is_not_an_error() -> None:
    bot, wire, stats = playing_bot()
    bot.tick(0.0, time.time())
    wire.error("state.update", -32004, {"current_version": 40, "paths": ["players/bot-1/x"]})
    assert bot.version == 40 and stats.totals.conflicts == 1 and stats.totals.error_count == 0
    wire.error("presence.set", -32602, None)
    assert stats.totals.errors == {"call": 1}


def test_chat_presence_and_a_refresh_before_expiry() -> None:
    bot, wire, stats = playing_bot(BotOptions(chat_every=1.0, presence_every=1.0))
    for step in range(200):
        bot.tick(step * 0.05, time.time())
        if bot.moves_in_flight:
            wire.answer("state.update", {"room": "arena-1", "version": 11 + step})
    chats = [m for m in wire.sent if m.get("method") == "room.publish"]
    assert 3 <= len(chats) <= 25 and chats[0]["params"]["data"]["type"] == "chat"
    statuses = [m["params"]["status"] for m in wire.sent if m.get("method") == "presence.set"]
    assert statuses[:3] == ["online", "away", "online"]
    wall = time.time()
    bot.use_token("a.b.c", 10.0, wall)  # while playing: refresh the session with it
    assert wire.last("auth.refresh")["params"] == {"token": "a.b.c"}
    wire.answer("auth.refresh", {"player_id": "bot-1", "expires_at": wall + 8})
    assert stats.totals.refreshes == 1 and not bot.wants_token
    bot.tick(10.1, wall + 5.9)  # the margin is a quarter of the 8 s left, spread over its last fifth: not yet
    assert not bot.wants_token
    bot.tick(10.2, wall + 6.45)
    assert bot.wants_token


def test_the_gateways_expiry_notice_asks_for_a_token_at_once() -> None:
    bot, wire, _ = playing_bot(BotOptions(chat_every=0, presence_every=0, proactive_refresh=False))
    wire.notify("session.token_expiring", {"expired_at": 1.0, "close_at": 31.0})
    assert bot.wants_token


def test_a_cut_reconnects_and_resumes_with_offsets_and_version() -> None:
    bot, wire, stats = playing_bot()
    wire.notify("room.event", {"room": "arena-1", "from": "bot-2", "data": {}, "epoch": "e1", "offset": 9})
    wire.notify("state.delta", {"room": "arena-1", "from": 10, "to": 15, "patch": {}})
    bot.on_closed(CloseCode.FAULT_INJECTED, "fault injected", 1.0)
    assert bot.phase is Phase.OFFLINE and stats.totals.cuts == 1 and stats.totals.error_count == 0
    assert bot.reconnect_at is not None and 1.0 < bot.reconnect_at <= 1.0 + 5.0
    second = Wire(bot, now=2.0)
    second.notify("session.welcome", {**WELCOME, "session_id": "s2", "resume_token": "r2"})
    resume = second.last("session.resume")["params"]
    assert resume == {"resume_token": "r1", "streams": [{"stream": "room:arena-1", "epoch": "e1", "offset": 9}],
                      "state": [{"room": "arena-1", "version": 15}]}
    second.answer("session.resume", {"session_id": "s1", "resume_token": "r3", "rooms": ["arena-1"], "streams": [
        {"stream": "room:arena-1", "recovered": True, "replayed": 0, "epoch": "e1", "offset": 9}]})
    assert stats.totals.resumes == 1 and bot.resume_token == "r3" and bot.session_id == "s1"
    assert second.sent[-1]["method"] == "room.join"  # the entity encoding is asked again on the new socket
    second.answer("room.join", {**JOINED, "state_version": 15})
    assert bot.phase is Phase.PLAYING


def test_a_refused_resume_is_an_error_and_the_bot_starts_afresh() -> None:
    bot, _, stats = playing_bot()
    bot.on_closed(1006, "", 1.0)
    wire = Wire(bot, now=2.0)
    wire.notify("session.welcome", {**WELCOME, "session_id": "s2", "resume_token": "r2"})
    wire.error("session.resume", -32008, {"reason": "session_expired"})
    assert stats.totals.errors == {"resume": 1}
    assert (bot.session_id, bot.resume_token) == ("s2", "r2") and wire.sent[-1]["method"] == "room.join"


@pytest.mark.parametrize(("code", "reconnects"), [(CloseCode.SLOW_CONSUMER, True), (CloseCode.TOKEN_EXPIRED, True),
                                                  (CloseCode.SESSION_REPLACED, False)])
def test_closes_that_mean_trouble_are_errors(code: int, reconnects: bool) -> None:
    bot, _, stats = playing_bot()
    bot.on_closed(code, "x", 1.0)
    assert stats.totals.errors == {"close": 1} and stats.totals.cuts == 0
    assert (bot.reconnect_at is not None) is reconnects
    assert bot.phase is (Phase.OFFLINE if reconnects else Phase.STOPPED)
    if code == CloseCode.TOKEN_EXPIRED:
        assert bot.needs_fresh_token(time.time())


def test_a_draining_node_is_left_within_half_its_deadline() -> None:
    bot, wire, stats = playing_bot()
    wire.notify("server.draining", {"deadline": 4.0}, now=1.0)
    for step in range(1, 60):
        bot.tick(1.0 + step * 0.05, time.time())
        if wire.closed:
            break
        if bot.moves_in_flight:
            wire.answer("state.update", {"room": "arena-1", "version": 11 + step})
    assert wire.closed == [CloseCode.GOING_AWAY]
    bot.on_closed(CloseCode.GOING_AWAY, "", 3.0)
    assert stats.totals.cuts == 1 and stats.totals.error_count == 0


def test_unanswered_calls_time_out_and_refused_upgrades_stop_the_bot() -> None:
    bot, _wire, stats = playing_bot(BotOptions(chat_every=0, presence_every=0, call_timeout=2.0))
    bot.tick(0.0, time.time())
    bot.tick(2.5, time.time())
    assert stats.totals.errors["timeout"] == 2  # the first move and presence.set
    assert bot.moves_in_flight == 1  # the move sent at 2.5 s, not yet due
    other = Bot("bot-2", "arena-1", BotOptions(), stats, random.Random(2), 0.0)
    other.on_connect_failed(401, "bad_signature", 1.0)
    assert other.phase is Phase.STOPPED and other.reconnect_at is None
    other = Bot("bot-3", "arena-1", BotOptions(), stats, random.Random(3), 0.0)
    other.on_connect_failed(0, "connection refused", 1.0)
    assert other.reconnect_at is not None  # the gateway may be starting: try again
    assert stats.totals.errors["connect"] == 2


# --- swarms against real gateways ----------------------------------------------------------------------------


class SwarmThread:
    """A swarm on its own event loop in a thread, so the test can act on the gateway while it runs."""

    def __init__(self, options: SwarmOptions, tokens: Any) -> None:
        self.swarm = Swarm(options, tokens)
        self.summary: dict[str, Any] | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.summary = asyncio.run(self.swarm.run())

    def __enter__(self) -> SwarmThread:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join(60)

    def all_connected(self, timeout: float = 20.0) -> bool:
        count = len(self.swarm.bots)
        return eventually(lambda: self.swarm.connected == count, timeout)


def swarm_options(gw: GatewayProcess, count: int, duration: float, room: str = "arena-1",
                  **bot: Any) -> SwarmOptions:
    return SwarmOptions(url=gw.url, count=count, room=room, duration=duration,
                        bot=BotOptions(**{"chat_every": 1.0, "presence_every": 2.0, **bot}))


@pytest.fixture
def observer_of(gateway_factory: Callable[..., GatewayProcess]) -> Iterator[Callable[[GatewayProcess, str], Client]]:
    clients: list[Client] = []

    def observe(gw: GatewayProcess, room: str) -> Client:
        client = Client.connect(gw.url, gw.token("observer"), queue_size=100_000)
        client.join(room)
        clients.append(client)
        return client

    yield observe
    for client in clients:
        if client.closed is None:
            client.close()


def notes(client: Client, method: str) -> list[Any]:
    found = []
    while not client.notifications.empty():
        note = client.notifications.get_nowait()
        if note.method == method:
            found.append(note.params)
    return found


def test_bots_move_chat_and_show_their_presence(gateway_factory: Callable[..., GatewayProcess],
                                                observer_of: Callable[[GatewayProcess, str], Client]) -> None:
    gw = gateway_factory(ENTITIES)
    observer = observer_of(gw, "arena-1")
    with SwarmThread(swarm_options(gw, 5, 6.0), DevTokens(gw.config.auth)) as run:
        assert run.all_connected()
        time.sleep(1.0)
        first = observer.call("state.get", {"room": "arena-1"})
        rows = observer.call("presence.query", {"room": "arena-1"})["players"]
        time.sleep(1.0)
        second = observer.call("state.get", {"room": "arena-1"})
    assert run.summary is not None and run.summary["error_count"] == 0, render_summary(run.summary)
    players = second["document"]["players"]
    assert sorted(players) == ["bot-1", "bot-2", "bot-3", "bot-4", "bot-5"]
    for name, entity in players.items():
        before = first["document"]["players"][name]
        assert entity["ack"] >= before["ack"] + 10  # about 20 moves a second
        assert math.hypot(entity["x"] - before["x"], entity["y"] - before["y"]) > 0.05
        assert all(abs(entity[f] * 100 - round(entity[f] * 100)) < 1e-6 for f in ("x", "y")) and abs(entity["x"]) <= 20
    assert {row["player_id"] for row in rows} >= {"bot-1", "bot-5"}
    chats = [e for e in notes(observer, "room.event") if e["data"].get("type") == "chat"]
    assert len(chats) >= 5 and {c["from"] for c in chats} <= set(players)
    summary = run.summary
    assert summary["connects"] == 5 and summary["cuts"] == 0 and summary["conflicts"] == 0
    assert summary["moves_per_s"] > 5 * 20 * 0.6 and summary["rtt_ms"]["p50"] is not None


def test_bots_resume_their_sessions_after_injected_cuts(gateway_factory: Callable[..., GatewayProcess],
                                                         observer_of: Callable[[GatewayProcess, str], Client]) -> None:
    gw = gateway_factory({**ENTITIES, **FAULTS})
    observer = observer_of(gw, "arena-1")
    admin = Client.connect(gw.url, gw.token("qa", rtnet_admin=True))
    count = 8
    with SwarmThread(swarm_options(gw, count, 9.0), DevTokens(gw.config.auth)) as run:
        assert run.all_connected()
        for cut in range(2):
            time.sleep(1.0)
            acks = {k: v["ack"] for k, v in observer.call("state.get", {"room": "arena-1"})["document"]["players"].items()}
            for player in run.swarm.options.player_ids():  # the bots' sockets only, not the observer's
                admin.call("fault.inject", {"player_id": player, "disconnect_code": CloseCode.FAULT_INJECTED})
            assert eventually(lambda n=cut: run.swarm.stats.totals.resumes == count * (n + 1), 15), \
                render_summary(run.swarm.stats.summary(time.monotonic(), 0, count, 0))
            assert run.all_connected()
        time.sleep(1.0)
        after = observer.call("state.get", {"room": "arena-1"})["document"]["players"]
    admin.close()
    summary = run.summary
    assert summary is not None and summary["error_count"] == 0, render_summary(summary)
    assert summary["cuts"] == summary["resumes"] == 2 * count and summary["closes"] == {"4050": 2 * count}
    assert summary["streams_not_recovered"] == 0 and summary["connects"] == 3 * count
    assert summary["connected_at_end"] == count
    assert all(after[player]["ack"] > acks[player] + 10 for player in acks)  # they kept moving after the cuts
    assert metric_value(gw.metrics(), "realtimenet_resume_streams_total", {"outcome": "recovered"}) >= 2 * count


def test_bots_refresh_their_tokens_and_never_reconnect(gateway_factory: Callable[..., GatewayProcess]) -> None:
    gw = gateway_factory({"auth": {"leeway": 0}})
    with SwarmThread(swarm_options(gw, 4, 8.0, room="lobby"), DevTokens(gw.config.auth, ttl=3)) as run:
        pass
    summary = run.summary
    assert summary is not None and summary["error_count"] == 0, render_summary(summary)
    assert summary["refreshes"] >= 4 * 2  # tokens of 3 s over 8 s
    assert summary["connects"] == 4 and summary["cuts"] == 0 and summary["closes"] == {}


def test_bots_refresh_when_the_gateway_says_the_token_expired(gateway_factory: Callable[..., GatewayProcess]) -> None:
    gw = gateway_factory({"auth": {"leeway": 0, "expiry_grace": 4}})
    options = swarm_options(gw, 3, 7.0, room="lobby", proactive_refresh=False)
    with SwarmThread(options, DevTokens(gw.config.auth, ttl=2)) as run:
        pass
    summary = run.summary
    assert summary is not None and summary["error_count"] == 0, render_summary(summary)
    assert summary["refreshes"] >= 3 and summary["connects"] == 3 and summary["closes"] == {}


def test_a_token_command_is_the_hook_for_a_real_backend(gateway_factory: Callable[..., GatewayProcess],
                                                        tmp_path: Any) -> None:
    gw = gateway_factory()
    command = shlex.join([*RTNET, "token", "--ttl", "60", "--sub"])
    summary = asyncio.run(Swarm(SwarmOptions(url=gw.url, count=2, duration=2.0), CommandTokens(command)).run())
    assert summary["error_count"] == 0 and summary["connects"] == 2
    failing = CommandTokens(shlex.join([sys.executable, "-c", "import sys; sys.exit(3)"]))
    with pytest.raises(TokenCommandError, match="exited with 3"):
        asyncio.run(failing("bot-1"))
    summary = asyncio.run(Swarm(SwarmOptions(url=gw.url, count=2, duration=1.0), failing).run())
    assert summary["errors"]["token"] >= 2 and summary["connected_at_end"] == 0


def rtnet_bots(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RTNET, "bots", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def test_rtnet_bots_prints_status_lines_and_a_summary(gateway_factory: Callable[..., GatewayProcess]) -> None:
    gw = gateway_factory(ENTITIES)
    done = rtnet_bots("--url", gw.url, "--count", "6", "--rooms", "2", "--room", "arena", "--duration", "3",
                      "--status-interval", "0.5", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    status = [line for line in done.stderr.splitlines() if "connected" in line]
    assert len(status) >= 3 and "connected 6/6" in status[-1] and "rtt p50" in status[-1] and "errors 0" in status[-1]
    assert "rtnet bots: 6 bots" in done.stdout and "no errors" in done.stdout
    summary = json.loads(done.stdout.split("SUMMARY ", 1)[1])
    assert summary["connected_at_end"] == 6 and summary["error_count"] == 0
    with Client.connect(gw.url, gw.token("observer")) as observer:
        for room, bots in (("arena-1", {"bot-1", "bot-3", "bot-5"}), ("arena-2", {"bot-2", "bot-4", "bot-6"})):
            observer.join(room)
            assert set(observer.call("state.get", {"room": room})["document"]["players"]) == bots


def test_rtnet_bots_exits_1_when_the_gateway_refuses_them(gateway_factory: Callable[..., GatewayProcess]) -> None:
    gw = gateway_factory({"auth": {"secret": "a-secret-the-bots-do-not-know-0123456789"}})
    done = rtnet_bots("--url", gw.url, "--count", "3", "--duration", "2", "--quiet")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ERRORS 3: connect x3" in done.stdout and "HTTP 401 bad_signature" in done.stdout
    assert done.stderr == ""  # --quiet: no status line
    done = rtnet_bots("--count", "0")
    assert done.returncode == 2 and "must be positive" in done.stderr


def test_the_summary_json_is_plain_json() -> None:
    stats = Stats(0.0)
    stats.error("call", "bot-1: join: -32002 Forbidden")
    summary = stats.summary(2.0, 0, 1, 0.1)
    assert msgspec.json.decode(msgspec.json.encode(summary)) == summary
    assert "ERRORS 1: call x1" in render_summary(summary)
