"""The server SDK's clients: a sans-I/O core that encodes requests and decodes answers (``ApiCodec``), and two
thin shells over httpx, one blocking and one asyncio, each with a typed method per server API method
(generated: ``methods.py``) and ``batch`` for several calls in one request.

    with ServerClient("http://127.0.0.1:8765/api", key) as api:
        api.room_publish(room="lobby", data={"match": "m-42"}, from_="matchmaker")
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import msgspec
from msgspec import UNSET

from realtimenet.exceptions import ApiCallError, ApiRefused
from realtimenet.protocol import jsonrpc
from realtimenet.protocol.server_api import METHODS
from realtimenet.server.methods import AsyncMethods, SyncMethods

T = TypeVar("T")
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Call:
    """One call of a ``batch``: the method and its params (a dict or the generated params struct)."""

    method: str
    params: dict[str, Any] | msgspec.Struct | None = None


class _Refusal(msgspec.Struct):
    error: str = "unknown"
    detail: str = ""


_refusal = msgspec.json.Decoder(_Refusal)


class ApiCodec:
    """Requests and answers of the server API, without I/O."""

    def __init__(self, key: str) -> None:
        self.headers = {"Authorization": f"apikey {key}", "Content-Type": "application/json"}
        self._ids = itertools.count(1)

    def request(self, method: str, params: Any) -> tuple[int, bytes]:
        """(id, body) of one call."""
        rid = next(self._ids)
        return rid, jsonrpc.encode_call(method, UNSET if params is None else params, rid)

    @staticmethod
    def check_status(status: int, body: bytes) -> None:
        """Raise ``ApiRefused`` unless the gateway accepted the request."""
        if status in (200, 204):
            return
        try:
            refused = _refusal.decode(body)
        except msgspec.DecodeError:
            refused = _Refusal(f"http_{status}", body[:200].decode("utf-8", "replace"))
        raise ApiRefused(status, refused.error, refused.detail)

    @staticmethod
    def result(method: str, item: jsonrpc.Incoming, kind: type[T] | None) -> T | Any:
        """The decoded result of one answer (typed when ``kind`` is given), or raise ``ApiCallError``."""
        if item.error is not UNSET:
            err = item.error
            raise ApiCallError(err.code, err.message, None if err.data is UNSET else err.data)
        raw = b"null" if item.result is UNSET else item.result
        return msgspec.json.decode(raw, type=kind) if kind is not None else msgspec.json.decode(raw)

    def one(self, method: str, status: int, body: bytes, kind: type[T] | None) -> T | Any:
        """The result of a single call's HTTP answer."""
        self.check_status(status, body)
        answer = jsonrpc.decode_incoming(body)
        if isinstance(answer, list):
            raise ApiRefused(status, "unexpected_batch", "one call got a batch answer")
        return self.result(method, answer, kind)

    def batch(self, calls: list[Call]) -> tuple[list[int], bytes]:
        """(ids, body) of a batch."""
        ids, items = [], []
        for call in calls:
            rid, item = self.request(call.method, call.params)
            ids.append(rid)
            items.append(item)
        return ids, jsonrpc.encode_batch(items)

    def batch_results(self, calls: list[Call], ids: list[int], status: int, body: bytes) -> list[Any]:
        """Each call's typed result or its ``ApiCallError``, in the calls' order."""
        self.check_status(status, body)
        answer = jsonrpc.decode_incoming(body)
        by_id = {item.id: item for item in (answer if isinstance(answer, list) else [answer])}
        results: list[Any] = []
        for call, rid in zip(calls, ids, strict=True):
            item = by_id.get(rid)
            if item is None:  # a request the gateway could not even parse: its error has no id
                results.append(ApiCallError(-32600, "Invalid Request", {"detail": "no answer for this call"}))
                continue
            spec = METHODS.get(call.method)
            try:
                results.append(self.result(call.method, item, spec.result if spec else None))
            except ApiCallError as exc:
                results.append(exc)
        return results


class ServerClient(SyncMethods):
    """A blocking server API client (thread-safe, one connection pool)."""

    def __init__(self, url: str, key: str, *, timeout: float = DEFAULT_TIMEOUT,
                 client: httpx.Client | None = None) -> None:
        self.url = url
        self._codec = ApiCodec(key)
        self._http = client or httpx.Client(timeout=timeout)

    def call(self, method: str, params: dict[str, Any] | msgspec.Struct | None = None) -> Any:
        """Any method by name; the result as plain JSON values (typed methods decode into structs)."""
        spec = METHODS.get(method)
        return self._call(method, params, spec.result if spec else None)  # type: ignore[arg-type]

    def _call(self, method: str, params: Any, result: type[T]) -> T:
        _, body = self._codec.request(method, params)
        response = self._post(body)
        return self._codec.one(method, response.status_code, response.content, result)

    def batch(self, calls: Iterable[Call]) -> list[Any]:
        """Several calls in one request, run in order; each result or ``ApiCallError`` in the list."""
        items = list(calls)
        ids, body = self._codec.batch(items)
        response = self._post(body)
        return self._codec.batch_results(items, ids, response.status_code, response.content)

    def _post(self, body: bytes) -> httpx.Response:
        try:
            return self._http.post(self.url, content=body, headers=self._codec.headers)
        except httpx.HTTPError as exc:
            raise ApiRefused(0, "unreachable", str(exc)) from None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ServerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncServerClient(AsyncMethods):
    """An asyncio server API client."""

    def __init__(self, url: str, key: str, *, timeout: float = DEFAULT_TIMEOUT,
                 client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self._codec = ApiCodec(key)
        self._http = client or httpx.AsyncClient(timeout=timeout)

    async def call(self, method: str, params: dict[str, Any] | msgspec.Struct | None = None) -> Any:
        """Any method by name; the result as plain JSON values (typed methods decode into structs)."""
        spec = METHODS.get(method)
        return await self._call(method, params, spec.result if spec else None)  # type: ignore[arg-type]

    async def _call(self, method: str, params: Any, result: type[T]) -> T:
        _, body = self._codec.request(method, params)
        response = await self._post(body)
        return self._codec.one(method, response.status_code, response.content, result)

    async def batch(self, calls: Iterable[Call]) -> list[Any]:
        """Several calls in one request, run in order; each result or ``ApiCallError`` in the list."""
        items = list(calls)
        ids, body = self._codec.batch(items)
        response = await self._post(body)
        return self._codec.batch_results(items, ids, response.status_code, response.content)

    async def _post(self, body: bytes) -> httpx.Response:
        try:
            return await self._http.post(self.url, content=body, headers=self._codec.headers)
        except httpx.HTTPError as exc:
            raise ApiRefused(0, "unreachable", str(exc)) from None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncServerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
