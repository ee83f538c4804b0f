"""No metric label is chosen by a client: whatever codes, methods, rooms and tokens clients send, the number
of series stays within the closed sets the gateway defines."""

from __future__ import annotations

import json
import random

from realtimenet.gateway.auth import TokenVerifier
from tests.conftest import GatewayProcess, http_get
from tests.ws_raw import CLOSE, TEXT, RawSocket, close_payload, frame


def _series(text: str) -> set[str]:
    return {line.rsplit(" ", 1)[0] for line in text.splitlines()
            if line.startswith("realtimenet_") and not line.startswith("#")}


def test_client_chosen_values_never_become_label_values(gateway: GatewayProcess) -> None:
    rng = random.Random(7)
    verifier = TokenVerifier(gateway.config.auth)
    before = _series(gateway.metrics())
    for i in range(150):
        raw = RawSocket("127.0.0.1", gateway.port, verifier.mint(f"player-{i}"))
        raw.recv()
        for method in (f"no.such.{rng.random()}", f"x{i}"):
            raw.send(frame(TEXT, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method}).encode()))
        raw.send(frame(TEXT, json.dumps({"jsonrpc": "2.0", "id": 2, "method": "room.join",
                                         "params": {"room": f"r-{rng.random()}"[:60]}}).encode()))
        raw.send(frame(CLOSE, close_payload(rng.randint(3000, 4999), f"bye {i}".encode())))
        raw.closed_by_server()
        raw.close()
        http_get(f"http://127.0.0.1:{gateway.port}/ws?access_token=garbage.{i}.{rng.random()}")
    after = _series(gateway.metrics())
    disconnects = {s for s in after if s.startswith("realtimenet_disconnects_total")}
    assert len(disconnects) <= 3, disconnects  # 150 distinct client close codes: one "other" series
    grown = after - before
    assert len(grown) < 60, sorted(grown)  # a fixed handful of new series, not one per client value
    for series in after:
        assert "player-" not in series and "no.such" not in series and "garbage" not in series, series
