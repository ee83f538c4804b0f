"""Minimal raw echo server on websockets (asyncio implementation) + uvloop (library comparison in
bench/gateway_bench.py).

Prints ``READY {"event":"ready","port":N}`` once listening on 127.0.0.1; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

import uvloop
from websockets.asyncio.server import ServerConnection, serve


async def echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def main(port: int) -> None:
    async with serve(echo, "127.0.0.1", port, compression=None, ping_interval=None, backlog=4096) as server:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        port = next(iter(server.sockets)).getsockname()[1]
        print("READY " + json.dumps({"event": "ready", "port": port}), flush=True)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    uvloop.run(main(parser.parse_args().port))
