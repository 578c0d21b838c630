"""response_type=token (the implicit grant, RFC 6749 §4.2) as Cognito's managed login answers it:
tokens in the URL fragment (never the query), ``state`` echoed, no refresh token -- neither in
the fragment nor as a live credential on the server -- and only for app clients whose
AllowedOAuthFlows include ``implicit``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import RunningServer
from tests.server.helpers import state
from tests.server.oauth_helpers import CALLBACK, Browser, claims, oauth_pool, redirect_params

FRAGMENT = {"id_token", "access_token", "token_type", "expires_in", "state"}


@pytest.fixture
def browser(server: RunningServer) -> Any:
    b = Browser(server)
    yield b
    b.close()


def refresh_rows(server: RunningServer) -> int:
    return len(state(server)["refresh_tokens"])


def test_an_implicit_only_client_gets_tokens_in_the_fragment_and_no_refresh_token(
    server: RunningServer, make_user: Any, browser: Browser,
) -> None:
    pool = oauth_pool(server, AllowedOAuthFlows=["implicit"])
    username = make_user(pool)
    before = refresh_rows(server)
    landed = browser.sign_in(pool, username, response_type="token", scope="openid email", state="s-1")
    assert isinstance(landed, httpx.Response) and landed.status_code == 302
    parts = urlsplit(landed.headers["location"])
    assert parts.query == "" and parts.fragment, "tokens travel in the fragment only"
    params = redirect_params(landed)
    assert set(params) == FRAGMENT and params["state"] == "s-1" and params["token_type"] == "Bearer"
    assert int(params["expires_in"]) == 3600
    access = claims(params["access_token"])
    assert access["username"] == username and access["scope"] == "openid email"
    assert claims(params["id_token"])["aud"] == pool["client_id"]
    assert refresh_rows(server) == before, "no refresh token left on the server that nobody was given"
    info = httpx.get(server.url + "/oauth2/userInfo", headers={"Authorization": f"Bearer {params['access_token']}"})
    assert info.status_code == 200 and info.json()["username"] == username

    again = browser.authorize(pool, response_type="token", scope="openid", state="s-2")  # signed in: no page
    assert isinstance(again, httpx.Response) and again.status_code == 302
    silent = redirect_params(again)
    assert set(silent) == FRAGMENT and silent["state"] == "s-2"
    assert refresh_rows(server) == before

    code = browser.authorize(pool, response_type="code", scope="openid", state="s-3")
    assert redirect_params(code) == {"error": "unauthorized_client", "state": "s-3"}
    grant = httpx.post(server.url + "/oauth2/token", data={"grant_type": "authorization_code", "code": "x",
                                                            "client_id": pool["client_id"], "redirect_uri": CALLBACK})
    assert grant.status_code == 400 and grant.json()["error"] == "unauthorized_client"


def test_a_code_only_client_cannot_use_the_implicit_grant(server: RunningServer, make_user: Any,
                                                          browser: Browser) -> None:
    pool = oauth_pool(server, AllowedOAuthFlows=["code"])
    refused = browser.authorize(pool, response_type="token", scope="openid", state="keep")
    assert isinstance(refused, httpx.Response) and refused.headers["location"].startswith(CALLBACK + "?")
    assert redirect_params(refused) == {"error": "unauthorized_client", "state": "keep"}
