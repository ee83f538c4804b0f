"""``rtnet``: run the gateway, mint development tokens, generate code from the protocol description, run
headless players against a gateway (``rtnet bots``), and lint, build and test the Unreal plugin (``rtnet ue``)."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

from realtimenet.bots.cli import add_bots_parser
from realtimenet.config import Config, load_config, secrets_of, to_toml
from realtimenet.demo import add_demo_parser
from realtimenet.exceptions import ConfigError
from realtimenet.ue.cli import add_ue_parser


def _config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", "-c", help="TOML configuration file")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override one key (repeatable); VALUE is a TOML value or a plain string")


def _load(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> Config:
    overrides: dict[str, Any] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: expected SECTION.KEY=VALUE")
        overrides[key.strip()] = value
    overrides.update({k: v for k, v in (extra or {}).items() if v is not None})
    return load_config(args.config, overrides=overrides)


def _setup_logging(config: Config) -> None:
    from realtimenet import logs

    logs.setup(config.log.level, config.log.json, secrets_of(config))


def _banner(config: Config, gateway: Any) -> None:
    from realtimenet.gateway.auth import TokenVerifier

    host, port = config.server.host, gateway.ports["public"]
    ops_port = gateway.ports.get("internal", port)
    print(f"RealtimeNet gateway {gateway.node.node_id} listening on ws://{host}:{port}/ws", flush=True)
    print(f"  health  http://{config.server.internal_host if config.server.internal_port else host}:"
          f"{ops_port}/healthz   readiness /readyz   metrics /metrics", flush=True)
    api_host = config.server.internal_host if config.server.internal_port else host
    dev_key = gateway.node.api.keyring.development_key
    print(f"  server API  POST http://{api_host}:{ops_port}/api   admin console http://{api_host}:{ops_port}/admin",
          flush=True)
    if dev_key:
        print(f"  development admin key (both): Authorization: apikey {dev_key}", flush=True)
    if config.server.environment == "development" and "HS256" in config.auth.algorithms:
        token = TokenVerifier(config.auth).mint("dev-player")
        url = f"ws://{host}:{port}/ws?access_token={token}"
        print("\nDevelopment token for player 'dev-player' (valid "
              f"{int(config.auth.dev_token_ttl)} s):\n  {token}\n", flush=True)
        print("Connect from a browser console:", flush=True)
        print(f"  const ws = new WebSocket('{url}');\n"
              "  ws.onmessage = e => console.log(JSON.parse(e.data));\n"
              "  ws.onopen = () => ws.send(JSON.stringify({jsonrpc: '2.0', id: 1, method: 'sys.ping', "
              "params: {}}));", flush=True)
        print("\nConnect from Python:", flush=True)
        print("  .venv/bin/python -c \"from realtimenet.client import Client; "
              f"c = Client.connect('ws://{host}:{port}/ws', '{token}'); "
              "print(c.call('sys.ping', {})); c.close()\"\n", flush=True)
    # Last, so that whoever waits for it (tests, scripts) has the whole banner.
    ready = {"event": "ready", "node_id": gateway.node.node_id, "port": port, "internal_port": ops_port}
    print("READY " + json.dumps(ready), flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    from realtimenet.gateway.server import run

    extra = {"server.host": args.host, "server.port": args.port, "server.workers": args.workers}
    if args.sample and not any(item.startswith("state.entities=") for item in args.set):
        from realtimenet.demo import SAMPLE_ENTITIES

        extra["state.entities"] = SAMPLE_ENTITIES
    config = _load(args, extra)
    _setup_logging(config)
    if config.server.workers > 1:
        from realtimenet.gateway.workers import Supervisor

        return Supervisor(config, sys.argv[1:]).run()
    try:
        run(config, on_ready=lambda gw: _banner(config, gw))
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise
        print(f"rtnet: cannot listen on {config.server.host}:{config.server.port}: {os.strerror(exc.errno).lower()}"
              f"{' (is another gateway running? pick another with --port)' if exc.errno == errno.EADDRINUSE else ''}",
              file=sys.stderr)
        return 1
    return 0


_SET_BY_FLAGS = {"sub": "--sub", "exp": "--ttl", "iat": "--ttl", "nbf": "--ttl"}


def token_claims(config: Config, items: list[str], rooms: list[str]) -> dict[str, Any]:
    """The extra claims of ``rtnet token``: ``NAME=VALUE`` items (VALUE is JSON, or else a plain string) and
    ``--room`` patterns; ConfigError for a claim the gateway would refuse or read differently."""
    claims: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--claim {item!r}: expected NAME=VALUE")
        if name in _SET_BY_FLAGS:
            raise ConfigError(f"--claim {name}: set it with {_SET_BY_FLAGS[name]}")
        try:
            claims[name] = json.loads(value)
        except json.JSONDecodeError:
            claims[name] = value
    room_claim = config.rooms.claim
    if rooms:
        claims[room_claim] = [*(claims.get(room_claim) or []), *rooms]
    patterns = claims.get(room_claim)
    if patterns is not None and not (isinstance(patterns, list) and all(isinstance(p, str) for p in patterns)):
        raise ConfigError(f"--claim {room_claim}: the gateway reads it as a list of room patterns; write "
                          f"--claim '{room_claim}=[\"lobby\", \"match-*\"]' or --room lobby --room 'match-*'")
    admin = config.faults.admin_claim
    if admin in claims and claims[admin] is not True:
        raise ConfigError(f"--claim {admin}: the gateway only honours {admin}=true")
    for name, required in (("iss", config.auth.issuer), ("aud", config.auth.audience)):
        if name in claims and required and claims[name] != required:
            raise ConfigError(f"--claim {name}: the gateway requires {name} = {required!r} (auth.{name}"
                              f"{'uer' if name == 'iss' else 'ience'}); leave it out to get that")
    return claims


def cmd_token(args: argparse.Namespace) -> int:
    from realtimenet.gateway.auth import TokenVerifier

    config = _load(args)
    claims = token_claims(config, args.claim, args.room)
    print(TokenVerifier(config.auth).mint(args.sub, args.ttl, **claims))
    return 0


def cmd_codegen(args: argparse.Namespace) -> int:
    from realtimenet.codegen import check, generate

    root = Path(args.root)
    if args.check:
        stale = check(root)
        for path in stale:
            print(f"stale generated file: {path} (run `rtnet codegen`)", file=sys.stderr)
        return 1 if stale else 0
    for path in generate(root):
        print(f"wrote {path}")
    return 0


def cmd_genconfig(args: argparse.Namespace) -> int:
    from realtimenet.genconfig import production_config

    text = production_config()
    if args.output == "-":
        print(text, end="")
        return 0
    path = Path(args.output)
    if path.exists() and not args.force:
        print(f"rtnet: {path} exists; pass --force to replace it", file=sys.stderr)
        return 1
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)  # it holds the JWT secret and the API keys
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} (mode 600): a fresh auth.secret and API keys; edit the hosts and backends")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    print(to_toml(_load(args)), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rtnet", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway")
    _config_args(serve)
    serve.add_argument("--host", help="bind address (server.host)")
    serve.add_argument("--port", type=int, help="public port (server.port); 0 picks a free one")
    serve.add_argument("--workers", type=int, help="processes sharing the port, e.g. one per core (server.workers)")
    serve.add_argument("--sample", action="store_true",
                       help="declare the sample rooms' moving players as entities (arena-*), as `rtnet demo` does")
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="mint a development token from the configured HS256 secret")
    _config_args(token)
    token.add_argument("--sub", required=True, help="player id")
    token.add_argument("--ttl", type=float, help="lifetime in seconds (auth.dev_token_ttl)")
    token.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE",
                       help="extra claim; VALUE is JSON (true, 3, [\"a\"]) or else a plain string")
    token.add_argument("--room", action="append", default=[], metavar="PATTERN",
                       help="a room pattern the player may join (adds to the rooms claim; repeatable)")
    token.set_defaults(func=cmd_token)

    codegen = sub.add_parser("codegen", help="generate code and docs from protocol/openrpc.json")
    codegen.add_argument("--check", action="store_true", help="fail if a generated file is stale")
    codegen.add_argument("--root", default=".", help="repository root")
    codegen.set_defaults(func=cmd_codegen)

    genconfig = sub.add_parser("genconfig", help="write a production configuration with a fresh secret and API keys")
    genconfig.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
    genconfig.add_argument("--force", action="store_true", help="replace an existing file")
    genconfig.set_defaults(func=cmd_genconfig)

    config = sub.add_parser("config", help="validate and print the effective configuration")
    _config_args(config)
    config.set_defaults(func=cmd_config)

    add_bots_parser(sub, _config_args, _load)  # rtnet bots
    add_demo_parser(sub)  # rtnet demo
    add_ue_parser(sub)  # rtnet ue lint | build | test | report
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"rtnet: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
