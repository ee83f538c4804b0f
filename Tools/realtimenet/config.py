"""Gateway configuration: one TOML file, overridden by environment variables, overridden by CLI flags.

Precedence, lowest first: built-in defaults < TOML file (``--config``) < ``RTNET_<SECTION>__<KEY>``
environment variables < command-line flags (``--port``, ``--set section.key=value``). Environment and
``--set`` values are parsed as TOML values (``8765``, ``true``, ``["HS256", "RS256"]``) and fall back to
a plain string. Every error names the offending key (``server.port: Expected `int` <= 65535``).
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from realtimenet.backends.registry import check_urls
from realtimenet.exceptions import ConfigError

DEV_SECRET = "realtimenet-development-secret-not-for-production"
# The server API key `make run` prints (admin scope); only while no `api.keys` are configured, never in production.
DEV_API_KEY = "realtimenet-development-admin-key"
API_SCOPES = ("publish", "moderate", "read", "admin")
ENV_PREFIX = "RTNET_"
_REDACTED = "[redacted]"

def _doc(text: str, *, secret: bool = False, **constraints: Any) -> Meta:
    """Field metadata: the description becomes docs/configuration.md (``rtnet codegen``); a ``secret`` is
    redacted from ``rtnet config`` and from every log line."""
    return Meta(description=text, extra_json_schema={"x-secret": True} if secret else None, **constraints)


class _Section(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class ServerConfig(_Section):
    """Listening sockets, connection limits and timers."""

    environment: Annotated[Literal["development", "production"], _doc(
        "`production` refuses development-only settings (the development secret, short secrets).")] = "development"
    host: Annotated[str, _doc("Public bind address.")] = "127.0.0.1"
    port: Annotated[int, _doc("Public port (WebSocket at /ws); 0 picks a free port.", ge=0, le=65535)] = 8765
    internal_port: Annotated[int, _doc(
        "Port for /healthz, /readyz and /metrics; 0 serves them on the public port.", ge=0, le=65535)] = 0
    internal_host: Annotated[str, _doc("Bind address of the internal port.")] = "127.0.0.1"
    node_id: Annotated[str, _doc("This node's id; empty derives one from host name and pid.")] = ""
    max_connections: Annotated[int, _doc("Open sockets per process; more get HTTP 503 `server_full`.", ge=1)] = 10_000
    max_connections_per_player: Annotated[int, _doc("Devices one player may have connected at once.", ge=1)] = 4
    device_limit_policy: Annotated[Literal["replace_oldest", "reject_new"], _doc(
        "Over the device limit: close the oldest with 4502, or refuse the new one with HTTP 409.")] = "replace_oldest"
    max_message_bytes: Annotated[int, _doc("Largest message (after reassembly); larger closes with 1009.",
                                           ge=256)] = 65_536
    send_queue_max_bytes: Annotated[int, _doc(
        "Per-connection send queue bound; writing pauses at half, overflow closes with 4009.", ge=1024)] = 1_048_576
    send_queue_stall_timeout: Annotated[float, _doc(
        "Seconds a paused send queue may stay paused before 4009.", gt=0)] = 10.0
    heartbeat_interval: Annotated[float, _doc("Seconds of silence before the server pings.", gt=0)] = 15.0
    heartbeat_timeout: Annotated[float, _doc("Seconds to wait for any frame after a ping before 4010.",
                                             gt=0)] = 10.0
    handshake_timeout: Annotated[float, _doc("Seconds a new socket has to finish the HTTP upgrade.", gt=0)] = 5.0
    max_inflight_calls: Annotated[int, _doc(
        "Asynchronous calls one connection may have running; more get -32006.", ge=1)] = 32
    read_buffer_bytes: Annotated[int, _doc("Initial per-socket read buffer (grows on demand).", ge=256)] = 1_024
    write_delay: Annotated[float, _doc(
        "Seconds a socket's outgoing frames wait to be written together. 0 writes them at the end of each event-"
        "loop iteration; a few milliseconds let a busy room's messages share one system call per socket, adding "
        "up to that much latency (docs/performance.md measures it).", ge=0, le=0.1)] = 0.0
    drain_timeout: Annotated[float, _doc(
        "On SIGTERM: seconds connected clients get (after `server.draining`) before the close with 1012.",
        ge=0)] = 30.0
    tls_cert_file: Annotated[str, _doc(
        "PEM certificate chain: serve `wss://` (and https ops endpoints) on the public port itself.")] = ""
    tls_key_file: Annotated[str, _doc("PEM private key of `tls_cert_file`.")] = ""
    workers: Annotated[int, _doc(
        "Processes sharing the public port (SO_REUSEPORT); more than 1 needs Redis and NATS backends.",
        ge=1, le=256)] = 1
    reuse_port: Annotated[bool, _doc(
        "Bind the public port with SO_REUSEPORT (set for `workers` by the supervisor; also for several "
        "instances started by systemd on one port).")] = False


class AuthConfig(_Section):
    """JWT verification at the upgrade and for ``auth.refresh``."""

    algorithms: Annotated[list[Literal["HS256", "RS256", "ES256"]], _doc(
        "Accepted JWT algorithms; `none` can never be listed.")] = msgspec.field(default_factory=lambda: ["HS256"])
    secret: Annotated[str, _doc("HS256 secret (development default; production refuses it).", secret=True)] = DEV_SECRET
    public_key_file: Annotated[str, _doc("PEM public key for RS256/ES256.")] = ""
    jwks_file: Annotated[str, _doc("JWKS document on disk, keys chosen by `kid`.")] = ""
    jwks_url: Annotated[str, _doc(
        "JWKS URL of the studio's auth service (cached; refetched for an unknown `kid`).")] = ""
    jwks_cache_seconds: Annotated[float, _doc("How long fetched JWKS keys are used before a background refresh.",
                                              gt=0)] = 300.0
    jwks_min_refresh_interval: Annotated[float, _doc(
        "Least seconds between two JWKS fetches (bounds what unknown kids can cost).", ge=0)] = 10.0
    jwks_fetch_timeout: Annotated[float, _doc("Seconds one JWKS fetch may take.", gt=0)] = 2.0
    issuer: Annotated[str, _doc("Required `iss`; empty skips the check.")] = ""
    audience: Annotated[str, _doc("Required `aud`; empty skips the check.")] = ""
    leeway: Annotated[float, _doc("Clock-skew allowance in seconds for `exp`, `nbf` and `iat`.", ge=0)] = 30.0
    expiry_grace: Annotated[float, _doc(
        "Seconds a connection whose token expired has to call `auth.refresh` before 4001.", ge=0)] = 30.0
    require_exp: Annotated[bool, _doc("Refuse tokens without `exp`.")] = True
    dev_token_ttl: Annotated[float, _doc("Lifetime of tokens minted by `rtnet token`.", gt=0)] = 3600.0
    allow_dev_secret_off_loopback: Annotated[bool, _doc(
        "Start with the public development secret although `server.host` is not a loopback address (anyone "
        "who read the docs can then mint tokens; for a trusted LAN only).")] = False


class LimitsConfig(_Section):
    """Input sanitising limits for every JSON-RPC frame."""

    max_depth: Annotated[int, _doc("Deepest nesting of arrays and objects.", ge=1)] = 32
    max_string_length: Annotated[int, _doc("Longest string or member name, in characters.", ge=1)] = 16_384
    max_array_length: Annotated[int, _doc("Most elements in an array or members in an object.", ge=1)] = 1_024
    max_batch_size: Annotated[int, _doc("Most requests in one batch.", ge=1)] = 64


class RateLimitConfig(_Section):
    """Per-connection token bucket; a request costs one token, a batch one per item."""

    rate: Annotated[float, _doc("Tokens added per second.", gt=0)] = 100.0
    burst: Annotated[int, _doc("Bucket size: the largest burst allowed.", ge=1)] = 200
    max_violations: Annotated[int, _doc("Refused frames in a row before the connection is closed with 4008.",
                                        ge=1)] = 50


class RoomsConfig(_Section):
    """Which rooms exist and who may join them."""

    known: Annotated[list[str], _doc(
        "Glob patterns of the rooms that exist; joining any other is -32003.")] = msgspec.field(
        default_factory=lambda: ["*"])
    claim: Annotated[str, _doc("JWT claim holding the glob patterns of rooms the player may join.")] = "rooms"
    default_access: Annotated[Literal["allow", "deny"], _doc(
        "Access to known rooms for a token without that claim.")] = "allow"
    policy: Annotated[str, _doc(
        "Optional server-side check `module:function(principal, room) -> bool`, after the claim.")] = ""
    max_rooms_per_connection: Annotated[int, _doc("Rooms one connection may be in at once.", ge=1)] = 32
    history_size: Annotated[int, _doc(
        "Publications kept per stream for replay (room and player streams; JetStream: per subject).", ge=1)] = 1000
    history_max_age: Annotated[float, _doc(
        "Seconds a publication stays in a stream's history (JetStream `max_age`); a client away longer reloads.",
        gt=0)] = 600.0
    history_max_bytes: Annotated[int, _doc(
        "Bytes of history kept for all streams together: the in-memory bus's budget (oldest publications of the "
        "least recently used streams go first) and the JetStream stream's `max_bytes`.", ge=65_536)] = 256 << 20
    history_max_streams: Annotated[int, _doc(
        "Streams the in-memory bus remembers (a direct message to a new player makes one); past it the least "
        "recently used stream nobody follows is forgotten.", ge=16)] = 100_000


class StateConfig(_Section):
    """Versioned room state."""

    tick_rate: Annotated[float, _doc("State deltas are coalesced and broadcast this many times a second.",
                                     gt=0, le=1000)] = 20.0
    max_document_bytes: Annotated[int, _doc("Largest state document (encoded); bigger updates get -32005.",
                                            ge=64)] = 65_536
    log_size: Annotated[int, _doc(
        "Changes kept per room for conflict checks and catch-up deltas (older: snapshot).", ge=1)] = 128
    ttl: Annotated[float, _doc(
        "Seconds a room's state outlives its last update (Redis key expiry; swept in memory); 0 keeps it "
        "forever, which lets any client that may join rooms grow the store without bound.", ge=0)] = 86_400.0
    kept_rooms: Annotated[int, _doc(
        "Rooms whose last committed state a node keeps in memory to start its next commit from (past that, the "
        "room committed longest ago is dropped; each is kept 10 s at most, or `ttl` / 2); 0 reads the store for "
        "every commit.",
        ge=0)] = 1024
    quantize: Annotated[dict[str, dict[str, float]], _doc(
        "Room glob pattern -> {dotted path: step}, where a `*` part stands for any one member name and a named "
        "member wins over `*`: numbers written there are rounded to the step, and changes that round to the held "
        "value are dropped (e.g. `\"match-*\" = {\"players.*.x\" = 0.01}`).")] = (
        msgspec.field(default_factory=dict))
    entities: Annotated[dict[str, dict[str, dict[str, float]]], _doc(
        "Room glob pattern -> {collection: {field: step}}: entity collections whose numeric fields are "
        "quantised to the step and, for members that join with `state_encoding = \"entities\"`, sent "
        "packed as `state.entities` (e.g. `\"match-*\" = {players = {x = 0.01, y = 0.01, rot = 1}}`).")] = (
        msgspec.field(default_factory=dict))
    validators: Annotated[dict[str, str], _doc(
        "Room glob pattern -> `module:function(room, principal, before, patch, after)` that raises "
        "ValueError (or returns False) to refuse an update.")] = msgspec.field(default_factory=dict)


class PresenceConfig(_Section):
    """Presence of players across devices and nodes."""

    ttl: Annotated[float, _doc(
        "Seconds a device's presence lives without a refresh: a crashed node's players go offline within it.",
        gt=0)] = 30.0
    max_custom_bytes: Annotated[int, _doc("Largest custom status payload.", ge=0)] = 1024
    last_seen_ttl: Annotated[float, _doc(
        "Seconds a player's last-seen time is remembered after their last device left.", gt=0)] = 30 * 86_400.0
    last_seen_max_players: Annotated[int, _doc(
        "Players whose last-seen time the in-memory store keeps (about 150 bytes each); past it the longest gone "
        "are forgotten first. Redis keeps every one for `last_seen_ttl`.", ge=1)] = 100_000
    resume_grace: Annotated[float, _doc(
        "Seconds a dropped device keeps its presence (status, custom payload, room memberships) for a resume: "
        "resumed within it, on any node, nobody sees it leave and come back; else the members are told it left "
        "when it runs out. 0 tells them at once. Capped at `sessions.ttl` and at two thirds of `presence.ttl` "
        "(the device entry must outlive it).",
        ge=0)] = 10.0


class FaultsConfig(_Section):
    """Fault-injection mode, the "mock server" of client functional tests. Never in production."""

    enabled: Annotated[bool, _doc("Offer `fault.inject` (refused with server.environment = production).")] = False
    admin_claim: Annotated[str, _doc("JWT claim that must be true for a caller of `fault.inject`.")] = "rtnet_admin"
    seed: Annotated[int, _doc("Seed of the random drops, so a failing test replays exactly.")] = 0


class SessionsConfig(_Section):
    """Session records and resume tokens."""

    ttl: Annotated[float, _doc("Seconds a lost session stays resumable (and a resume token valid).", gt=0)] = 120.0


class BackendsConfig(_Section):
    """Where sessions, presence and state live, and how publications travel between nodes."""

    store: Annotated[str, _doc(
        "`memory` (one process) or `redis://host:port/db` (shared by every node); Redis Cluster: several seeds "
        "`redis://a:7000,b:7001,c:7002` or `?cluster=true` (docs/deployment.md). A node keeps up to 64 "
        "connections to one Redis server (`?max_connections=N`); a command waits up to 2 s for a free one.")] = "memory"
    bus: Annotated[str, _doc(
        "`memory` (one process) or `nats://host:port` (JetStream, shared by every node); a NATS cluster: "
        "`nats://a:4222,b:4222,c:4222?replicas=3` (stream replicas).")] = "memory"
    prefix: Annotated[str, _doc("Prefix of every Redis key and NATS subject/stream, so deployments can share "
                                "servers.")] = "rtnet"
    check_interval: Annotated[float, _doc("Seconds between backend health checks (/readyz).", gt=0)] = 2.0


class ApiKeyConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One server API key: its secret and what it may do."""

    secret: Annotated[str, Meta(min_length=16, extra_json_schema={"x-secret": True},
                                description="The key itself (sent as `Authorization: apikey <secret>`).")]
    scopes: Annotated[list[Literal["publish", "moderate", "read", "admin"]], Meta(
        min_length=1, description="What the key may call (protocol/server-api.openrpc.json `x-scope`); admin: all.")]


