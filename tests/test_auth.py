"""Token verification: algorithms, key sources (secret, PEM, JWKS file, JWKS URL), claims, attacks."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from realtimenet.client import Client, ConnectFailed, RemoteError
from realtimenet.config import AuthConfig
from realtimenet.exceptions import AuthError
from realtimenet.gateway.auth import TokenVerifier
from realtimenet.protocol.codes import ErrorCode
from tests.conftest import GatewayProcess, http_get, metric_value

SECRET = "a-test-secret-that-is-at-least-32-bytes-long"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def pem(key: Any) -> bytes:
    return bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo))


def jwk(key: Any, kid: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
    entry = json.loads(algorithm.to_jwk(key.public_key()))
    entry.update(kid=kid, use="sig")
    return dict(entry)


def sign(key: Any, alg: str, kid: str | None = None, **claims: Any) -> str:
    payload = {"sub": "alice", "exp": int(time.time()) + 300, **claims}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid} if kid else None)


def verifier(**settings: Any) -> TokenVerifier:
    settings.setdefault("secret", SECRET)
    settings.setdefault("leeway", 0)
    return TokenVerifier(AuthConfig(**settings))


def reason_of(v: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthError) as info:
        v.verify(token)
    return info.value.reason


# ----- algorithms and key sources ------------------------------------------------------------------


def test_hs256_with_secret() -> None:
    principal = verifier().verify(jwt.encode({"sub": "alice", "exp": time.time() + 60}, SECRET, "HS256"))
    assert principal.player_id == "alice"


def test_rs256_and_es256_with_pem_public_keys(tmp_path: Path) -> None:
    for key, alg in ((rsa_key(), "RS256"), (ec_key(), "ES256")):
        path = tmp_path / f"{alg}.pem"
        path.write_bytes(pem(key))
        v = verifier(algorithms=[alg], public_key_file=str(path))
        assert v.verify(sign(key, alg)).player_id == "alice"
        assert reason_of(v, sign(rsa_key() if alg == "RS256" else ec_key(), alg)) == "bad_signature"


def test_jwks_file_picks_the_key_by_kid(tmp_path: Path) -> None:
    k1, k2 = rsa_key(), ec_key()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk(k1, "rsa-1"), jwk(k2, "ec-1")]}))
    v = verifier(algorithms=["RS256", "ES256"], jwks_file=str(path))
    assert v.verify(sign(k1, "RS256", "rsa-1")).player_id == "alice"
    assert v.verify(sign(k2, "ES256", "ec-1")).player_id == "alice"
    assert reason_of(v, sign(k1, "RS256", "nope")) == "unknown_kid"
    assert reason_of(v, sign(k1, "RS256", "ec-1")) == "unknown_kid"  # kid of a key of the wrong type


class _JwksServer:
    """A local stand-in for the studio's auth service, serving a JWKS document that tests can rotate."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.requests = 0
        self.delay = 0.0  # seconds each answer takes
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                time.sleep(owner.delay)
                body = json.dumps(owner.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks_server() -> Iterator[_JwksServer]:
    server = _JwksServer()
    yield server
    server.close()


def test_jwks_url_is_cached_and_refetched_for_an_unknown_kid(jwks_server: _JwksServer) -> None:
    old, new = rsa_key(), rsa_key()
    jwks_server.document = {"keys": [jwk(old, "2026-01")]}
    v = verifier(algorithms=["RS256"], jwks_url=jwks_server.url, jwks_min_refresh_interval=0)
    for _ in range(3):
        assert v.verify(sign(old, "RS256", "2026-01")).player_id == "alice"
    assert jwks_server.requests == 1  # cached
    jwks_server.document = {"keys": [jwk(old, "2026-01"), jwk(new, "2026-02")]}  # the studio rotates
    assert v.verify(sign(new, "RS256", "2026-02")).player_id == "alice"
    assert jwks_server.requests == 2  # refetched once for the unknown kid


def test_jwks_refetch_for_unknown_kids_is_rate_limited(jwks_server: _JwksServer) -> None:
    key = rsa_key()
    jwks_server.document = {"keys": [jwk(key, "k1")]}
    v = verifier(algorithms=["RS256"], jwks_url=jwks_server.url, jwks_min_refresh_interval=60)
    assert v.verify(sign(key, "RS256", "k1"))
    for i in range(20):  # a flood of made-up kids costs no request
        assert reason_of(v, sign(key, "RS256", f"made-up-{i}")) == "unknown_kid"
    assert jwks_server.requests == 1


def test_jwks_url_down_keeps_cached_keys_and_says_key_unavailable_without_any(jwks_server: _JwksServer) -> None:
    key = rsa_key()
    jwks_server.document = {"keys": [jwk(key, "k1")]}
    v = verifier(algorithms=["RS256"], jwks_url=jwks_server.url, jwks_min_refresh_interval=0)
    assert v.verify(sign(key, "RS256", "k1"))
    jwks_server.close()
    assert v.verify(sign(key, "RS256", "k1"))  # still cached
    cold = verifier(algorithms=["RS256"], jwks_url=jwks_server.url, jwks_fetch_timeout=0.5)
    assert reason_of(cold, sign(key, "RS256", "k1")) == "key_unavailable"


# ----- claims ----------------------------------------------------------------------------------------


def hs(**claims: Any) -> str:
    payload = {"sub": "alice", "exp": int(time.time()) + 300, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, SECRET, "HS256")


def test_exp_nbf_with_leeway() -> None:
    now = int(time.time())
    assert reason_of(verifier(), hs(exp=now - 5)) == "expired"
    assert verifier(leeway=30).verify(hs(exp=now - 5)).player_id == "alice"
    assert reason_of(verifier(), hs(nbf=now + 60)) == "not_yet_valid"
    assert verifier(leeway=120).verify(hs(nbf=now + 60)).player_id == "alice"
    assert reason_of(verifier(), hs(exp=None)) == "missing_claim"
    assert verifier(require_exp=False).verify(hs(exp=None)).expires_at is None


def test_issuer_and_audience() -> None:
    v = verifier(issuer="https://auth.studio.example", audience="realtimenet")
    assert v.verify(hs(iss="https://auth.studio.example", aud="realtimenet")).player_id == "alice"
    assert reason_of(v, hs(iss="https://evil.example", aud="realtimenet")) == "bad_issuer"
    assert reason_of(v, hs(iss="https://auth.studio.example", aud="other-game")) == "bad_audience"
    assert reason_of(v, hs(iss="https://auth.studio.example")) == "missing_claim"


def test_subject_must_be_a_printable_bounded_string() -> None:
    assert reason_of(verifier(), hs(sub=None)) == "missing_claim"
    assert reason_of(verifier(), hs(sub="")) == "missing_claim"
    assert reason_of(verifier(), hs(sub="x" * 200)) == "invalid_claim"
    assert reason_of(verifier(), hs(sub="bad\nname")) == "invalid_claim"


# ----- attacks ---------------------------------------------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_is_refused() -> None:
    token = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64({"sub": "alice", "exp": time.time() + 60}) + "."
    assert reason_of(verifier(), token) == "algorithm_not_allowed"
    assert reason_of(verifier(algorithms=["HS256"]), token.replace(_b64({"alg": "none", "typ": "JWT"}),
                                                                    _b64({"alg": "None"}))) == "algorithm_not_allowed"


def test_hs_rs_key_confusion_is_refused(tmp_path: Path) -> None:
    key = rsa_key()
    public_pem = pem(key)
    path = tmp_path / "rsa.pem"
    path.write_bytes(public_pem)
    # The attacker signs HS256 with the server's *public* key as the HMAC secret.
    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64({"sub": "alice", "exp": int(time.time()) + 60})
    import hashlib
    import hmac
    signature = base64.urlsafe_b64encode(
        hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    forged = f"{header}.{payload}.{signature}"
    rs_only = verifier(algorithms=["RS256"], public_key_file=str(path))
    assert reason_of(rs_only, forged) == "algorithm_not_allowed"
    both = verifier(algorithms=["HS256", "RS256"], public_key_file=str(path))
    assert reason_of(both, forged) == "bad_signature"  # HS256 is only ever checked against the secret
    assert both.verify(sign(key, "RS256")).player_id == "alice"


def test_a_key_of_the_wrong_type_cannot_verify(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    path.write_bytes(pem(ec_key()))
    v = verifier(algorithms=["RS256", "ES256"], public_key_file=str(path))
    assert reason_of(v, sign(rsa_key(), "RS256")) == "algorithm_not_allowed"


def test_garbage_tokens() -> None:
    for token in ("", "a", "a.b", "a.b.c", "ey.ey.ey", "x" * 10000):
        assert reason_of(verifier(), token) in {"missing_token", "malformed_token"}


def _hs_signed(header: dict[str, Any], payload: dict[str, Any], secret: str = SECRET) -> str:
    import hashlib
    import hmac

    signing = f"{_b64(header)}.{_b64(payload)}"
    digest = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


MALFORMED_HEADERS_AND_CLAIMS = [
    ({"alg": "HS256", "crit": ["exp"]}, {}, "malformed_token"),  # an extension nobody here understands
    ({"alg": "HS256", "crit": "exp"}, {}, "malformed_token"),
    ({"alg": "HS256", "kid": 5}, {}, "malformed_token"),
    ({"alg": ["HS256"]}, {}, "algorithm_not_allowed"),
    ({"alg": "HS256"}, {"sub": 5}, "invalid_claim"),
    ({"alg": "HS256"}, {"sub": ["alice"]}, "invalid_claim"),
    ({"alg": "HS256"}, {"jti": 7}, "invalid_claim"),
    ({"alg": "HS256"}, {"exp": "soon"}, "invalid_claim"),
    ({"alg": "HS256"}, {"iat": "yesterday"}, "invalid_claim"),
]


@pytest.mark.parametrize(("header", "claims", "reason"), MALFORMED_HEADERS_AND_CLAIMS)
def test_malformed_headers_and_claims_get_a_documented_reason(header: dict[str, Any], claims: dict[str, Any],
                                                              reason: str) -> None:
    token = _hs_signed(header, {"sub": "alice", "exp": int(time.time()) + 60, **claims})
    assert reason_of(verifier(), token) == reason


# ----- through the gateway ---------------------------------------------------------------------------


def test_malformed_tokens_are_refused_with_401_json_never_500(gateway: GatewayProcess) -> None:
    for header, claims, reason in MALFORMED_HEADERS_AND_CLAIMS:
        token = _hs_signed(header, {"sub": "alice", "exp": int(time.time()) + 60, **claims}, gateway.config.auth.secret)
        status, body = http_get(f"http://127.0.0.1:{gateway.port}/ws", {"Authorization": f"Bearer {token}",
                                                                         "Upgrade": "websocket",
                                                                         "Connection": "Upgrade",
                                                                         "Sec-WebSocket-Version": "13",
                                                                         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        assert (status, json.loads(body)["error"]) == (401, reason)


def test_auth_refresh_with_a_malformed_token_is_a_documented_error_without_a_traceback(
        gateway: GatewayProcess) -> None:
    with gateway.connect() as client:
        for header, claims, reason in MALFORMED_HEADERS_AND_CLAIMS:
            token = _hs_signed(header, {"sub": "alice", "exp": int(time.time()) + 60, **claims},
                               gateway.config.auth.secret)
            with pytest.raises(RemoteError) as info:
                client.call("auth.refresh", {"token": token})
            assert (info.value.code, info.value.data) == (ErrorCode.UNAUTHORIZED, {"reason": reason})
    time.sleep(0.2)
    assert "Traceback" not in gateway.stderr


def _connect_retrying_503(url: str, token: str, attempts: int = 50) -> Client:
    """Connect as a client does: a 503 (here ``keys_refreshing``) is retried after a moment."""
    for _ in range(attempts):
        try:
            return Client.connect(url, token)
        except ConnectFailed as exc:
            if exc.status != 503:
                raise
            time.sleep(0.1)
    raise AssertionError("still 503")


def test_an_unknown_kid_is_answered_401_after_the_fetch_it_caused_even_with_no_refresh_interval(
        gateway_factory: Any, jwks_server: _JwksServer) -> None:
    key = ec_key()
    jwks_server.document = {"keys": [jwk(key, "a")]}
    gw: GatewayProcess = gateway_factory({"auth": {"algorithms": ["ES256"], "jwks_url": jwks_server.url,
                                                   "jwks_min_refresh_interval": 0}})
    time.sleep(1.0)
    with pytest.raises(ConnectFailed) as info:
        _connect_retrying_503(gw.url, sign(ec_key(), "ES256", "never-published"))
    assert (info.value.status, info.value.reason) == (401, "unknown_kid")  # not 503 for ever


def test_gateway_with_jwks_url_accepts_rotated_keys(gateway_factory: Any, jwks_server: _JwksServer) -> None:
    old, new = ec_key(), ec_key()
    jwks_server.document = {"keys": [jwk(old, "a")]}
    gw: GatewayProcess = gateway_factory({"auth": {"algorithms": ["ES256"], "jwks_url": jwks_server.url,
                                                   "jwks_min_refresh_interval": 1.0}})
    with Client.connect(gw.url, sign(old, "ES256", "a")) as client:
        assert client.welcome is not None and client.welcome.player_id == "alice"
    time.sleep(1.0)  # past the refresh interval: an unknown kid may fetch the keys again
    with pytest.raises(ConnectFailed) as info:
        Client.connect(gw.url, sign(new, "ES256", "b"))
    assert (info.value.status, info.value.reason) == (503, "keys_refreshing")  # fetching, off the loop
    with pytest.raises(ConnectFailed) as info:
        _connect_retrying_503(gw.url, sign(new, "ES256", "b"))
    assert (info.value.status, info.value.reason) == (401, "unknown_kid")  # fetched: still unknown
    jwks_server.document = {"keys": [jwk(old, "a"), jwk(new, "b")]}  # the studio rotates
    time.sleep(1.0)
    with _connect_retrying_503(gw.url, sign(new, "ES256", "b")) as client:
        assert client.call("sys.ping", {})
    with pytest.raises(ConnectFailed) as info:
        Client.connect(gw.url, jwt.encode({"sub": "alice", "exp": time.time() + 60}, SECRET, "HS256"))
    assert (info.value.status, info.value.reason) == (401, "algorithm_not_allowed")


def test_a_slow_identity_provider_never_freezes_other_players(gateway_factory: Any,
                                                              jwks_server: _JwksServer) -> None:
    key = ec_key()
    jwks_server.document = {"keys": [jwk(key, "a")]}
    gw: GatewayProcess = gateway_factory({"auth": {"algorithms": ["ES256"], "jwks_url": jwks_server.url,
                                                   "jwks_min_refresh_interval": 0, "jwks_fetch_timeout": 5}})
    with Client.connect(gw.url, sign(key, "ES256", "a")) as player:
        time.sleep(1.0)  # the keys were fetched at start: a refetch within a second is not repeated
        jwks_server.delay = 2.0  # the identity provider now takes 2 s to answer
        refused: list[Any] = []

        def newcomer() -> None:
            try:
                Client.connect(gw.url, sign(ec_key(), "ES256", "rotated"), timeout=5)
            except ConnectFailed as exc:
                refused.append((exc.status, exc.reason))

        started = time.monotonic()
        thread = threading.Thread(target=newcomer)
        thread.start()
        worst = 0.0
        while time.monotonic() - started < 2.5:
            sent = time.monotonic()
            player.call("sys.ping", {})
            worst = max(worst, time.monotonic() - sent)
            time.sleep(0.02)  # within the rate limit
        thread.join(5)
        assert refused == [(503, "keys_refreshing")]  # answered at once, not after the fetch
        assert worst < 0.25, f"a ping took {worst:.2f} s while the keys were fetched"
        assert jwks_server.requests >= 2
    metrics = gw.metrics()
    assert metric_value(metrics, "realtimenet_auth_failures_total", {"reason": "keys_refreshing"}) == 1


def test_concurrent_unknown_kids_share_one_fetch_of_the_keys(gateway_factory: Any, jwks_server: _JwksServer) -> None:
    key = ec_key()
    jwks_server.document = {"keys": [jwk(key, "a")]}
    gw: GatewayProcess = gateway_factory({"auth": {"algorithms": ["ES256"], "jwks_url": jwks_server.url,
                                                   "jwks_min_refresh_interval": 0, "jwks_fetch_timeout": 5}})
    time.sleep(1.0)  # past the retry pause that follows the start-up fetch
    assert jwks_server.requests == 1
    jwks_server.delay = 1.5  # the identity provider is slow: every newcomer arrives while the fetch runs
    answers: list[tuple[int | None, str]] = []
    lock = threading.Lock()

    def newcomer(n: int) -> None:
        try:
            Client.connect(gw.url, sign(ec_key(), "ES256", f"unknown-{n}"), timeout=5)
        except ConnectFailed as exc:
            with lock:
                answers.append((exc.status, exc.reason))

    threads = [threading.Thread(target=newcomer, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == [(503, "keys_refreshing")] * 16
    time.sleep(2.0)  # the fetch ends
    assert jwks_server.requests == 2  # sixteen unknown kids, one fetch
