"""aws-amplify v6's managed-login flow in headless Chromium: a one-page app (bundled by esbuild from
tests/interop/node/amplify_redirect/page.mjs, served over HTTPS from another origin) calls
``signInWithRedirect``, a person signs in on ``userpool serve``'s hosted page over TLS, Amplify
exchanges the code itself, ``fetchAuthSession`` returns the tokens, and ``signOut`` ends the hosted
session (the next authorization asks for the password again)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import PASSWORD
from tests.interop.browser import Chromium, look
from tests.interop.conftest import build_amplify_page
from tests.interop.managed_login import (
    OPENID_SCOPES,
    RelyingParty,
    TlsServer,
    hosted_pool,
    https_site,
    make_hosted_user,
)

pytestmark = pytest.mark.interop

SIGN_IN_HEADING = "Sign in with your username and password"


@pytest.fixture
def app(tls_server: TlsServer, relying_party: RelyingParty, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The Amplify app on https://localhost:PORT/, its pool's client allowing it as callback."""
    root = tmp_path / "site"
    root.mkdir()
    with https_site(root, tls_server.cert, tls_server.key) as origin:
        home = origin + "/"
        pool = hosted_pool(tls_server, callback=[home, relying_party.callback], logout=home)
        oauth = {"domain": tls_server.host, "scopes": OPENID_SCOPES, "redirectSignIn": [home],
                 "redirectSignOut": [home], "responseType": "code"}
        build_amplify_page("amplify_redirect", root, {"Auth": {"Cognito": {"userPoolId": pool["pool_id"], "userPoolClientId": pool["client_id"],
                                              "userPoolEndpoint": tls_server.url, "loginWith": {"oauth": oauth}}}})
        yield {**pool, "home": home, "probe": relying_party}


def authorize_probe(server: TlsServer, pool: dict[str, Any]) -> str:
    """An authorization request to the client's second callback (not the Amplify page): answered at
    once with a code while the hosted session lives, with the sign-in form once it has ended."""
    query = {"client_id": pool["client_id"], "response_type": "code", "scope": "openid", "redirect_uri": pool["probe"].callback}
    return f"{server.url}/oauth2/authorize?{urlencode(query)}"


def test_sign_in_with_redirect_and_sign_out(tls_server: TlsServer, app: dict[str, Any], chromium_tls: Chromium) -> None:
    username = make_hosted_user(tls_server, app)
    browser = chromium_tls
    browser.goto(app["home"])
    look(browser.screenshot("app-signed-out"), "Amplify redirect app", "Signed out")

    hosted = browser.click("#sign-in")
    assert hosted["url"].startswith(f"{tls_server.url}/"), hosted["url"]
    look(browser.screenshot("hosted-login"), SIGN_IN_HEADING)
    browser.fill("input[name=username]", username)
    browser.fill("input[name=password]", PASSWORD)
    browser.click("button[name=signInSubmitButton]")
    browser.wait_for_text("#status", f"Signed in as {username}")
    events = browser.evaluate("window.amplifyTest.events")
    assert "signInWithRedirect" in events and "signedIn" in events, events

    browser.click("#session", navigates=False)
    browser.wait_for_text("#session-out", "access token for")
    session = browser.evaluate("window.amplifyTest.session")
    assert session["access"]["username"] == username and session["access"]["client_id"] == app["client_id"]
    assert session["id"]["aud"] == app["client_id"] and session["id"]["cognito:username"] == username
    assert set(session["access"]["scope"].split()) == set(OPENID_SCOPES)
    look(browser.screenshot("app-signed-in"), f"Signed in as {username}", "access token for")
    assert browser.evaluate("window.amplifyTest.errors") == []

    # While the hosted session lives, an authorization request is answered at once with a code.
    probe: RelyingParty = app["probe"]
    browser.goto(authorize_probe(tls_server, app))
    assert len(probe.hits) == 1 and "code=" in probe.hits[0], probe.hits

    browser.goto(app["home"])
    browser.wait_for_text("#status", f"Signed in as {username}")
    browser.click("#sign-out")
    browser.wait_for_text("#status", "Signed out")
    assert browser.view()["url"].startswith(app["home"])
    browser.click("#session", navigates=False)
    browser.wait_for_text("#session-out", "no tokens")  # Amplify forgot the tokens
    look(browser.screenshot("app-after-sign-out"), "Signed out", "no tokens")

    # signOut went through /logout: the hosted session is over, the next authorization asks again.
    page = browser.goto(authorize_probe(tls_server, app))
    assert len(probe.hits) == 1, probe.hits
    assert SIGN_IN_HEADING in page["text"]