class ApiConfig(_Section):
    """The server API (`POST /api`) and the admin console (`/admin`): on the internal port when one is set."""

    keys: Annotated[dict[str, ApiKeyConfig], _doc(
        "Named API keys: `{matchmaker = {secret = \"...\", scopes = [\"publish\", \"read\"]}}`. With none, a "
        "development environment accepts the development admin key `make run` prints.")] = msgspec.field(
        default_factory=dict)
    max_body_bytes: Annotated[int, _doc("Largest `POST /api` body; larger gets HTTP 413.", ge=1024)] = 1_048_576
    max_batch_size: Annotated[int, _doc("Most calls in one `POST /api` batch.", ge=1)] = 100
    max_rooms_per_broadcast: Annotated[int, _doc("Most rooms one `room.broadcast` may name.", ge=1)] = 1_000
    max_trace_seconds: Annotated[float, _doc(
        "Longest `player.trace` (frames of one player mirrored to the console); 0 disables tracing.",
        ge=0)] = 300.0


class LogConfig(_Section):
    """Logging."""

    level: Annotated[Literal["debug", "info", "warning", "error"], _doc("Log level.")] = "info"
    json: Annotated[bool, _doc("One JSON object per log line.")] = False


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The whole gateway configuration."""

    server: ServerConfig = msgspec.field(default_factory=ServerConfig)
    auth: AuthConfig = msgspec.field(default_factory=AuthConfig)
    limits: LimitsConfig = msgspec.field(default_factory=LimitsConfig)
    rate_limit: RateLimitConfig = msgspec.field(default_factory=RateLimitConfig)
    rooms: RoomsConfig = msgspec.field(default_factory=RoomsConfig)
    state: StateConfig = msgspec.field(default_factory=StateConfig)
    presence: PresenceConfig = msgspec.field(default_factory=PresenceConfig)
    sessions: SessionsConfig = msgspec.field(default_factory=SessionsConfig)
    faults: FaultsConfig = msgspec.field(default_factory=FaultsConfig)
    backends: BackendsConfig = msgspec.field(default_factory=BackendsConfig)
    api: ApiConfig = msgspec.field(default_factory=ApiConfig)
    log: LogConfig = msgspec.field(default_factory=LogConfig)


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _set(tree: dict[str, Any], dotted: str, value: Any, origin: str) -> None:
    parts = dotted.split(".")
    if len(parts) != 2 or not all(parts):
        raise ConfigError(f"{origin}: expected section.key, got {dotted!r}")
    section = tree.setdefault(parts[0], {})
    if not isinstance(section, dict):
        raise ConfigError(f"{parts[0]}: expected a table")
    section[parts[1]] = value


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, text in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX):].lower().partition("__")
        _set(tree, f"{section}.{key}", _parse_value(text), f"environment variable {name}")
    return tree


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> None:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


_PATH_RE = re.compile(r"^(?P<msg>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.S)


def _did_you_mean(section: str, name: str) -> str:
    """``; did you mean server.port?`` for a typo of a known section or key, else nothing."""
    fields = msgspec.structs.fields(Config)
    if not section:
        known = [f.name for f in fields]
    else:
        found = next((f.type for f in fields if f.name == section), None)
        known = [f.name for f in msgspec.structs.fields(found)] if found is not None else []
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {section + '.' if section else ''}{close[0]}?" if close else ""


def _validate(tree: dict[str, Any]) -> Config:
    try:
        config = msgspec.convert(tree, Config)
    except msgspec.ValidationError as exc:
        match = _PATH_RE.match(str(exc))
        assert match is not None
        path, msg = match["path"], match["msg"]
        unknown = re.match(r"Object contains unknown field `([^`]+)`", msg)
        if unknown:
            key = f"{path}.{unknown[1]}" if path else unknown[1]
            raise ConfigError(f"{key}: unknown key{_did_you_mean(path, unknown[1])}") from None
        raise ConfigError(f"{path or '(root)'}: {msg}") from None
    _check_semantics(config)
    return config


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _check_semantics(config: Config) -> None:
    auth, server = config.auth, config.server
    if not auth.algorithms:
        raise ConfigError("auth.algorithms: at least one algorithm is required")
    asymmetric = [a for a in auth.algorithms if a != "HS256"]
    if asymmetric and not (auth.public_key_file or auth.jwks_file or auth.jwks_url):
        raise ConfigError(
            f"auth.algorithms: {', '.join(asymmetric)} needs auth.public_key_file, auth.jwks_file "
            "or auth.jwks_url")
    if "HS256" in auth.algorithms and not auth.secret:
        raise ConfigError("auth.secret: HS256 needs a secret")
    if server.environment == "production":
        if "HS256" in auth.algorithms and auth.secret == DEV_SECRET:
            raise ConfigError("auth.secret: the development secret cannot be used in production")
        if len(auth.secret) < 32 and "HS256" in auth.algorithms:
            raise ConfigError("auth.secret: must be at least 32 characters in production")
        if config.faults.enabled:
            raise ConfigError("faults.enabled: fault injection is refused in production")
        for name, key in config.api.keys.items():
            if key.secret == DEV_API_KEY or len(key.secret) < 32:
                raise ConfigError(f"api.keys.{name}.secret: at least 32 characters, not the development key, "
                                  "in production")
    secrets = [key.secret for key in config.api.keys.values()]
    if len(set(secrets)) != len(secrets):
        raise ConfigError("api.keys: two keys share one secret (each key must be told apart)")
    if ("HS256" in auth.algorithms and auth.secret == DEV_SECRET and not _is_loopback(server.host)
            and not auth.allow_dev_secret_off_loopback):
        raise ConfigError(
            f"auth.secret: the public development secret would accept tokens anyone can mint on {server.host}; "
            "set auth.secret (rtnet genconfig writes one), bind 127.0.0.1, or set "
            "auth.allow_dev_secret_off_loopback = true")
    check_urls(config.backends.store, config.backends.bus)
    if server.internal_port and server.internal_port == server.port:
        raise ConfigError("server.internal_port: must differ from server.port (or be 0)")


def load_config(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the configuration from a TOML file, the environment and CLI overrides (``section.key``)."""
    tree: dict[str, Any] = {}
    if path:
        try:
            with open(path, "rb") as fh:
                tree = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    _merge(tree, _env_overrides(os.environ if environ is None else environ))
    cli: dict[str, Any] = {}
    for dotted, value in (overrides or {}).items():
        _set(cli, dotted, _parse_value(value) if isinstance(value, str) else value, f"--set {dotted}")
    _merge(tree, cli)
    return _validate(tree)


