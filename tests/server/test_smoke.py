"""The core path end to end: a pool, a user, SRP with pycognito, tokens that verify, restart."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
from botocore import UNSIGNED
from botocore.config import Config
from pycognito import Cognito


def _verify(server: Any, pool: dict[str, Any], token: str) -> dict[str, Any]:
    jwks = httpx.get(pool["jwks_uri"]).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(dict(next(k for k in jwks["keys"] if k["kid"] == kid).items()))
    return jwt.decode(token, key.key, algorithms=["RS256"], issuer=pool["issuer"], options={"verify_aud": False})


def test_pycognito_srp_sign_in_gives_tokens_with_cognito_claims(server, pool, make_user):
    username = make_user(pool, groups=["admins"])
    u = Cognito(
        pool["pool_id"], pool["client_id"], username=username,
        botocore_config=Config(signature_version=UNSIGNED), boto3_client_kwargs={"endpoint_url": server.url},
    )
    u.authenticate(password="Passw0rd!")
    access = _verify(server, pool, u.access_token)
    assert access["token_use"] == "access"
    assert access["client_id"] == pool["client_id"]
    assert access["username"] == username
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert access["cognito:groups"] == ["admins"]
    assert "aud" not in access
    id_claims = _verify(server, pool, u.id_token)
    assert id_claims["aud"] == pool["client_id"]
    assert id_claims["cognito:username"] == username
    assert id_claims["email_verified"] is True
    assert id_claims["origin_jti"] == access["origin_jti"]
    assert id_claims["auth_time"] == access["auth_time"]


def test_wrong_srp_password_is_refused(server, pool, make_user):
    username = make_user(pool)
    u = Cognito(
        pool["pool_id"], pool["client_id"], username=username,
        botocore_config=Config(signature_version=UNSIGNED), boto3_client_kwargs={"endpoint_url": server.url},
    )
    try:
        u.authenticate(password="Wrong-passw0rd")
    except server.public.exceptions.NotAuthorizedException as e:
        assert "Incorrect username or password" in str(e)
    else:
        raise AssertionError("wrong password accepted")


def test_restart_keeps_pools_users_keys_and_sessions(server, pool, make_user, sign_in):
    username = make_user(pool)
    tokens = sign_in(pool, username)
    before = _verify(server, pool, tokens["AccessToken"])
    server.restart()
    assert _verify(server, pool, tokens["AccessToken"]) == before
    assert server.public.get_user(AccessToken=tokens["AccessToken"])["Username"] == username
    refreshed = server.public.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])
    assert _verify(server, pool, refreshed["AuthenticationResult"]["AccessToken"])["sub"] == before["sub"]
