"""``rtnet bots``: the argument parsing; the bots are in ``bot.py``, their sockets in ``swarm.py``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _raise_open_file_limit(wanted: int) -> None:
    """Each bot is a socket: lift the soft limit on open files towards the hard one (POSIX only)."""
    try:
        import resource
    except ImportError:  # Windows has no such limit on sockets
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def cmd_bots(args: argparse.Namespace, config_loader: Any) -> int:
    """Run the bots; 0 when nothing went wrong, 1 on any error (the summary lists them)."""
    from realtimenet.bots.bot import BotOptions
    from realtimenet.bots.motion import Area
    from realtimenet.bots.stats import render_summary
    from realtimenet.bots.swarm import SwarmOptions, TokenProvider, run_swarm
    from realtimenet.bots.tokens import CommandTokens, DevTokens

    if args.count < 1 or args.rooms < 1 or args.rate <= 0:
        print("rtnet bots: --count, --rooms and --rate must be positive", file=sys.stderr)
        return 2
    tokens: TokenProvider
    if args.token_command:
        tokens = CommandTokens(args.token_command)
    else:
        tokens = DevTokens(config_loader(args).auth, args.token_ttl)
    bot = BotOptions(rate=args.rate, chat_every=args.chat_every, presence_every=args.presence_every,
                     call_timeout=args.call_timeout, collection=args.collection,
                     area=Area(half_size=args.area, speed=args.speed))
    options = SwarmOptions(url=args.url, count=args.count, room=args.room, rooms=args.rooms, prefix=args.prefix,
                           duration=args.duration, seed=args.seed, connect_concurrency=args.connect_concurrency,
                           status_interval=args.status_interval, bot=bot)
    _raise_open_file_limit(args.count + 256)
    summary = run_swarm(options, tokens, None if args.quiet else sys.stderr)
    print(render_summary(summary), flush=True)
    if args.json:
        print("SUMMARY " + json.dumps(summary), flush=True)
    return 1 if summary["error_count"] else 0


def add_bots_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                    config_args: Any, config_loader: Any) -> None:
    """Register ``rtnet bots`` on the top-level subparsers."""
    bots = sub.add_parser(
        "bots", help="headless players that join a room, move, chat, refresh tokens and resume when cut",
        description="Headless players on one asyncio loop: each joins its room, sends its position at --rate "
                    "(state.update of players.<id>, as the Unreal movement component does), sets its presence, "
                    "chats now and then, refreshes its token before it expires and resumes its session when "
                    "its socket is cut. A status line while it runs, a summary at the end; exit 1 on errors.")
    config_args(bots)
    bots.add_argument("--url", default="ws://127.0.0.1:8765/ws", help="gateway WebSocket URL (default %(default)s)")
    bots.add_argument("--count", "-n", type=int, default=20, help="bots (default %(default)s)")
    bots.add_argument("--room", default="lobby", help="room to join (default %(default)s)")
    bots.add_argument("--rooms", type=int, default=1,
                      help="spread the bots over ROOM-1 .. ROOM-N (default 1: all in ROOM)")
    bots.add_argument("--prefix", default="bot", help="player ids are PREFIX-01, PREFIX-02, ... (default %(default)s)")
    bots.add_argument("--duration", "-d", type=float, help="seconds to run (default: until Ctrl-C)")
    bots.add_argument("--rate", type=float, default=20.0, help="moves per second per bot (default %(default)s)")
    bots.add_argument("--area", type=float, default=20.0,
                      help="bots walk within this distance of the origin, in state units (default %(default)s)")
    bots.add_argument("--speed", type=float, default=4.0,
                      help="top speed in state units per second (default %(default)s)")
    bots.add_argument("--collection", default="players",
                      help="entity collection in the room state (default %(default)s)")
    bots.add_argument("--chat-every", type=float, default=30.0,
                      help="mean seconds between a bot's chat lines, 0 for none (default %(default)s)")
    bots.add_argument("--presence-every", type=float, default=60.0,
                      help="mean seconds between presence changes, 0 to set it once (default %(default)s)")
    bots.add_argument("--token-ttl", type=float, help="lifetime of minted tokens in seconds (auth.dev_token_ttl)")
    bots.add_argument("--token-command",
                      help="get each token from this command (the player id is appended; the token is its output) "
                           "instead of minting it from auth.secret")
    bots.add_argument("--call-timeout", type=float, default=10.0, help="seconds a call may wait for its answer")
    bots.add_argument("--connect-concurrency", type=int, default=64, help="socket handshakes in flight at once")
    bots.add_argument("--seed", type=int, default=0, help="seed of the paths and timings")
    bots.add_argument("--status-interval", type=float, default=1.0, help="seconds between status lines")
    bots.add_argument("--quiet", "-q", action="store_true", help="no status line, only the summary")
    bots.add_argument("--json", action="store_true", help="also print the summary as one line: SUMMARY {...}")
    bots.set_defaults(func=lambda args: cmd_bots(args, config_loader))
