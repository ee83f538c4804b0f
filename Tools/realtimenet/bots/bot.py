"""One headless player, as a game client speaks the protocol: sans-I/O (frames and time in, frames out).

A bot joins its room asking for the compact entity encoding, sets its presence, and then every tick sends
``state.update`` of its own entity (``players.<id>``: x, y, z, rot, ack), made against the newest state
version it has seen, as ``URealtimeNetMovementComponent`` does for a predicted pawn. Now and then it
publishes a chat line (``room.publish``) or changes its presence. Before its token expires it gets a fresh
one and calls ``auth.refresh`` (also when the gateway sends ``session.token_expiring``). When its socket is
cut it reconnects with decorrelated-jitter backoff and calls ``session.resume`` with its resume token, the
last offset it saw on each stream and the state version it holds; a refused resume is an error, after
which it joins afresh.

A bot does not keep the room document: it follows the version (``state.delta`` / ``state.entities`` /
``state.snapshot`` ``to``, and the version its own last move produced), which is all a writer of its own
entity needs. It holds at most ``max_moves_in_flight`` unanswered moves (three); a tick that finds that
many unanswered is skipped and counted, so a gateway that falls behind shows as fewer moves per second,
never as an unbounded queue.

The I/O shell (``swarm.py``) attaches a ``send`` and a ``close`` when a socket opens, feeds every text
frame to ``on_text``, reports the close with ``on_closed``, calls ``tick`` at the bot's rate, and watches
``wants_token`` and ``reconnect_at``.
"""

from __future__ import annotations

import base64
import enum
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from msgspec import UNSET

from realtimenet.bots.motion import Area, Motion, quantize, quantizer
from realtimenet.bots.stats import Stats
from realtimenet.client.backoff import Backoff
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import CloseCode, ErrorCode, should_reconnect
from realtimenet.protocol.messages import Resumed, RoomJoined, SessionWelcomeParams, StateUpdated, TokenInfo
from realtimenet.protocol.streams import player_stream, room_stream
from realtimenet.state.quantize import Step

ABNORMAL_CLOSURE = 1006  # no close frame: the socket was lost
# Closes that are cuts (the network, a draining node, a test injecting them): reconnect and resume, not errors.
CUT_CODES = frozenset({CloseCode.GOING_AWAY, ABNORMAL_CLOSURE, CloseCode.SERVICE_RESTART, CloseCode.FAULT_INJECTED})
CHAT_LINES = ("gg", "anyone up for a match?", "brb", "nice move", "lag?", "wp", "over here!", "one more round")


class Phase(enum.Enum):
    """Where a bot is in its connection's life."""

    OFFLINE = "offline"  # no socket (connecting, or waiting to reconnect)
    WELCOME = "welcome"  # socket open, waiting for session.welcome
    RESUMING = "resuming"  # session.resume sent
    JOINING = "joining"  # room.join sent
    PLAYING = "playing"  # moving, chatting, refreshing
    STOPPED = "stopped"  # the run ended, or the bot gave up


@dataclass(frozen=True)
class BotOptions:
    """How every bot of a swarm behaves."""

    rate: float = 20.0  # moves per second (the movement component's SendInterval is 0.05 s)
    collection: str = "players"  # the entity collection of the room document
    chat_every: float = 30.0  # mean seconds between two chat lines of one bot; 0: never
    presence_every: float = 60.0  # mean seconds between presence changes (online <-> away); 0: set once
    call_timeout: float = 10.0
    refresh_margin: float | None = None  # refresh this long before exp; None: a quarter of the lifetime, <= 60 s
    proactive_refresh: bool = True  # False: only when the gateway sends session.token_expiring
    # A player's own earlier changes are no conflict, so moves need not wait for their answers; a few in flight
    # cover the round trip at 20 Hz, and the bound keeps a gateway that falls behind from queueing them.
    max_moves_in_flight: int = 3
    area: Area = field(default_factory=Area)
    backoff_base: float = 0.1
    backoff_cap: float = 5.0


class _Versioned(msgspec.Struct):
    room: str
    to: int


class _Snapshot(msgspec.Struct):
    room: str
    version: int


class _Positioned(msgspec.Struct):
    epoch: str
    offset: int
    room: str = ""


