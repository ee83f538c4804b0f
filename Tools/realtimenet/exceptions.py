"""Every exception of the package, in one place, each saying when it is raised."""

from __future__ import annotations

from typing import Any

from realtimenet.protocol.codes import CloseCode, ErrorCode, should_reconnect


class RealtimeNetError(Exception):
    """Base class of every exception raised by this package."""


class ConfigError(RealtimeNetError):
    """Raised when the configuration (file, environment or flags) is invalid; the message names the key."""


class AuthError(RealtimeNetError):
    """Raised by the token verifier when a JWT is refused; ``reason`` is the stable machine-readable cause.

    Reasons: ``missing_token``, ``malformed_token`` (not a JWT, or a header it cannot be: a ``kid`` that is
    not a string, an unsupported ``crit``), ``bad_signature``, ``expired``, ``not_yet_valid``, ``bad_issuer``,
    ``bad_audience``, ``algorithm_not_allowed``, ``unknown_kid``, ``missing_claim``, ``invalid_claim`` (a
    claim of the wrong type: ``sub`` not a printable string, ``exp`` not a number), ``keys_refreshing``
    (an unknown ``kid`` while the JWKS is being fetched again: retry shortly), ``key_unavailable``,
    ``invalid_token`` (anything else PyJWT refuses).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class BackendUnavailable(RealtimeNetError):
    """Raised by a store or bus implementation when its server cannot be reached; answered with -32009."""

    def __init__(self, backend: str, detail: str) -> None:
        super().__init__(f"{backend} unavailable: {detail}")
        self.backend = backend


class RpcError(RealtimeNetError):
    """Raised by a JSON-RPC handler to answer with an error object instead of a result.

    ``data`` is sent to the client as the error's ``data`` member, so it must never hold internals.
    """

    def __init__(self, code: ErrorCode, data: dict[str, Any] | None = None, message: str | None = None):
        super().__init__(message or code.message)
        self.code = code
        self.message = message or code.message
        self.data = data


class ClientError(RealtimeNetError):
    """Base class of the errors the Python client raises."""


class ConnectFailed(ClientError):
    """Raised by ``Client.connect`` when the upgrade is refused (``status`` and the JSON ``reason``) or
    the server cannot be reached (``status`` 0)."""

    def __init__(self, status: int, reason: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"connect failed ({status}): {reason}")
        self.status = status
        self.reason = reason
        self.body = body or {}


class ConnectionClosed(ClientError):
    """Raised by client calls once the socket is closed; ``code`` and ``reason`` are the close frame's."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"connection closed ({code}): {reason}")
        self.code = code
        self.reason = reason

    @property
    def close_code(self) -> CloseCode | None:
        """The typed close code, or None for a code the protocol does not define (e.g. 1006)."""
        try:
            return CloseCode(self.code)
        except ValueError:
            return None

    @property
    def should_reconnect(self) -> bool:
        """Whether the protocol tells the client to reconnect after this close."""
        return should_reconnect(self.code)


class CallTimeout(ClientError):
    """Raised by ``Client.call`` when no response arrives within the timeout."""


class RemoteError(ClientError):
    """Raised by ``Client.call`` when the gateway answers with a JSON-RPC error object."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code} {message}" + (f" {data}" if data is not None else ""))
        self.code = code
        self.message = message
        self.data = data

    @property
    def error_code(self) -> ErrorCode | None:
        """The typed error code, or None for a code the protocol does not define."""
        try:
            return ErrorCode(self.code)
        except ValueError:
            return None


class ServerApiError(RealtimeNetError):
    """Base class of the errors the server SDK (``realtimenet.server``) raises."""


class ApiRefused(ServerApiError):
    """Raised by the server SDK when the gateway refuses a request before any method ran: HTTP ``status`` (401
    ``missing_key``/``unknown_key``, 403 ``out_of_scope``/``cross_origin``, 413 ``body_too_large``, 415
    ``unsupported_media_type``) with its JSON ``reason`` and ``detail``; ``status`` 0 when the gateway cannot be
    reached at all."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        super().__init__(f"server API refused the request ({status} {reason})" + (f": {detail}" if detail else ""))
        self.status = status
        self.reason = reason
        self.detail = detail


class ApiCallError(ServerApiError):
    """Raised by a server SDK call when the gateway answers it with a JSON-RPC error object: ``code`` (see
    ``error_code``), ``message`` and ``data`` as sent (e.g. -32004 with ``current_version`` on a state conflict,
    -32602 with ``detail`` for bad params)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code} {message}" + (f" {data}" if data is not None else ""))
        self.code = code
        self.message = message
        self.data = data

    @property
    def error_code(self) -> ErrorCode | None:
        """The typed error code, or None for a code the protocol does not define."""
        try:
            return ErrorCode(self.code)
        except ValueError:
            return None
