"""Our Python client's ``sign_in_with_redirect`` (RFC 8252) with a real browser: the app waits
in a thread on its loopback listener while headless Chromium opens the authorize URL, the person
types a username and password on the hosted page and submits, and Chromium follows the redirect
to the listener, which hands the code to the client; ``fetch_auth_session`` then has the tokens.

The browser opener does what the system browser does for a desktop app: it is told the URL and
returns at once; the person (this test's main thread, driving Chromium) takes it from there.
"""

from __future__ import annotations

import queue
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import PASSWORD, RunningServer, free_port
from tests.interop.browser import Chromium
from tests.server.oauth_helpers import oauth_pool
from userpool.auth import AuthClient, Hub

pytestmark = pytest.mark.interop


def _hosted_pool(server: RunningServer) -> dict[str, Any]:
    callback = f"http://127.0.0.1:{free_port()}/callback"
    pool = oauth_pool(server, AllowedOAuthFlows=["code"], CallbackURLs=[callback])
    pool["oauth"] = {"domain": server.url, "scopes": ["openid", "email", "aws.cognito.signin.user.admin"],
                     "redirect_sign_in": [callback], "redirect_sign_out": [callback]}
    return pool


def test_sign_in_with_redirect_through_the_hosted_page_in_chromium(server: RunningServer, make_user: Any,
                                                                   chromium: Chromium) -> None:
    pool = _hosted_pool(server)
    username = make_user(pool)
    opened: queue.Queue[str] = queue.Queue()
    hub, seen = Hub(), []
    hub.listen("auth", lambda capsule: seen.append(capsule.payload.event))
    client = AuthClient(user_pool_id=pool["pool_id"], client_id=pool["client_id"], endpoint=server.url, hub=hub,
                        oauth=pool["oauth"], browser_opener=lambda url: opened.put(url) or True, redirect_timeout=60)
    outcome: dict[str, Any] = {}

    def app() -> None:
        try:
            outcome["result"] = client.sign_in_with_redirect()
        except Exception as exc:  # noqa: BLE001 -- handed to the main thread, which fails the test with it
            outcome["error"] = exc

    waiting = threading.Thread(target=app, daemon=True)
    waiting.start()
    try:
        url = opened.get(timeout=30)
        query = parse_qs(urlsplit(url).query)
        assert query["redirect_uri"] == pool["oauth"]["redirect_sign_in"] and query["code_challenge_method"] == ["S256"]
        chromium.goto(url)  # /oauth2/authorize -> the hosted sign-in page
        chromium.fill("input[name=username]", username)
        chromium.fill("input[name=password]", PASSWORD)
        landed = chromium.click("button[name=signInSubmitButton]")
        assert landed["url"].startswith(pool["oauth"]["redirect_sign_in"][0] + "?code="), landed
        assert "close this window" in chromium.view()["text"]
        waiting.join(timeout=30)
        assert not waiting.is_alive(), "sign_in_with_redirect did not return after the redirect"
        assert "error" not in outcome, outcome.get("error")

        session = client.fetch_auth_session()
        assert session.tokens is not None
        assert session.tokens.access_token.payload["username"] == username
        assert session.tokens.id_token is not None and session.tokens.id_token.payload["cognito:username"] == username
        assert client.get_current_user().username == username
        assert seen[-2:] == ["signInWithRedirect", "signedIn"]
    finally:
        client.close()