class _Expiring(msgspec.Struct):
    close_at: float


class _Draining(msgspec.Struct):
    deadline: float


_versioned = msgspec.json.Decoder(_Versioned)
_snapshot = msgspec.json.Decoder(_Snapshot)
_positioned = msgspec.json.Decoder(_Positioned)
_draining = msgspec.json.Decoder(_Draining)
_welcome = msgspec.json.Decoder(SessionWelcomeParams)
_joined = msgspec.json.Decoder(RoomJoined)
_resumed = msgspec.json.Decoder(Resumed)
_updated = msgspec.json.Decoder(StateUpdated)
_token_info = msgspec.json.Decoder(TokenInfo)


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, read without verifying it (the gateway verifies; a bot only schedules its
    refresh), or None when the token has none or is not a JWT."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


class Bot:
    """One player's protocol state; see the module docstring."""

    def __init__(self, player_id: str, room: str, options: BotOptions, stats: Stats, rng: random.Random,
                 origin: float) -> None:
        self.player_id = player_id
        self.room = room
        self.options = options
        self.stats = stats
        self.rng = rng
        self.origin = origin  # time 0 of the path: a reconnected bot carries on where it would have been
        self.motion = Motion(options.area, rng)
        self.backoff = Backoff(base=options.backoff_base, cap=options.backoff_cap, rng=rng)
        self.phase = Phase.OFFLINE
        self.token: str | None = None
        self.token_expires_at: float | None = None
        self.wants_token = False  # the shell fetches one and calls use_token
        self.reconnect_at: float | None = 0.0  # the shell opens a socket once this time has come
        self.connecting = False
        self.stopping = False
        self.session_id: str | None = None
        self.resume_token: str | None = None
        self.positions: dict[str, tuple[str, int]] = {}  # stream -> (epoch, last offset seen)
        self.version = 0
        self.steps: dict[str, Step] = {}
        self.sequence = 0
        self.last_sample: dict[str, float | int] | None = None
        self.moves_in_flight = 0
        self.refreshing = False
        self._refresh_at: float | None = None
        self._send: Callable[[bytes], None] | None = None
        self._close: Callable[[int], None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, float]] = {}  # id -> (kind, sent at)
        self._next_move_at = 0.0
        self._next_chat_at: float | None = None
        self._next_presence_at: float | None = None
        self._status = "online"
        self._welcome_deadline = 0.0
        self._leave_at: float | None = None
        self._next_sweep = 0.0
        self._fresh_session = ("", "")  # the new socket's own session, adopted when a resume is refused

    # ----- the socket, as the shell reports it -------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """A socket is open and the bot is in its room."""
        return self.phase is Phase.PLAYING

    def attach(self, send: Callable[[bytes], None], close: Callable[[int], None], now: float) -> None:
        """A socket opened: frames go out through ``send``; ``close(code)`` ends it."""
        self._send, self._close = send, close
        self.connecting = False
        self.phase = Phase.WELCOME
        self._welcome_deadline = now + self.options.call_timeout
        self.stats.totals.connects += 1

    def on_connect_failed(self, status: int, reason: str, now: float) -> None:
        """The socket did not open (``status`` 0) or the upgrade was refused with HTTP ``status``."""
        self.connecting = False
        self.stats.error("connect", f"{self.player_id}: HTTP {status} {reason}" if status else
                         f"{self.player_id}: {reason}")
        if status == 401 and reason in ("expired", "not_yet_valid"):
            self.token = None  # a fresh one next time
        elif 400 <= status < 500 and status != 429:
            self.phase = Phase.STOPPED  # a refusal another attempt cannot change
            self.reconnect_at = None
            return
        self._schedule_reconnect(now)

    def on_closed(self, code: int, reason: str, now: float) -> None:
        """The socket is gone (``code`` 1006 when no close frame came)."""
        self._send = self._close = None
        self._pending.clear()
        self.moves_in_flight = 0
        self.refreshing = False
        self._leave_at = None
        if self.stopping:
            self.phase = Phase.STOPPED
            return
        self.phase = Phase.OFFLINE
        self.stats.totals.closes[code] += 1
        if code in CUT_CODES:
            self.stats.totals.cuts += 1
        else:
            self.stats.error("close", f"{self.player_id}: closed with {code} {reason}".rstrip())
            if code == CloseCode.TOKEN_EXPIRED:
                self.token = None
        if should_reconnect(code):
            self._schedule_reconnect(now)
        else:
            self.phase = Phase.STOPPED
            self.reconnect_at = None

    def _schedule_reconnect(self, now: float) -> None:
        delay = self.backoff.next()
        self.reconnect_at = now + (delay if delay is not None else self.options.backoff_cap)

    def stop(self) -> None:
        """The run is over: close the socket normally and do not reconnect."""
        self.stopping = True
        self.reconnect_at = None
        if self._close is not None:
            self._close(CloseCode.NORMAL)
        elif not self.connecting:
            self.phase = Phase.STOPPED

    # ----- tokens ------------------------------------------------------------------------------------------

    def use_token(self, token: str, now: float, wall: float) -> None:
        """A fresh token from the provider: refresh the session with it, or keep it for the next socket."""
        self.wants_token = False
        self.token = token
        if self.phase in (Phase.PLAYING, Phase.JOINING, Phase.RESUMING) and self._send is not None:
            self.refreshing = True
            self._call("auth.refresh", {"token": token}, "refresh", now)
        else:
            self._adopt_expiry(token_expiry(token), wall)

    def token_failed(self, wall: float) -> None:
        """The provider could not give a token (already counted): try again in a little while."""
        self.wants_token = False
        self._refresh_at = wall + 2.0

    def needs_fresh_token(self, wall: float) -> bool:
        """Whether the token held cannot open a socket now (none, or expiring within the refresh margin)."""
        if self.token is None:
            return True
        exp = token_expiry(self.token)
        return exp is not None and wall >= exp - self._margin(exp, wall)

    def _margin(self, exp: float, wall: float) -> float:
        if self.options.refresh_margin is not None:
            return self.options.refresh_margin
        return min(60.0, max(0.0, exp - wall) / 4)

    def _adopt_expiry(self, exp: float | None, wall: float) -> None:
        self.token_expires_at = exp
        if exp is None or not self.options.proactive_refresh:
            self._refresh_at = None
            return
        # Spread over the last part of the margin, so bots started together do not refresh in one burst.
        self._refresh_at = exp - self._margin(exp, wall) * self.rng.uniform(0.8, 1.0)

    # ----- frames in ----------------------------------------------------------------------------------------

    def on_text(self, data: bytes, now: float, wall: float) -> None:
        """One text frame from the gateway."""
        self.stats.totals.frames_in += 1
        self.stats.totals.bytes_in += len(data)
        try:
            incoming = jsonrpc.decode_incoming(data)
        except msgspec.DecodeError:
            self.stats.error("frame", f"{self.player_id}: not JSON-RPC: {data[:80]!r}")
            return
        for item in incoming if isinstance(incoming, list) else (incoming,):
            try:
                if item.method is not UNSET:
                    self._on_notification(item.method, item.params, now, wall)
                elif isinstance(item.id, int):
                    self._on_response(item, now, wall)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                self.stats.error("frame", f"{self.player_id}: {item.method or 'a response'}: {exc}")

    def _on_notification(self, method: str, params: Any, now: float, wall: float) -> None:
        if method == "state.delta" or method == "state.entities":
            step = _versioned.decode(params)
            if step.to > self.version:
                self.version = step.to
        elif method == "room.event":
            event = _positioned.decode(params)
            self._advance(room_stream(event.room), event.epoch, event.offset)
            self.stats.totals.events_in += 1
        elif method == "state.snapshot":
            snapshot = _snapshot.decode(params)
            self.version = max(self.version, snapshot.version)
        elif method == "session.welcome":
            self._on_welcome(_welcome.decode(params), now, wall)
        elif method == "direct.message":
            message = _positioned.decode(params)
            self._advance(player_stream(self.player_id), message.epoch, message.offset)
        elif method == "session.token_expiring":
            if not self.refreshing:
                self.wants_token = True
        elif method == "server.draining":
            deadline = _draining.decode(params).deadline
            self._leave_at = now + self.rng.uniform(0, max(0.0, deadline) / 2)

    def _advance(self, stream: str, epoch: str, offset: int) -> None:
        known = self.positions.get(stream)
        if known is None or known[0] != epoch or offset > known[1]:
            self.positions[stream] = (epoch, offset)

    def _on_welcome(self, welcome: SessionWelcomeParams, now: float, wall: float) -> None:
        if self.phase is not Phase.WELCOME:
            return
        exp = welcome.token_expires_at if isinstance(welcome.token_expires_at, (int, float)) else None
        self._adopt_expiry(exp, wall)
        if self.resume_token is not None:
            self.phase = Phase.RESUMING
            params: dict[str, Any] = {
                "resume_token": self.resume_token,
                "streams": [{"stream": s, "epoch": e, "offset": o} for s, (e, o) in sorted(self.positions.items())],
                "state": [{"room": self.room, "version": self.version}]}
            self._fresh_session = (welcome.session_id, welcome.resume_token)
            self._call("session.resume", params, "resume", now)
        else:
            self.session_id, self.resume_token = welcome.session_id, welcome.resume_token
            self._join(now)

    def _join(self, now: float) -> None:
        self.phase = Phase.JOINING
        self._call("room.join", {"room": self.room, "state_encoding": "entities"}, "join", now)

    def _on_response(self, item: jsonrpc.Incoming, now: float, wall: float) -> None:
        entry = self._pending.pop(item.id, None)  # type: ignore[arg-type]
        if entry is None:
            return  # answered after its timeout (already counted) or from an older socket
        kind, sent_at = entry
        self.stats.window_rtt.add(now - sent_at)
        if kind == "move":
            self.moves_in_flight -= 1
        if item.error is not UNSET:
            self._on_error(kind, item.error, now, wall)
            return
        result = item.result
        if kind == "move":
            version = _updated.decode(result).version  # type: ignore[arg-type]
            if version > self.version:
                self.version = version
        elif kind == "join":
            self._on_joined(_joined.decode(result), now)  # type: ignore[arg-type]
        elif kind == "resume":
            self._on_resumed(_resumed.decode(result), now)  # type: ignore[arg-type]
        elif kind == "refresh":
            self.refreshing = False
            self.stats.totals.refreshes += 1
            info = _token_info.decode(result)  # type: ignore[arg-type]
            self._adopt_expiry(info.expires_at if isinstance(info.expires_at, (int, float)) else None, wall)

    def _on_error(self, kind: str, error: jsonrpc.ErrorObject, now: float, wall: float) -> None:
        data = error.data if isinstance(error.data, dict) else {}
        if kind == "move" and error.code in (ErrorCode.CONFLICT, ErrorCode.UNKNOWN_VERSION):
            # As the core does: take the room's version from the answer; the next tick sends the newest position.
            self.stats.totals.conflicts += 1
            current = data.get("current_version")
            if isinstance(current, int):
                self.version = current
            return
        if kind == "resume":
            self.stats.error("resume", f"{self.player_id}: {error.message} {data.get('reason', '')}".rstrip())
            self.session_id, self.resume_token = self._fresh_session  # the new socket's session is the one now
            self.positions.clear()
            self._join(now)
            return
        if kind == "refresh":
            self.refreshing = False
            self.stats.error("token", f"{self.player_id}: auth.refresh refused: {error.code} {error.message}")
            self._refresh_at = wall + 2.0
            return
        self.stats.error("call", f"{self.player_id}: {kind}: {error.code} {error.message}")
        if kind == "join":
            self.phase = Phase.STOPPED
            self.reconnect_at = None
            if self._close is not None:
                self._close(CloseCode.NORMAL)

    def _on_joined(self, joined: RoomJoined, now: float) -> None:
        # A delta sent right after the join can overtake its answer: keep the newer of the two.
        self.version = max(self.version, joined.state_version)
        self._advance(joined.stream, joined.epoch, joined.offset)
        declared = joined.entities.get(self.options.collection) if joined.entities is not UNSET else None
        self.steps = quantizer(declared) if declared else {}
        self.phase = Phase.PLAYING
        self.backoff.reset()
        self._next_move_at = now
        self._set_presence(now)
        if self.options.chat_every > 0:
            self._next_chat_at = now + self.rng.expovariate(1 / self.options.chat_every)
        if self.options.presence_every > 0:
            self._next_presence_at = now + self.rng.expovariate(1 / self.options.presence_every)

    def _on_resumed(self, resumed: Resumed, now: float) -> None:
        self.session_id, self.resume_token = resumed.session_id, resumed.resume_token
        self.stats.totals.resumes += 1
        for stream in resumed.streams:
            if not stream.recovered:
                self.stats.totals.streams_not_recovered += 1
                self.positions[stream.stream] = (stream.epoch, stream.offset)
        # The entity encoding is a choice of the socket, not of the session: ask for it again.
        self._join(now)

    # ----- frames out ---------------------------------------------------------------------------------------

    def _call(self, method: str, params: Any, kind: str, now: float) -> None:
        if self._send is None:
            return
        request_id = next(self._ids)
        self._pending[request_id] = (kind, now)
        frame = jsonrpc.encode_call(method, params, request_id)
        self.stats.totals.frames_out += 1
        self.stats.totals.bytes_out += len(frame)
        self._send(frame)

    def _set_presence(self, now: float) -> None:
        self.stats.totals.presence_sets += 1
        self._call("presence.set", {"status": self._status, "custom": {"bot": True, "room": self.room}},
                   "presence", now)

    def tick(self, now: float, wall: float) -> None:
        """Whatever is due: the next move, a chat line, a presence change, a token refresh, timeouts."""
        if self.phase is Phase.PLAYING:
            if now >= self._next_move_at:
                self._move(now)
            if self._next_chat_at is not None and now >= self._next_chat_at:
                self._next_chat_at = now + self.rng.expovariate(1 / self.options.chat_every)
                self.stats.totals.chats += 1
                self._call("room.publish", {"room": self.room, "data": {
                    "type": "chat", "text": self.rng.choice(CHAT_LINES)}}, "chat", now)
            if self._next_presence_at is not None and now >= self._next_presence_at:
                self._next_presence_at = now + self.rng.expovariate(1 / self.options.presence_every)
                self._status = "away" if self._status == "online" else "online"
                self._set_presence(now)
            if self._refresh_at is not None and wall >= self._refresh_at and not self.refreshing:
                self._refresh_at = None
                self.wants_token = True
            if self._leave_at is not None and now >= self._leave_at and self._close is not None:
                self._leave_at = None
                self._close(CloseCode.GOING_AWAY)  # the node is draining: resume on another one now
                return
        elif self.phase is Phase.WELCOME and now >= self._welcome_deadline and self._close is not None:
            self.stats.error("timeout", f"{self.player_id}: no session.welcome within {self.options.call_timeout} s")
            self._close(CloseCode.GOING_AWAY)
            return
        if now >= self._next_sweep and self._pending:
            self._next_sweep = now + 1.0
            self._expire_calls(now)

    def _expire_calls(self, now: float) -> None:
        late = [rid for rid, (_, sent_at) in self._pending.items() if now - sent_at > self.options.call_timeout]
        for rid in late:
            kind, _ = self._pending.pop(rid)
            if kind == "move":
                self.moves_in_flight -= 1
            if kind == "refresh":
                self.refreshing = False
            self.stats.error("timeout", f"{self.player_id}: {kind} got no answer within {self.options.call_timeout} s")
            if kind in ("join", "resume") and self._close is not None:
                self._close(CloseCode.GOING_AWAY)  # stuck before playing: start over on a new socket
                return

    def _move(self, now: float) -> None:
        period = 1.0 / self.options.rate
        self._next_move_at += period
        if self._next_move_at < now:  # fell behind (a stall): carry on from now, do not burst
            self._next_move_at = now + period
        if self.moves_in_flight >= self.options.max_moves_in_flight:
            self.stats.totals.moves_skipped += 1
            return
        sample = quantize(self.motion.sample(now - self.origin), self.steps)
        if sample == self.last_sample:
            return  # rounds to what was sent: a pawn standing still sends nothing
        self.last_sample = sample
        self.sequence += 1
        patch = {self.options.collection: {self.player_id: {**sample, "ack": self.sequence}}}
        self.moves_in_flight += 1
        self.stats.totals.moves += 1
        self._call("state.update", {"room": self.room, "base_version": self.version, "patch": patch}, "move", now)
