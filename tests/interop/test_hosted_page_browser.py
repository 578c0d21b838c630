"""The hosted sign-in pages in headless Chromium, as a person meets them: every next step of a
sign-in (new password, TOTP, TOTP setup with its QR code, forgot password, sign-up and confirm,
lockout), each page looked at in a screenshot; and hostile input (script in a username, an open
redirect, a POST without the CSRF token, an oversize form) refused with a clear page and nothing
changed in the database."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
from PIL import Image

from tests.conftest import PASSWORD
from tests.interop.browser import Chromium, look
from tests.interop.managed_login import RelyingParty, TlsServer, hosted_pool, make_hosted_user

pytestmark = pytest.mark.interop

NEW_PASSWORD = "N3w-Passw0rd!"
SIGN_IN_HEADING = "Sign in with your username and password"


def login_url(server: TlsServer, pool: dict[str, Any], **extra: str) -> str:
    query = {"client_id": pool["client_id"], "response_type": "code", "scope": "openid email",
             "redirect_uri": pool["callback"], "state": "st-" + uuid.uuid4().hex[:8], **extra}
    return f"{server.url}/login?{urlencode(query)}"


def signed_in(app: RelyingParty, state: str | None = None) -> dict[str, list[str]]:
    """The callback the browser was sent to, with a code (and the state it was given)."""
    callbacks = app.hits
    assert len(callbacks) == 1, callbacks
    params = parse_qs(urlsplit(callbacks[0]).query)
    assert params["code"][0], params
    if state is not None:
        assert params["state"] == [state]
    return params


def sign_in_form(chromium: Chromium, username: str, password: str) -> dict[str, Any]:
    chromium.fill("input[name=username]", username)
    chromium.fill("input[name=password]", password)
    return chromium.click("button[name=signInSubmitButton]")


@pytest.fixture
def pool(tls_server: TlsServer, relying_party: RelyingParty) -> dict[str, Any]:
    return hosted_pool(tls_server, callback=relying_party.callback, logout=relying_party.signed_out)


@pytest.fixture
def browser(chromium_tls: Chromium) -> Chromium:
    return chromium_tls


@pytest.fixture
def app(relying_party: RelyingParty) -> RelyingParty:
    return relying_party


def test_sign_in(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium, app: RelyingParty) -> None:
    username = make_hosted_user(tls_server, pool)
    url = login_url(tls_server, pool, state="s1")
    page = browser.goto(url)
    assert page["status"] == 200
    look(browser.screenshot("login"), SIGN_IN_HEADING, "Username", "Password", "Forgot your password?")
    sign_in_form(browser, username, PASSWORD)
    signed_in(app, "s1")


def test_new_password_required(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium, app: RelyingParty) -> None:
    username = f"temp-{uuid.uuid4().hex[:8]}"
    tls_server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword=PASSWORD,
                                       MessageAction="SUPPRESS")
    browser.goto(login_url(tls_server, pool))
    sign_in_form(browser, username, PASSWORD)
    look(browser.screenshot("new-password"), "Change Password", "Please enter a new password.")
    browser.fill("input[name=new_password]", NEW_PASSWORD)
    browser.click("button[type=submit]")
    signed_in(app)
    user = tls_server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert user["UserStatus"] == "CONFIRMED"


def _totp_pool(server: TlsServer, app: RelyingParty, mode: str) -> dict[str, Any]:
    pool = hosted_pool(server, callback=app.callback)
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration=mode,
                                          SoftwareTokenMfaConfiguration={"Enabled": True})
    return pool


def _enable_totp(server: TlsServer, pool: dict[str, Any], username: str) -> pyotp.TOTP:
    tokens = server.public.initiate_auth(ClientId=pool["bootstrap_client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]
    secret = server.public.associate_software_token(AccessToken=tokens["AccessToken"])["SecretCode"]
    totp = pyotp.TOTP(secret)
    server.public.verify_software_token(AccessToken=tokens["AccessToken"], UserCode=totp.now())
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=username,
                                               SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return totp


def test_totp_mfa(tls_server: TlsServer, browser: Chromium, app: RelyingParty) -> None:
    pool = _totp_pool(tls_server, app, "OPTIONAL")
    username = make_hosted_user(tls_server, pool)
    totp = _enable_totp(tls_server, pool, username)
    browser.goto(login_url(tls_server, pool))
    sign_in_form(browser, username, PASSWORD)
    look(browser.screenshot("totp"), "Code")
    window = {totp.at(time.time() + d) for d in (-30, 0, 30)}
    browser.fill("input[name=code]", next(c for c in ("000000", "111111", "222222", "333333") if c not in window))
    wrong = browser.click("button[type=submit]")
    assert app.hits == [] and "Code" in wrong["text"]
    look(browser.screenshot("totp-wrong"), "Code")
    # the setup above used this 30 s step's code, and a code works once: answer with the next step's
    browser.fill("input[name=code]", totp.at(time.time() + 30))
    browser.click("button[type=submit]")
    signed_in(app)


def test_totp_setup_with_qr_code(tls_server: TlsServer, browser: Chromium, app: RelyingParty) -> None:
    pool = _totp_pool(tls_server, app, "ON")
    username = make_hosted_user(tls_server, pool)
    browser.goto(login_url(tls_server, pool))
    sign_in_form(browser, username, PASSWORD)
    shot = browser.screenshot("totp-setup")
    image = look(shot, "Set up an authenticator app", "Secret key")
    secret = browser.evaluate("document.getElementById('secret').textContent").strip()
    qr = browser.box("#qr svg")
    assert qr is not None and qr["width"] >= 150 and qr["height"] >= 150, qr
    _assert_qr_drawn(image, qr)
    browser.fill("input[name=code]", pyotp.TOTP(secret).now())
    browser.click("button[type=submit]")
    signed_in(app)
    prefs = tls_server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert prefs.get("PreferredMfaSetting") == "SOFTWARE_TOKEN_MFA"


def _assert_qr_drawn(image: Image.Image, box: dict[str, float]) -> None:
    """The QR code is on screen: its square holds dark and light modules in comparable amounts."""
    region = image.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"])))
    histogram = region.convert("L").histogram()
    dark, light = sum(histogram[:80]), sum(histogram[176:])
    total = region.width * region.height
    assert dark > total * 0.2 and light > total * 0.2, (dark, light, total)


@pytest.mark.parametrize(("choice", "kind"), [("SMS_MFA", "MFA_SMS"), ("EMAIL_OTP", "MFA_EMAIL")])
def test_mfa_choice_then_a_delivered_code(tls_server: TlsServer, browser: Chromium, app: RelyingParty, choice: str, kind: str) -> None:
    pool = hosted_pool(tls_server, callback=app.callback)
    tls_server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}",
                             "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}},
        EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"},
    )
    username = make_hosted_user(tls_server, pool)
    tls_server.admin.admin_update_user_attributes(UserPoolId=pool["pool_id"], Username=username,
                                                  UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"}])
    tls_server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=username,
                                                   SMSMfaSettings={"Enabled": True}, EmailMfaSettings={"Enabled": True})
    browser.goto(login_url(tls_server, pool))
    sign_in_form(browser, username, PASSWORD)
    look(browser.screenshot("mfa-choice"), "Choose how to verify your sign-in")
    assert browser.count("input[type=radio][name=answer]") == 2
    browser.click(f"input[value={choice}]", navigates=False)
    page = browser.click("button[type=submit]")
    assert "We sent a code to" in page["text"], page["text"]
    look(browser.screenshot(f"mfa-{kind.lower()}"), "Code")
    browser.fill("input[name=code]", tls_server.last_code(username, kind))
    browser.click("button[type=submit]")
    signed_in(app)


def test_forgot_password(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium, app: RelyingParty) -> None:
    username = make_hosted_user(tls_server, pool)
    browser.goto(login_url(tls_server, pool))
    browser.click("text=Forgot your password?")
    look(browser.screenshot("forgot"), "Forgot your password?")
    browser.fill("input[name=username]", username)
    browser.click("button[type=submit]")
    look(browser.screenshot("reset"), "Reset your password", "We have sent a password reset code")
    browser.fill("input[name=code]", tls_server.last_code(username, "FORGOT_PASSWORD"))
    browser.fill("input[name=password]", NEW_PASSWORD)
    browser.click("button[type=submit]")
    look(browser.screenshot("reset-done"), "Your password has been reset. Sign in with your new password.", SIGN_IN_HEADING)
    assert app.hits == []
    sign_in_form(browser, username, PASSWORD)  # the old password no longer works
    assert browser.count("#error") == 1 and app.hits == []
    sign_in_form(browser, username, NEW_PASSWORD)
    signed_in(app)


def test_sign_up_and_confirm(tls_server: TlsServer, browser: Chromium, app: RelyingParty) -> None:
    pool = hosted_pool(tls_server, callback=app.callback)
    username = f"new-{uuid.uuid4().hex[:8]}"
    browser.goto(login_url(tls_server, pool))
    browser.click("text=Sign up")
    look(browser.screenshot("sign-up"), "Sign up with a new account")
    browser.fill("input[name=username]", username)
    browser.fill("input[name=attr_email]", f"{username}@example.com")
    browser.fill("input[name=password]", PASSWORD)
    browser.click("button[type=submit]")
    look(browser.screenshot("confirm"), "Confirm your account")
    browser.fill("input[name=code]", tls_server.last_code(username, "SIGN_UP"))
    assert PASSWORD not in browser.html()  # the page carries a sealed session's handle, not the password
    browser.click("button[name=confirm]")
    # confirmed in the browser that signed up: signed in at once, as Cognito's hosted UI does
    look(browser.screenshot("confirmed"), "callback received")
    signed_in(app)
    user = tls_server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert user["UserStatus"] == "CONFIRMED"


def test_lockout_is_shown(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium, app: RelyingParty) -> None:
    username = make_hosted_user(tls_server, pool)
    browser.goto(login_url(tls_server, pool))
    for _ in range(5):
        page = sign_in_form(browser, username, "Wrong-passw0rd")
        assert "Incorrect username or password." in page["text"], page["text"]
    # Each failure from the fifth on locks for twice as long (1 s, 2 s, 4 s, 8 s): wait out the short
    # locks so that the right password meets an 8 s one, not a 1 s lock a busy machine lets lapse.
    for lock in (1, 2, 4):
        time.sleep(lock + 0.2)
        page = sign_in_form(browser, username, "Wrong-passw0rd")
        assert "Incorrect username or password." in page["text"], page["text"]
    page = sign_in_form(browser, username, PASSWORD)
    look(browser.screenshot("locked"), "Password attempts exceeded")
    assert app.hits == [] and browser.count("#error") == 1, page["text"]


# --- hostile input ---------------------------------------------------------------------------

XSS = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def test_script_in_username_is_inert(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium, app: RelyingParty) -> None:
    browser.goto(login_url(tls_server, pool))
    page = sign_in_form(browser, XSS, "Wrong-passw0rd")
    assert browser.evaluate("window.__pwned === undefined")
    assert browser.count("img[src=x]") == 0 and browser.count("body script") == 0
    assert browser.attr("input[name=username]", "value") in (XSS, "")  # shown back as text, if at all
    look(browser.screenshot("xss-login"), SIGN_IN_HEADING)
    assert browser.count("#error") == 1 and app.hits == [], page["text"]


def test_script_in_sign_up_username_is_refused(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium) -> None:
    browser.goto(login_url(tls_server, pool).replace("/login?", "/signup?"))
    before = tls_server.snapshot()
    browser.fill("input[name=username]", XSS)
    browser.fill("input[name=attr_email]", "x@example.com")
    browser.fill("input[name=password]", PASSWORD)
    page = browser.click("button[type=submit]")
    assert browser.evaluate("window.__pwned === undefined") and browser.count("img[src=x]") == 0
    look(browser.screenshot("xss-sign-up"), "Sign up with a new account")
    assert browser.count("#error") == 1, page["text"]
    assert tls_server.snapshot() == before


def test_open_redirect_is_refused(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium, app: RelyingParty) -> None:
    evil = "https://evil.example.test/steal"
    before = tls_server.snapshot()
    page = browser.goto(login_url(tls_server, pool, redirect_uri=evil))
    assert page["status"] == 400 and page["url"].startswith(tls_server.url)
    look(browser.screenshot("open-redirect"), "An error was encountered with the requested page.", "redirect_mismatch")
    logout = browser.goto(f"{tls_server.url}/logout?{urlencode({'client_id': pool['client_id'], 'logout_uri': evil})}")
    assert logout["url"].startswith(tls_server.url) and logout["status"] == 400
    look(browser.screenshot("open-redirect-logout"), "An error was encountered with the requested page.")
    assert app.hits == []
    assert tls_server.snapshot() == before


def test_post_without_csrf_token_is_refused(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium, app: RelyingParty) -> None:
    username = make_hosted_user(tls_server, pool)
    url = login_url(tls_server, pool)
    browser.goto(url)
    before = tls_server.snapshot()
    page = browser.post_form(url, {"username": username, "password": PASSWORD})
    assert page["navigations"][-1]["status"] == 403, page["navigations"]
    look(browser.screenshot("no-csrf"), "An error was encountered with the requested page.",
         "The form has expired or did not come from this site.")
    assert app.hits == []
    assert tls_server.snapshot() == before


def test_oversize_form_is_refused(tls_server: TlsServer, pool: dict[str, Any], browser: Chromium, app: RelyingParty) -> None:
    url = login_url(tls_server, pool)
    browser.goto(url)
    csrf = browser.attr("input[name=_csrf]", "value") or ""
    before = tls_server.snapshot()
    page = browser.post_form(url, {"_csrf": csrf, "username": "u" * 200_000, "password": PASSWORD})
    assert page["navigations"][-1]["status"] == 413, page["navigations"]
    look(browser.screenshot("oversize"), "An error was encountered with the requested page.", "The form is too large.")
    assert app.hits == []
    assert tls_server.snapshot() == before

