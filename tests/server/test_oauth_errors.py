"""Managed login's refusals: Cognito's error for each bad request, never a redirect to an
unchecked URL, hostile input (XSS, CSRF, open redirects, oversize forms) refused with a clear
page and nothing changed."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import RunningServer, create_pool
from tests.server.helpers import changed_tables, state
from tests.server.oauth_helpers import CALLBACK, Browser, Page, claims, oauth_pool, redirect_params, token


@pytest.fixture
def browser(server: RunningServer) -> Any:
    b = Browser(server)
    yield b
    b.close()


def authorize(server: RunningServer, **params: str) -> httpx.Response:
    return httpx.get(server.url + "/oauth2/authorize?" + urlencode(params), follow_redirects=False)


# ------------------------------------------------------------------ /oauth2/authorize


def test_unknown_client_and_unregistered_redirect_are_pages_not_redirects(server: RunningServer) -> None:
    pool = oauth_pool(server)
    unknown = authorize(server, client_id="nosuchclient0000000000000a", response_type="code", redirect_uri=CALLBACK)
    assert unknown.status_code == 400 and "location" not in unknown.headers
    assert unknown.headers["content-type"].startswith("text/html")
    for uri in ("https://evil.example/callback", CALLBACK + "/extra", CALLBACK + "?x=1", "//evil.example", ""):
        r = authorize(server, client_id=pool["client_id"], response_type="code", redirect_uri=uri, state="s")
        assert r.status_code == 400 and "location" not in r.headers, uri
        assert "redirect_mismatch" in r.text


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({}, "invalid_request"),
        ({"response_type": "id_token"}, "unsupported_response_type"),
        ({"response_type": "code", "scope": "openid admin:all"}, "invalid_scope"),
        ({"response_type": "code", "scope": "email"}, "invalid_scope"),  # email needs openid
        ({"response_type": "code", "code_challenge_method": "S512", "code_challenge": "x" * 43}, "invalid_request"),
        ({"response_type": "code", "code_challenge": "short"}, "invalid_request"),
        ({"response_type": "code", "code_challenge_method": "S256"}, "invalid_request"),
        ({"response_type": "code", "prompt": "none login"}, "invalid_request"),
        ({"response_type": "code", "identity_provider": "Google"}, "invalid_request"),
    ],
)
def test_bad_requests_redirect_with_an_error(server: RunningServer, params: dict[str, str], error: str) -> None:
    pool = oauth_pool(server)
    r = authorize(server, client_id=pool["client_id"], redirect_uri=CALLBACK, state="keep-me", **params)
    assert r.status_code == 302, r.text
    assert r.headers["location"].startswith(CALLBACK + "?")
    got = redirect_params(r)
    assert got["error"] == error and got["state"] == "keep-me"


def test_flows_the_client_does_not_allow_are_unauthorized_client(server: RunningServer) -> None:
    pool = oauth_pool(server, AllowedOAuthFlows=["code"])
    r = authorize(server, client_id=pool["client_id"], redirect_uri=CALLBACK, response_type="token")
    assert redirect_params(r)["error"] == "unauthorized_client"


# ------------------------------------------------------------------ /oauth2/token


def test_token_endpoint_errors(server: RunningServer) -> None:
    public = oauth_pool(server)
    confidential = oauth_pool(server, secret=True)
    cid = public["client_id"]
    assert token(server, public, {}).json() == {"error": "invalid_request", "error_description": "grant_type is required"}
    assert token(server, public, {"grant_type": "password", "client_id": cid}).json()["error"] == "unsupported_grant_type"
    assert token(server, public, {"grant_type": "authorization_code", "client_id": "nosuchclient0000000000000a",
                                  "code": "x"}).json()["error"] == "invalid_client"
    assert token(server, public, {"grant_type": "authorization_code", "client_id": cid, "client_secret": "made-up",
                                  "code": "x"}).json()["error"] == "invalid_client"
    no_secret = token(server, confidential, {"grant_type": "authorization_code", "client_id": confidential["client_id"],
                                             "code": "x"})
    assert no_secret.status_code == 400 and no_secret.json() == {"error": "invalid_client"}
    garbage = httpx.post(server.url + "/oauth2/token", data={"grant_type": "refresh_token"},
                         headers={"Authorization": "Basic !!!"})
    assert garbage.json()["error"] == "invalid_client"
    no_redirect = token(server, public, {"grant_type": "authorization_code", "client_id": cid, "code": "nope"})
    assert no_redirect.json() == {"error": "invalid_request", "error_description": "redirect_uri is required"}
    unknown_code = token(server, public, {"grant_type": "authorization_code", "client_id": cid, "code": "nope",
                                          "redirect_uri": CALLBACK})
    assert unknown_code.status_code == 400 and unknown_code.json() == {"error": "invalid_grant"}
    bad_refresh = token(server, public, {"grant_type": "refresh_token", "client_id": cid, "refresh_token": "nope"})
    assert bad_refresh.json() == {"error": "invalid_grant"}
    assert token(server, public, {"grant_type": "refresh_token", "client_id": cid}).json()["error"] == "invalid_request"
    implicit_only = oauth_pool(server, AllowedOAuthFlows=["implicit"])
    assert token(server, implicit_only, {"grant_type": "authorization_code", "client_id": implicit_only["client_id"],
                                         "code": "x"}).json() == {"error": "unauthorized_client"}
    json_body = httpx.post(server.url + "/oauth2/token", json={"grant_type": "refresh_token"})
    assert json_body.status_code == 400 and json_body.json()["error"] == "invalid_request"
    huge = httpx.post(server.url + "/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": "x" * 20000})
    assert huge.status_code == 400 and huge.json()["error"] == "invalid_request"


def test_client_credentials_with_resource_server_scopes(server: RunningServer) -> None:
    pool = create_pool(server)
    server.admin.create_resource_server(UserPoolId=pool["pool_id"], Identifier="https://api.example.com", Name="api",
                                        Scopes=[{"ScopeName": "read", "ScopeDescription": "r"},
                                                {"ScopeName": "write", "ScopeDescription": "w"}])
    client = server.admin.create_user_pool_client(
        UserPoolId=pool["pool_id"], ClientName="m2m", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["https://api.example.com/read",
                                                                      "https://api.example.com/write"],
    )["UserPoolClient"]
    basic = (client["ClientId"], client["ClientSecret"])
    r = token(server, pool, {"grant_type": "client_credentials", "scope": "https://api.example.com/read"}, auth=basic)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    access = claims(body["access_token"])
    assert access["scope"] == "https://api.example.com/read" and access["sub"] == client["ClientId"]
    assert access["token_use"] == "access" and access["iss"] == pool["issuer"]
    everything = token(server, pool, {"grant_type": "client_credentials"}, auth=basic).json()
    assert claims(everything["access_token"])["scope"].split() == ["https://api.example.com/read", "https://api.example.com/write"]
    refused = token(server, pool, {"grant_type": "client_credentials", "scope": "https://api.example.com/admin"}, auth=basic)
    assert refused.json()["error"] == "invalid_scope"
    # a machine token is not a user's: GetUser and userInfo refuse it
    info = httpx.get(server.url + "/oauth2/userInfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 401
    user_client = oauth_pool(server, secret=True)
    not_allowed = token(server, user_client, {"grant_type": "client_credentials"},
                        auth=(user_client["client_id"], user_client["client_secret"]))
    assert not_allowed.json()["error"] == "unauthorized_client"


def test_userinfo_and_revoke_errors(server: RunningServer) -> None:
    pool = oauth_pool(server)
    missing = httpx.get(server.url + "/oauth2/userInfo")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    junk = httpx.get(server.url + "/oauth2/userInfo", headers={"Authorization": "Bearer not.a.jwt"})
    assert junk.status_code == 401 and junk.json()["error"] == "invalid_token"
    fake_jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    r = httpx.post(server.url + "/oauth2/revoke", data={"token": fake_jwt, "client_id": pool["client_id"]})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_token_type"
    assert httpx.post(server.url + "/oauth2/revoke", data={"client_id": pool["client_id"]}).json()["error"] == "invalid_request"
    assert httpx.post(server.url + "/oauth2/revoke", data={"token": "x"}).json()["error"] == "invalid_request"
    unknown = httpx.post(server.url + "/oauth2/revoke", data={"token": "unknown", "client_id": pool["client_id"]})
    assert unknown.status_code == 200


# ------------------------------------------------------------------ the hosted page


def test_wrong_password_is_shown_on_the_page_and_counts_toward_lockout(server: RunningServer, make_user: Any,
                                                                       browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    page = browser.sign_in(pool, username, password="Wr0ng-passw0rd!")
    assert isinstance(page, Page) and page.status == 400
    assert "Incorrect username or password." in page.text
    assert page.form.fields["username"] == username  # kept for the next try; the password is not echoed
    for _ in range(5):
        page = browser.follow_to_app(browser.submit(page.form, username=username, password="Wr0ng-passw0rd!"))
        assert isinstance(page, Page)
    assert "Password attempts exceeded" in page.text
    [(failed,)] = server.query("SELECT failed_attempts FROM users WHERE username = ?", username)
    assert failed >= 5


def test_xss_in_username_is_escaped(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server)
    evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    page = browser.sign_in(pool, evil, password="whatever1A!")
    assert isinstance(page, Page) and page.status == 400
    raw = page.response.text
    assert "<script>alert(1)</script>" not in raw and "<img src=x" not in raw
    assert "&lt;script&gt;" in raw or "&#34;&gt;&lt;script&gt;" in raw
    assert "script-src" not in page.response.headers["content-security-policy"]  # default-src 'none': no scripts
    hinted = browser.authorize(pool, login_hint=evil)
    assert isinstance(hinted, Page) and "<script>alert(1)</script>" not in hinted.response.text
    assert hinted.form.fields["username"] == evil  # shown as text, not markup


def test_post_without_csrf_token_is_refused_and_changes_nothing(server: RunningServer, make_user: Any,
                                                               browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    login = browser.authorize(pool)
    assert isinstance(login, Page)
    before = state(server)
    forged = Browser(server)  # another site's form: no CSRF cookie, no token
    try:
        r = forged.http.post(login.form.action, data={"username": username, "password": "Passw0rd!"})
        assert r.status_code == 403 and "location" not in r.headers and "did not come from this site" in r.text
        stolen_token = forged.http.post(login.form.action, data={**login.form.fields, "username": username,
                                                                  "password": "Passw0rd!"})
        assert stolen_token.status_code == 403  # the token is bound to the victim's cookie, not this browser's
    finally:
        forged.close()
    tampered = browser.submit(login.form, _csrf="x" + login.form.fields["_csrf"], username=username, password="Passw0rd!")
    assert tampered.status_code == 403
    assert changed_tables(before, state(server)) == set()


def test_oversize_form_is_refused(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server)
    login = browser.authorize(pool)
    assert isinstance(login, Page)
    before = state(server)
    r = browser.submit(login.form, username="u" * 20000, password="p")
    assert r.status_code == 413 and "too large" in r.text
    assert changed_tables(before, state(server)) == set()


def test_tampered_step_state_starts_over(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    login = browser.authorize(pool)
    assert isinstance(login, Page)
    forged_step = base64.urlsafe_b64encode(b'{"c":"SOFTWARE_TOKEN_MFA","s":"x","u":"admin"}').decode()
    page = browser.follow_to_app(browser.submit(login.form, step=forged_step, code="123456"))
    assert isinstance(page, Page) and page.status == 400 and "expired" in page.text


def test_other_pools_domain_does_not_serve_this_client(server: RunningServer) -> None:
    mine, other = oauth_pool(server), oauth_pool(server)
    prefix = f"d{other['pool_id'].split('_')[1].lower()}"
    server.admin.create_user_pool_domain(UserPoolId=other["pool_id"], Domain=prefix)
    host = {"Host": f"{prefix}.auth.us-east-1.amazoncognito.com"}
    query = urlencode({"client_id": mine["client_id"], "response_type": "code", "redirect_uri": CALLBACK})
    wrong = httpx.get(f"{server.url}/oauth2/authorize?{query}", headers=host)
    assert wrong.status_code == 400 and "location" not in wrong.headers
    query = urlencode({"client_id": other["client_id"], "response_type": "code", "redirect_uri": CALLBACK})
    right = httpx.get(f"{server.url}/oauth2/authorize?{query}", headers=host)
    assert right.status_code == 302 and right.headers["location"].startswith("/login?")


def test_hosted_sign_in_and_token_endpoint_count_against_cognitos_quotas(tmp_path: Any) -> None:
    limits = tmp_path / "limits.json"
    limits.write_text('{"window_seconds": 60, "per_pool": {"UserAuthentication": 3, "UserToken": 2}}')
    srv = RunningServer(tmp_path / "srv", "--rate-limits", str(limits))
    srv.start()
    browser = Browser(srv)
    try:
        pool = oauth_pool(srv)
        login = browser.authorize(pool)
        assert isinstance(login, Page)
        answers = [browser.submit(login.form, username="nobody", password="Wr0ng-passw0rd!").status_code for _ in range(4)]
        assert answers == [400, 400, 400, 429]
        tokens = [token(srv, pool, {"grant_type": "refresh_token", "client_id": pool["client_id"], "refresh_token": "x"})
                  for _ in range(3)]
        assert [t.status_code for t in tokens] == [400, 400, 429]
        assert tokens[-1].json()["error"] == "slow_down"
    finally:
        browser.close()
        srv.stop()
