"""aws-amplify v6's choice-based sign-in (USER_AUTH) in headless Chromium against ``userpool
serve``: a page bundled by esbuild (tests/interop/node/amplify_user_auth/) calls Amplify's own
``signIn`` / ``confirmSignIn`` / ``signUp`` / ``confirmSignUp`` / ``autoSignIn``; the e-mailed codes
are read from the server's outbox. Passwordless EMAIL_OTP, SELECT_CHALLENGE
(CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION), PASSWORD and PASSWORD_SRP first factors, and a
passwordless sign-up signed in by ConfirmSignUp's Session."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALL_FLOWS, PASSWORD, create_pool
from tests.interop.browser import Chromium, look
from tests.interop.conftest import build_amplify_page
from tests.interop.managed_login import TlsServer, https_site, make_hosted_user

pytestmark = pytest.mark.interop

FACTORS = ["PASSWORD", "EMAIL_OTP"]


@pytest.fixture
def app(tls_server: TlsServer, chromium_tls: Chromium, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A passwordless pool (PASSWORD + EMAIL_OTP first factors, an ALLOW_USER_AUTH client) and the
    Amplify page configured for it, open in Chromium."""
    pool = create_pool(tls_server, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": FACTORS}},
                       client_args={"ExplicitAuthFlows": [*ALL_FLOWS, "ALLOW_USER_AUTH"]})
    root = tmp_path / "site"
    root.mkdir()
    build_amplify_page("amplify_user_auth", root, {"Auth": {"Cognito": {"userPoolId": pool["pool_id"], "userPoolClientId": pool["client_id"],
                                          "userPoolEndpoint": tls_server.url}}})
    with https_site(root, tls_server.cert, tls_server.key) as origin:
        chromium_tls.goto(origin + "/")
        chromium_tls.wait_for_text("#step", "ready")
        yield pool


def amplify(browser: Chromium, api: str, *args: Any) -> Any:
    """Run one Amplify Auth API in the page; its (JSON) value, failing the test on an error."""
    result = browser.evaluate(f"window.amplifyTest.call({json.dumps(api)}, ...{json.dumps(list(args))})")
    assert result["ok"], f"{api} failed: {result['error']}"
    return result["value"]


def step_of(output: dict[str, Any]) -> str:
    return str(output["nextStep"].get("signInStep") or output["nextStep"].get("signUpStep"))


def email_code(server: TlsServer, username: str) -> str:
    return server.last_code(username)


def signed_in_as(browser: Chromium, username: str) -> None:
    assert amplify(browser, "accessToken")["username"] == username
    assert "signedIn" in browser.evaluate("window.amplifyTest.events")


USER_AUTH = {"authFlowType": "USER_AUTH"}


def test_email_otp(tls_server: TlsServer, app: dict[str, Any], chromium_tls: Chromium) -> None:
    username = make_hosted_user(tls_server, app)
    out = amplify(chromium_tls, "signIn", {"username": username, "options": {**USER_AUTH, "preferredChallenge": "EMAIL_OTP"}})
    assert step_of(out) == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    assert out["nextStep"]["codeDeliveryDetails"] == {"deliveryMedium": "EMAIL", "destination": f"{username[0]}***@e***"}
    wrong = chromium_tls.evaluate("window.amplifyTest.call('confirmSignIn', {challengeResponse: '000000'})")
    if email_code(tls_server, username) != "000000":
        assert not wrong["ok"] and wrong["error"]["name"] == "CodeMismatchException", wrong
    out = amplify(chromium_tls, "confirmSignIn", {"challengeResponse": email_code(tls_server, username)})
    assert out == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    signed_in_as(chromium_tls, username)
    look(chromium_tls.screenshot("email-otp-signed-in"), "Amplify passwordless app", "accessToken")


def test_select_challenge(tls_server: TlsServer, app: dict[str, Any], chromium_tls: Chromium) -> None:
    username = make_hosted_user(tls_server, app)
    out = amplify(chromium_tls, "signIn", {"username": username, "options": USER_AUTH})
    assert step_of(out) == "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION"
    assert out["nextStep"]["availableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    out = amplify(chromium_tls, "confirmSignIn", {"challengeResponse": "EMAIL_OTP"})
    assert step_of(out) == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    out = amplify(chromium_tls, "confirmSignIn", {"challengeResponse": email_code(tls_server, username)})
    assert out["isSignedIn"] is True
    signed_in_as(chromium_tls, username)


@pytest.mark.parametrize("factor", ["PASSWORD", "PASSWORD_SRP"])
def test_password(tls_server: TlsServer, app: dict[str, Any], chromium_tls: Chromium, factor: str) -> None:
    username = make_hosted_user(tls_server, app)
    out = amplify(chromium_tls, "signIn",
                  {"username": username, "password": PASSWORD, "options": {**USER_AUTH, "preferredChallenge": factor}})
    assert out == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    signed_in_as(chromium_tls, username)
    amplify(chromium_tls, "signOut")
    out = amplify(chromium_tls, "signIn", {"username": username, "options": USER_AUTH})
    assert step_of(out) == "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION"
    out = amplify(chromium_tls, "confirmSignIn", {"challengeResponse": factor})
    assert step_of(out) == "CONFIRM_SIGN_IN_WITH_PASSWORD"
    out = amplify(chromium_tls, "confirmSignIn", {"challengeResponse": PASSWORD})
    assert out["isSignedIn"] is True
    signed_in_as(chromium_tls, username)


def test_passwordless_sign_up_and_auto_sign_in(tls_server: TlsServer, app: dict[str, Any], chromium_tls: Chromium) -> None:
    username = f"new-{uuid.uuid4().hex[:8]}"
    out = amplify(chromium_tls, "signUp", {"username": username, "options": {
        "userAttributes": {"email": f"{username}@example.com"}, "autoSignIn": USER_AUTH}})
    assert step_of(out) == "CONFIRM_SIGN_UP"
    out = amplify(chromium_tls, "confirmSignUp", {"username": username, "confirmationCode": email_code(tls_server, username)})
    assert step_of(out) == "COMPLETE_AUTO_SIGN_IN"
    out = amplify(chromium_tls, "autoSignIn")
    assert out["isSignedIn"] is True
    signed_in_as(chromium_tls, username)
