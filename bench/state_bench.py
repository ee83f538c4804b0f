"""What each step of state delta compression buys: 60 entities moving at 20 Hz, broadcast to 100 clients.

Measures the gateway's own state pipeline in-process (apply with the conflict policy, coalesce, encode
once, fan the same bytes out), not the sockets: bytes a tick puts on the wire for 100 clients, and the
server CPU a tick costs. Steps, each on the same seeded movement:

1. ``per-update``: every entity's update becomes its own ``state.delta`` (no coalescing);
2. ``coalesced``: the tick's updates are composed into one ``state.delta``;
3. ``quantised``: as 2, with positions rounded to 0.01 and headings to 1 degree (``state.quantize``);
4. ``packed``: as 3, sent as ``state.entities`` (``state.entities`` declares the collection: quantum
   differences packed in bytes, see realtimenet.state.entities), what members joined with
   ``state_encoding: "entities"`` receive.

Usage: python bench/state_bench.py [--ticks 400] [--entities 60] [--clients 100]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from typing import Any

import msgspec

from realtimenet.gateway.connection import State
from realtimenet.protocol.jsonrpc import encode_notification
from realtimenet.protocol.messages import StateDeltaParams, StateEntitiesParams
from realtimenet.state.entities import EntityMirror, EntitySchema
from realtimenet.state.quantize import Quantizer
from realtimenet.state.sync import RoomState, apply_update, coalesce

WS_HEADER = 4  # a server frame of 126..65535 bytes carries a 4-byte header


def movement(entities: int, ticks: int, seed: int = 7) -> list[list[dict[str, Any]]]:
    """Per tick, one patch per entity: a smooth random walk with float noise, as game clients send."""
    rng = random.Random(seed)
    pos = [[rng.uniform(0, 100), rng.uniform(0, 100), rng.uniform(0, 360)] for _ in range(entities)]
    vel = [[rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-20, 20)] for _ in range(entities)]
    out = []
    for _ in range(ticks):
        tick = []
        for i in range(entities):
            for k in range(3):
                vel[i][k] += rng.gauss(0, 0.05)
                pos[i][k] += vel[i][k] / 20
            pos[i][2] %= 360
            tick.append({"e": {f"n{i}": {"x": pos[i][0], "y": pos[i][1], "rot": pos[i][2]}}})
        out.append(tick)
    return out


def run(step: str, ticks: list[list[dict[str, Any]]], clients: int) -> dict[str, float]:
    schema = EntitySchema({"e": {"x": 0.01, "y": 0.01, "rot": 1}})
    quantizer = Quantizer(schema.quantize_rules()) if step in ("quantised", "packed") else None
    sink: list[bytes] = []
    fanout = [State.OPEN] * clients  # stands in for the open connections the node sends to
    state = RoomState()
    mirror = EntityMirror(schema, state.document, state.version) if step == "packed" else None
    wire = 0
    frames = 0
    started = time.process_time()
    for tick in ticks:
        changes = []
        for patch in tick:
            if quantizer is not None:
                patch = quantizer.apply(patch, state.document)
                if not patch:
                    continue
            state = apply_update(state, state.version, patch, 1024)
            changes.append(state.log[-1])
        if not changes:
            continue
        deltas = coalesce(changes, changes[0].version - 1) if step != "per-update" else [
            _single(c, changes) for c in changes]
        for delta in deltas:
            if mirror is not None:  # as gateway.state._entities_frame: a new entity goes in `rest`
                packed, rest = mirror.encode(delta.from_version, delta.to_version, delta.patch)
                frame = encode_notification("state.entities", StateEntitiesParams(
                    room="arena", from_=delta.from_version, to=delta.to_version, entities=packed,
                    rest=rest or msgspec.UNSET))
            else:
                frame = encode_notification("state.delta", StateDeltaParams(
                    room="arena", from_=delta.from_version, to=delta.to_version, patch=delta.patch))
            for _ in fanout:  # the same bytes to every client: the cost is the send, not an encode
                sink.append(frame)
            sink.clear()
            wire += (len(frame) + WS_HEADER) * clients
            frames += 1
    cpu = time.process_time() - started
    n = len(ticks)
    return {"bytes_per_tick": wire / n, "bytes_per_update_frame": wire / clients / max(frames, 1),
            "frames_per_tick": frames / n, "cpu_us_per_tick": cpu / n * 1e6}


def _single(change: Any, _: Any) -> Any:
    from realtimenet.state.sync import Delta

    return Delta(change.version - 1, change.version, change.patch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ticks", type=int, default=400)
    parser.add_argument("--entities", type=int, default=60)
    parser.add_argument("--clients", type=int, default=100)
    args = parser.parse_args()
    ticks = movement(args.entities, args.ticks)
    results = {step: run(step, ticks, args.clients) for step in ("per-update", "coalesced", "quantised", "packed")}
    base = results["per-update"]
    print(f"{args.entities} entities at 20 Hz to {args.clients} clients, {args.ticks} ticks\n")
    print("| step | frames per tick | bytes per frame | wire bytes per tick | x per-update | server CPU per tick |")
    print("|---|---:|---:|---:|---:|---:|")
    for step, r in results.items():
        print(f"| {step} | {r['frames_per_tick']:.0f} | {r['bytes_per_update_frame']:.0f} | "
              f"{r['bytes_per_tick']:,.0f} | {r['bytes_per_tick'] / base['bytes_per_tick']:.2f} | "
              f"{r['cpu_us_per_tick']:.0f} µs |")
    print("\n" + json.dumps(results))
    assert not math.isnan(base["bytes_per_tick"])


if __name__ == "__main__":
    main()
