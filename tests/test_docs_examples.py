"""The code in README.md and docs/ runs, against a live gateway, as a reader would run it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, GatewayProcess, http_get

JS_DIR = ROOT / "tests/js"
DOCS = ("README.md", "docs/websocket-api.md")
BLOCK = re.compile(r"```(python|javascript|python nats)\n(.*?)```", re.S)


def blocks(doc: str, language: str) -> list[str]:
    return [code for lang, code in BLOCK.findall((ROOT / doc).read_text()) if lang == language]


def run_python(code: str, gw: GatewayProcess) -> str:
    env = {**os.environ, "RTNET_URL": gw.url, "RTNET_TOKEN": gw.token("doc-reader"),
           "RTNET_API_URL": f"http://127.0.0.1:{gw.port}/api"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def run_javascript(code: str, gw: GatewayProcess, token: str) -> str:
    if shutil.which("node") is None or not (JS_DIR / "node_modules/ws").exists():
        pytest.fail("node and tests/js/node_modules/ws are required (make test installs them)")
    prelude = f"globalThis.WebSocket = require('ws');\nconst TOKEN = {token!r};\n"
    program = prelude + code.replace("ws://127.0.0.1:8765", f"ws://127.0.0.1:{gw.port}")
    program += "\nsetTimeout(() => process.exit(3), 10000).unref();\n"
    result = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=30, cwd=JS_DIR)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("doc", DOCS)
def test_python_examples_run(doc: str, gateway: GatewayProcess) -> None:
    examples = blocks(doc, "python")
    assert examples, f"{doc} has no Python example"
    for code in examples:
        out = run_python(code, gateway)
        if "ServerClient" in code:  # the server API's example (README): the gateway answered it
            assert f"node {gateway.node_id} is up" in out
        else:
            assert "server_time" in out or "server time" in out


def test_event_protocol_entities_example_decodes(gateway: GatewayProcess) -> None:
    [code] = blocks("docs/event-protocol.md", "python")
    run_python(code, gateway)  # the example's own assert is the check


def test_session_management_example_resumes(gateway: GatewayProcess) -> None:
    [code] = blocks("docs/session-management.md", "python")
    out = run_python(code, gateway)
    assert "lifecycle: ['reconnecting', 'resumed']" in out and "still in room:lobby" in out


def test_integration_guide_example_publishes_through_nats(tmp_path: Path, gateway_factory: Any) -> None:
    from tests.services import nats_server, redis_server

    redis, nats_ = redis_server(tmp_path).start(), nats_server(tmp_path).start()
    try:
        gw = gateway_factory({"backends": {"store": f"redis://127.0.0.1:{redis.port}/0",
                                           "bus": f"nats://127.0.0.1:{nats_.port}"}})
        deadline = time.monotonic() + 10
        while http_get(gw.ops_url + "/readyz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        listener = gw.connect("alice")
        listener.join("lobby")
        [code] = blocks("docs/integration-guide.md", "python nats")
        env = {**os.environ, "RTNET_NATS_URL": f"nats://127.0.0.1:{nats_.port}"}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env)
        assert result.returncode == 0, result.stderr
        assert "stored as {'stream': 'room:lobby'" in result.stdout
        event = listener.wait_notification("room.event").params
        assert event["from"] == "server:matchmaker" and event["data"] == {"match": "m-42", "ready": True}
        listener.close()
        gw.stop()
    finally:
        nats_.stop()
        redis.stop()


def test_server_api_guide_examples_run_as_written(gateway: GatewayProcess) -> None:
    alice = gateway.connect("alice")
    alice.join("lobby")
    outputs = [run_python(code, gateway) for code in blocks("docs/server-api.md", "python")]
    assert len(outputs) == 4
    assert "stored as room:lobby offset 1" in outputs[0]
    event = alice.wait_notification("room.event").params
    assert (event["from"], event["data"]) == ("server:matchmaker", {"match": "m-42", "ready": True})
    broadcast = alice.wait_notification("room.event").params
    assert (broadcast["type"], broadcast["data"]) == ("season.ending", {"in_minutes": 60})
    assert "arena-1 is at version 1" in outputs[1]
    assert "lobby 1 players: [('alice', 'online')]" in outputs[2] and "cheater-42 is offline" in outputs[2]
    assert f"nodes: [('{gateway.node_id}', 1)]" in outputs[2]
    assert "I am development" in outputs[3] and "[3, 4, 5] then -32602" in outputs[3]
    [curl] = re.findall(r"```sh\n(curl .*?)```", (ROOT / "docs/server-api.md").read_text(), re.S)
    done = subprocess.run(["sh", "-c", curl.replace("127.0.0.1:8765", f"127.0.0.1:{gateway.port}")],
                          capture_output=True, text=True, timeout=30)
    assert '"stream":"room:lobby","epoch"' in done.stdout and '"offset":6' in done.stdout, done.stdout
    assert alice.wait_notification("room.event").params["offset"] == 3
    alice.close()


def test_integration_guide_backend_examples_run_against_make_run_as_written(gateway: GatewayProcess) -> None:
    """`make run`'s gateway (one port, embedded backends, the development key): the guide's examples as printed."""
    alice = gateway.connect("alice")
    alice.join("lobby")
    [code] = blocks("docs/integration-guide.md", "python")
    out = run_python(code, gateway)
    assert "stored as room:lobby offset 1" in out
    event = alice.wait_notification("room.event").params
    assert (event["from"], event["data"]) == ("server:matchmaker", {"match": "m-42", "ready": True})
    direct = alice.wait_notification("direct.message").params
    assert (direct["from"], direct["data"]) == ("server:matchmaker", {"queue": "matched"})
    alice.close()


def test_websocket_api_python_example_prints_what_it_promises(gateway: GatewayProcess) -> None:
    out = run_python(blocks("docs/websocket-api.md", "python")[0], gateway)
    assert "first notification: session.welcome" in out
    assert "error -32601 Method not found {'method': 'no.such.method'}" in out
    assert "batch [{'data': 1}, {'data': 2}]" in out
    assert "closed with 1000 reconnect? False" in out


@pytest.mark.parametrize("doc", DOCS)
def test_javascript_examples_run(doc: str, gateway: GatewayProcess) -> None:
    examples = blocks(doc, "javascript")
    assert examples, f"{doc} has no JavaScript example"
    for code in examples:
        if "ws.close(" not in code:
            code += "\nsetTimeout(() => ws.close(1000), 500);\nws.onclose = () => process.exit(0);\n"
        out = run_javascript(code, gateway, gateway.token("browser"))
        assert "session.welcome" in out


def test_make_run_banner_examples_work(gateway: GatewayProcess) -> None:
    banner = "".join(gateway.stdout_lines)
    assert "Development token for player 'dev-player'" in banner
    python_line = next(line for line in gateway.stdout_lines if "from realtimenet.client import Client" in line)
    command = re.search(r'-c "(.*)"', python_line)
    assert command is not None
    result = subprocess.run([sys.executable, "-c", command.group(1)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "server_time" in result.stdout
    js_lines = [line.strip() for line in gateway.stdout_lines if line.startswith("  const ws") or
                line.strip().startswith("ws.on")]
    assert len(js_lines) == 3
    token = re.search(r"access_token=([\w.-]+)", js_lines[0])
    assert token is not None
    program = "\n".join(js_lines) + "\nsetTimeout(() => process.exit(0), 1000);\n"
    out = run_javascript(program.replace("console.log(JSON.parse(e.data))", "console.log(e.data)"), gateway,
                         token.group(1))
    assert "session.welcome" in out and "server_time" in out


def test_every_close_and_error_code_is_explained_in_the_guide() -> None:
    import json

    guide = (ROOT / "docs/websocket-api.md").read_text()
    spec = json.loads((ROOT / "protocol/openrpc.json").read_text())
    for code in spec["x-close-codes"]:
        assert str(code["code"]) in guide, code
    for code in spec["x-error-codes"]:
        assert str(code["code"]) in guide or code["code"] in range(-32006, -32001), code


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
def test_authentication_examples_issue_rotate_and_retire_keys(algorithm: str, tmp_path: Path,
                                                              gateway_factory: Any) -> None:
    """docs/authentication.md as a backend would run it: make a key and publish its JWKS, configure the gateway
    with the guide's TOML (its JWKS URL pointed at a local file server), sign and connect; publish a second key
    and sign with it without restarting the gateway; retire the first and see its tokens refused."""
    import functools
    import threading
    import tomllib
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    doc = (ROOT / "docs/authentication.md").read_text()
    make_key, sign, retire = blocks("docs/authentication.md", "python")
    [toml] = re.findall(r"```toml\n(.*?)```", doc, re.S)
    keys = tmp_path / "keys"
    keys.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(keys)))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "RTNET_KEYS": str(keys), "RTNET_ALG": algorithm, **env})

    try:
        made = run(make_key, RTNET_KID="k1")
        assert made.returncode == 0, made.stderr
        assert "the JWKS now holds ['k1']" in made.stdout
        settings = tomllib.loads(toml)
        assert settings["auth"]["issuer"] == "https://auth.example.com" and "RS256" in settings["auth"]["algorithms"]
        settings["auth"].update({"jwks_url": f"http://127.0.0.1:{server.server_port}/jwks.json",
                                 "jwks_cache_seconds": 1, "jwks_min_refresh_interval": 2})
        gw = gateway_factory(settings)

        signed = run(sign, RTNET_KID="k1", RTNET_URL=gw.url)
        assert signed.returncode == 0, signed.stderr
        assert "connected as alice with key k1" in signed.stdout and "joined lobby" in signed.stdout

        assert "holds ['k1', 'k2']" in run(make_key, RTNET_KID="k2").stdout  # rotation, step 1
        time.sleep(2.5)  # auth.jwks_cache_seconds (and the refetch interval) pass: every gateway holds k2
        for kid in ("k2", "k1"):  # step 2: the new key works, and the old one still does
            signed = run(sign, RTNET_KID=kid, RTNET_URL=gw.url)
            assert signed.returncode == 0 and f"with key {kid}" in signed.stdout, signed.stderr

        (tmp_path / "old").mkdir()
        shutil.copy(keys / "k1.pem", tmp_path / "old" / "k1.pem")  # a token signed with the retired key
        retired = run(retire, RTNET_RETIRE_KID="k1")
        assert "retired k1 ; the JWKS now holds ['k2']" in retired.stdout and not (keys / "k1.pem").exists()
        deadline = time.monotonic() + 15
        while True:  # the gateway forgets the key at its next fetch (jwks_cache_seconds = 1 here)
            old = run(sign, RTNET_KID="k1", RTNET_KEYS=str(tmp_path / "old"), RTNET_URL=gw.url)
            if old.returncode != 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert old.returncode != 0 and "connect failed (401): unknown_kid" in old.stderr, old.stdout + old.stderr
        assert run(sign, RTNET_KID="k2", RTNET_URL=gw.url).returncode == 0
    finally:
        server.shutdown()
