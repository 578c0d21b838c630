"""Helpers for the server suite: raw wire calls (signed or not), Cognito-shaped error checks
that also prove the database did not change, SECRET_HASH, SRP answers, and direct database
access for test setup (moving a stored expiry into the past) and for reading what a request
recorded on purpose (failed-attempt counters).

Everything talks HTTP to the real ``userpool serve`` of the ``server`` fixture; direct database
access goes through the fixture's ``query`` / ``execute`` / ``snapshot``, so the suite also runs
with the session server on PostgreSQL (``USERPOOL_TEST_DATABASE=postgres``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

import botocore.session
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from tests.conftest import PASSWORD, REGION, RunningServer, create_pool

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
NEW_PASSWORD = "N3w-passw0rd!"
WRONG_PASSWORD = "Wr0ng-passw0rd!"
UNKNOWN_POOL = "us-east-1_Nope12345"
UNKNOWN_CLIENT = "nosuchclient0000000000000a"
# A well-formed JWT from nobody (alg RS256, unknown kid): refused as an access token.
FOREIGN_JWT = ".".join(
    base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
    for part in ({"alg": "RS256", "kid": "nope"}, {"sub": "x", "token_use": "access", "exp": 9999999999, "iat": 1})
) + ".c2ln"

# Operational counters, not state Cognito keeps about users: request-rate windows count every
# request, refused or not.
VOLATILE_TABLES = frozenset({"rate_windows"})

_MODEL = botocore.session.get_session().get_service_model("cognito-idp")

__all__ = ["PASSWORD", "REGION", "RunningServer", "create_pool"]


def input_shape(op: str) -> Any:
    return _MODEL.operation_model(op).input_shape


def is_admin(op: str) -> bool:
    """Whether botocore's model says the operation is signed (admin) rather than public."""
    return _MODEL.operation_model(op).auth_type != "none"


# ------------------------------------------------------------------ the wire


def signed_headers(
    server: RunningServer,
    op: str,
    content: bytes,
    *,
    region: str = REGION,
    key: str | None = None,
    secret: str | None = None,
    when: datetime | None = None,
    service: str = "cognito-idp",
) -> dict[str, str]:
    """SigV4 headers as boto3 makes them, optionally with another key, secret or time."""
    real_key, real_secret = server.credentials()
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=content,
        headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + op},
    )
    signer = SigV4Auth(Credentials(key or real_key, secret or real_secret), service, region)
    request.context["timestamp"] = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    signer._modify_request_before_signing(request)
    signature = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    signer._inject_signature_to_request(request, signature)
    return dict(request.headers.items())


def rpc(
    server: RunningServer,
    op: str,
    body: dict[str, Any] | bytes | str,
    *,
    signed: bool | None = None,
    headers: dict[str, str] | None = None,
    region: str = REGION,
) -> httpx.Response:
    """One wire call; admin operations are signed with the server's key unless ``signed=False``."""
    content = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else json.dumps(body).encode()
    if signed is None:
        signed = is_admin(op)
    base = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + op}
    if signed:
        base = signed_headers(server, op, content, region=region)
    return httpx.post(server.url + "/", content=content, headers={**base, **(headers or {})}, timeout=60)


def ok(server: RunningServer, op: str, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    r = rpc(server, op, body, **kwargs)
    assert r.status_code == 200, f"{op} failed: {r.status_code} {r.text}"
    result: dict[str, Any] = r.json()
    return result


def assert_error(r: httpx.Response, name: str, *, status: int = 400, message: str | None = None) -> dict[str, Any]:
    """A Cognito-shaped error: status, ``x-amzn-ErrorType``, JSON ``__type`` and ``message``."""
    assert r.status_code == status, f"expected {status} {name}, got {r.status_code} {r.text}"
    assert r.headers.get("x-amzn-ErrorType") == name, f"expected {name}, got {r.text}"
    assert r.headers.get("content-type", "").startswith(CONTENT_TYPE)
    body: dict[str, Any] = r.json()
    assert body.get("__type") == name, body
    assert isinstance(body.get("message"), str) and body["message"], body
    if message is not None:
        assert re.search(message, body["message"]), f"{message!r} not in {body['message']!r}"
    return body


def rejected(
    server: RunningServer,
    op: str,
    body: dict[str, Any] | bytes | str,
    name: str,
    *,
    status: int = 400,
    message: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Cognito refuses the request with ``name`` and the database is exactly as before."""
    before = state(server)
    r = rpc(server, op, body, **kwargs)
    out = assert_error(r, name, status=status, message=message)
    after = state(server)
    assert after == before, f"{op} was refused with {name} but changed: {changed_tables(before, after)}"
    return out


def rejected_recording(
    server: RunningServer,
    op: str,
    body: dict[str, Any],
    name: str,
    *,
    tables: set[str],
    message: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Refused, where Cognito records something on purpose: only ``tables`` may change."""
    before = state(server)
    out = assert_error(rpc(server, op, body, **kwargs), name, message=message)
    after = state(server)
    assert changed_tables(before, after) <= tables, changed_tables(before, after)
    return out


def refused_by_boto3(server: RunningServer, call: Any, name: str, message: str | None = None) -> str:
    """``call()`` (a boto3 call) fails with ``name`` and, when given, exactly ``message``; the
    database is exactly as before. Returns the message."""
    before = state(server)
    with pytest.raises(ClientError) as exc:
        call()
    error = exc.value.response["Error"]
    assert error["Code"] == name, error
    if message is not None:
        assert error["Message"] == message, error
    after = state(server)
    assert after == before, f"refused with {name} but changed: {changed_tables(before, after)}"
    return str(error["Message"])


def state(server: RunningServer) -> dict[str, list[Any]]:
    """Every row of every table but the operational counters, as committed.

    On SQLite the rows are read in storage order, which is stable while nothing changes, so
    this skips the sort ``server.snapshot()`` does (it runs twice per refused request here).
    """
    if server.database_url:
        return {t: rows for t, rows in server.snapshot().items() if t not in VOLATILE_TABLES}
    conn = sqlite3.connect(f"file:{server.data_dir / 'userpool.db'}?mode=ro", uri=True, timeout=30)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables if t not in VOLATILE_TABLES}
    finally:
        conn.close()


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> set[str]:
    return {t for t in set(before) | set(after) if before.get(t) != after.get(t)}


# ------------------------------------------------------------------ Cognito's client-side values


def secret_hash(secret: str, username: str, client_id: str) -> str:
    """SECRET_HASH = base64(HMAC-SHA256(client secret, username + client id))."""
    return base64.b64encode(hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()).decode()


def srp_start(pool: dict[str, Any], username: str, password: str = PASSWORD) -> AWSSRP:
    """pycognito's SRP client half, used step by step over raw calls."""
    return AWSSRP(username, password, pool["pool_id"], pool["client_id"], client=object(), client_secret=pool.get("client_secret"))


def srp_sign_in(server: RunningServer, pool: dict[str, Any], username: str, password: str = PASSWORD) -> dict[str, Any]:
    """USER_SRP_AUTH then PASSWORD_VERIFIER over the wire; the second response."""
    srp = srp_start(pool, username, password)
    params = srp.get_auth_params()
    first = ok(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params})
    assert first["ChallengeName"] == "PASSWORD_VERIFIER"
    answers = srp.process_challenge(first["ChallengeParameters"], params)
    return ok(
        server, "RespondToAuthChallenge",
        {"ClientId": pool["client_id"], "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": answers},
    )


