"""aws-amplify v6's passkeys in headless Chromium: a one-page app (bundled by esbuild from
tests/interop/node/amplify_passkeys/page.mjs, served on http://localhost, which WebAuthn treats
as a secure origin) signs in with a password, registers a passkey with
``associateWebAuthnCredential`` on the DevTools protocol's virtual authenticator (CTAP2,
internal, resident key, user verification), lists it, signs out, and signs in again with
``signIn`` USER_AUTH + ``preferredChallenge: 'WEB_AUTHN'``: Amplify answers the WEB_AUTHN
challenge through navigator.credentials.get itself and is signed in. After
``deleteWebAuthnCredential`` the passkey is no longer offered (the choice of first factors is)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer, create_pool
from tests.interop.browser import Chromium, look
from tests.interop.conftest import build_amplify_page

pytestmark = pytest.mark.interop

VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
    "isUserVerified": True, "automaticPresenceSimulation": True,
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served on http://localhost:PORT (a secure context for WebAuthn)."""
    root = tmp_path / "site"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield root, f"http://localhost:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def app(server: RunningServer, site: tuple[Path, str]) -> dict[str, Any]:
    root, origin = site
    pool = create_pool(server, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
                       client_args={"ExplicitAuthFlows": [*ALL_FLOWS, "ALLOW_USER_AUTH"]})
    server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], WebAuthnConfiguration={"RelyingPartyId": "localhost", "UserVerification": "required"}
    )
    build_amplify_page("amplify_passkeys", root, {"Auth": {"Cognito": {"userPoolId": pool["pool_id"], "userPoolClientId": pool["client_id"],
                                          "userPoolEndpoint": server.url}}})
    return {**pool, "home": origin + "/"}


def run(browser: Chromium, expression: str) -> Any:
    """A window.passkeys step in the page; fails the test with Amplify's error if it failed."""
    result = browser.evaluate(expression)
    assert result["ok"], f"{expression}: {result['error']} (page errors: {browser.evaluate('window.amplifyTest.errors')})"
    return result["value"]


def test_associate_a_passkey_then_sign_in_with_it(server: RunningServer, app: dict[str, Any], make_user: Any,
                                                   chromium: Chromium) -> None:
    username = make_user(app)
    browser = chromium
    browser.goto(app["home"])
    browser.wait_for_text("#status", "Signed out")
    authenticator = browser.call("addVirtualAuthenticator", options=VIRTUAL_AUTHENTICATOR)["authenticatorId"]

    signed_in = run(browser, f"window.passkeys.signInWithPassword({json.dumps(username)}, {json.dumps(PASSWORD)})")
    assert signed_in["isSignedIn"], signed_in
    assert run(browser, "window.passkeys.associate()") is None

    [held] = browser.call("webauthnCredentials", authenticatorId=authenticator)
    assert held["rpId"] == "localhost" and held["isResidentCredential"]
    listed = run(browser, "window.passkeys.list()")
    [credential] = listed["credentials"]
    assert credential["relyingPartyId"] == "localhost"
    stored = server.query("SELECT credential_id, sign_count FROM webauthn_credentials WHERE pool_id = ?", app["pool_id"])
    assert [row[0] for row in stored] == [credential["credentialId"]]
    look(browser.screenshot("passkey-registered"), f"Signed in as {username}", credential["credentialId"])

    run(browser, "window.passkeys.signOut()")
    browser.wait_for_text("#status", "Signed out")
    assert run(browser, "window.passkeys.session()") is None

    passkey = run(browser, f"window.passkeys.signInWithPasskey({json.dumps(username)})")
    assert passkey == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}, passkey
    browser.wait_for_text("#status", f"Signed in as {username}")
    session = run(browser, "window.passkeys.session()")
    assert session["access"]["username"] == username and session["access"]["client_id"] == app["client_id"]
    [(_, count)] = server.query("SELECT credential_id, sign_count FROM webauthn_credentials WHERE pool_id = ?", app["pool_id"])
    [held] = browser.call("webauthnCredentials", authenticatorId=authenticator)
    assert count == held["signCount"]  # the server stored the counter the authenticator signed
    look(browser.screenshot("passkey-signed-in"), f"Signed in as {username}")

    # deleteWebAuthnCredential: the passkey is gone from the list and no longer signs in
    run(browser, f"window.passkeys.remove({json.dumps(credential['credentialId'])})")
    assert run(browser, "window.passkeys.list()")["credentials"] == []
    run(browser, "window.passkeys.signOut()")
    fallback = run(browser, f"window.passkeys.signInWithPasskey({json.dumps(username)})")
    assert fallback == {"isSignedIn": False, "nextStep": {"signInStep": "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION",
                                                          "availableChallenges": ["PASSWORD", "PASSWORD_SRP"]}}
    assert run(browser, "window.passkeys.session()") is None
    assert browser.evaluate("window.amplifyTest.errors") == []
