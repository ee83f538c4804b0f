"""``rtnet demo`` (``make demo``): a gateway and twenty bots, to watch the system work without Unreal.

The gateway is ``rtnet serve`` on 127.0.0.1 (8765 by default) with the bots' collection declared as moving
entities (``state.entities``: ``players`` in ``arena-*``, positions to 1 cm, headings to 1 degree); the bots
(``rtnet bots``, in this process) join ``arena-1`` and move, chat and set presence until Ctrl-C or
``--duration``. The admin console's room view (``/admin``, the development admin key on loopback) draws them
moving; an Unreal editor pointed at ``ws://127.0.0.1:8765/ws`` joins the same room and sees them too. Both
stop together; the exit status is the bots' (1 when they met an error).
"""

from __future__ import annotations

import argparse
import queue
import subprocess
import sys
import threading
import time
from typing import IO, Any

# The sample rooms' players as entities (`rtnet serve --sample`): the bots', and the Unreal sample pawn's.
SAMPLE_ENTITIES = '{"arena-*" = {players = {x = 0.01, y = 0.01, z = 0.01, rot = 1}}}'
DEMO_ROOM = "arena-1"


def gateway_command(port: int) -> list[str]:
    """``rtnet serve`` for the demo, with the bots' collection declared as entities."""
    return [sys.executable, "-m", "realtimenet.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--sample", "--set", "log.level=warning"]


def _start_gateway(port: int, timeout: float = 30.0) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    from realtimenet.ue.fault_gateway import parse_ready

    process = subprocess.Popen(gateway_command(port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, args=(process.stdout,), daemon=True).start()
    said: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            process.kill()
            raise RuntimeError("the gateway did not start: " + " ".join(said[-3:]).strip())
        ready = parse_ready(line)
        if ready is not None:
            return process, ready
        said.append(line.rstrip())


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the demo; the bots' exit status."""
    from realtimenet.bots.bot import BotOptions
    from realtimenet.bots.stats import render_summary
    from realtimenet.bots.swarm import SwarmOptions, run_swarm
    from realtimenet.bots.tokens import DevTokens
    from realtimenet.config import DEV_API_KEY, load_config

    if sys.platform == "win32":
        print("rtnet demo: the gateway runs on Linux and macOS; on Windows run `make demo` in WSL 2", file=sys.stderr)
        return 2
    try:
        gateway, ready = _start_gateway(args.port)
    except RuntimeError as exc:
        print(f"rtnet demo: {exc}", file=sys.stderr)
        return 1
    port = int(ready["port"])
    print(f"RealtimeNet demo: {args.count} bots moving in room {DEMO_ROOM}\n"
          f"  watch them: http://127.0.0.1:{port}/admin  (key {DEV_API_KEY}, then room {DEMO_ROOM})\n"
          f"  from Unreal: ws://127.0.0.1:{port}/ws, room {DEMO_ROOM}\n"
          f"  Ctrl-C stops the bots and the gateway", flush=True)
    options = SwarmOptions(url=f"ws://127.0.0.1:{port}/ws", count=args.count, room=DEMO_ROOM, duration=args.duration,
                           status_interval=args.status_interval, bot=BotOptions(chat_every=20.0, presence_every=30.0))
    try:
        summary = run_swarm(options, DevTokens(load_config().auth), sys.stderr)
    finally:
        gateway.terminate()
        try:
            gateway.wait(20)
        except subprocess.TimeoutExpired:
            gateway.kill()
    print(render_summary(summary), flush=True)
    return 1 if summary["error_count"] else 0


def add_demo_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``rtnet demo``."""
    demo = sub.add_parser("demo", help="a gateway and twenty bots moving: watch them in the admin console")
    demo.add_argument("--port", type=int, default=8765, help="the gateway's port (default %(default)s; 0: a free one)")
    demo.add_argument("--count", "-n", type=int, default=20, help="bots (default %(default)s)")
    demo.add_argument("--duration", "-d", type=float, help="seconds to run (default: until Ctrl-C)")
    demo.add_argument("--status-interval", type=float, default=5.0, help="seconds between the bots' status lines")
    demo.set_defaults(func=cmd_demo)
