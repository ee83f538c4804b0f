"""Where bots get their tokens: minted from the configured development secret, or from a command.

``DevTokens`` signs HS256 tokens with ``auth.secret`` exactly as ``rtnet token`` does (so the gateway must
run with that secret: the development default, or the one given to both). ``CommandTokens`` is the hook for
a game's own backend: it runs a command with the player id as its last argument and takes the token from
its standard output, so bots can log in the way real players do. In Python, any ``async (player_id) -> str``
is a provider (``realtimenet.bots.swarm.TokenProvider``).
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from typing import Any

from realtimenet.config import AuthConfig
from realtimenet.gateway.auth import TokenVerifier


class DevTokens:
    """Development tokens from the HS256 secret of ``auth`` (``rtnet token``), ``ttl`` seconds long."""

    def __init__(self, auth: AuthConfig, ttl: float | None = None, claims: dict[str, Any] | None = None) -> None:
        self.verifier = TokenVerifier(auth)
        self.ttl = ttl
        self.claims = dict(claims or {})

    async def __call__(self, player_id: str) -> str:
        return self.verifier.mint(player_id, self.ttl, **self.claims)


class TokenCommandError(Exception):
    """Raised when the token command fails, times out or prints nothing."""


def split_command(command: str, platform: str = sys.platform) -> list[str]:
    """A command line as its arguments: POSIX shell rules, or on Windows the usual ones (double quotes group,
    backslashes are path separators), e.g. ``"C:\\Program Files\\Python311\\python.exe" mint.py``."""
    if platform != "win32":
        return shlex.split(command)
    return [part[1:-1] if len(part) >= 2 and part[0] == part[-1] == '"' else part
            for part in shlex.split(command, posix=False)]


class CommandTokens:
    """Runs ``command`` (a command line, split as this platform's shell would) with the player id appended;
    its standard output, stripped, is the token."""

    def __init__(self, command: str, timeout: float = 10.0, platform: str = sys.platform) -> None:
        self.argv = split_command(command, platform)
        if not self.argv:
            raise ValueError("the token command is empty")
        self.timeout = timeout

    async def __call__(self, player_id: str) -> str:
        process = await asyncio.create_subprocess_exec(*self.argv, player_id, stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise TokenCommandError(f"{self.argv[0]} took more than {self.timeout} s") from None
        token = out.decode("utf-8", "replace").strip()
        if process.returncode != 0 or not token:
            detail = err.decode("utf-8", "replace").strip()[:200]
            raise TokenCommandError(f"{self.argv[0]} exited with {process.returncode}"
                                    + (f": {detail}" if detail else "") + ("" if token else " and printed no token"))
        return token.splitlines()[-1].strip()
