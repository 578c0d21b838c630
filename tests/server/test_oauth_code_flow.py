"""Managed login end to end over HTTP: authorize -> hosted sign-in page -> code -> token
endpoint (PKCE) -> userInfo, refresh, revoke, the silent second authorize and /logout."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.server.oauth_helpers import (
    CALLBACK,
    LOGOUT,
    Browser,
    Page,
    claims,
    exchange,
    oauth_pool,
    pkce_pair,
    redirect_params,
    token,
)


@pytest.fixture
def browser(server: RunningServer) -> Any:
    b = Browser(server)
    yield b
    b.close()


def test_code_flow_with_pkce_end_to_end(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool, attributes={"name": "Jo"})
    verifier, challenge = pkce_pair()
    landed = browser.sign_in(pool, username, scope="openid email aws.cognito.signin.user.admin", state="st-1",
                             nonce="n-42", code_challenge=challenge, code_challenge_method="S256")
    params = redirect_params(landed)
    assert landed.headers["location"].startswith(CALLBACK + "?")  # type: ignore[union-attr]
    assert params["state"] == "st-1"
    r = exchange(server, pool, params["code"], verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["refresh_token"]
    access, id_token = claims(body["access_token"]), claims(body["id_token"])
    assert access["scope"].split() == ["openid", "email", "aws.cognito.signin.user.admin"]
    assert access["client_id"] == pool["client_id"] and access["username"] == username
    assert id_token["nonce"] == "n-42" and id_token["aud"] == pool["client_id"]
    assert id_token["email"] == f"{username}@example.com" and "name" not in id_token  # email scope only
    # aws.cognito.signin.user.admin was granted: the access token works against the user API
    got = server.public.get_user(AccessToken=body["access_token"])
    assert got["Username"] == username
    info = httpx.get(server.url + "/oauth2/userInfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200, info.text
    assert info.json() == {"sub": access["sub"], "email": f"{username}@example.com", "email_verified": "true",
                           "username": username}


def test_without_the_admin_scope_the_user_api_refuses_the_token(server: RunningServer, make_user: Any,
                                                               browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    tokens = exchange(server, pool, redirect_params(browser.sign_in(pool, username, scope="openid email"))["code"]).json()
    with pytest.raises(server.public.exceptions.NotAuthorizedException, match="does not have required scopes"):
        server.public.get_user(AccessToken=tokens["access_token"])
    with pytest.raises(server.public.exceptions.NotAuthorizedException):
        server.public.global_sign_out(AccessToken=tokens["access_token"])
    info = httpx.get(server.url + "/oauth2/userInfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 200  # userInfo needs openid, not the admin scope


def test_code_is_single_use_and_replay_revokes(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    params = redirect_params(browser.sign_in(pool, username, scope="openid"))
    first = exchange(server, pool, params["code"])
    assert first.status_code == 200, first.text
    again = exchange(server, pool, params["code"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # the replay revoked what the code had issued
    refreshed = token(server, pool, {"grant_type": "refresh_token", "client_id": pool["client_id"],
                                     "refresh_token": first.json()["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json() == {"error": "invalid_grant"}


def test_wrong_verifier_and_wrong_redirect_uri_are_invalid_grant(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    verifier, challenge = pkce_pair()
    params = redirect_params(browser.sign_in(pool, username, code_challenge=challenge, code_challenge_method="S256"))
    wrong = exchange(server, pool, params["code"], verifier[:-1] + ("A" if verifier[-1] != "A" else "B"))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # the code is used up by the failed attempt: the right verifier cannot win a second try
    assert exchange(server, pool, params["code"], verifier).json()["error"] == "invalid_grant"
    # second authorize is silent (session cookie): a fresh code, then a wrong redirect_uri
    silent = browser.authorize(pool, code_challenge=challenge, code_challenge_method="S256")
    code = redirect_params(silent)["code"]
    mismatch = exchange(server, pool, code, verifier, redirect_uri="http://localhost:3000/")
    assert mismatch.status_code == 400 and mismatch.json()["error"] == "invalid_grant"
    missing = exchange(server, pool, redirect_params(browser.authorize(pool, code_challenge=challenge))["code"])
    assert missing.json()["error"] == "invalid_grant"  # plain challenge, no verifier


def test_plain_pkce_and_expired_code(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    verifier, _ = pkce_pair()
    params = redirect_params(browser.sign_in(pool, username, code_challenge=verifier, code_challenge_method="plain"))
    assert exchange(server, pool, params["code"], verifier).status_code == 200
    code = redirect_params(browser.authorize(pool))["code"]
    server.execute("UPDATE oauth_codes SET expires_at = 0 WHERE used_at IS NULL")
    expired = exchange(server, pool, code)
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"


def test_silent_second_authorize_and_prompt(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    redirect_params(browser.sign_in(pool, username))
    silent = browser.authorize(pool, state="again")
    assert redirect_params(silent)["state"] == "again"
    forced = browser.authorize(pool, prompt="login")
    assert isinstance(forced, Page) and forced.status == 200 and forced.form.action.startswith("/login?")
    fresh = Browser(server)
    try:
        refused = fresh.authorize(pool, prompt="none", state="s")
        assert redirect_params(refused) == {"error": "login_required", "state": "s"}
    finally:
        fresh.close()


def test_implicit_grant_returns_tokens_in_the_fragment(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    landed = browser.sign_in(pool, username, response_type="token", scope="openid profile", state="x", nonce="nn")
    location = landed.headers["location"]  # type: ignore[union-attr]
    assert location.startswith(CALLBACK + "#")
    params = redirect_params(landed)
    assert set(params) == {"id_token", "access_token", "token_type", "expires_in", "state"}
    assert claims(params["id_token"])["nonce"] == "nn"
    assert claims(params["access_token"])["scope"] == "openid profile"
    no_openid = browser.authorize(pool, response_type="token", scope="aws.cognito.signin.user.admin")
    assert "id_token" not in redirect_params(no_openid)


def test_refresh_keeps_scopes_and_revoke_ends_it(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server, secret=True)
    username = make_user(pool)
    params = redirect_params(browser.sign_in(pool, username, scope="openid email"))
    tokens = exchange(server, pool, params["code"]).json()
    basic = (pool["client_id"], pool["client_secret"])
    refreshed = token(server, pool, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=basic)
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert "refresh_token" not in body and claims(body["access_token"])["scope"] == "openid email"
    assert claims(body["id_token"])["auth_time"] == claims(tokens["id_token"])["auth_time"]
    # client_secret_post works too; a wrong secret is invalid_client
    posted = token(server, pool, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                  "client_id": pool["client_id"], "client_secret": pool["client_secret"]})
    assert posted.status_code == 200
    bad = token(server, pool, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                auth=(pool["client_id"], "wrong"))
    assert bad.status_code == 400 and bad.json() == {"error": "invalid_client"}
    revoked = httpx.post(server.url + "/oauth2/revoke", data={"token": tokens["refresh_token"]}, auth=basic)
    assert revoked.status_code == 200 and revoked.content == b""
    after = token(server, pool, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=basic)
    assert after.json() == {"error": "invalid_grant"}
    info = httpx.get(server.url + "/oauth2/userInfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 401 and info.json()["error"] == "invalid_token"
    assert "invalid_token" in info.headers["www-authenticate"]


def test_logout_ends_the_session_and_redirects_only_to_registered_urls(server: RunningServer, make_user: Any,
                                                                      browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    redirect_params(browser.sign_in(pool, username))
    unregistered = browser.get("/logout", params={"client_id": pool["client_id"], "logout_uri": "https://evil.example/"})
    assert unregistered.status_code == 400 and "location" not in unregistered.headers
    assert isinstance(browser.authorize(pool), httpx.Response)  # still signed in
    out = browser.get("/logout", params={"client_id": pool["client_id"], "logout_uri": LOGOUT})
    assert out.status_code == 302 and out.headers["location"] == LOGOUT
    again = browser.authorize(pool)
    assert isinstance(again, Page) and again.status == 200  # the sign-in page, not a silent code
    redirect_params(browser.sign_in(pool, username))
    back = browser.get("/logout", params={"client_id": pool["client_id"], "redirect_uri": CALLBACK,
                                          "response_type": "code", "state": "z"})
    assert back.status_code == 302 and back.headers["location"].startswith("/login?")
    assert "state=z" in back.headers["location"]


def test_discovery_document_advertises_working_endpoints(server: RunningServer) -> None:
    pool = oauth_pool(server)
    doc = httpx.get(f"{server.url}/{pool['pool_id']}/.well-known/openid-configuration").json()
    assert doc["issuer"] == pool["issuer"]
    assert doc["authorization_endpoint"] == f"{server.url}/oauth2/authorize"
    assert doc["token_endpoint"] == f"{server.url}/oauth2/token"
    assert doc["userinfo_endpoint"] == f"{server.url}/oauth2/userInfo"
    assert doc["end_session_endpoint"] == f"{server.url}/logout"
    assert httpx.get(doc["jwks_uri"]).json()["keys"]
    # the token endpoint answers there (an empty form is invalid_request, not a 404)
    assert httpx.post(doc["token_endpoint"], data={}).json()["error"] == "invalid_request"


def test_sessions_of_two_pools_in_one_browser_and_a_forged_cookie(server: RunningServer, make_user: Any,
                                                                  browser: Browser) -> None:
    first, second = oauth_pool(server), oauth_pool(server)
    redirect_params(browser.sign_in(first, make_user(first)))
    redirect_params(browser.sign_in(second, make_user(second)))
    assert isinstance(browser.authorize(first), httpx.Response)  # both stay signed in, each with its own cookie
    assert isinstance(browser.authorize(second), httpx.Response)
    name = f"cognito-{first['pool_id']}"
    value = browser.http.cookies[name]
    forged = Browser(server)
    try:
        forged.http.cookies.set(name, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
        page = forged.authorize(first)
        assert isinstance(page, Page) and page.status == 200  # a forged cookie is no session: the sign-in page
    finally:
        forged.close()
