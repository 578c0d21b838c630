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

    def add(self, operation: str, answer: Answer) -> "ScriptedTransport":
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
