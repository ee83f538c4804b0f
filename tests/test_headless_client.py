"""RealtimeNetCore's C++ client (``rtnet-headless``: rtnet::Client over Boost.Beast) against a live gateway.

The gateway runs in fault-injection mode; a Python admin client forces disconnects with ``fault.inject``
the way a QA run would, while another player publishes and updates state. The C++ client must reconnect,
resume and deliver every event exactly once, in order, and reload a room from a snapshot when the gateway
answers ``recovered: false``.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from realtimenet.client import Client
from tests.conftest import GatewayProcess, eventually

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "cpp-gcc"
BINARY = BUILD / "rtnet-headless"
FAULTS = {"faults": {"enabled": True, "seed": 7}, "rate_limit": {"rate": 10000, "burst": 10000}}
Factory = Callable[..., GatewayProcess]


@pytest.fixture(scope="session")
def headless_binary() -> Path:
    """Builds rtnet-headless in the g++ tree scripts/cpp-test.sh uses (a no-op when it is up to date)."""
    configure = ["cmake", "-S", str(ROOT / "Plugins" / "RealtimeNet"), "-B", str(BUILD),
                 "-DCMAKE_CXX_COMPILER=g++", "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
    if not (BUILD / "CMakeCache.txt").exists():
        configure += ["-G", "Ninja"]
    BUILD.parent.mkdir(exist_ok=True)
    lock = ["flock", str(BUILD) + ".lock"]  # the same lock as scripts/cpp-test.sh
    subprocess.run([*lock, *configure], check=True, capture_output=True)
    build = subprocess.run([*lock, "cmake", "--build", str(BUILD), "--target", "rtnet-headless"],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return BINARY


class Headless:
    """One rtnet-headless process: commands in, JSON-line events out (collected by a reader thread)."""

    def __init__(self, binary: Path, gw: GatewayProcess, player: str, *extra: str) -> None:
        self.proc = subprocess.Popen([str(binary), "--url", gw.url, "--token", gw.token(player), "--seed", "3",
                                      *extra], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(json.loads(line))

    def send(self, **command: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def events(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.lines if e["event"] == kind and all(e.get(k) == v for k, v in match.items())]

    def wait(self, kind: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        assert eventually(lambda: bool(self.events(kind, **match)), timeout), (
            f"no {kind} {match} in {self.lines[-30:]}")
        return self.events(kind, **match)[-1]

    def call(self, tag: str, **command: Any) -> dict[str, Any]:
        self.send(tag=tag, **command)
        return self.wait("call_done", tag=tag)

    def quit(self) -> None:
        if self.proc.poll() is None:
            self.send(cmd="quit")
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.returncode == 0, self.proc.stderr.read() if self.proc.stderr else ""


@pytest.fixture
def spawn(headless_binary: Path) -> Iterator[Callable[..., Headless]]:
    started: list[Headless] = []

    def start(gw: GatewayProcess, player: str = "alice", *extra: str) -> Headless:
        client = Headless(headless_binary, gw, player, *extra)
        started.append(client)
        return client

    yield start
    for client in started:
        client.quit()


def admin(gw: GatewayProcess) -> Client:
    return Client.connect(gw.url, gw.token("qa-bot", rtnet_admin=True))


def test_connects_with_a_jwt_calls_joins_and_follows_state(gateway_factory: Factory,
                                                            spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory(FAULTS)
    alice = spawn(gw)
    session = alice.wait("session_started")
    assert session["session_id"]
    echo = alice.call("echo", cmd="call", method="sys.echo", params={"data": {"n": 2**60}})
    assert echo["status"] == "result" and echo["result"]["data"] == {"n": 2**60}  # int64 exact both ways
    assert alice.call("join", cmd="join", room="arena")["status"] == "result"
    bob = gw.connect("bob")
    bob.join("arena")
    # Several presence lists arrive (the join's members query, alice's own join, bob's): wait for bob's.
    assert eventually(lambda: any((r["player_id"], r["status"]) == ("bob", "online")
                                  for e in alice.events("presence", room="arena") for r in e["rows"]), 5)
    version = 0
    for hp in (90, 80, 70):
        version = bob.call("state.update", {"room": "arena", "base_version": version,
                                            "patch": {"players": {"bob": {"hp": hp}}}})["version"]
    final = alice.wait("state", room="arena", version=version)
    assert final["document"] == {"players": {"bob": {"hp": 70}}}
    # The C++ client's own update goes through the same store: base_version is the version it holds.
    assert alice.call("upd", cmd="update", room="arena", patch={"players": {"alice": {"hp": 100}}})["status"] == "result"
    mine = alice.wait("state", room="arena", version=version + 1)
    assert mine["document"]["players"] == {"bob": {"hp": 70}, "alice": {"hp": 100}}
    bad = alice.call("bad", cmd="call", method="room.join", params={"room": 7})
    assert bad["status"] == "error" and bad["error"]["code"] == -32602
    error = alice.wait("error", source="rpc")
    assert (error["class"], error["strategy"]) == ("protocol", "give_up")
    bob.close()


def test_fault_injected_disconnects_resume_with_zero_lost_events(gateway_factory: Factory,
                                                                 spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory(FAULTS)
    alice = spawn(gw, "alice", "--backoff-base", "0.05", "--backoff-cap", "0.2")
    session_id = alice.wait("session_started")["session_id"]
    assert alice.call("join", cmd="join", room="lobby")["status"] == "result"
    bob = gw.connect("bob")
    bob.join("lobby")
    qa = admin(gw)
    total = 300

    def publish() -> None:
        for i in range(total):
            bob.publish("lobby", i)
            time.sleep(0.003)

    thread = threading.Thread(target=publish)
    thread.start()
    for round_ in range(3):  # the gateway drops the socket three times while events flow
        time.sleep(0.2)
        qa.call("fault.inject", {"session_id": session_id, "disconnect_code": 4050})
        eventually(lambda r=round_: len(alice.events("recovered")) > r, 5)  # type: ignore[misc]
    thread.join()
    assert eventually(lambda: len(alice.events("room_event")) >= total, 15)
    assert [e["data"] for e in alice.events("room_event")] == list(range(total))  # none lost, none twice
    assert len(alice.events("recovered")) == 3
    assert alice.events("resynced") == [] and alice.events("session_started")[1:] == []
    reconnecting = alice.events("reconnecting")
    assert len(reconnecting) == 3 and all(e["close_code"] == 4050 and e["attempt"] == 1 for e in reconnecting)
    assert all(e["class"] == "transient" for e in alice.events("error", source="close"))
    alice.send(cmd="stats")
    stats = alice.wait("stats")
    assert stats["lost"] == 0 and stats["state"] == "connected"
    bob.close()
    qa.close()


def test_a_gap_beyond_the_history_reloads_the_room_from_a_snapshot(gateway_factory: Factory,
                                                                    spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory({**FAULTS, "rooms": {"history_size": 5}})
    # Reconnects after 1.5 s: long enough for bob to publish more than the history keeps.
    alice = spawn(gw, "alice", "--backoff-base", "1.5", "--backoff-cap", "1.5")
    session_id = alice.wait("session_started")["session_id"]
    assert alice.call("join", cmd="join", room="lobby")["status"] == "result"
    bob = gw.connect("bob")
    bob.join("lobby")
    bob.publish("lobby", "before")
    alice.wait("room_event", data="before")
    qa = admin(gw)
    qa.call("fault.inject", {"session_id": session_id, "disconnect_code": 4050})
    alice.wait("reconnecting")
    for i in range(20):
        bob.publish("lobby", i)
    version = bob.call("state.update", {"room": "lobby", "base_version": 0, "patch": {"round": 2}})["version"]
    resynced = alice.wait("resynced", room="lobby", timeout=10)
    assert resynced["stream"] == "room:lobby"
    assert alice.wait("state", room="lobby", version=version)["document"] == {"round": 2}
    assert alice.events("recovered")  # the session itself was resumed; only the stream was not
    bob.publish("lobby", "live")
    alice.wait("room_event", data="live")
    assert [e["data"] for e in alice.events("room_event")] == ["before", "live"]  # the gap is reported, not faked
    alice.send(cmd="stats")
    assert alice.wait("stats")["lost"] == 20
    bob.close()
    qa.close()


def test_a_session_that_expired_while_away_is_rebuilt(gateway_factory: Factory,
                                                      spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory({**FAULTS, "sessions": {"ttl": 0.5}})
    # Away for 1.5 s, longer than the session stays resumable: session.resume is refused (-32008).
    alice = spawn(gw, "alice", "--backoff-base", "1.5", "--backoff-cap", "1.5")
    first = alice.wait("session_started")["session_id"]
    assert alice.call("join", cmd="join", room="lobby")["status"] == "result"
    bob = gw.connect("bob")
    bob.join("lobby")
    version = bob.call("state.update", {"room": "lobby", "base_version": 0, "patch": {"round": 1}})["version"]
    alice.wait("state", room="lobby", version=version)
    qa = admin(gw)
    qa.call("fault.inject", {"session_id": first, "disconnect_code": 4050})
    alice.wait("reconnecting")
    version = bob.call("state.update", {"room": "lobby", "base_version": version, "patch": {"round": 2}})["version"]
    second = alice.wait("session_started", timeout=10, reason="session.resume refused: Resume failed")
    assert second["session_id"] != first
    resynced = alice.wait("resynced", room="lobby")  # re-joined: the game knows events were missed
    assert "re-joined" in resynced["reason"]
    assert alice.wait("state", room="lobby", version=version)["document"] == {"round": 2}
    bob.publish("lobby", "after")
    assert alice.wait("room_event", data="after")["room"] == "lobby"  # a member again
    assert not alice.events("recovered")
    bob.close()
    qa.close()


def test_a_replaced_session_stops_without_reconnecting(gateway_factory: Factory,
                                                      spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory({**FAULTS, "server": {"max_connections_per_player": 1}})
    alice = spawn(gw, "alice", "--backoff-base", "0.05", "--backoff-cap", "0.1")
    alice.wait("session_started")
    other = gw.connect("alice")  # a second login replaces the first: 4502 is fatal
    closed = alice.wait("state_changed", to="closed")
    assert closed["close_code"] == 4502
    assert alice.wait("error", source="close")["strategy"] == "give_up"
    other.close()
    time.sleep(0.3)
    assert not alice.events("reconnecting")


def test_bad_commands_and_a_bad_url_fail_clearly(headless_binary: Path, gateway_factory: Factory,
                                                 spawn: Callable[..., Headless]) -> None:
    usage = subprocess.run([str(headless_binary), "--url", "http://x", "--token", "t"], capture_output=True,
                           text=True, timeout=10)
    assert usage.returncode == 2 and "usage" in usage.stderr
    gw = gateway_factory(FAULTS)
    alice = spawn(gw)
    alice.wait("session_started")
    assert alice.proc.stdin is not None
    alice.proc.stdin.write("not json\n")
    alice.proc.stdin.flush()
    assert alice.wait("bad_command")["reason"] == "not JSON"
    alice.send(cmd="fly")
    assert alice.wait("bad_command", reason="unknown cmd fly")


def test_a_refused_token_is_reported_and_retried_with_backoff(headless_binary: Path,
                                                              gateway_factory: Factory) -> None:
    gw = gateway_factory(FAULTS)
    proc = subprocess.Popen([str(headless_binary), "--url", gw.url, "--token", "not-a-jwt", "--backoff-base", "0.05",
                             "--backoff-cap", "0.1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ})
    time.sleep(1.0)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write('{"cmd":"quit"}\n')
    proc.stdin.flush()
    out, _ = proc.communicate(timeout=10)
    events = [json.loads(line) for line in out.splitlines()]
    errors = [e for e in events if e["event"] == "error"]
    assert errors and all(e["source"] == "transport" for e in errors)
    assert not [e for e in events if e["event"] == "session_started"]
    assert len([e for e in events if e["event"] == "reconnecting"]) >= 3  # backing off, not spinning


def test_a_late_joiner_sees_who_was_already_in_the_room(gateway_factory: Factory,
                                                        spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory(FAULTS)
    bob, ann = gw.connect("bob"), gw.connect("ann")
    bob.join("lobby")
    ann.join("lobby")
    ann.call("presence.set", {"status": "away"})
    alice = spawn(gw)
    alice.wait("session_started")
    assert alice.call("join", cmd="join", room="lobby")["status"] == "result"
    alice.wait("presence", room="lobby", timeout=5)
    assert eventually(lambda: len(alice.events("presence", room="lobby")[-1]["rows"]) == 3, 5)
    rows = alice.events("presence", room="lobby")[-1]["rows"]
    assert [(r["player_id"], r["status"]) for r in rows] == [("alice", "online"), ("bob", "online"), ("ann", "away")]
    bob.close()
    ann.close()


def test_an_expiring_token_is_refreshed_and_the_session_carries_on_without_a_reconnect(
        gateway_factory: Factory, spawn: Callable[..., Headless]) -> None:
    """The gateway says the token expired (session.token_expiring); the game's new token goes out as auth.refresh
    (rtnet::Client::UseToken, as the Unreal subsystem's SetToken does) and the same socket and session outlive
    the deadline at which the gateway would have closed with 4001."""
    gw = gateway_factory({"auth": {"leeway": 0, "expiry_grace": 4}})
    alice = spawn(gw, "alice", "--token", gw.token("alice", ttl=2))
    alice.wait("session_started")
    assert alice.call("j", cmd="join", room="lobby")["status"] == "result"
    expiring = alice.wait("token_expiring", timeout=10)
    assert expiring["deadline"] > time.time()
    alice.send(cmd="token", token=gw.token("alice", ttl=600), tag="refresh")
    used = alice.wait("token_used", tag="refresh")
    assert used["token_state"] == "expiring" and used["refresh_sent"] is True
    refreshed = alice.wait("call_done", tag="refresh")
    assert refreshed["method"] == "auth.refresh" and refreshed["status"] == "result", refreshed
    assert abs(refreshed["result"]["expires_at"] - (time.time() + 600)) < 30
    time.sleep(max(0.0, expiring["deadline"] - time.time()) + 2.0)  # past the 4001 that did not come
    assert alice.call("after", cmd="call", method="sys.echo", params={"data": "still here"})["status"] == "result"
    assert len(alice.events("session_started")) == 1
    assert not alice.events("reconnecting") and not alice.events("recovered") and not alice.events("token_required")
    assert not [e for e in alice.events("error") if e.get("close_code") == 4001]


def test_a_token_closed_with_4001_comes_back_with_a_new_one_and_resumes(
        gateway_factory: Factory, spawn: Callable[..., Headless]) -> None:
    """No new token within the grace: the gateway closes with 4001, the client waits for one (token_required)
    instead of retrying with the dead token, and the new token reconnects and resumes the same session."""
    gw = gateway_factory({"auth": {"leeway": 0, "expiry_grace": 1}})
    bob = spawn(gw, "bob", "--token", gw.token("bob", ttl=2), "--backoff-base", "0.05")
    bob.wait("session_started")
    assert bob.call("j", cmd="join", room="lobby")["status"] == "result"
    bob.wait("token_required", timeout=10)
    time.sleep(0.5)
    assert not bob.events("recovered")  # waiting for a token, not reconnecting with the expired one
    bob.send(cmd="token", token=gw.token("bob", ttl=600), tag="new")
    used = bob.wait("token_used", tag="new")
    assert used["token_state"] == "required" and used["refresh_sent"] is False
    bob.wait("recovered", timeout=10)
    assert bob.call("after", cmd="call", method="sys.echo", params={"data": 1})["status"] == "result"
    assert len(bob.events("session_started")) == 1  # the same session, resumed


# --- Blueprint-first (issue 13): what the Unreal room object, typed events, the spawner and the async nodes
# rely on, run by the same core against a live gateway.


def _game_events(client: Headless, room: str) -> list[tuple[str, Any]]:
    """What the game heard about ``room``, in order: events by offset, state by version, presence by player."""
    heard: list[tuple[str, Any]] = []
    with client._lock:
        lines = list(client.lines)
    for line in lines:
        if line.get("room") != room:
            continue
        if line["event"] == "room_event":
            heard.append(("room.event", line["offset"]))
        elif line["event"] == "state" and line["version"] > 0:
            heard.append(("state", line["version"]))
        elif line["event"] == "presence_changed" and line.get("reason") in ("join", "leave", "status"):
            heard.append(("presence.changed", line["player"]))
    return heard


def test_a_rooms_events_state_and_presence_reach_the_game_in_wire_order(gateway_factory: Factory,
                                                                        spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory(FAULTS)
    alice = spawn(gw, "alice", "--trace", "1")
    alice.wait("session_started")
    assert alice.call("join", cmd="join", room="arena")["status"] == "result"
    bob, cat = gw.connect("bob"), gw.connect("cat")
    bob.join("arena")
    version = 0
    for i in range(6):  # interleave the three kinds of news about one room
        bob.call("room.publish", {"room": "arena", "type": "Event.Round.Tick", "data": i})
        version = bob.call("state.update", {"room": "arena", "base_version": version, "patch": {"tick": i}})["version"]
        if i == 2:
            cat.join("arena")
        bob.call("room.publish", {"room": "arena", "data": {"untyped": i}})
    alice.wait("state", room="arena", version=version, timeout=10)
    alice.wait("room_event", data={"untyped": 5})
    assert eventually(lambda: ("presence.changed", "cat") in _game_events(alice, "arena"), 5)

    # The frames as they crossed the socket, reduced to what each one told the game.
    with alice._lock:
        frames = [line for line in alice.lines if line["event"] == "frame" and line["dir"] == "in"
                  and line.get("room") == "arena" and line["method"] in ("room.event", "state.delta",
                                                                         "presence.changed")]
    heard = _game_events(alice, "arena")
    on_the_wire = [("state", f["to"]) if f["method"] == "state.delta" else
                   ("room.event", f["offset"]) if f["method"] == "room.event" else ("presence.changed", f["player"])
                   for f in frames]
    # Every piece of news the game heard came in a frame, and in the same order as those frames (a presence
    # change that arrived before the join's answer is not news: the members query after the join covers it).
    positions = [on_the_wire.index(item) for item in heard]
    assert positions == sorted(positions) and len(set(positions)) == len(positions), (on_the_wire, heard)
    assert {kind for kind, _ in heard} == {"room.event", "state", "presence.changed"}
    events = [value for kind, value in heard if kind == "room.event"]
    assert events == sorted(events) and len(events) == 12  # every event once, in offset order
    typed = alice.events("room_event", type="Event.Round.Tick")
    assert [e["data"] for e in typed] == list(range(6))
    assert all("type" not in e for e in alice.events("room_event") if isinstance(e["data"], dict))
    bob.close()
    cat.close()


def test_a_watched_collection_reports_entities_added_changed_and_removed(gateway_factory: Factory,
                                                                          spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory(FAULTS)
    alice = spawn(gw)
    alice.wait("session_started")
    bob = gw.connect("bob")
    bob.join("arena")
    version = bob.call("state.update", {"room": "arena", "base_version": 0,
                                        "patch": {"players": {"p1": {"x": 1, "y": 0}}, "round": 1}})["version"]
    # Watching before the join: the join's document reports what is already there.
    alice.send(cmd="watch", room="arena", path="players", tag="w")
    watch = alice.wait("watching", tag="w")["watch"]
    assert alice.call("join", cmd="join", room="arena")["status"] == "result"
    alice.wait("collection", key="p1", change="added")

    def step(patch: dict[str, Any]) -> None:
        nonlocal version
        version = bob.call("state.update", {"room": "arena", "base_version": version, "patch": patch})["version"]
        alice.wait("state", room="arena", version=version)

    step({"players": {"p2": {"x": 5, "y": 5}}})
    step({"players": {"p1": {"x": 2, "y": 0}}})
    step({"round": 2})  # not in the collection: nothing reported
    step({"players": {"p2": None}})
    changes = [(e["change"], e["key"], e["value"]) for e in alice.events("collection", watch=watch)]
    assert changes == [("added", "p1", {"x": 1, "y": 0}), ("added", "p2", {"x": 5, "y": 5}),
                       ("changed", "p1", {"x": 2, "y": 0}), ("removed", "p2", {"x": 5, "y": 5})]
    alice.call("leave", cmd="leave", room="arena")
    alice.wait("collection", key="p1", change="removed")  # leaving takes every entity away
    bob.close()


def test_a_cancelled_or_timed_out_join_that_succeeds_late_is_left(gateway_factory: Factory,
                                                                   spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory(FAULTS)
    alice = spawn(gw, "alice", "--trace", "1")
    session_id = alice.wait("session_started")["session_id"]
    bob = gw.connect("bob")
    qa = admin(gw)
    for room in ("vault", "cellar"):
        bob.join(room)
    # Every frame to alice is late: the join's answer comes after the game gave up on it.
    qa.call("fault.inject", {"session_id": session_id, "latency_ms": 600})
    alice.send(cmd="join", room="vault", tag="cancelled")
    time.sleep(0.1)
    alice.send(cmd="cancel", tag="cancelled")
    assert alice.wait("cancelled", tag="cancelled")["ok"] is True
    alice.send(cmd="join", room="cellar", timeout=0.3, tag="timed-out")
    assert alice.wait("call_done", tag="timed-out")["status"] == "timeout"

    def members(room: str) -> set[str]:
        return {p["player_id"] for p in bob.call("presence.query", {"room": room})["players"]}

    # The gateway did join alice (the answers were only late), then the client's leaves land.
    assert eventually(lambda: len([f for f in alice.events("frame", dir="out", method="room.leave")]) == 2, 5)
    assert eventually(lambda: "alice" not in members("vault") and "alice" not in members("cellar"), 5)
    assert not alice.events("call_done", tag="cancelled")  # a cancelled call never reports
    assert not alice.events("room_joined") and not alice.events("room_event")
    qa.call("fault.inject", {"session_id": session_id, "clear": True})
    bob.publish("vault", "for members only")
    time.sleep(0.3)
    alice.send(cmd="stats")
    assert alice.wait("stats")["rooms"] == []
    assert not alice.events("room_event")
    bob.close()
    qa.close()


def test_a_burst_queued_while_away_is_flushed_in_frames_the_gateway_accepts(gateway_factory: Factory,
                                                                             spawn: Callable[..., Headless]) -> None:
    gw = gateway_factory(FAULTS)  # server.max_message_bytes: the default 65,536
    alice = spawn(gw, "alice", "--backoff-base", "0.3", "--backoff-cap", "0.3")
    alice.wait("session_started")
    alice.send(cmd="cut")
    alice.wait("reconnecting")
    payload = "x" * 2000
    for i in range(100):  # 200 kB of calls, kept (resendable) while the client is away
        alice.send(cmd="call", method="sys.echo", params={"data": {"i": i, "pad": payload}}, tag=f"e{i}")
    assert eventually(lambda: len(alice.events("call_done")) == 100, 15)
    assert all(e["status"] == "result" for e in alice.events("call_done"))
    assert [e["result"]["data"]["i"] for e in sorted(alice.events("call_done"), key=lambda e: e["id"])] == \
        list(range(100))
    # Never closed with 1009: with a 1 MiB frame cap the flush would have been, and would have looped.
    assert not [e for e in alice.events("error") if e.get("code") == 1009]
    assert len(alice.events("recovered")) == 1
