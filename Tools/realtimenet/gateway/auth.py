"""JWT verification for the upgrade and for ``auth.refresh``.

Keys come from exactly the places the configuration names: the HS256 secret, a PEM public key, a JWKS
file or a JWKS URL. HS256 is only ever checked against the secret and RS256/ES256 only against
asymmetric keys of the matching type, so a token signed with the public key as an HMAC secret (the
classic key-confusion attack) fails, and ``alg: none`` is never in the allowed list.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from realtimenet.config import AuthConfig
from realtimenet.exceptions import AuthError

log = logging.getLogger("realtimenet.auth")

MAX_PLAYER_ID_LENGTH = 128
MAX_TOKEN_LENGTH = 8192
UNKNOWN_KID_RETRY_SECONDS = 1.0  # the Retry-After of keys_refreshing: a fetch within it is not repeated


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified token says the player is."""

    player_id: str
    expires_at: float | None
    claims: dict[str, Any] = field(repr=False)


class KeySource(Protocol):
    """Where asymmetric verification keys come from."""

    def key_for(self, kid: str | None, alg: str) -> Any:
        """Return the public key for ``kid`` usable with ``alg``, or raise AuthError."""


def _matches(key: Any, alg: str) -> bool:
    if alg == "RS256":
        return isinstance(key, rsa.RSAPublicKey)
    if alg == "ES256":
        return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    return False


