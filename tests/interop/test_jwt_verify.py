"""aws-jwt-verify 5.2 (the real npm package) verifying the server's tokens.

CognitoJwtVerifier derives the issuer ``https://cognito-idp.<region>.amazonaws.com/<poolId>``
from the pool id, so these tests use a server started with ``--issuer-style aws``. Its Node
fetcher refuses ``http://`` JWKS URLs, so the test fetches the pool's JWKS and hands it over
with ``cacheJwks``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, RunningServer, create_pool
from tests.interop.conftest import run_node

pytestmark = pytest.mark.interop


def verify(pool: dict[str, Any], jwks: dict[str, Any], checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = run_node("jwt_verify.mjs", {"poolId": pool["pool_id"], "clientId": pool["client_id"], "jwks": jwks, "checks": checks})
    assert result["version"].startswith("5.2.")
    return list(result["results"])


def signed_in(server: RunningServer, pool: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    username = f"jwt-{pool['pool_id'][-6:].lower()}"
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
    tokens = server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD}
    )["AuthenticationResult"]
    return username, dict(tokens)


def jwks_of(server: RunningServer, pool: dict[str, Any]) -> dict[str, Any]:
    resp = httpx.get(f"{server.url}/{pool['pool_id']}/.well-known/jwks.json", timeout=10)
    resp.raise_for_status()
    return dict(resp.json())


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["username"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def refused(result: dict[str, Any], error_class: str) -> dict[str, Any]:
    assert not result["ok"], f"the verifier accepted a token it should refuse: {result.get('payload')}"
    assert result["errorClass"] == error_class, result
    return dict(result["error"])


def test_cognito_verifier_accepts_access_and_id_tokens_for_their_use(aws_server):
    pool = create_pool(aws_server)
    other = create_pool(aws_server)
    username, tokens = signed_in(aws_server, pool)
    refreshed = aws_server.public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])
    jwks = jwks_of(aws_server, pool)
    access, id_token = tokens["AccessToken"], tokens["IdToken"]
    results = verify(pool, jwks, [
        {"token": access, "tokenUse": "access"},
        {"token": id_token, "tokenUse": "access"},
        {"token": id_token, "tokenUse": "id"},
        {"token": access, "tokenUse": "id"},
        {"token": access, "tokenUse": "access", "clientId": other["client_id"]},
        {"token": refreshed["AuthenticationResult"]["AccessToken"], "tokenUse": "access"},
        {"token": refreshed["AuthenticationResult"]["IdToken"], "tokenUse": "id"},
        {"token": tampered(access), "tokenUse": "access"},
        {"token": access, "tokenUse": "access", "poolId": other["pool_id"], "clientId": pool["client_id"]},
        {"token": access, "tokenUse": None, "clientId": pool["client_id"]},
    ])
    issuer = f"https://cognito-idp.{pool['region']}.amazonaws.com/{pool['pool_id']}"

    assert results[0]["ok"], results[0]
    assert results[0]["payload"]["token_use"] == "access" and results[0]["payload"]["username"] == username
    assert results[0]["payload"]["iss"] == issuer and results[0]["payload"]["client_id"] == pool["client_id"]

    error = refused(results[1], "CognitoJwtInvalidTokenUseError")  # an ID token is no access token
    assert "Token use not allowed: id" in error["message"] and "access" in error["message"]

    assert results[2]["ok"], results[2]
    assert results[2]["payload"]["token_use"] == "id" and results[2]["payload"]["aud"] == pool["client_id"]
    assert results[2]["payload"]["cognito:username"] == username and results[2]["payload"]["iss"] == issuer

    assert "Token use not allowed: access" in refused(results[3], "CognitoJwtInvalidTokenUseError")["message"]
    refused(results[4], "CognitoJwtInvalidClientIdError")
    assert results[5]["ok"] and results[6]["ok"], (results[5], results[6])  # refreshed tokens verify too
    refused(results[7], "JwtInvalidSignatureError")
    # Another pool's verifier: the token's issuer is not one it knows.
    assert refused(results[8], "ParameterValidationError")["message"] == f"issuer not configured: {issuer}"
    assert results[9]["ok"] and results[9]["payload"]["token_use"] == "access"  # tokenUse null: either kind


def test_tokens_issued_before_a_restart_still_verify(aws_server):
    pool = create_pool(aws_server)
    _, tokens = signed_in(aws_server, pool)
    before = jwks_of(aws_server, pool)
    aws_server.restart()
    after = jwks_of(aws_server, pool)
    assert after == before  # the signing keys survive the restart
    results = verify(pool, after, [{"token": tokens["AccessToken"], "tokenUse": "access"}, {"token": tokens["IdToken"], "tokenUse": "id"}])
    assert all(r["ok"] for r in results), results
    assert aws_server.public.get_user(AccessToken=tokens["AccessToken"])["Username"]


def test_generic_rsa_verifier_with_the_servers_own_issuer(server, pool, make_user, sign_in):
    """With the default ``--issuer-style self``, aws-jwt-verify's JwtRsaVerifier verifies the tokens
    against the server's own issuer URL; its Cognito verifier refuses them (AWS issuer expected)."""
    username = make_user(pool)
    tokens = sign_in(pool, username)
    jwks = jwks_of(server, pool)
    rsa = {"verifier": "rsa", "issuer": pool["issuer"], "jwksUri": pool["jwks_uri"]}
    results = verify(pool, jwks, [
        {**rsa, "token": tokens["IdToken"], "audience": pool["client_id"]},
        {**rsa, "token": tokens["AccessToken"], "audience": None},
        {**rsa, "token": tokens["IdToken"], "audience": "another-client"},
        {"token": tokens["AccessToken"], "tokenUse": "access"},
    ])
    assert results[0]["ok"] and results[0]["payload"]["cognito:username"] == username, results[0]
    assert results[1]["ok"] and results[1]["payload"]["username"] == username, results[1]
    refused(results[2], "JwtInvalidAudienceError")
    assert refused(results[3], "ParameterValidationError")["message"] == f"issuer not configured: {pool['issuer']}"
