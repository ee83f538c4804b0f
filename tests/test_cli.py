"""``rtnet`` as a new user meets it: clear one-line failures, typed token claims, redacted secrets, and
``make run HOST=… PORT=…``."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
from pathlib import Path

import pytest

from realtimenet.config import DEV_SECRET, load_config
from tests.conftest import ROOT, RTNET


def rtnet(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RTNET, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def _claims(token: str) -> dict[str, object]:
    payload = token.strip().split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def test_config_prints_every_key_but_no_secret(tmp_path: Path) -> None:
    secret = "s3cr3t-" + "x" * 40
    path = tmp_path / "gateway.toml"
    path.write_text(f'[auth]\nsecret = "{secret}"\n')
    result = rtnet("config", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout and DEV_SECRET not in result.stdout
    assert 'secret = "[redacted]"' in result.stdout
    assert "heartbeat_interval = 15.0" in result.stdout  # everything else is shown


def test_token_takes_typed_claims_and_refuses_what_the_gateway_would() -> None:
    good = rtnet("token", "--sub", "alice", "--room", "lobby", "--room", "match-*", "--claim", "team=red",
                 "--claim", "level=3")
    assert good.returncode == 0, good.stderr
    claims = _claims(good.stdout)
    assert (claims["rooms"], claims["team"], claims["level"]) == (["lobby", "match-*"], "red", 3)
    listed = rtnet("token", "--sub", "alice", "--claim", 'rooms=["lobby"]')
    assert _claims(listed.stdout)["rooms"] == ["lobby"]
    for bad, says in ((["--claim", "rooms=lobby"], "--room lobby"),
                      (["--claim", "rooms=[1, 2]"], "list of room patterns"),
                      (["--claim", "exp=1"], "set it with --ttl"),
                      (["--claim", "sub=bob"], "set it with --sub"),
                      (["--claim", "novalue"], "expected NAME=VALUE")):
        result = rtnet("token", "--sub", "alice", *bad)
        assert result.returncode == 2 and says in result.stderr, (bad, result.stderr)
        assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1


def test_a_port_in_use_is_one_clear_line_and_a_failing_exit() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = rtnet("serve", "--port", str(port), timeout=30)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"rtnet: cannot listen on 127.0.0.1:{port}: address already in use "
                     "(is another gateway running? pick another with --port)"]


def test_the_development_secret_refuses_a_public_address() -> None:
    result = rtnet("serve", "--host", "0.0.0.0", "--port", "0")  # refused before anything binds
    assert result.returncode == 2
    assert "auth.allow_dev_secret_off_loopback" in result.stderr and "Traceback" not in result.stderr


def test_make_run_passes_host_and_port() -> None:
    result = subprocess.run(["make", "-s", "--no-print-directory", "-n", "run", "HOST=10.1.2.3", "PORT=9100"], capture_output=True, text=True,
                            cwd=ROOT, timeout=30)
    assert "rtnet serve --host 10.1.2.3 --port 9100" in result.stdout
    plain = subprocess.run(["make", "-s", "--no-print-directory", "-n", "run"], capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert plain.stdout.strip().splitlines()[-1].endswith("rtnet serve")


@pytest.mark.parametrize("typo", ["server.prot=1", "sever.port=1"])
def test_a_config_typo_gets_a_suggestion(typo: str) -> None:
    result = rtnet("config", "--set", typo)
    assert result.returncode == 2 and "did you mean" in result.stderr


def test_config_secrets_are_found_for_redaction() -> None:
    from realtimenet.config import secrets_of

    assert secrets_of(load_config(environ={}, overrides={"auth.secret": "x" * 40})) == ["x" * 40]


def test_config_redacts_api_keys_and_only_their_secrets_count_as_secrets(tmp_path: Path) -> None:
    from realtimenet.config import secrets_of

    key = "k3y-" + "y" * 40
    path = tmp_path / "gateway.toml"
    path.write_text(f'[api.keys.matchmaker]\nsecret = "{key}"\nscopes = ["publish"]\n')
    result = subprocess.run([*RTNET, "config", "-c", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert key not in result.stdout
    assert 'keys = {"matchmaker" = {"secret" = "[redacted]", "scopes" = ["publish"]}}' in result.stdout
    secrets = secrets_of(load_config(path, environ={}))
    assert key in secrets and "publish" not in secrets and "matchmaker" not in secrets