class PemKeySource:
    """A single PEM public key from a file; ``kid`` is ignored."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as fh:
            self._key = load_pem_public_key(fh.read())

    def key_for(self, kid: str | None, alg: str) -> Any:
        if not _matches(self._key, alg):
            raise AuthError("algorithm_not_allowed", f"the configured public key cannot verify {alg}")
        return self._key


def _parse_jwks(document: dict[str, Any]) -> dict[str | None, list[Any]]:
    """kid -> keys; keys without a kid are filed under None."""
    keys: dict[str | None, list[Any]] = {}
    for entry in document.get("keys", []):
        if entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK.from_dict(entry).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, KeyError, ValueError) as exc:
            log.warning("skipping unusable JWKS key %r: %s", entry.get("kid"), exc)
            continue
        keys.setdefault(entry.get("kid"), []).append(key)
    return keys


def _pick(keys: dict[str | None, list[Any]], kid: str | None, alg: str) -> Any | None:
    candidates = keys.get(kid, []) if kid is not None else [k for ks in keys.values() for k in ks]
    usable = [k for k in candidates if _matches(k, alg)]
    if kid is None and len(usable) != 1:
        return None  # without a kid the choice must be unambiguous
    return usable[0] if usable else None


class JwksFileSource:
    """Keys from a JWKS document on disk, read once at start."""

    def __init__(self, path: str) -> None:
        with open(path, encoding="utf-8") as fh:
            self._keys = _parse_jwks(json.load(fh))

    def key_for(self, kid: str | None, alg: str) -> Any:
        key = _pick(self._keys, kid, alg)
        if key is None:
            raise AuthError("unknown_kid", f"no {alg} key for kid {kid!r}")
        return key


class JwksUrlSource:
    """Keys from the studio's auth service, cached; an unknown ``kid`` triggers a refetch.

    Refetches are rate-limited (``jwks_min_refresh_interval``) so a flood of tokens with made-up kids
    costs at most one request per interval, and single-flight: while one runs, nobody starts another. On an
    event loop a refetch never blocks it: it runs in the loop's executor and the token that asked for it is
    refused with ``keys_refreshing`` (the upgrade answers 503 with Retry-After; ``auth.refresh`` waits for
    it). Without a loop (tools, tests) it runs inline. A failed fetch keeps serving the cached keys.
    """

    def __init__(self, url: str, cache_seconds: float, min_refresh_interval: float, timeout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self._cache_seconds = cache_seconds
        self._min_refresh = min_refresh_interval
        self._timeout = timeout
        self._clock = clock
        self._keys: dict[str | None, list[Any]] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()
        self._inflight: asyncio.Future[bool] | None = None
        self.fetches = 0
        self.failures = 0

    def refresh(self) -> bool:
        """Fetch the document now, blocking; returns whether it succeeded. Safe to call from any thread."""
        with self._lock:
            self._attempted_at = self._clock()
            self.fetches += 1
            try:
                with urllib.request.urlopen(self.url, timeout=self._timeout) as response:
                    document = json.loads(response.read(1 << 20))
                self._keys = _parse_jwks(document)
                self._fetched_at = self._clock()
                return True
            except (OSError, ValueError) as exc:
                self.failures += 1
                log.warning("JWKS fetch from %s failed: %s", self.url, exc)
                return False

    def refresh_soon(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[bool]:
        """Start a fetch in ``loop``'s executor unless one is running; the running (or new) fetch."""
        if self._inflight is None or self._inflight.done():
            self._attempted_at = self._clock()
            self._inflight = loop.run_in_executor(None, self.refresh)
        return self._inflight

    @property
    def refreshing(self) -> bool:
        return self._inflight is not None and not self._inflight.done()

    async def refreshed(self) -> None:
        """Wait for the fetch under way, if any."""
        if self._inflight is not None:
            await asyncio.shield(self._inflight)

    def is_stale(self) -> bool:
        """Whether the cache is older than ``jwks_cache_seconds`` and a fetch may be tried now."""
        stale = self._fetched_at is None or self._clock() - self._fetched_at > self._cache_seconds
        return stale and self._may_refetch()

    def _may_refetch(self, at_least: float = 0.0) -> bool:
        interval = max(self._min_refresh, at_least)
        return not self.refreshing and (self._attempted_at is None or self._clock() - self._attempted_at >= interval)

    def key_for(self, kid: str | None, alg: str) -> Any:
        key = _pick(self._keys, kid, alg)
        if key is not None:
            return key
        if self.refreshing:
            raise AuthError("keys_refreshing", "the verification keys are being fetched again: retry shortly")
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # no event loop to keep free: fetch inline
            loop = None
        # On a loop, a token refused with keys_refreshing comes back within a second: a fetch that just
        # ended answers it (unknown_kid if the key is still not there), even with a refresh interval of 0.
        if self._may_refetch(at_least=0.0 if loop is None else UNKNOWN_KID_RETRY_SECONDS):
            if loop is None:
                self.refresh()
                key = _pick(self._keys, kid, alg)
            else:
                self.refresh_soon(loop)
                raise AuthError("keys_refreshing", f"no {alg} key for kid {kid!r} yet: fetching the keys again")
        if key is None:
            if not self._keys:
                raise AuthError("key_unavailable", "no verification keys could be fetched")
            raise AuthError("unknown_kid", f"no {alg} key for kid {kid!r}")
        return key


_PYJWT_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.exceptions.InvalidSubjectError, "invalid_claim"),
    (jwt.exceptions.InvalidJTIError, "invalid_claim"),
    (jwt.InvalidIssuedAtError, "invalid_claim"),
    (jwt.InvalidIssuerError, "bad_issuer"),
    (jwt.InvalidAudienceError, "bad_audience"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAlgorithmError, "algorithm_not_allowed"),
    (jwt.DecodeError, "malformed_token"),
)


