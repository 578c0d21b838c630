"""Authlib (PyPI) as an OAuth 2.0 client of ``userpool serve`` over TLS, through its httpx
integration: client_credentials with a resource server's custom scope (and its refusals), and the
authorization code grant (PKCE S256, a person signing in on the hosted page in Chromium) followed
by Authlib's refresh."""

from __future__ import annotations

import ssl
from typing import Any

import jwt
import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from tests.conftest import PASSWORD
from tests.interop.browser import Chromium, look
from tests.interop.managed_login import RelyingParty, TlsServer, hosted_pool, make_hosted_user

pytestmark = pytest.mark.interop

CALLBACK = "https://rp.example.test/authlib/callback"  # registered, never visited (client_credentials)
ORDERS = {
    "Identifier": "https://api.example.test/orders",
    "Name": "Orders API",
    "Scopes": [
        {"ScopeName": "read", "ScopeDescription": "Read orders"},
        {"ScopeName": "write", "ScopeDescription": "Place orders"},
    ],
}
READ = "https://api.example.test/orders/read"
WRITE = "https://api.example.test/orders/write"


def _trust(server: TlsServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.cert))


def _metadata(server: TlsServer, pool: dict[str, Any]) -> dict[str, Any]:
    with server.client() as http:
        return dict(http.get(f"{pool['issuer']}/.well-known/openid-configuration").json())


def _access_claims(server: TlsServer, pool: dict[str, Any], token: str) -> dict[str, Any]:
    """The access token checked as a resource server would: signature from the pool's JWKS, issuer."""
    with server.client() as http:
        jwks = http.get(pool["jwks_uri"]).json()
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"]))
    return dict(jwt.decode(token, key, algorithms=["RS256"], issuer=pool["issuer"], options={"verify_aud": False}))


@pytest.fixture
def machine_pool(tls_server: TlsServer) -> dict[str, Any]:
    return hosted_pool(tls_server, callback=CALLBACK, secret=True, flows=("client_credentials",), scopes=[READ], resource_server=ORDERS)


def test_client_credentials_with_a_custom_scope(tls_server: TlsServer, machine_pool: dict[str, Any]) -> None:
    token_endpoint = _metadata(tls_server, machine_pool)["token_endpoint"]
    with OAuth2Client(machine_pool["client_id"], machine_pool["client_secret"], scope=READ, verify=_trust(tls_server)) as oauth:
        token = oauth.fetch_token(token_endpoint, grant_type="client_credentials")
    assert token["token_type"].lower() == "bearer" and token["expires_in"] == 3600
    assert "refresh_token" not in token and "id_token" not in token
    claims = _access_claims(tls_server, machine_pool, token["access_token"])
    assert claims["scope"] == READ and claims["token_use"] == "access"
    assert claims["client_id"] == machine_pool["client_id"] and claims["sub"] == machine_pool["client_id"]


def test_client_credentials_refusals(tls_server: TlsServer, machine_pool: dict[str, Any]) -> None:
    token_endpoint = _metadata(tls_server, machine_pool)["token_endpoint"]
    wrong_scope = OAuth2Client(machine_pool["client_id"], machine_pool["client_secret"], scope=WRITE, verify=_trust(tls_server))
    with wrong_scope, pytest.raises(OAuthError) as not_allowed:
        wrong_scope.fetch_token(token_endpoint, grant_type="client_credentials")
    assert not_allowed.value.error == "invalid_scope"
    wrong_secret = OAuth2Client(machine_pool["client_id"], "not-the-secret", scope=READ, verify=_trust(tls_server))
    with wrong_secret, pytest.raises(OAuthError) as bad_secret:
        wrong_secret.fetch_token(token_endpoint, grant_type="client_credentials")
    assert bad_secret.value.error == "invalid_client"


def test_code_grant_then_refresh(tls_server: TlsServer, relying_party: RelyingParty, chromium_tls: Chromium) -> None:
    callback_url = relying_party.callback
    pool = hosted_pool(tls_server, callback=callback_url, secret=True, scopes=["openid", "email", READ], resource_server=ORDERS)
    username = make_hosted_user(tls_server, pool)
    meta = _metadata(tls_server, pool)
    verifier = generate_token(64)
    with OAuth2Client(
        pool["client_id"], pool["client_secret"], scope=f"openid email {READ}", redirect_uri=callback_url,
        code_challenge_method="S256", verify=_trust(tls_server),
    ) as oauth:
        url, state = oauth.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
        chromium_tls.goto(url)
        look(chromium_tls.screenshot("authlib-login"), "Sign in")
        chromium_tls.fill("input[name=username]", username)
        chromium_tls.fill("input[name=password]", PASSWORD)
        landed = chromium_tls.click("[type=submit]")
        assert landed["url"].startswith(callback_url + "?") and "callback received" in landed["text"]
        [callback] = relying_party.hits
        token = oauth.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
        assert f"state={state}" in callback
        first = _access_claims(tls_server, pool, token["access_token"])
        assert set(first["scope"].split()) == {"openid", "email", READ} and first["username"] == username

        refreshed = oauth.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    again = _access_claims(tls_server, pool, refreshed["access_token"])
    assert again["sub"] == first["sub"] and again["jti"] != first["jti"]
    assert set(again["scope"].split()) == set(first["scope"].split())
    assert refreshed["id_token"]
