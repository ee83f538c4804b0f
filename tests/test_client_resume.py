"""The Python client reconnects with backoff and resumes on its own: every event once, in order."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from realtimenet.backends.sessions import SessionRecord
from realtimenet.backends.sessions_memory import MemorySessionStore
from realtimenet.client import Client, ConnectionClosed
from realtimenet.client.backoff import Backoff
from realtimenet.client.client import ClientEvent, Notification
from realtimenet.exceptions import BackendUnavailable
from tests.conftest import GatewayProcess, InProcessGateway, eventually
from tests.services import free_port

Factory = Callable[..., GatewayProcess]


def test_backoff_is_decorrelated_capped_seeded_and_bounded() -> None:
    first = [Backoff(base=0.1, cap=2.0, rng=random.Random(7)).next() for _ in range(1)]
    backoff = Backoff(base=0.1, cap=2.0, max_attempts=8, rng=random.Random(7))
    delays = [backoff.next() for _ in range(9)]
    assert delays[0] == first[0] and delays[-1] is None
    values = [d for d in delays if d is not None]
    assert all(0.1 <= d <= 2.0 for d in values)
    assert max(values) == 2.0 or len(set(values)) == len(values)
    again = Backoff(base=0.1, cap=2.0, max_attempts=8, rng=random.Random(7))
    assert [again.next() for _ in range(8)] == values  # the same seed gives the same schedule
    again.reset()
    assert again.attempt == 0 and again.next() == values[0]


def _collector() -> tuple[list[Any], Callable[[Notification], None]]:
    received: list[Any] = []

    def on_notification(note: Notification) -> None:
        if note.method == "room.event":
            received.append(note.params["data"])
    return received, on_notification


def test_drop_mid_stream_then_resume_loses_and_duplicates_nothing(gateway_factory: Factory) -> None:
    gateway = gateway_factory({"rate_limit": {"rate": 10000, "burst": 10000}})
    received, on_notification = _collector()
    lifecycle: list[ClientEvent] = []
    alice = Client.connect(gateway.url, gateway.token("alice"), on_notification=on_notification,
                           auto_reconnect=True, backoff=Backoff(base=0.05, cap=0.2, rng=random.Random(1)),
                           on_event=lifecycle.append)
    alice.join("lobby")
    publisher = gateway.connect("bob")
    publisher.join("lobby")
    total = 300

    def publish() -> None:
        for i in range(total):
            publisher.publish("lobby", i)
            time.sleep(0.002)

    thread = threading.Thread(target=publish)
    thread.start()
    for _ in range(3):  # the network drops three times while events flow
        time.sleep(0.15)
        alice.drop_network()
    thread.join()
    eventually(lambda: len(received) >= total and [e.kind for e in lifecycle].count("resumed") >= 3)
    assert received == list(range(total))  # zero lost, zero duplicated, in order
    kinds = [e.kind for e in lifecycle]
    assert kinds.count("resumed") == 3 and "resync" not in kinds and "gave_up" not in kinds
    assert all(e.data["attempt"] >= 1 and e.data["delay"] > 0 for e in lifecycle if e.kind == "reconnecting")
    alice.close()
    publisher.close()


def test_a_gap_beyond_the_history_asks_the_game_to_resync(gateway_factory: Factory) -> None:
    gw = gateway_factory({"rooms": {"history_size": 5}})
    lifecycle: list[ClientEvent] = []
    alice = Client.connect(gw.url, gw.token("alice"), auto_reconnect=True, on_event=lifecycle.append,
                           backoff=Backoff(base=0.5, cap=0.5))
    alice.join("lobby")
    bob = gw.connect("bob")
    bob.join("lobby")
    alice.drop_network()
    for i in range(20):  # published while alice is away: more than the history keeps
        bob.publish("lobby", i)
    deadline = time.monotonic() + 10
    while "resumed" not in [e.kind for e in lifecycle] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [e.data for e in lifecycle if e.kind == "resync"] == [{"stream": "room:lobby"}]
    bob.publish("lobby", "live")
    assert alice.wait_notification("room.event").params["data"] == "live"


def test_terminal_close_codes_do_not_reconnect(gateway_factory: Factory) -> None:
    gw = gateway_factory({"server": {"max_connections_per_player": 1}})
    lifecycle: list[ClientEvent] = []
    first = Client.connect(gw.url, gw.token("alice"), auto_reconnect=True, on_event=lifecycle.append)
    second = gw.connect("alice")  # replaces the first: 4502 means stop
    assert first.wait_closed().code == 4502
    time.sleep(0.3)
    assert [e.kind for e in lifecycle] == ["gave_up"]
    second.close()


class _FlakyStore(MemorySessionStore):
    """An in-memory store whose next ``load_session`` fails as a Redis failover would."""

    fail_next_load = False

    async def load_session(self, session_id: str) -> SessionRecord | None:
        if self.fail_next_load:
            self.fail_next_load = False
            raise BackendUnavailable("store", "failover in progress")
        return await super().load_session(session_id)


def test_a_backend_outage_during_resume_is_retried_not_a_lost_session(
        inprocess_factory: Callable[..., InProcessGateway]) -> None:
    gw = inprocess_factory()
    store = _FlakyStore()
    gw.gateway.node.sessions.store = store
    received: list[Any] = []
    lifecycle: list[ClientEvent] = []
    alice = Client.connect(gw.url, gw.token("alice"), auto_reconnect=True, on_event=lifecycle.append,
                           on_notification=lambda n: received.append(n.params["data"])
                           if n.method == "room.event" else None,
                           backoff=Backoff(base=0.05, cap=0.1))
    alice.join("lobby")
    publisher = gw.connect("publisher")
    publisher.join("lobby")
    publisher.publish("lobby", 1)
    store.fail_next_load = True
    alice.drop_network()
    publisher.publish("lobby", 2)
    assert eventually(lambda: "resumed" in [e.kind for e in lifecycle] and len(received) >= 2)
    kinds = [e.kind for e in lifecycle]
    assert "resume_failed" not in kinds and "resync" not in kinds  # the session survived the outage
    assert received == [1, 2] and not store.fail_next_load
    alice.close()
    publisher.close()


def test_a_socket_the_client_already_left_cannot_make_it_give_up_or_reconnect(gateway_factory: Factory) -> None:
    # Seen in the chaos run (bench/chaos.py): a reconnect attempt whose resume failed left its socket open; the
    # gateway later closed it with 4502 when the session was resumed elsewhere, and the client, taking that old
    # socket's close for its current one's, gave up (or started a second reconnect loop beside the first).
    gw = gateway_factory()
    lifecycle: list[ClientEvent] = []
    alice = Client.connect(gw.url, gw.token("alice"), auto_reconnect=True, on_event=lifecycle.append,
                           backoff=Backoff(base=0.05, cap=0.1))
    alice.join("lobby")
    old = alice._socket
    alice.drop_network()
    assert eventually(lambda: "resumed" in [e.kind for e in lifecycle])
    assert old is not None and alice._socket is not old
    old.closed = None  # as if the abandoned socket were still open, and now the gateway closes it:
    alice._finish(old, ConnectionClosed(4502, "session resumed elsewhere"))
    old.closed = None
    alice._finish(old, ConnectionClosed(1006, "connection lost"))
    time.sleep(0.3)
    assert [e.kind for e in lifecycle] == ["reconnecting", "resumed"]
    assert alice.closed is None and alice.call("sys.ping", {"client_time": 0})["client_time"] == 0
    alice.close()


def test_a_client_that_gave_up_reconnecting_says_so_once_and_stays_down(gateway_factory: Factory) -> None:
    # The reconnect loop used to start over after giving up (the old socket's 1006 still said "reconnect"): with
    # its attempts used up, it emitted gave_up in a busy loop (hundreds of thousands a second); after a refused
    # upgrade, it kept reconnecting.
    gw = gateway_factory()
    lifecycle: list[ClientEvent] = []
    nowhere = f"ws://127.0.0.1:{free_port()}/ws"  # the reconnect goes to the next URL, where nobody listens
    alice = Client.connect([gw.url, nowhere], gw.token("alice"), auto_reconnect=True, on_event=lifecycle.append,
                           backoff=Backoff(base=0.1, cap=0.1, max_attempts=1))
    alice.drop_network()
    assert eventually(lambda: "gave_up" in [e.kind for e in lifecycle])
    time.sleep(0.5)
    assert [e.kind for e in lifecycle] == ["reconnecting", "gave_up"]
    assert lifecycle[-1].data["reason"] == "reconnect attempts exhausted"


def test_a_connection_older_than_the_session_ttl_can_still_resume(gateway_factory: Factory) -> None:
    gw = gateway_factory({"sessions": {"ttl": 3}})
    lifecycle: list[ClientEvent] = []
    alice = Client.connect(gw.url, gw.token("alice"), auto_reconnect=True, on_event=lifecycle.append,
                           backoff=Backoff(base=0.05, cap=0.1))
    alice.join("lobby")
    time.sleep(5)  # connected, and refreshed, for longer than the ttl
    alice.drop_network()
    assert eventually(lambda: "resumed" in [e.kind for e in lifecycle] or "resume_failed" in [e.kind for e in lifecycle])
    assert [e.kind for e in lifecycle if e.kind != "reconnecting"] == ["resumed"], lifecycle
    alice.close()
