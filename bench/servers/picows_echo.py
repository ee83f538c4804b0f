"""Minimal raw echo server on picows + uvloop (library comparison in bench/gateway_bench.py).

With no options it runs on picows's defaults (16 KB initial read buffer; aiofastnet transports when that
package is installed, as it is with picows 2.3). ``--read-buffer-bytes 1024 --no-aiofastnet`` is the
lean variant: the gateway's own read buffer size, on uvloop's transports.

Prints ``READY {"event":"ready","port":N}`` once listening on 127.0.0.1; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

import uvloop
from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server


class EchoListener(WSListener):
    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY:
            transport.send(kind, frame.get_payload_as_memoryview())
        elif kind is WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()


def _factory(request: WSUpgradeRequest) -> WSListener:
    return EchoListener()


async def main(port: int, read_buffer_bytes: int, use_aiofastnet: bool | None) -> None:
    server = await ws_create_server(_factory, "127.0.0.1", port, enable_auto_pong=True, backlog=4096,
                                    read_buffer_init_size=read_buffer_bytes, use_aiofastnet=use_aiofastnet)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("READY " + json.dumps({"event": "ready", "port": server.sockets[0].getsockname()[1]}), flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--read-buffer-bytes", type=int, default=16384, help="picows read_buffer_init_size")
    parser.add_argument("--no-aiofastnet", action="store_true", help="use uvloop's transports")
    args = parser.parse_args()
    uvloop.run(main(args.port, args.read_buffer_bytes, False if args.no_aiofastnet else None))
