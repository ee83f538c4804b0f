"""The gateway's HTTP surfaces on aiohttp: the server API (``POST /api``), the admin console (``/admin`` and its
assets, built into ``admin_static/`` from ``admin/``) and, on the internal port, the ops endpoints.

picows serves the WebSocket path (and refuses any HTTP request with a body), so these run on aiohttp: on the
internal port as its server, and with one port by ``front_door.FrontDoor``, which hands each accepted socket to
picows or to this application by the path of its request line (docs/architecture.md, "HTTP on one port").

Security of the console and the API: a key travels only in ``Authorization: apikey <key>`` (never a cookie),
so a page elsewhere cannot make a browser call the API with it; a request from another origin (``Origin`` not
this host) is refused as well, and ``POST /api`` takes only ``application/json`` (no form can send it). Every
answer forbids framing (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``) and the console's Content
Security Policy allows scripts and styles from the gateway itself only.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from realtimenet.gateway.metrics import Metrics
from realtimenet.gateway.server_api import ServerApi

log = logging.getLogger("realtimenet.http")

STATIC = Path(__file__).with_name("admin_static")
API_PATH = "/api"
ADMIN_PATH = "/admin"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def serves(path: str) -> bool:
    """Whether a request for ``path`` (the request target without its query) belongs to this application when
    it shares the public port with picows."""
    return path in (API_PATH, ADMIN_PATH) or path.startswith(ADMIN_PATH + "/")


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=json.dumps(body).encode(), content_type="application/json",
                        headers=SECURITY_HEADERS)


class HttpSurface:
    """The aiohttp application of one node."""

    def __init__(self, api: ServerApi, metrics: Metrics, node_id: str, max_body_bytes: int,
                 readiness: Callable[[], tuple[bool, dict[str, Any]]], ops: bool) -> None:
        self._api = api
        self._gauges = metrics
        self._node_id = node_id
        self._readiness = readiness
        self._max_body = max_body_bytes
        self.app = web.Application(client_max_size=self._max_body, middlewares=[self._headers])
        self.app.router.add_route("*", API_PATH, self._api_route)
        self.app.router.add_get(ADMIN_PATH, self._admin_index)
        self.app.router.add_get(ADMIN_PATH + "/", self._admin_index)
        self.app.router.add_get(ADMIN_PATH + "/assets/{name}", self._admin_asset)
        if ops:  # the internal port: health, readiness and metrics live here too
            self.app.router.add_get("/healthz", self._healthz)
            self.app.router.add_get("/readyz", self._readyz)
            self.app.router.add_get("/metrics", self._metrics)
        self.runner = web.AppRunner(self.app, access_log=None, handle_signals=False)

    @web.middleware
    async def _headers(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as exc:
            if exc.status == 404:
                return _json(404, {"error": "not_found"})
            if exc.status == 405:
                return _json(405, {"error": "method_not_allowed"})
            raise
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def start(self) -> None:
        await self.runner.setup()

    async def stop(self) -> None:
        await self.runner.cleanup()

    def protocol_factory(self) -> Any:
        """What ``loop.connect_accepted_socket`` takes: aiohttp's per-connection protocol factory."""
        return self.runner.server

    # ----- POST /api --------------------------------------------------------------------------------

    def _cross_origin(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:  # not a browser, or a same-origin GET: nothing to check
            return False
        host = request.headers.get("Host", "")
        return origin.split("://", 1)[-1].rstrip("/") != host

    async def _api_route(self, request: web.Request) -> web.StreamResponse:
        api = self._api
        if request.method != "POST":
            answer = api.refuse(405, "method_not_allowed", "POST a JSON-RPC 2.0 request")
        elif self._cross_origin(request):
            answer = api.refuse(403, "cross_origin", f"requests from {request.headers.get('Origin')!r} are refused")
        elif request.content_length is not None and request.content_length > self._max_body:
            answer = api.refuse(413, "body_too_large", f"at most {self._max_body} bytes (api.max_body_bytes)")
        elif request.content_type != "application/json":
            answer = api.refuse(415, "unsupported_media_type", "send Content-Type: application/json")
        else:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:  # chunked, without a length
                answer = api.refuse(413, "body_too_large", f"at most {self._max_body} bytes (api.max_body_bytes)")
            else:
                answer = await api.handle(request.headers.get("Authorization"), body)
        if answer.body is None:
            return web.Response(status=answer.status, headers=SECURITY_HEADERS)
        return web.Response(status=answer.status, body=answer.body, content_type="application/json",
                            headers=SECURITY_HEADERS)

    # ----- /admin -----------------------------------------------------------------------------------

    async def _admin_index(self, request: web.Request) -> web.StreamResponse:
        return self._file("index.html")

    async def _admin_asset(self, request: web.Request) -> web.StreamResponse:
        return self._file(request.match_info["name"])

    def _file(self, name: str) -> web.StreamResponse:
        path = (STATIC / name).resolve()
        if path.parent != STATIC.resolve() or not path.is_file():
            return _json(404, {"error": "not_found"})
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return web.Response(body=path.read_bytes(), content_type=kind, headers=SECURITY_HEADERS)

    # ----- ops (internal port) ----------------------------------------------------------------------

    async def _healthz(self, request: web.Request) -> web.StreamResponse:
        return _json(200, {"status": "ok", "node_id": self._node_id})

    async def _readyz(self, request: web.Request) -> web.StreamResponse:
        ready, detail = self._readiness()
        return _json(200 if ready else 503, {"ready": ready, **detail})

    async def _metrics(self, request: web.Request) -> web.StreamResponse:
        body = generate_latest(self._gauges.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
