"""openid-client v6 (Node) as a relying party of ``userpool serve`` over TLS: discovery, the
authorization code grant with PKCE S256, state and nonce through the hosted sign-in page in
headless Chromium, the ID token validated by openid-client, userinfo, refresh and revocation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.interop.browser import Shot, look
from tests.interop.conftest import run_node, step, step_error
from tests.interop.managed_login import RelyingParty, TlsServer, hosted_pool, make_hosted_user

pytestmark = pytest.mark.interop


def test_openid_client_signs_in_through_the_hosted_page(tls_server: TlsServer, relying_party: RelyingParty, tmp_path: Path) -> None:
    callback = relying_party.callback
    pool = hosted_pool(tls_server, callback=callback, secret=True)
    username = make_hosted_user(tls_server, pool)
    result = run_node(
        "openid_client.mjs",
        {
            "issuer": pool["issuer"],
            "clientId": pool["client_id"],
            "clientSecret": pool["client_secret"],
            "redirectUri": callback,
            "scope": "openid email profile",
            "shots": str(tmp_path),
            "steps": [
                {"do": "discovery"},
                {"do": "authorize", "username": username, "password": PASSWORD},
                {"do": "codeGrant"},
                {"do": "userinfo"},
                {"do": "refresh"},
                {"do": "revoke"},
                {"do": "refreshAgain", "catch": True},
                {"do": "replayCode", "catch": True},  # last: a replayed code also revokes what it gave
            ],
        },
        env={"NODE_EXTRA_CA_CERTS": str(tls_server.cert)},
    )
    meta = step(result, 0, "discovery")
    issuer = f"{tls_server.url}/{pool['pool_id']}"
    assert meta["issuer"] == issuer
    assert meta["authorization_endpoint"].startswith("https://") and meta["revocation_endpoint"]
    assert "S256" in (meta["code_challenge_methods_supported"] or ["S256"])

    authorized = step(result, 1, "authorize")
    assert authorized["login"]["status"] == 200
    look(Shot(tmp_path / "openid-client-login.png", authorized["login"]["url"], authorized["login"]["title"],
              authorized["login"]["text"]), "Sign in")
    params = authorized["callbackParams"]
    assert params["state"] == authorized["state"] and params["code"]
    assert authorized["callback"].startswith(callback + "?") and relying_party.hits == [authorized["callback"]]
    assert "callback received" in authorized["landed"]["text"]

    tokens = step(result, 2, "codeGrant")
    claims = tokens["claims"]
    assert claims["nonce"] == authorized["nonce"]
    assert claims["aud"] == pool["client_id"] and claims["iss"] == issuer
    assert claims["cognito:username"] == username and claims["token_use"] == "id"
    assert tokens["token_type"].lower() == "bearer" and tokens["has_refresh_token"]
    assert set(tokens["access"]["scope"].split()) == {"openid", "email", "profile"}
    assert tokens["access"]["client_id"] == pool["client_id"] and tokens["access"]["token_use"] == "access"

    info = step(result, 3, "userinfo")
    assert info["sub"] == claims["sub"] and info["email"] == f"{username}@example.com"
    assert info["username"] == username

    refreshed = step(result, 4, "refresh")
    assert refreshed["claims"]["sub"] == claims["sub"] and refreshed["claims"]["aud"] == pool["client_id"]
    assert refreshed["access"]["jti"] != tokens["access"]["jti"]

    step(result, 5, "revoke")
    assert step_error(result, 6)["code"] == "invalid_grant"  # a revoked refresh token is dead
    assert step_error(result, 7)["code"] == "invalid_grant"  # a code is good once
