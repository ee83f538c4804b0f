"""``rtnet``: run the gateway, mint development tokens, generate code from the protocol description, and
lint, build and test the Unreal plugin (``rtnet ue``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from realtimenet.config import Config, load_config, to_toml
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
    level = getattr(logging, config.log.level.upper())
    fmt = ('{"t":"%(asctime)s","level":"%(levelname)s","logger":"%(name)s","msg":%(message)r}'
           if config.log.json else "%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr)
    # picows logs every accepted socket at INFO; keep that for --set log.level=debug.
    logging.getLogger("picows").setLevel(level if level <= logging.DEBUG else logging.WARNING)


def _banner(config: Config, gateway: Any) -> None:
    from realtimenet.gateway.auth import TokenVerifier

    host, port = config.server.host, gateway.ports["public"]
    ops_port = gateway.ports.get("internal", port)
    print(f"RealtimeNet gateway {gateway.node.node_id} listening on ws://{host}:{port}/ws", flush=True)
    print(f"  health  http://{config.server.internal_host if config.server.internal_port else host}:"
          f"{ops_port}/healthz   readiness /readyz   metrics /metrics", flush=True)
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

    config = _load(args, {"server.host": args.host, "server.port": args.port, "server.workers": args.workers})
    _setup_logging(config)
    if config.server.workers > 1:
        from realtimenet.gateway.workers import Supervisor

        return Supervisor(config, sys.argv[1:]).run()
    run(config, on_ready=lambda gw: _banner(config, gw))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from realtimenet.gateway.auth import TokenVerifier

    config = _load(args)
    claims: dict[str, Any] = {}
    for item in args.claim:
        key, _, value = item.partition("=")
        try:
            claims[key] = json.loads(value)
        except json.JSONDecodeError:
            claims[key] = value
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
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="mint a development token from the configured HS256 secret")
    _config_args(token)
    token.add_argument("--sub", required=True, help="player id")
    token.add_argument("--ttl", type=float, help="lifetime in seconds (auth.dev_token_ttl)")
    token.add_argument("--claim", action="append", default=[], metavar="NAME=JSON", help="extra claim")
    token.set_defaults(func=cmd_token)

    codegen = sub.add_parser("codegen", help="generate code and docs from protocol/openrpc.json")
    codegen.add_argument("--check", action="store_true", help="fail if a generated file is stale")
    codegen.add_argument("--root", default=".", help="repository root")
    codegen.set_defaults(func=cmd_codegen)

    config = sub.add_parser("config", help="validate and print the effective configuration")
    _config_args(config)
    config.set_defaults(func=cmd_config)

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
