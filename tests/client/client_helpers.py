"""Helpers for the client tests: unsigned JWTs, a scripted Cognito for the sans-I/O flows,
and a tiny SRP verifier built on the server half of ``userpool.srp``.

The scripted transport replaces only the wire: the real drivers, flows and orchestrator run,
and each expected call is checked and answered from the script.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from userpool import srp
from userpool.auth import errors
from userpool.auth.flows.base import CognitoCall

POOL_ID = "us-east-1_TestPool1"
CLIENT_ID = "testclient123"


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(**claims: Any) -> str:
    return f"{b64url({'alg': 'none', 'kid': 'k'})}.{b64url(claims)}.c2ln"


def make_tokens(
    username: str = "alice",
    sub: str = "sub-alice",
    now: float | None = None,
    ttl: int = 3600,
    refresh: str | None = "refresh-1",
    origin_jti: bool = True,
) -> dict[str, Any]:
    """An AuthenticationResult as Cognito would return it (unsigned tokens)."""
    now = int(now if now is not None else time.time())
    common = {"sub": sub, "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}", "iat": now,
              "exp": now + ttl, "auth_time": now, "jti": str(uuid.uuid4())}
    if origin_jti:
        common["origin_jti"] = str(uuid.uuid4())
    access = make_jwt(**common, token_use="access", client_id=CLIENT_ID, username=username, scope="aws.cognito.signin.user.admin")
    id_token = make_jwt(**common, token_use="id", aud=CLIENT_ID, **{"cognito:username": username})
    result: dict[str, Any] = {"AccessToken": access, "IdToken": id_token, "ExpiresIn": ttl, "TokenType": "Bearer"}
    if refresh:
        result["RefreshToken"] = refresh
    return result


Answer = dict[str, Any] | errors.AuthError | Callable[[dict[str, Any]], dict[str, Any]]


class ScriptedTransport:
    """Answers CognitoCalls from a script of (operation, answer) pairs, in order."""

    def __init__(self, script: list[tuple[str, Answer]] | None = None, delay: float = 0.0) -> None:
        self.script = list(script or [])
        self.calls: list[CognitoCall] = []
        self.delay = delay
        self._lock = threading.Lock()

    def add(self, operation: str, answer: Answer) -> ScriptedTransport:
        self.script.append((operation, answer))
        return self

    def _answer(self, call: CognitoCall) -> dict[str, Any]:
        with self._lock:
            self.calls.append(call)
            if not self.script:
                raise AssertionError(f"unexpected call {call.operation} {call.payload}")
            operation, answer = self.script.pop(0)
        assert call.operation == operation, f"expected {operation}, got {call.operation}"
        if self.delay:
            time.sleep(self.delay)
        if isinstance(answer, errors.AuthError):
            raise answer
        if callable(answer):
            return answer(call.payload)
        return answer

    def send(self, call: CognitoCall) -> dict[str, Any]:
        return self._answer(call)

    def close(self) -> None:
        pass

    def ops(self) -> list[str]:
        return [c.operation for c in self.calls]


class AsyncScriptedTransport(ScriptedTransport):
    async def send(self, call: CognitoCall) -> dict[str, Any]:  # type: ignore[override]
        import asyncio

        with self._lock:
            self.calls.append(call)
            operation, answer = self.script.pop(0)
        assert call.operation == operation, f"expected {operation}, got {call.operation}"
        if self.delay:
            await asyncio.sleep(self.delay)
        if isinstance(answer, errors.AuthError):
            raise answer
        if callable(answer):
            return answer(call.payload)
        return answer

    async def aclose(self) -> None:
        pass


def err(name: str, message: str = "", **metadata: Any) -> errors.AuthError:
    return errors.make_error(name, message, metadata={"http_status": 400, "json": True, **metadata})


class FakeSrpServer:
    """The server half of SRP for one user, from userpool.srp, to check the client's proof."""

    def __init__(self, username: str, password: str, pool_id: str = POOL_ID, user_id: str | None = None) -> None:
        self.user_id = user_id or username
        self.pool_id = pool_id
        self.salt, self.verifier = srp.make_verifier(pool_id, self.user_id, password)
        self.secret_block = base64.b64encode(b"secret-block-" + uuid.uuid4().bytes).decode()
        self.eph: srp.ServerEphemeral | None = None
        self.big_a = 0

    def initiate(self, payload: dict[str, Any]) -> dict[str, Any]:
        params = payload["AuthParameters"]
        self.big_a = srp.parse_srp_a(params["SRP_A"]) or 0
        assert self.big_a
        self.eph = srp.server_ephemeral(self.verifier)
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": "srp-session",
            "ChallengeParameters": {
                "SALT": self.salt,
                "SRP_B": self.eph.srp_b,
                "SECRET_BLOCK": self.secret_block,
                "USER_ID_FOR_SRP": self.user_id,
                "USERNAME": self.user_id,
            },
        }

    def verify(self, payload: dict[str, Any]) -> bool:
        answers = payload["ChallengeResponses"]
        assert self.eph is not None
        key = srp.server_session_key(self.big_a, self.verifier, self.eph)
        assert key is not None
        return srp.verify_claim(
            key, self.pool_id, self.user_id, answers["PASSWORD_CLAIM_SECRET_BLOCK"], answers["TIMESTAMP"],
            answers["PASSWORD_CLAIM_SIGNATURE"],
        )

    def respond(self, then: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def answer(payload: dict[str, Any]) -> dict[str, Any]:
            if not self.verify(payload):
                raise err("NotAuthorizedException", "Incorrect username or password.")
            return then

        return answer


class FakeClock:
    def __init__(self, start: float | None = None) -> None:
        self.now = start if start is not None else time.time()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


# ---------------------------------------------------------------- HTTP helpers


class LoopThread:
    """One asyncio loop in a daemon thread, so sync test code can await the async client."""

    def __init__(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 60) -> Any:
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class AsyncAdapter:
    """The async client with the sync client's calling convention (for tests run both ways)."""

    def __init__(self, aclient: Any, loop: LoopThread) -> None:
        self.aclient = aclient
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        import inspect

        attr = getattr(self.aclient, name)
        if inspect.iscoroutinefunction(attr):
            return lambda *a, **k: self._loop.run(attr(*a, **k))
        return attr


class CountingProxy:
    """A loopback HTTP proxy in front of the server that counts X-Amz-Target values.

    Counting on the server side of the wire (what reached the server), with an optional
    delay per operation so concurrent callers really overlap the request in flight.
    """

    def __init__(self, upstream: str, delays: dict[str, float] | None = None) -> None:
        import collections
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import httpx

        self.upstream = upstream
        self.counts: collections.Counter[str] = collections.Counter()
        self.delays = delays or {}
        proxy = self
        http = httpx.Client(timeout=30)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
                with proxy._lock:
                    proxy.counts[target] += 1
                if proxy.delays.get(target):
                    time.sleep(proxy.delays[target])
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
                upstream = http.post(proxy.upstream + self.path, content=body, headers=headers)
                self.send_response(upstream.status_code)
                for k, v in upstream.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


ALL_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]


