"""The methods every gateway has: ``sys.ping``, ``sys.echo`` and ``auth.refresh``."""

from __future__ import annotations

import time

from msgspec import UNSET

from realtimenet.exceptions import AuthError, RpcError
from realtimenet.gateway.connection import Connection
from realtimenet.gateway.router import Router
from realtimenet.protocol.codes import ErrorCode
from realtimenet.protocol.messages import (
    AuthRefreshParams,
    Echo,
    Pong,
    SysEchoParams,
    SysPingParams,
    TokenInfo,
)

router = Router()


@router.method("sys.ping")
def ping(conn: Connection, params: SysPingParams) -> Pong:
    """Server time in Unix milliseconds, and the caller's own time echoed back."""
    return Pong(server_time=time.time() * 1000.0, client_time=params.client_time)


@router.method("sys.echo")
def echo(conn: Connection, params: SysEchoParams) -> Echo:
    """The request's data, forwarded as the raw bytes it arrived as."""
    return Echo(data=params.data)


@router.method("auth.refresh")
def refresh(conn: Connection, params: AuthRefreshParams) -> TokenInfo:
    """Swap the connection's token for a fresh one naming the same player."""
    node = conn.node
    try:
        principal = node.verifier.verify(params.token)
    except AuthError as exc:
        node.metrics.auth_failures.labels(exc.reason).inc()
        raise RpcError(ErrorCode.UNAUTHORIZED, {"reason": exc.reason}) from None
    if principal.player_id != conn.principal.player_id:
        node.metrics.auth_failures.labels("subject_mismatch").inc()
        raise RpcError(ErrorCode.UNAUTHORIZED, {"reason": "subject_mismatch"})
    conn.refresh_principal(principal)
    return TokenInfo(player_id=principal.player_id,
                     expires_at=principal.expires_at if principal.expires_at is not None else UNSET)
