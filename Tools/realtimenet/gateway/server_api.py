"""The server API (protocol/server-api.openrpc.json): JSON-RPC 2.0 for the game's backend and operators, without
I/O. ``http_surface.py`` feeds it HTTP bodies (``POST /api``); the NATS request path (``<prefix>.publish.…``,
``publish_from_bus``) reaches the same handlers.

A request is checked whole before any method runs: the key (``api_keys.py``), the sanitising limits and the
scope of every call in it; then the calls run in order. Each handler uses the service that owns its concept
(rooms and publications: ``RoomService`` and the hub; state: ``StateService.commit``; presence and the room
directory: ``PresenceService``; sessions: ``SessionKeeper``; nodes: ``NodeReporter``), and acts on every node
of a cluster: through the bus (publications, ``control:nodes`` commands) or the shared stores.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from msgspec import UNSET

from realtimenet.backends.bus import HistoryGap, ServerPublication
from realtimenet.config import Config
from realtimenet.exceptions import BackendUnavailable, RpcError
from realtimenet.gateway.api_keys import ApiKey, ApiKeyring, KeyRefusal
from realtimenet.gateway.auth import Principal
from realtimenet.gateway.control import Disconnect, NodeControl, Trace
from realtimenet.gateway.hub import Hub
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.node_report import NodeReporter
from realtimenet.gateway.presence import PresenceService, aggregate
from realtimenet.gateway.rooms import RoomService, direct_frame, event_frame
from realtimenet.gateway.sessions import SessionKeeper
from realtimenet.gateway.state import StateService
from realtimenet.gateway.trace import TraceCollector
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.codes import CloseCode, ErrorCode
from realtimenet.protocol.server_api import (
    METHODS,
    Broadcast,
    DeviceInfo,
    Disconnected,
    KeyInfo,
    KeyInfoParams,
    MemberPresence,
    NodeInfo,
    NodeInfoParams,
    NodeList,
    NodeListParams,
    PlayerDisconnectParams,
    PlayerInfo,
    PlayerInfoParams,
    PlayerSendParams,
    PlayerTraceParams,
    Published,
    RoomBroadcastParams,
    RoomHistory,
    RoomHistoryParams,
    RoomList,
    RoomListParams,
    RoomMembers,
    RoomMembersParams,
    RoomPublishParams,
    RoomState,
    RoomSummary,
    SessionInfo,
    StateGetParams,
    StateUpdated,
    StateUpdateParams,
    TraceFrame,
    TraceFrames,
    TraceReadParams,
    TraceStarted,
)
from realtimenet.protocol.streams import ROOM_PREFIX, player_stream, room_stream, split
from realtimenet.protocol.text import InvalidText, check_text

log = logging.getLogger("realtimenet.api")

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__api_method__"
_EMPTY = b"{}"


def api_method(name: str) -> Callable[[F], F]:
    """Mark a ``ServerApi`` method as the handler of server API method ``name``."""
    if name not in METHODS:
        raise KeyError(f"{name} is not a method of protocol/server-api.openrpc.json")

    def mark(fn: F) -> F:
        setattr(fn, _MARK, name)
        return fn

    return mark


@dataclass(frozen=True, slots=True)
class ApiAnswer:
    """What goes back over HTTP: the status and the JSON body (None: 204, every call was a notification)."""

    status: int
    body: bytes | None


@dataclass(frozen=True, slots=True)
class _Route:
    name: str
    scope: str
    decoder: msgspec.json.Decoder[Any]
    handler: Callable[[ApiKey, Any], Awaitable[Any]]


class _Notify(msgspec.Struct):
    params: msgspec.Raw


_notification = msgspec.json.Decoder(_Notify)
_encode = msgspec.json.Encoder().encode
BUS_KEY = ApiKey("nats", frozenset({"publish"}))  # publications arriving through the bus's request path


class _BusPublication(msgspec.Struct):
    from_: str = msgspec.field(name="from")
    data: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"null"))


_bus_body = msgspec.json.Decoder(_BusPublication)


def refusal(reason: str, detail: str = "") -> bytes:
    """The JSON body of an HTTP refusal: ``{"error": reason, "detail": ...}``."""
    return _encode({"error": reason, "detail": detail} if detail else {"error": reason})


class ServerApi:
    """Server API methods and the checks in front of them."""

    def __init__(self, config: Config, keyring: ApiKeyring, hub: Hub, rooms: RoomService, state: StateService,
                 presence: PresenceService, sessions: SessionKeeper, control: NodeControl, reporter: NodeReporter,
                 traces: TraceCollector, metrics: Metrics, wall_clock: Callable[[], float]) -> None:
        self._config = config.api
        self._history_size = config.rooms.history_size
        self._max_message_bytes = config.server.max_message_bytes
        lim = config.limits
        self._limits = jsonrpc.Limits(lim.max_depth, lim.max_string_length, lim.max_array_length,
                                      config.api.max_batch_size)
        self.keyring = keyring
        self._hub = hub
        self._rooms = rooms
        self._state = state
        self._presence = presence
        self._sessions = sessions
        self._control = control
        self._reporter = reporter
        self._traces = traces
        self._metrics = metrics
        self._wall_clock = wall_clock
        self.routes: dict[str, _Route] = {}
        for _, bound in inspect.getmembers(self, inspect.ismethod):
            name = getattr(bound, _MARK, None)
            if name is not None:
                spec = METHODS[name]
                self.routes[name] = _Route(name, spec.scope, msgspec.json.Decoder(spec.params), bound)
        missing = set(METHODS) - set(self.routes)
        if missing:
            raise RuntimeError(f"server API methods without a handler: {sorted(missing)}")
        # Bounded label values: every method name, and "unknown".
        self._outcome: dict[tuple[str, str], Any] = {}

    # ----- a request, whole ---------------------------------------------------------------------------

    def refuse(self, status: int, reason: str, detail: str = "") -> ApiAnswer:
        """Count and log (once, no traceback) a request refused before any method ran."""
        self._metrics.api_requests.labels(reason).inc()
        log.warning("server API refused a request: %d %s%s", status, reason, f" ({detail})" if detail else "")
        return ApiAnswer(status, refusal(reason, detail))

    async def handle(self, authorization: str | None, body: bytes) -> ApiAnswer:
        """Answer one ``POST /api`` body (its size and media type already checked by the HTTP layer)."""
        key = self.keyring.identify(authorization)
        if isinstance(key, KeyRefusal):
            return self.refuse(401, key.reason, "send `Authorization: apikey <key>` with a key of `api.keys`")
        try:  # as at the socket's door: nothing the API publishes may break a client's decoder
            is_batch, items = jsonrpc.split_frame(body, self._limits)
        except InvalidText as exc:
            self._metrics.bad("invalid_text", f"server API request: {exc}")
            self._metrics.api_requests.labels("ok").inc()
            return ApiAnswer(200, jsonrpc.encode_error(None, ErrorCode.PARSE_ERROR, ErrorCode.PARSE_ERROR.message,
                                                       {"detail": str(exc)}))
        except jsonrpc.Invalid as exc:
            self._metrics.bad(exc.kind, f"server API request: {exc.detail}")
            self._metrics.api_requests.labels("ok").inc()
            return ApiAnswer(200, jsonrpc.encode_error(exc.request_id, exc.code, exc.code.message,
                                                       {"detail": exc.detail}))
        requests: list[jsonrpc.Request | jsonrpc.Invalid] = []
        for item in items:
            try:
                requests.append(jsonrpc.decode_request(item))
            except jsonrpc.Invalid as exc:
                requests.append(exc)
        for request in requests:
            route = self.routes.get(request.method) if isinstance(request, jsonrpc.Request) else None
            if route is not None and not key.allows(route.scope):
                return self.refuse(403, "out_of_scope", f"{route.name} needs scope {route.scope!r}; key "
                                   f"{key.name!r} has {sorted(key.scopes)}")
        self._metrics.api_requests.labels("ok").inc()
        answers = [answer for answer in [await self._answer(key, r) for r in requests] if answer is not None]
        if not answers:
            return ApiAnswer(204, None)
        return ApiAnswer(200, jsonrpc.encode_batch(answers) if is_batch else answers[0])

    def _count(self, method: str, outcome: str) -> None:
        child = self._outcome.get((method, outcome))
        if child is None:
            child = self._outcome[(method, outcome)] = self._metrics.api_calls.labels(method, outcome)
        child.inc()

    async def _answer(self, key: ApiKey, request: jsonrpc.Request | jsonrpc.Invalid) -> bytes | None:
        if isinstance(request, jsonrpc.Invalid):
            self._metrics.bad(request.kind, f"server API call: {request.detail}")
            self._count("unknown", ErrorCode.INVALID_REQUEST.name.lower())
            return jsonrpc.encode_error(request.request_id, request.code, request.code.message,
                                        {"detail": request.detail})
        rid = None if request.id is UNSET else request.id
        route = self.routes.get(request.method)
        if route is None:
            self._count("unknown", "method_not_found")
            if request.is_notification:
                return None
            return jsonrpc.encode_error(rid, ErrorCode.METHOD_NOT_FOUND, ErrorCode.METHOD_NOT_FOUND.message,
                                        {"method": request.method[:128]})
        try:
            params = route.decoder.decode(_EMPTY if request.params is UNSET else request.params)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            self._metrics.bad("invalid_params", f"server API {route.name} from key {key.name}: {exc}")
            self._count(route.name, "invalid_params")
            if request.is_notification:
                return None
            return jsonrpc.encode_error(rid, ErrorCode.INVALID_PARAMS, ErrorCode.INVALID_PARAMS.message,
                                        {"detail": str(exc)})
        try:
            result = await route.handler(key, params)
        except RpcError as exc:
            self._count(route.name, exc.code.name.lower())
            answer = jsonrpc.encode_error(rid, exc.code, exc.message, UNSET if exc.data is None else exc.data)
        except BackendUnavailable as exc:
            self._metrics.backend_errors.labels(exc.backend).inc()
            self._count(route.name, "backend_unavailable")
            answer = jsonrpc.encode_error(rid, ErrorCode.BACKEND_UNAVAILABLE, ErrorCode.BACKEND_UNAVAILABLE.message,
                                          {"backend": exc.backend})
        except Exception as exc:
            correlation_id = uuid.uuid4().hex[:16]
            self._metrics.handler_errors.labels(route.name).inc()
            self._count(route.name, "internal_error")
            log.error("server API %s failed (correlation_id=%s, key=%s)", route.name, correlation_id, key.name,
                      exc_info=exc)
            answer = jsonrpc.encode_error(rid, ErrorCode.INTERNAL_ERROR, ErrorCode.INTERNAL_ERROR.message,
                                          {"correlation_id": correlation_id})
        else:
            self._count(route.name, "ok")
            answer = jsonrpc.encode_result(rid, result)
        return None if request.is_notification else answer

    # ----- the NATS request path ---------------------------------------------------------------------

    async def publish_from_bus(self, request: ServerPublication) -> dict[str, Any]:
        """A backend service's publication through the bus (NATS ``<prefix>.publish.room.<room>`` /
        ``.player.<id>``, body ``{"from": …, "data": …}``): the same handlers as ``room.publish`` and
        ``player.send``. Returns the reply: the stream's position, or ``{"error": reason, "detail": …}`` for a
        request that cannot be published (counted and logged once, as bad input)."""
        method = "room.publish" if request.stream.startswith(ROOM_PREFIX) else "player.send"
        refused = self._refuse_bus_publication(request)
        if refused is not None:
            reason, detail = refused
            self._metrics.bad("backend_publication", f"{request.stream or '?'}: {detail}")
            self._count(method, reason)
            return {"error": reason, "detail": detail}
        body = _bus_body.decode(request.body)
        _, name = split(request.stream)
        try:
            if method == "room.publish":
                published = await self.publish(BUS_KEY, RoomPublishParams(room=name, data=body.data,
                                                                          from_=body.from_))
            else:
                published = await self.send(BUS_KEY, PlayerSendParams(player_id=name, data=body.data,
                                                                       from_=body.from_))
        except RpcError as exc:
            self._count(method, exc.code.name.lower())
            return {"error": exc.code.name.lower(), "detail": exc.data or {}}
        self._count(method, "ok")
        return msgspec.to_builtins(published)  # type: ignore[no-any-return]

    def _refuse_bus_publication(self, request: ServerPublication) -> tuple[str, str] | None:
        """(reason, detail) when a bus publication cannot be published: the rules clients and POST /api follow."""
        if request.refused:  # the transport could not read the subject
            return "invalid_subject", request.refused
        if request.stream.startswith(ROOM_PREFIX):
            room = split(request.stream)[1]
            try:
                msgspec.convert({"room": room}, RoomMembersParams)  # the server API's room name rules
            except msgspec.ValidationError as exc:
                return "invalid_room", str(exc)
            if not self._rooms.policy.exists(room):
                return "unknown_room", f"no room {room!r} in rooms.known"
        try:
            check_text(request.body)
            _bus_body.decode(request.body)
        except (msgspec.DecodeError, InvalidText) as exc:
            return "invalid_body", str(exc)
        return None

    # ----- publications ------------------------------------------------------------------------------

    def _sender(self, key: ApiKey, given: str | msgspec.UnsetType) -> str:
        return f"server:{key.name if given is UNSET else given}"

    def _known_room(self, room: str) -> None:
        if not self._rooms.policy.exists(room):
            raise RpcError(ErrorCode.NOT_FOUND, {"room": room})

    def _fits_a_message(self, data: msgspec.Raw) -> None:
        """A publication's data is held to the players' own message limit: every client can then take it, and the
        bus always can (JetStream's ``max_msg_size`` is that limit plus the envelope); bigger is -32005."""
        if len(data) > self._max_message_bytes:
            raise RpcError(ErrorCode.LIMIT_EXCEEDED, {"max_message_bytes": self._max_message_bytes})

    @api_method("room.publish")
    async def publish(self, key: ApiKey, params: RoomPublishParams) -> Published:
        """Publish into a room (stored in its history, fanned out on every node)."""
        self._known_room(params.room)
        self._fits_a_message(params.data)
        stream = room_stream(params.room)
        pub = await self._hub.publish(stream, event_frame(params.room, self._sender(key, params.from_), params.data,
                                                          params.type))
        return Published(stream=stream, epoch=pub.epoch, offset=pub.offset)

    @api_method("room.broadcast")
    async def broadcast(self, key: ApiKey, params: RoomBroadcastParams) -> Broadcast:
        """Publish into each room, in order."""
        if len(params.rooms) > self._config.max_rooms_per_broadcast:
            raise RpcError(ErrorCode.LIMIT_EXCEEDED, {"max_rooms_per_broadcast": self._config.max_rooms_per_broadcast})
        for room in params.rooms:
            self._known_room(room)
        self._fits_a_message(params.data)
        sender = self._sender(key, params.from_)
        published = []
        for room in params.rooms:
            stream = room_stream(room)
            pub = await self._hub.publish(stream, event_frame(room, sender, params.data, params.type))
            published.append(Published(stream=stream, epoch=pub.epoch, offset=pub.offset))
        return Broadcast(published=published)

    @api_method("player.send")
    async def send(self, key: ApiKey, params: PlayerSendParams) -> Published:
        """A direct message to every device of a player."""
        self._fits_a_message(params.data)
        stream = player_stream(params.player_id)
        pub = await self._hub.publish(stream, direct_frame(self._sender(key, params.from_), params.data))
        return Published(stream=stream, epoch=pub.epoch, offset=pub.offset)

    # ----- moderation --------------------------------------------------------------------------------

    @api_method("player.disconnect")
    async def disconnect(self, key: ApiKey, params: PlayerDisconnectParams) -> Disconnected:
        """Every node closes the player's connections; with ``revoke_sessions`` their sessions go first."""
        player = params.player_id
        code = CloseCode.FORBIDDEN if params.code is UNSET else params.code
        if isinstance(params.reason, str):
            reason = params.reason
        else:
            reason = CloseCode(code).reason if code in CloseCode.__members__.values() else "disconnected by the server"
        revoke = params.revoke_sessions is True
        [record] = await self._presence.store.presence([player])
        revoked = 0
        if revoke:  # sessions whose socket is already gone too (resumable until they expire)
            for session in await self._sessions.store.sessions_of(player):
                await self._sessions.store.delete_session(session.session_id)
                revoked += 1
        await self._control.send(Disconnect(player_id=player, code=int(code), reason=reason, revoke=revoke))
        log.info("key %s disconnects player %s (code %d, revoke=%s)", key.name, player, code, revoke)
        return Disconnected(player_id=player, devices=len(record.devices), sessions_revoked=revoked)

    @api_method("player.trace")
    async def trace(self, key: ApiKey, params: PlayerTraceParams) -> TraceStarted:
        """Start collecting the player's frames here; every node is told to send them."""
        longest = self._config.max_trace_seconds
        if longest <= 0:
            raise RpcError(ErrorCode.FORBIDDEN, {"reason": "tracing_disabled"})
        seconds = min(longest, 60.0 if params.seconds is UNSET else params.seconds)
        until = self._wall_clock() + seconds
        collected = await self._traces.open(params.player_id, until)
        await self._control.send(Trace(player_id=params.player_id, trace_id=collected.trace_id, until=until))
        log.info("key %s traces player %s for %.0f s (trace %s)", key.name, params.player_id, seconds,
                 collected.trace_id)
        return TraceStarted(trace_id=collected.trace_id, player_id=params.player_id, until=until)

    @api_method("trace.read")
    async def trace_read(self, key: ApiKey, params: TraceReadParams) -> TraceFrames:
        """Frames collected after ``after``; the payloads only for the admin scope."""
        trace = self._traces.get(params.trace_id)
        if trace is None:
            raise RpcError(ErrorCode.NOT_FOUND, {"trace_id": params.trace_id})
        after = 0 if params.after is UNSET else params.after
        payloads = key.allows("admin")
        frames = [TraceFrame(seq=seq, at=r.at, direction="in" if r.direction == "in" else "out",
                             session_id=r.session_id, node_id=r.node_id, bytes=r.bytes, method=r.method,
                             payload=r.payload if payloads else UNSET)
                  for seq, r in trace.records if seq > after]
        return TraceFrames(trace_id=trace.trace_id, frames=frames, active=self._wall_clock() < trace.until)

    # ----- reading -----------------------------------------------------------------------------------

    @api_method("room.list")
    async def room_list(self, key: ApiKey, params: RoomListParams) -> RoomList:
        """Rooms with members, by name, a page at a time."""
        limit = 100 if params.limit is UNSET else params.limit
        found = await self._presence.store.rooms("" if params.after is UNSET else params.after, limit + 1)
        page = found[:limit]
        return RoomList(rooms=[RoomSummary(room=r.room, players=r.players, connections=r.connections) for r in page],
                        next=page[-1].room if len(found) > limit else UNSET)

    @api_method("room.members")
    async def room_members(self, key: ApiKey, params: RoomMembersParams) -> RoomMembers:
        """The room's members on every node, with presence."""
        found = await self._presence.room_presence(params.room)
        return RoomMembers(room=params.room, players=[
            MemberPresence(player_id=p.player_id, status=p.status, devices=p.devices, custom=p.custom)
            for p in found.players])

    @api_method("room.history")
    async def room_history(self, key: ApiKey, params: RoomHistoryParams) -> RoomHistory:
        """Stored events after ``since_offset`` (from the oldest kept when some were evicted)."""
        stream = room_stream(params.room)
        bus = self._hub.bus
        position = await bus.position(stream)
        since = 0 if params.since_offset is UNSET else min(params.since_offset, position.offset)
        limit = 100 if params.limit is UNSET else params.limit
        complete = True
        try:
            publications = await bus.history(stream, position.epoch, since)
        except HistoryGap:
            complete = False
            try:
                publications = await bus.history(stream, position.epoch,
                                                 max(since, position.offset - self._history_size))
            except HistoryGap:  # moved on meanwhile; the next call catches up
                publications = []
        # Each event's params, as the bytes stored once in the history (a struct typed as an object encodes them).
        events: list[Any] = [_notification.decode(p.frame).params for p in publications[:limit]]
        return RoomHistory(room=params.room, stream=stream, epoch=position.epoch, offset=position.offset,
                           events=events, complete=complete)

    @api_method("state.get")
    async def state_get(self, key: ApiKey, params: StateGetParams) -> RoomState:
        """The room's document and version."""
        state = await self._state.load(params.room)
        return RoomState(room=params.room, version=state.version, document=state.document)

    @api_method("state.update")
    async def state_update(self, key: ApiKey, params: StateUpdateParams) -> StateUpdated:
        """The same commit as a member's ``state.update`` (conflicts, validators, deltas to members)."""
        self._known_room(params.room)
        author = Principal(player_id=f"server:{key.name}", expires_at=None, claims={"server_api_key": key.name})
        version = await self._state.commit(params.room, None if params.base_version is UNSET else params.base_version,
                                           params.patch, author)
        return StateUpdated(room=params.room, version=version)

    @api_method("player.info")
    async def player_info(self, key: ApiKey, params: PlayerInfoParams) -> PlayerInfo:
        """Sessions (connected or resumable), devices, rooms and last seen, from the shared stores."""
        player = params.player_id
        [record] = await self._presence.store.presence([player])
        sessions = await self._sessions.store.sessions_of(player)
        presence = aggregate(player, record)
        return PlayerInfo(
            player_id=player, status=presence.status,
            last_seen=None if record.devices else record.last_seen,
            devices=sorted((DeviceInfo(session_id=d.session_id, status=d.status, node_id=d.node_id,
                                       updated_at=d.updated_at) for d in record.devices),
                           key=lambda d: d.session_id),
            sessions=[SessionInfo(session_id=s.session_id, node_id=s.node_id, rooms=s.rooms, updated_at=s.updated_at)
                      for s in sessions],
            rooms=sorted({room for s in sessions for room in s.rooms}))

    @api_method("key.info")
    async def key_info(self, key: ApiKey, params: KeyInfoParams) -> KeyInfo:
        """Who the caller is."""
        return KeyInfo(name=key.name, scopes=sorted(key.scopes))

    @api_method("node.info")
    async def node_info(self, key: ApiKey, params: NodeInfoParams) -> NodeInfo:
        """The node that answers."""
        return self._reporter.info()

    @api_method("node.list")
    async def node_list(self, key: ApiKey, params: NodeListParams) -> NodeList:
        """Every live node."""
        return NodeList(nodes=await self._reporter.cluster())
