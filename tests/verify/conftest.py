"""Fixtures for the verifier's tests.

Two sources of tokens:

* the real ``userpool serve`` (``tests/conftest.py``'s ``server``): a pool, a user in the
  groups ``admin`` and ``staff``, and the AccessToken / IdToken / RefreshToken it issued;
* a local issuer for what the real server must never do: forged tokens (alg none, HS256
  with the public key, embedded jwk, jku, tampering, duplicate keys ...), tokens with
  chosen times, and a JWKS whose keys we rotate while counting fetches. It is a tiny
  HTTP server on a free loopback port, serving a JWKS and an OIDC discovery document.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.conftest import PASSWORD, create_pool
from userpool.verify import CognitoJwtVerifier, JwksCache

LOCAL_POOL_ID = "us-east-1_LocalPool1"
LOCAL_CLIENT_ID = "localclient1234567890abcd"


def b64url(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _int_b64(value: int, size: int | None = None) -> str:
    return b64url(value.to_bytes(size or (value.bit_length() + 7) // 8, "big"))


@dataclass
class KeyPair:
    kid: str
    private: Any
    alg: str = "RS256"

    def public_jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            numbers = public.public_numbers()
            return {
                "kty": "RSA",
                "kid": self.kid,
                "alg": self.alg,
                "use": "sig",
                "n": _int_b64(numbers.n),
                "e": _int_b64(numbers.e),
            }
        numbers = public.public_numbers()
        return {
            "kty": "EC",
            "kid": self.kid,
            "crv": "P-256",
            "use": "sig",
            "x": _int_b64(numbers.x, 32),
            "y": _int_b64(numbers.y, 32),
        }

    def sign(self, signing_input: bytes) -> bytes:
        if self.alg.startswith("ES"):
            r, s = decode_dss_signature(self.private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def assemble(header: dict[str, Any] | str, payload: dict[str, Any] | str, key: KeyPair | None) -> str:
    """A compact JWS from parts; header/payload may be raw JSON text (e.g. with duplicate keys)."""
    h = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    p = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    signing_input = f"{b64url(h)}.{b64url(p)}"
    signature = b64url(key.sign(signing_input.encode())) if key else ""
    return f"{signing_input}.{signature}"


@pytest.fixture(scope="session")
def keys() -> dict[str, KeyPair]:
    """RSA keys for the local issuer (generated once: 2048-bit keys take a while)."""
    made = {
        name: KeyPair(f"kid-{name}", rsa.generate_private_key(public_exponent=65537, key_size=2048))
        for name in ("k1", "k2", "rogue")
    }
    made["ec"] = KeyPair("kid-ec", ec.generate_private_key(ec.SECP256R1()), alg="ES256")
    return made


class _Handler(BaseHTTPRequestHandler):
    server: _JwksHttpServer

    def do_GET(self) -> None:
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(self.path)
        if self.path == owner.jwks_path:
            owner.fetch_started.set()
            owner.release.wait(10)
            with owner.lock:
                owner.fetches += 1
                status, body = owner.jwks_status, json.dumps(owner.jwks_document()).encode()
                if owner.jwks_body is not None:
                    body = owner.jwks_body
        elif self.path == f"/{LOCAL_POOL_ID}/.well-known/openid-configuration":
            status = 200
            body = json.dumps(
                {"issuer": owner.discovery_issuer or owner.issuer, "jwks_uri": owner.jwks_uri}
            ).encode()
        else:
            status, body = 404, b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _JwksHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: LocalIssuer


@dataclass
class LocalIssuer:
    """A loopback issuer whose keys we control; counts JWKS fetches."""

    keys: dict[str, KeyPair]
    published: list[KeyPair] = field(default_factory=list)
    jwks_status: int = 200
    jwks_body: bytes | None = None
    discovery_issuer: str | None = None
    fetches: int = 0
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)
    fetch_started: threading.Event = field(default_factory=threading.Event)
    jwks_path: str = f"/{LOCAL_POOL_ID}/.well-known/jwks.json"
    httpd: _JwksHttpServer | None = None
    cache: JwksCache = field(default_factory=JwksCache)  # each test's verifiers get their own

    def start(self) -> None:
        self.release.set()
        self.httpd = _JwksHttpServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def stop(self) -> None:
        assert self.httpd is not None
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/{LOCAL_POOL_ID}"

    @property
    def jwks_uri(self) -> str:
        return self.base + self.jwks_path

    def jwks_document(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.published]}

    def publish(self, *names: str) -> None:
        with self.lock:
            self.published = [self.keys[n] for n in names]

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "sub": str(uuid.uuid4()),
            "cognito:groups": ["admin", "staff"],
            "iss": self.issuer,
            "client_id": LOCAL_CLIENT_ID,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": now,
            "exp": now + 3600,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "username": "alice",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def id_claims(self, **overrides: Any) -> dict[str, Any]:
        claims = self.claims(token_use="id", client_id=None, scope=None, username=None)
        claims.update({"aud": LOCAL_CLIENT_ID, "cognito:username": "alice", "email": "alice@example.com"})
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(self, key: str = "k1", header: dict[str, Any] | None = None, **overrides: Any) -> str:
        pair = self.keys[key]
        return assemble({"kid": pair.kid, "alg": pair.alg, **(header or {})}, self.claims(**overrides), pair)

    def verifier(self, **kwargs: Any) -> CognitoJwtVerifier:
        kwargs.setdefault("token_use", "access")
        kwargs.setdefault("client_id", LOCAL_CLIENT_ID)
        kwargs.setdefault("jwks_cache", self.cache)
        return CognitoJwtVerifier(user_pool_id=LOCAL_POOL_ID, issuer=self.issuer, **kwargs)


@pytest.fixture
def local(keys: dict[str, KeyPair]) -> Iterator[LocalIssuer]:
    """A local issuer publishing ``k1``, with its own JWKS cache (no sharing between tests)."""
    issuer = LocalIssuer(keys=keys)
    issuer.publish("k1")
    issuer.start()
    yield issuer
    issuer.stop()


@dataclass
class RealTokens:
    pool: dict[str, Any]
    username: str
    access: str
    id: str
    refresh: str

    def verifier(self, **kwargs: Any) -> CognitoJwtVerifier:
        kwargs.setdefault("token_use", "access")
        kwargs.setdefault("client_id", self.pool["client_id"])
        return CognitoJwtVerifier(user_pool_id=self.pool["pool_id"], issuer=self.pool["issuer"], **kwargs)


def issue_tokens(server: Any, pool: dict[str, Any], username: str, groups: list[str]) -> RealTokens:
    admin = server.admin
    admin.admin_create_user(
        UserPoolId=pool["pool_id"],
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    admin.admin_set_user_password(
        UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True
    )
    for group in groups:
        with contextlib.suppress(admin.exceptions.GroupExistsException):
            admin.create_group(UserPoolId=pool["pool_id"], GroupName=group)
        admin.admin_add_user_to_group(UserPoolId=pool["pool_id"], Username=username, GroupName=group)
    result = server.public.initiate_auth(
        ClientId=pool["client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return RealTokens(pool, username, result["AccessToken"], result["IdToken"], result["RefreshToken"])


@pytest.fixture(scope="session")
def real_pool(server: Any) -> dict[str, Any]:
    return create_pool(server)


@pytest.fixture(scope="session")
def real(server: Any, real_pool: dict[str, Any]) -> RealTokens:
    """Tokens the real server issued to a user in groups admin and staff (shared, read-only)."""
    return issue_tokens(server, real_pool, "verify-alice", ["admin", "staff"])


@pytest.fixture
def fresh_real(server: Any, real_pool: dict[str, Any]) -> RealTokens:
    """A new user's tokens, for tests that sign out or otherwise spend them."""
    return issue_tokens(server, real_pool, f"verify-{uuid.uuid4().hex[:8]}", [])


@pytest.fixture(scope="session")
def other_pool_tokens(server: Any) -> RealTokens:
    """Tokens from a second pool on the same server."""
    return issue_tokens(server, create_pool(server), "verify-bob", [])


MintFn = Callable[..., str]
