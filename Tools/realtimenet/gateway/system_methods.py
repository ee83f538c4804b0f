"""The methods every gateway has: ``sys.ping``, ``sys.echo`` and ``auth.refresh``."""

from __future__ import annotations

import time

from msgspec import UNSET

from realtimenet.exceptions import AuthError, RpcError
from realtimenet.gateway.auth import TokenVerifier
from realtimenet.gateway.caller import Caller
from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.router import method
from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.messages import (
    AuthRefreshParams,
    Echo,
    Pong,
    SysEchoParams,
    SysPingParams,
    TokenInfo,
)


class SystemService:
    """Liveness, echo and token refresh."""

    def __init__(self, verifier: TokenVerifier, metrics: Metrics) -> None:
        self._verifier = verifier
        self._metrics = metrics

    @method("sys.ping")
    def ping(self, caller: Caller, params: SysPingParams) -> Pong:
        """Server time in Unix milliseconds, and the caller's own time echoed back."""
        return Pong(server_time=time.time() * 1000.0, client_time=params.client_time)

    @method("sys.echo")
    def echo(self, caller: Caller, params: SysEchoParams) -> Echo:
        """The request's data, forwarded as the raw bytes it arrived as."""
        return Echo(data=params.data)

    @method("auth.refresh")
    async def refresh(self, caller: Caller, params: AuthRefreshParams) -> TokenInfo:
        """Swap the connection's token for a fresh one naming the same player."""
        try:
            principal = await self._verifier.verify_waiting(params.token)
        except AuthError as exc:
            self._metrics.auth_failed(exc.reason, exc.detail)
            raise RpcError(ErrorCode.UNAUTHORIZED, {"reason": exc.reason}) from None
        if principal.player_id != caller.principal.player_id:
            self._metrics.auth_failed("subject_mismatch", "the new token names another player")
            raise RpcError(ErrorCode.UNAUTHORIZED, {"reason": "subject_mismatch"})
        caller.refresh_principal(principal)
        return TokenInfo(player_id=principal.player_id,
                         expires_at=principal.expires_at if principal.expires_at is not None else UNSET)
