"""Which asyncio WebSocket client should `rtnet bots` use? CPU per message of picows and websockets.

Each library drives N clients in one process against one gateway (`rtnet serve`, started here): every client
sends a small JSON-RPC call at 20 Hz, as a bot does, and reads the answer. What matters for "thousands of
bots on one core" is the client process's CPU time per message (sent + received), so that is what is
measured (``time.process_time`` over the window), together with the messages actually exchanged.

    .venv/bin/python bench/bot_client_bench.py [--clients 1000] [--duration 20]

Prints one JSON line per library and a Markdown table (docs/performance.md, "Bots: the client library").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RATE_HZ = 20.0
CONNECT_CONCURRENCY = 64


def request(rid: int) -> bytes:
    return b'{"jsonrpc":"2.0","id":%d,"method":"sys.echo","params":{"data":{"x":12.34,"y":-5.6}}}' % rid


class Counters:
    def __init__(self) -> None:
        self.sent = 0
        self.received = 0


async def run_picows(url: str, clients: int, duration: float, counters: Counters) -> float:
    from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

    class Listener(WSListener):
        def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
            if frame.msg_type is WSMsgType.TEXT:
                frame.get_payload_as_bytes()
                counters.received += 1

    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(i: int) -> Any:
        async with gate:
            transport, _ = await ws_connect(Listener, url)
            return transport

    transports = await asyncio.gather(*(one(i) for i in range(clients)))
    await asyncio.sleep(1.0)  # welcomes
    counters.received = 0
    cpu0 = time.process_time()
    end = time.monotonic() + duration
    rid = 0
    slices = 10
    period = 1.0 / RATE_HZ / slices
    due = time.monotonic()
    tick = 0
    while time.monotonic() < end:
        for transport in transports[tick % slices::slices]:
            rid += 1
            transport.send(WSMsgType.TEXT, request(rid))
            counters.sent += 1
        tick += 1
        due += period
        await asyncio.sleep(max(0.0, due - time.monotonic()))
    cpu = time.process_time() - cpu0
    for transport in transports:
        transport.send_close(WSCloseCode.OK)  # the default sends code 0, which the gateway refuses (1002)
        transport.disconnect()
    return cpu


async def run_websockets(url: str, clients: int, duration: float, counters: Counters) -> float:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(i: int) -> Any:
        async with gate:
            return await connect(url, compression=None, max_queue=64)

    sockets = await asyncio.gather(*(one(i) for i in range(clients)))

    async def reader(ws: Any) -> None:
        async for _ in ws:
            counters.received += 1

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    await asyncio.sleep(1.0)
    counters.received = 0
    cpu0 = time.process_time()
    end = time.monotonic() + duration
    rid = 0
    slices = 10
    period = 1.0 / RATE_HZ / slices
    due = time.monotonic()
    tick = 0
    while time.monotonic() < end:
        for ws in sockets[tick % slices::slices]:
            rid += 1
            await ws.send(request(rid).decode())
            counters.sent += 1
        tick += 1
        due += period
        await asyncio.sleep(max(0.0, due - time.monotonic()))
    cpu = time.process_time() - cpu0
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    return cpu


def child(library: str, url: str, clients: int, duration: float) -> None:
    counters = Counters()
    runner = run_picows if library == "picows" else run_websockets
    try:
        import uvloop

        cpu = uvloop.run(runner(url, clients, duration, counters))
        loop = "uvloop"
    except ImportError:
        cpu = asyncio.run(runner(url, clients, duration, counters))
        loop = "asyncio"
    messages = counters.sent + counters.received
    print(json.dumps({"library": library, "loop": loop, "clients": clients, "seconds": duration,
                      "sent": counters.sent, "received": counters.received, "cpu_s": round(cpu, 3),
                      "cpu_pct": round(100 * cpu / duration, 1),
                      "us_per_message": round(1e6 * cpu / messages, 2) if messages else None}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--child", choices=["picows", "websockets"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.clients, args.duration)
        return 0
    gateway = subprocess.Popen(
        [sys.executable, "-m", "realtimenet.cli", "serve", "--port", "0", "--set", "log.level=warning",
         "--set", "server.max_connections=20000", "--set", "server.max_connections_per_player=100000"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert gateway.stdout is not None
        port = 0
        for line in gateway.stdout:
            if line.startswith("READY "):
                port = json.loads(line[6:])["port"]
                break
        from realtimenet.config import load_config
        from realtimenet.gateway.auth import TokenVerifier

        token = TokenVerifier(load_config().auth).mint("bench-bot", ttl=3600)
        url = f"ws://127.0.0.1:{port}/ws?access_token={token}"
        rows = []
        for library in ("picows", "websockets"):
            done = subprocess.run([sys.executable, __file__, "--child", library, "--url", url,
                                   "--clients", str(args.clients), "--duration", str(args.duration)],
                                  capture_output=True, text=True, timeout=args.duration + 300)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(json.dumps(row), flush=True)
            rows.append(row)
        print("\n| client | loop | clients | messages/s (out + in) | client CPU % | µs CPU per message |")
        print("|---|---|---:|---:|---:|---:|")
        for row in rows:
            rate = (row["sent"] + row["received"]) / row["seconds"]
            print(f"| {row['library']} | {row['loop']} | {row['clients']} | {rate:,.0f} | {row['cpu_pct']} | "
                  f"{row['us_per_message']} |")
    finally:
        gateway.terminate()
        gateway.wait(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
