"""Configuration: precedence, validation messages naming the key, production guards, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from realtimenet.config import DEV_SECRET, load_config
from realtimenet.exceptions import ConfigError


def test_defaults_serve_make_run() -> None:
    config = load_config(environ={})
    assert (config.server.host, config.server.port) == ("127.0.0.1", 8765)
    assert config.auth.algorithms == ["HS256"] and config.auth.secret == DEV_SECRET


def test_precedence_defaults_file_env_cli(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('[server]\nport = 9001\nmax_connections = 50\nheartbeat_interval = 5.0\n'
                    '[rate_limit]\nrate = 10\n')
    env = {"RTNET_SERVER__PORT": "9002", "RTNET_SERVER__MAX_CONNECTIONS": "60",
           "RTNET_AUTH__ALGORITHMS": '["HS256"]', "UNRELATED": "x"}
    config = load_config(path, environ=env, overrides={"server.port": "9003"})
    assert config.server.port == 9003  # CLI beats env
    assert config.server.max_connections == 60  # env beats file
    assert config.server.heartbeat_interval == 5.0  # file beats default
    assert config.rate_limit.rate == 10.0
    assert config.server.max_message_bytes == 65_536  # default


@pytest.mark.parametrize(
    ("env", "overrides", "message"),
    [
        ({"RTNET_SERVER__PORT": "70000"}, {}, "server.port: Expected `int` <= 65535"),
        ({}, {"server.prot": "1"}, "server.prot: unknown key; did you mean server.port?"),
        ({}, {"server.hartbeat_timeout": "1"}, "did you mean server.heartbeat_timeout?"),
        ({}, {"sever.port": "1"}, "sever: unknown key; did you mean server?"),
        ({}, {"nosuch.key": "1"}, "nosuch: unknown key"),
        ({}, {"server.port": "eighty"}, "server.port: Expected `int`, got `str`"),
        ({}, {"server.heartbeat_interval": "0"}, "server.heartbeat_interval: Expected `float` > 0"),
        ({}, {"server.device_limit_policy": "kick"}, "server.device_limit_policy: Invalid enum value 'kick'"),
        ({}, {"auth.algorithms": '["none"]'}, "auth.algorithms[0]: Invalid enum value 'none'"),
        ({}, {"auth.algorithms": '["RS256"]'}, "auth.algorithms: RS256 needs auth.public_key_file"),
        ({"RTNET_SERVER__ENVIRONMENT": "production"}, {}, "auth.secret: the development secret cannot"),
        ({"RTNET_SERVER__ENVIRONMENT": "production"}, {"auth.secret": "short"}, "at least 32 characters"),
        ({}, {"server.port": "9000", "server.internal_port": "9000"}, "server.internal_port: must differ"),
        ({}, {"server.host": "0.0.0.0"}, "auth.secret: the public development secret would accept tokens"),
        ({}, {"server.host": "192.168.1.20"}, "set auth.secret (rtnet genconfig writes one), bind 127.0.0.1"),
        ({}, {"server.host": "gateway.lan"}, "auth.allow_dev_secret_off_loopback = true"),
    ],
)
def test_validation_names_the_bad_key(env: dict[str, str], overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(environ=env, overrides=overrides)
    assert message in str(info.value)


def test_bad_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[server\nport=")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(bad, environ={})


def test_cli_reports_config_errors_with_exit_code_2() -> None:
    result = subprocess.run([sys.executable, "-m", "realtimenet.cli", "serve", "--set", "server.port=-1"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "configuration error: server.port: Expected `int` >= 0" in result.stderr


def test_cli_config_prints_the_effective_configuration() -> None:
    result = subprocess.run([sys.executable, "-m", "realtimenet.cli", "config", "--set", "server.port=9100"],
                            capture_output=True, text=True, timeout=30, env={"RTNET_LOG__LEVEL": "debug",
                                                                             "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert "port = 9100" in result.stdout and 'level = "debug"' in result.stdout


def test_rtnet_token_mints_a_token_the_gateway_accepts() -> None:
    from realtimenet.gateway.auth import TokenVerifier

    result = subprocess.run([sys.executable, "-m", "realtimenet.cli", "token", "--sub", "alice", "--ttl", "120",
                             "--claim", "role=admin", "--claim", 'rooms=["lobby"]'],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    principal = TokenVerifier(load_config(environ={}).auth).verify(result.stdout.strip())
    assert principal.player_id == "alice"
    assert principal.claims["role"] == "admin" and principal.claims["rooms"] == ["lobby"]
    assert principal.expires_at is not None and principal.expires_at - principal.claims["iat"] == 120


def test_the_development_secret_is_fine_on_loopback_or_when_allowed() -> None:
    for host in ("127.0.0.1", "::1", "localhost", "127.1.2.3"):
        assert load_config(environ={}, overrides={"server.host": host}).server.host == host
    allowed = load_config(environ={}, overrides={"server.host": "0.0.0.0", "auth.allow_dev_secret_off_loopback": "true"})
    assert allowed.server.host == "0.0.0.0"
    own_secret = load_config(environ={}, overrides={"server.host": "0.0.0.0", "auth.secret": "s" * 40})
    assert own_secret.server.host == "0.0.0.0"
