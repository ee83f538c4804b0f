"""The I/O shell of the bots: picows sockets on one asyncio loop, one ticker for all bots, tokens, status.

Nothing here decides what a bot says (``bot.py`` does); this module opens and closes sockets, feeds them to
the bots, ticks the bots and prints what ``stats.py`` counts. It is built to hold thousands of bots on one
core: picows delivers frames to a plain callback (no task or future per message), one ticker walks the
bots in ten slices per move period so their sends are spread evenly instead of bursting together, socket
opening goes through a small gate (``connect_concurrency`` handshakes at once) and tokens come from the
provider one request per bot at a time.

picows was measured against websockets' asyncio client for this job (bench/bot_client_bench.py,
docs/performance.md): 4.8 µs of CPU per message against 15.4 µs.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from picows import WSCloseCode, WSError, WSFrame, WSHandshakeError, WSListener, WSMsgType, WSTransport, ws_connect

from realtimenet.bots.bot import ABNORMAL_CLOSURE, Bot, BotOptions, Phase
from realtimenet.bots.stats import Stats, render_summary

TokenProvider = Callable[[str], Awaitable[str]]
"""Gives a fresh token for a player id (a coroutine: it may ask the game's backend)."""

SLICES = 10  # ticker steps per move period


@dataclass(frozen=True)
class SwarmOptions:
    """A run of ``rtnet bots``."""

    url: str = "ws://127.0.0.1:8765/ws"
    count: int = 20
    room: str = "lobby"
    rooms: int = 1  # bots are spread over ROOM-1 .. ROOM-N when more than one
    prefix: str = "bot"
    duration: float | None = None  # seconds; None runs until cancelled (Ctrl-C)
    seed: int = 0
    connect_concurrency: int = 64
    handshake_timeout: float = 10.0
    status_interval: float = 1.0
    bot: BotOptions = field(default_factory=BotOptions)

    def room_names(self) -> list[str]:
        """The rooms the bots go to."""
        return [self.room] if self.rooms <= 1 else [f"{self.room}-{k}" for k in range(1, self.rooms + 1)]

    def player_ids(self) -> list[str]:
        """``bot-01`` .. ``bot-20``: zero-padded so that they sort in order."""
        width = len(str(self.count))
        return [f"{self.prefix}-{i:0{width}d}" for i in range(1, self.count + 1)]


class _Link(WSListener):
    """One socket of one bot."""

    def __init__(self, swarm: Swarm, bot: Bot) -> None:
        super().__init__()
        self.swarm = swarm
        self.bot = bot
        self.transport: WSTransport | None = None
        self.close_code = ABNORMAL_CLOSURE
        self.close_reason = ""

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.bot.attach(self._send, self._close, time.monotonic())
        self.swarm.links[self.bot.player_id] = self

    def _send(self, frame: bytes) -> None:
        if self.transport is not None:
            self.transport.send(WSMsgType.TEXT, frame)

    def _close(self, code: int) -> None:
        if self.transport is not None:
            self.close_code = code
            self.transport.send_close(WSCloseCode(code))
            self.transport.disconnect()

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is WSMsgType.TEXT:
            self.bot.on_text(frame.get_payload_as_bytes(), time.monotonic(), time.time())
        elif kind is WSMsgType.CLOSE:
            self.close_code = frame.get_close_code().value if frame.payload_size >= 2 else 1005
            self.close_reason = frame.get_close_message().decode("utf-8", "replace") if frame.payload_size > 2 else ""
            transport.send_close(WSCloseCode(self.close_code if self.close_code != 1005 else 1000))
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if self.swarm.links.get(self.bot.player_id) is self:
            del self.swarm.links[self.bot.player_id]
        self.transport = None
        self.bot.on_closed(self.close_code, self.close_reason, time.monotonic())


class Swarm:
    """Runs bots until the duration passes or the run is cancelled; ``run`` returns the summary."""

    def __init__(self, options: SwarmOptions, tokens: TokenProvider, status: TextIO | None = None) -> None:
        self.options = options
        self.tokens = tokens
        self.status = status
        started = time.monotonic()
        self.stats = Stats(started)
        rooms = options.room_names()
        self.bots = [Bot(player, rooms[i % len(rooms)], options.bot, self.stats,
                         random.Random(f"{options.seed}:{player}"), started)
                     for i, player in enumerate(options.player_ids())]
        self.links: dict[str, _Link] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._gate = asyncio.Semaphore(options.connect_concurrency)
        self._token_gate = asyncio.Semaphore(64)
        self._stopping = False

    @property
    def connected(self) -> int:
        """Bots in their room right now."""
        return sum(1 for bot in self.bots if bot.connected)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> dict[str, Any]:
        """Connect every bot, run them, stop them; the summary (``Stats.summary``)."""
        cpu0 = time.process_time()
        ticker = asyncio.ensure_future(self._tick_forever())
        status = asyncio.ensure_future(self._status_forever())
        try:
            if self.options.duration is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(self.options.duration)
        except asyncio.CancelledError:
            pass  # Ctrl-C: stop like a finished run, with a summary
        finally:
            ticker.cancel()
            status.cancel()
            connected, ended = self.connected, time.monotonic()
            await self._stop()
        if self.status is not None and self.status.isatty():
            self.status.write("\n")
        return self.stats.summary(ended, connected, len(self.bots), time.process_time() - cpu0)

    async def _stop(self) -> None:
        self._stopping = True
        for bot in self.bots:
            bot.stop()
        deadline = time.monotonic() + 3.0
        while self.links and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _tick_forever(self) -> None:
        period = 1.0 / self.options.bot.rate / SLICES
        due = time.monotonic()
        step = 0
        bots = self.bots
        while True:
            now, wall = time.monotonic(), time.time()
            for bot in bots[step % SLICES::SLICES]:
                if bot.phase is not Phase.OFFLINE:
                    bot.tick(now, wall)
                elif bot.reconnect_at is not None and now >= bot.reconnect_at and not bot.connecting:
                    bot.connecting = True
                    bot.reconnect_at = None
                    self._spawn(self._connect(bot))
                if bot.wants_token and not bot.stopping:
                    bot.wants_token = False
                    self._spawn(self._refresh(bot))
            step += 1
            due += period
            delay = due - time.monotonic()
            if delay < -1.0:  # the loop stalled for a second: start a fresh schedule instead of catching up
                due = time.monotonic()
                delay = 0.0
            await asyncio.sleep(max(0.0, delay))

    async def _status_forever(self) -> None:
        if self.status is None:
            return
        tty = self.status.isatty()
        while True:
            await asyncio.sleep(self.options.status_interval)
            line = self.stats.status_line(time.monotonic(), self.connected, len(self.bots))
            self.status.write(("\r" + line + "\x1b[K") if tty else line + "\n")
            self.status.flush()

    async def _token(self, bot: Bot) -> str | None:
        async with self._token_gate:
            try:
                return await self.tokens(bot.player_id)
            except Exception as exc:  # a provider is the game's code: any failure is counted, not fatal
                self.stats.error("token", f"{bot.player_id}: the token provider failed: {exc}")
                return None

    async def _refresh(self, bot: Bot) -> None:
        token = await self._token(bot)
        if token is None:
            bot.token_failed(time.time())
        elif not bot.stopping:
            bot.use_token(token, time.monotonic(), time.time())

    async def _connect(self, bot: Bot) -> None:
        async with self._gate:
            if self._stopping:
                bot.connecting = False
                return
            if bot.needs_fresh_token(time.time()):
                token = await self._token(bot)
                if token is None:
                    bot.on_connect_failed(0, "no token", time.monotonic())
                    return
                bot.use_token(token, time.monotonic(), time.time())
            assert bot.token is not None
            try:
                await ws_connect(lambda: _Link(self, bot), self.options.url,
                                 extra_headers={"Authorization": f"Bearer {bot.token}"},
                                 websocket_handshake_timeout=self.options.handshake_timeout,
                                 enable_auto_pong=True, read_buffer_init_size=4096)
            except WSHandshakeError as exc:
                response = getattr(exc, "response", None)
                status = int(getattr(response, "status", 0) or 0)
                bot.on_connect_failed(status, _reason(getattr(exc, "raw_body", None), str(exc)), time.monotonic())
            except (OSError, WSError, TimeoutError) as exc:
                bot.on_connect_failed(0, str(exc) or type(exc).__name__, time.monotonic())


def _reason(body: bytes | None, fallback: str) -> str:
    """The gateway's JSON reason (``{"error": "expired", ...}``) from a refused upgrade."""
    import json

    with contextlib.suppress(ValueError, TypeError, AttributeError):
        reason = json.loads(body or b"{}").get("error")
        if isinstance(reason, str):
            return reason
    return fallback


def run_swarm(options: SwarmOptions, tokens: TokenProvider, status: TextIO | None = sys.stderr) -> dict[str, Any]:
    """Run a swarm on a new event loop (uvloop where it exists); its summary."""

    async def main() -> dict[str, Any]:
        return await Swarm(options, tokens, status).run()

    try:
        import uvloop
    except ImportError:  # Windows: the default loop
        return asyncio.run(main())
    return uvloop.run(main())


__all__ = ["Swarm", "SwarmOptions", "TokenProvider", "render_summary", "run_swarm"]