class TokenVerifier:
    """Verifies JWTs against the configured keys and claims; mints development tokens."""

    def __init__(self, config: AuthConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._allowed = frozenset(config.algorithms)
        self.keys: KeySource | None = None
        if config.public_key_file:
            self.keys = PemKeySource(config.public_key_file)
        elif config.jwks_file:
            self.keys = JwksFileSource(config.jwks_file)
        elif config.jwks_url:
            self.keys = JwksUrlSource(config.jwks_url, config.jwks_cache_seconds,
                                      config.jwks_min_refresh_interval, config.jwks_fetch_timeout)

    def _key(self, header: dict[str, Any]) -> Any:
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._allowed:
            raise AuthError("algorithm_not_allowed", f"alg {alg!r} is not accepted")
        if alg == "HS256":
            return self.config.secret
        if self.keys is None:
            raise AuthError("key_unavailable", f"no key configured for {alg}")
        kid = header.get("kid")
        return self.keys.key_for(kid if isinstance(kid, str) else None, alg)

    def verify(self, token: str | None) -> Principal:
        """Check signature and claims; return the principal or raise AuthError with the reason."""
        if not token:
            raise AuthError("missing_token", "send Authorization: Bearer <JWT> or ?access_token=")
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthError("malformed_token", "token too long")
        try:
            header = jwt.get_unverified_header(token)  # also checks kid's type and crit's extensions
        except jwt.PyJWTError as exc:
            raise AuthError("malformed_token", str(exc)) from None
        key = self._key(header)
        cfg = self.config
        required = ["sub"] + (["exp"] if cfg.require_exp else [])
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[header["alg"]],
                issuer=cfg.issuer or None, audience=cfg.audience or None, leeway=cfg.leeway,
                # Times are checked below against the injected clock, so tests and replays are exact.
                options={"require": required, "verify_aud": bool(cfg.audience),
                         "verify_iss": bool(cfg.issuer), "verify_exp": False, "verify_nbf": False,
                         "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            for kind, reason in _PYJWT_REASONS:
                if isinstance(exc, kind):
                    raise AuthError(reason, str(exc)) from None
            raise AuthError("invalid_token", str(exc)) from None
        self._check_times(claims)
        sub = claims.get("sub")
        if sub == "":
            raise AuthError("missing_claim", "sub is empty")
        if not isinstance(sub, str) or len(sub) > MAX_PLAYER_ID_LENGTH or not sub.isprintable():
            raise AuthError("invalid_claim", f"sub must be a printable string of 1..{MAX_PLAYER_ID_LENGTH} characters")
        exp = claims.get("exp")
        return Principal(sub, float(exp) if isinstance(exp, (int, float)) else None, claims)

    def _check_times(self, claims: dict[str, Any]) -> None:
        now, leeway = self._clock(), self.config.leeway
        for name in ("exp", "nbf", "iat"):
            value = claims.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise AuthError("invalid_claim", f"{name} must be a number")
        exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
        if exp is not None and now > exp + leeway:
            raise AuthError("expired", "the token has expired")
        if nbf is not None and now < nbf - leeway:
            raise AuthError("not_yet_valid", "the token is not valid yet (nbf)")
        if iat is not None and now < iat - leeway:
            raise AuthError("not_yet_valid", "the token was issued in the future (iat)")

    async def verify_waiting(self, token: str | None) -> Principal:
        """``verify``, waiting for a key fetch an unknown ``kid`` started instead of refusing the token."""
        try:
            return self.verify(token)
        except AuthError as exc:
            if exc.reason != "keys_refreshing" or not isinstance(self.keys, JwksUrlSource):
                raise
        await self.keys.refreshed()
        return self.verify(token)

    def mint(self, sub: str, ttl: float | None = None, **claims: Any) -> str:
        """A development token signed with the configured HS256 secret (``rtnet token``)."""
        now = int(self._clock())
        payload: dict[str, Any] = {"sub": sub, "iat": now,
                                   "exp": now + int(ttl if ttl is not None else self.config.dev_token_ttl)}
        if self.config.issuer:
            payload["iss"] = self.config.issuer
        if self.config.audience:
            payload["aud"] = self.config.audience
        payload.update(claims)
        return jwt.encode(payload, self.config.secret, algorithm="HS256")


def token_from_request(headers: Any, path: str) -> str | None:
    """The bearer token of an upgrade request: the Authorization header first, then ``access_token``."""
    header = headers.get("Authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return str(value.strip())
        return None
    values = parse_qs(urlsplit(path).query).get("access_token")
    return values[0] if values else None