def secret_keys() -> set[tuple[str, str]]:
    """(section, key) of every option marked secret."""
    schema = msgspec.json.schema(Config)
    defs = schema["$defs"]
    keys = set()
    for section, ref in defs["Config"]["properties"].items():
        for name, prop in defs[ref["$ref"].rsplit("/", 1)[1]]["properties"].items():
            if prop.get("x-secret"):
                keys.add((section, name))
    return keys


def secret_members() -> set[tuple[str, str, str]]:
    """(section, key, member) of every secret member of a table of tables (``api.keys.<name>.secret``)."""
    schema = msgspec.json.schema(Config)
    defs = schema["$defs"]
    members = set()
    for section, ref in defs["Config"]["properties"].items():
        for name, prop in defs[ref["$ref"].rsplit("/", 1)[1]]["properties"].items():
            entry = prop.get("additionalProperties")
            if isinstance(entry, dict) and "$ref" in entry:
                for member, sub in defs[entry["$ref"].rsplit("/", 1)[1]]["properties"].items():
                    if sub.get("x-secret"):
                        members.add((section, name, member))
    return members


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, dict):
        return [v for item in value.values() for v in _values(item)]
    if isinstance(value, list):
        return [v for item in value for v in _values(item)]
    return []


def secrets_of(config: Config) -> list[str]:
    """The configured secret values (to redact them from logs)."""
    tree = msgspec.to_builtins(config)
    nested = [entry[member] for section, key, member in secret_members() for entry in tree[section][key].values()
              if entry.get(member)]
    return [v for section, key in secret_keys() for v in _values(tree[section][key])] + nested


def to_toml(config: Config, redact: bool = True) -> str:
    """Render a configuration as TOML (``rtnet config``), every key explicit; secrets show as
    ``"[redacted]"`` unless ``redact`` is False."""
    hidden = secret_keys() if redact else set()
    hidden_members = secret_members() if redact else set()
    lines: list[str] = []
    for section, values in msgspec.to_builtins(config).items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            shown: Any = _REDACTED if (section, key) in hidden and value else value
            for _, _, member in (m for m in hidden_members if m[:2] == (section, key)):
                shown = {name: {**entry, member: _REDACTED} for name, entry in shown.items()}
            lines.append(f"{key} = {toml_value(shown)}")
        lines.append("")
    return "\n".join(lines)


def toml_value(value: Any) -> str:
    """A Python value as a TOML value (inline tables for dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_value(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    return msgspec.json.encode(str(value)).decode()