def make_pool(server: Any, client_args: dict[str, Any] | None = None, **pool_args: Any) -> dict[str, Any]:
    """A pool + app client on the running server, shaped like tests/conftest.py's ``pool``."""
    admin = server.admin
    pool_args.setdefault("PoolName", f"client-{uuid.uuid4().hex[:8]}")
    pool_args.setdefault("AutoVerifiedAttributes", ["email"])
    pool_id = admin.create_user_pool(**pool_args)["UserPool"]["Id"]
    client_args = dict(client_args or {})
    client_args.setdefault("ClientName", "app")
    client_args.setdefault("ExplicitAuthFlows", ALL_FLOWS)
    app = admin.create_user_pool_client(UserPoolId=pool_id, **client_args)["UserPoolClient"]
    return {"pool_id": pool_id, "client_id": app["ClientId"], "client_secret": app.get("ClientSecret"),
            "region": pool_id.split("_")[0]}


class ResourceServer:
    """A tiny API on loopback that accepts only a valid ACCESS token.

    ``GET /me`` checks the bearer token with the user pool itself (GetUser accepts access
    tokens only), refuses jtis in ``revoked`` with ``401`` + ``WWW-Authenticate: Bearer
    error="invalid_token"`` (RFC 6750), and records every Authorization header it saw.
    """

    def __init__(self, pool_endpoint: str) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import httpx

        self.revoked: set[str] = set()
        self.seen: list[str] = []
        self.plain_401_once = False
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                header = self.headers.get("Authorization") or ""
                api.seen.append(header)
                if api.plain_401_once:
                    api.plain_401_once = False
                    return self._send(401, {"error": "nope"}, {"WWW-Authenticate": 'Bearer realm="api"'})
                if not header.startswith("Bearer "):
                    return self._send(401, {"error": "missing"}, {"WWW-Authenticate": 'Bearer realm="api"'})
                token = header[7:]
                from userpool.auth import decode_jwt

                try:
                    claims = decode_jwt(token).payload
                except ValueError:
                    claims = {}
                invalid = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}
                if claims.get("jti") in api.revoked:
                    return self._send(401, {"error": "revoked"}, invalid)
                r = httpx.post(pool_endpoint, json={"AccessToken": token}, headers={
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": "AWSCognitoIdentityProviderService.GetUser"})
                if r.status_code != 200:
                    return self._send(401, {"error": r.json().get("__type")}, invalid)
                return self._send(200, {"username": r.json()["Username"], "token_use": claims.get("token_use")})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
