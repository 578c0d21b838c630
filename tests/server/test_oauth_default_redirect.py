"""DefaultRedirectURI: an authorization request without redirect_uri goes back to the client's
default (one of its CallbackURLs); the token endpoint still wants the redirect_uri the code was
issued for, as Cognito documents redirect_uri as required for the authorization_code grant."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.conftest import RunningServer
from tests.server.oauth_helpers import (
    CALLBACK,
    Browser,
    Page,
    claims,
    exchange,
    oauth_pool,
    redirect_params,
    token,
)

OTHER = "http://localhost:3000/"


@pytest.fixture
def browser(server: RunningServer) -> Any:
    b = Browser(server)
    yield b
    b.close()


def without_redirect_uri(browser: Browser, pool: dict[str, Any], **extra: str) -> Any:
    query = {"client_id": pool["client_id"], "response_type": "code", "scope": "openid", "state": "st", **extra}
    return browser.follow_to_app(browser.http.get("/oauth2/authorize?" + urlencode(query)))


def test_authorize_without_redirect_uri_uses_the_default(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server, DefaultRedirectURI=CALLBACK)
    username = make_user(pool)
    login = without_redirect_uri(browser, pool)
    assert isinstance(login, Page) and login.status == 200 and "password" in login.form.fields
    landed = browser.follow_to_app(browser.submit(login.form, username=username, password="Passw0rd!"))
    location = landed.headers["location"]
    assert location.startswith(CALLBACK + "?")
    params = redirect_params(landed)
    assert params["state"] == "st"
    # the token endpoint needs the redirect_uri the code was issued for: the default one
    missing = token(server, pool, {"grant_type": "authorization_code", "client_id": pool["client_id"], "code": params["code"]})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    wrong = exchange(server, pool, params["code"], redirect_uri=OTHER)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # a wrong redirect_uri uses the code up (codes.redeem); a fresh sign-in's code with the default works
    again = without_redirect_uri(browser, pool)  # signed in at this browser now: straight back
    tokens = exchange(server, pool, redirect_params(again)["code"], redirect_uri=CALLBACK)
    assert tokens.status_code == 200, tokens.text
    assert claims(tokens.json()["id_token"])["cognito:username"] == username


def test_a_given_redirect_uri_wins_and_without_a_default_it_is_required(server: RunningServer, make_user: Any,
                                                                         browser: Browser) -> None:
    pool = oauth_pool(server, DefaultRedirectURI=CALLBACK)
    username = make_user(pool)
    landed = browser.sign_in(pool, username, redirect_uri=OTHER)
    assert urlsplit(landed.headers["location"])._replace(query="").geturl() == OTHER
    plain = oauth_pool(server)
    refused = browser.http.get("/oauth2/authorize?" + urlencode({"client_id": plain["client_id"], "response_type": "code"}))
    assert refused.status_code == 400 and "location" not in refused.headers and "redirect_mismatch" in refused.text
    # an error after the client checks goes back to the default too
    bad_scope = without_redirect_uri(browser, pool, scope="nosuch")
    assert bad_scope.headers["location"].startswith(CALLBACK + "?") and redirect_params(bad_scope)["error"] == "invalid_scope"
