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
