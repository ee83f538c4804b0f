"""The server SDK: the game backend's client of the gateway's server API (``POST /api``), synchronous
(``ServerClient``) and asyncio (``AsyncServerClient``), over httpx. Errors are ``ApiRefused`` (HTTP refusals)
and ``ApiCallError`` (JSON-RPC errors, with their ``code``), both in ``realtimenet.exceptions``."""

from realtimenet.exceptions import ApiCallError, ApiRefused, ServerApiError
from realtimenet.server.client import AsyncServerClient, ServerClient

__all__ = ["ApiCallError", "ApiRefused", "AsyncServerClient", "ServerApiError", "ServerClient"]