def password_auth(pool: dict[str, Any], username: str, password: str = PASSWORD, **extra: str) -> dict[str, Any]:
    """An InitiateAuth USER_PASSWORD_AUTH body (with SECRET_HASH when the client has a secret)."""
    params = {"USERNAME": username, "PASSWORD": password, **extra}
    if pool.get("client_secret") and "SECRET_HASH" not in extra:
        params["SECRET_HASH"] = secret_hash(pool["client_secret"], username, pool["client_id"])
    return {"ClientId": pool["client_id"], "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params}


def tokens_for(server: RunningServer, pool: dict[str, Any], username: str, password: str = PASSWORD) -> dict[str, Any]:
    result: dict[str, Any] = ok(server, "InitiateAuth", password_auth(pool, username, password))["AuthenticationResult"]
    return result


def claims(token: str) -> dict[str, Any]:
    """The payload of a JWT (signature checks live in the tests that need them)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def unique(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def unknown_offered(server: RunningServer, pool: dict[str, Any], wanted: set[str], *, tries: int = 200) -> str:
    """A name the pool does not know whose USER_AUTH offer (its stand-in's, drawn from a keyed
    hash of the name, which a test cannot compute) has every factor in ``wanted``, found by asking."""
    for _ in range(tries):
        name = unique("ghost")
        body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": name}}
        if wanted <= set(ok(server, "InitiateAuth", body)["AvailableChallenges"]):
            return name
    raise AssertionError(f"no unknown name was offered {sorted(wanted)} in {tries} tries")


# ------------------------------------------------------------------ the database (test setup only)


def query(server: RunningServer, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Committed state, read directly (``?`` placeholders; SQLite or PostgreSQL)."""
    return server.query(sql, *params)


def execute(server: RunningServer, sql: str, *params: Any) -> int:
    """A direct write (moving an expiry into the past); returns the number of rows changed."""
    return server.execute(sql, *params)


def user_id(server: RunningServer, pool_id: str, username: str) -> int:
    rows = query(server, "SELECT id FROM users WHERE pool_id = ? AND username = ?", pool_id, username)
    assert len(rows) == 1, rows
    return int(rows[0][0])


def user_column(server: RunningServer, pool_id: str, username: str, column: str) -> Any:
    assert re.fullmatch(r"[a-z_]+", column)
    return query(server, f"SELECT {column} FROM users WHERE pool_id = ? AND username = ?", pool_id, username)[0][0]


def expire_codes(server: RunningServer, pool_id: str, username: str) -> None:
    n = execute(server, "UPDATE codes SET expires_at = 1 WHERE user_id = ?", user_id(server, pool_id, username))
    assert n >= 1, "no code to expire"


def code_attempts(server: RunningServer, pool_id: str, username: str) -> list[int]:
    return [r[0] for r in query(server, "SELECT attempts FROM codes WHERE user_id = ?", user_id(server, pool_id, username))]


def outbox_for(server: RunningServer, pool_id: str, username: str | None = None) -> list[dict[str, Any]]:
    return [m for m in server.outbox() if m["user_pool_id"] == pool_id and (username is None or m["username"] == username)]


def run_op(state: Any, name: str, req: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """One operation in this process, as the server runs it (``app.execute``, signed, a read for
    operations.READ_ONLY); ``kwargs`` go to ``app.execute``. For the ``local_state`` fixture."""
    from userpool.server import app
    from userpool.server.operations import HANDLERS, READ_ONLY

    return app.execute(state, HANDLERS[name], req, "127.0.0.1", "us-east-1", signed=True, read_only=name in READ_ONLY, **kwargs)
