"""Every step of the hosted page, driven by its forms: new password required, authenticator
setup with a QR code, TOTP / SMS / e-mail codes and the MFA choice, forgotten password,
sign-up and confirmation, the pool's CSS, and triggers."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest

from tests.conftest import PASSWORD, RunningServer
from tests.server.oauth_helpers import Browser, Page, claims, exchange, oauth_pool, redirect_params, unique
from tests.triggers import recorded

NEW_PASSWORD = "N3w-passw0rd!"


@pytest.fixture
def browser(server: RunningServer) -> Any:
    b = Browser(server)
    yield b
    b.close()


def totp(secret: str) -> str:
    return str(pyotp.TOTP(secret).at(time.time()))


def page_of(result: Any) -> Page:
    assert isinstance(result, Page), result.headers.get("location")
    return result


def code_from(server: RunningServer, pool: dict[str, Any], result: Any) -> dict[str, Any]:
    tokens = exchange(server, pool, redirect_params(result)["code"])
    assert tokens.status_code == 200, tokens.text
    return dict(tokens.json())


def test_new_password_required_with_a_required_attribute(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server, pool_args={"Schema": [{"Name": "name", "Required": True, "Mutable": True,
                                                      "AttributeDataType": "String"}]})
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-passw0rd1",
                                   MessageAction="SUPPRESS", UserAttributes=[{"Name": "name", "Value": "x"}])
    # test setup: a user from before the attribute was required (imported), so it has no value
    server.execute("DELETE FROM user_attributes WHERE name = 'name' AND user_id = "
                   "(SELECT id FROM users WHERE pool_id = ? AND username = ?)", pool["pool_id"], username)
    step = page_of(browser.sign_in(pool, username, password="Temp-passw0rd1"))
    assert step.status == 200 and "Change Password" in step.text
    assert set(step.form.fields) >= {"_csrf", "step", "new_password", "attr_name"}
    weak = page_of(browser.follow_to_app(browser.submit(step.form, new_password="short", attr_name="Jo")))
    assert weak.status == 400 and "Password" in weak.text  # the policy's message, same step again
    done = browser.follow_to_app(browser.submit(weak.form, new_password=NEW_PASSWORD, attr_name="Jo Doe"))
    tokens = code_from(server, pool, done)
    assert claims(tokens["id_token"])["name"] == "Jo Doe"
    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert got["UserStatus"] == "CONFIRMED"


def test_mfa_required_sets_up_an_authenticator_with_a_qr_code(server: RunningServer, make_user: Any,
                                                               browser: Browser) -> None:
    pool = oauth_pool(server)
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="ON",
                                          SoftwareTokenMfaConfiguration={"Enabled": True})
    username = make_user(pool)
    setup = page_of(browser.sign_in(pool, username))
    assert setup.status == 200 and "Set up an authenticator app" in setup.text
    assert "<svg" in setup.response.text and 'id="qr"' in setup.response.text
    secret = re.search(r'<code class="secret" id="secret">([A-Z2-7]+)</code>', setup.response.text)
    assert secret is not None
    wrong = page_of(browser.follow_to_app(browser.submit(setup.form, code="000000")))
    assert wrong.status == 400 and "not correct" in wrong.text and secret.group(1) in wrong.response.text
    done = browser.follow_to_app(browser.submit(wrong.form, code=totp(secret.group(1))))
    code_from(server, pool, done)
    # next sign-in (new browser): the authenticator's code is asked for
    other = Browser(server)
    try:
        step = page_of(other.sign_in(pool, username))
        assert "authenticator app" in step.text and "code" in step.form.fields
        time.sleep(max(0.0, 30 - time.time() % 30) + 0.5)  # a code of the next period (the last one is spent)
        code_from(server, pool, other.follow_to_app(other.submit(step.form, code=totp(secret.group(1)))))
    finally:
        other.close()


def test_mfa_required_sets_up_email_codes(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server)
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="ON",
                                          EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"})
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS")
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
    setup = page_of(browser.sign_in(pool, username))
    assert "Set up sign-in codes by email" in setup.text and "email" in setup.form.fields
    sent = page_of(browser.follow_to_app(browser.submit(setup.form, email=f"{username}@example.com")))
    assert "code" in sent.form.fields and "email" in sent.text
    tokens = code_from(server, pool, browser.follow_to_app(browser.submit(sent.form, code=server.last_code(username))))
    assert claims(tokens["id_token"])["email"] == f"{username}@example.com"
    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert got["UserMFASettingList"] == ["EMAIL_OTP"]


def test_sms_and_email_codes_and_the_mfa_choice(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}",
                             "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}},
        EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"},
    )
    username = make_user(pool, attributes={"phone_number": "+15555550100"})
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=username,
                                               SMSMfaSettings={"Enabled": True}, EmailMfaSettings={"Enabled": True})
    choose = page_of(browser.sign_in(pool, username))
    assert "Choose how to verify" in choose.text
    sms = page_of(browser.follow_to_app(browser.submit(choose.form, answer="SMS_MFA")))
    assert "SMS" in sms.text and "+*******0100" in sms.text
    wrong = page_of(browser.follow_to_app(browser.submit(sms.form, code="000000")))
    assert wrong.status == 400 and wrong.form.fields.get("step")  # same step, another try
    code_from(server, pool, browser.follow_to_app(browser.submit(wrong.form, code=server.last_code(username, "MFA_SMS"))))
    fresh = Browser(server)
    try:
        choose = page_of(fresh.sign_in(pool, username))
        email = page_of(fresh.follow_to_app(fresh.submit(choose.form, answer="EMAIL_OTP")))
        assert "email" in email.text
        code_from(server, pool, fresh.follow_to_app(fresh.submit(email.form, code=server.last_code(username, "MFA_EMAIL"))))
    finally:
        fresh.close()


def test_forgot_password_then_sign_in(server: RunningServer, make_user: Any, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = make_user(pool)
    login = page_of(browser.authorize(pool))
    forgot = page_of(browser.follow_to_app(browser.get("/forgotPassword?" + login.form.action.split("?", 1)[1])))
    reset = page_of(browser.follow_to_app(browser.submit(forgot.form, username=username)))
    assert "Reset your password" in reset.text
    masked = re.search(r"sent a password reset code to (\S+)\.", reset.text)
    assert masked is not None and "@" in masked.group(1) and username not in masked.group(1)  # masked, not the address
    bad = page_of(browser.follow_to_app(browser.submit(reset.form, code="000000", password=NEW_PASSWORD)))
    assert bad.status == 400
    done = page_of(browser.follow_to_app(browser.submit(bad.form, code=server.last_code(username), password=NEW_PASSWORD)))
    assert "password has been reset" in done.text
    code_from(server, pool, browser.follow_to_app(browser.submit(done.form, username=username, password=NEW_PASSWORD)))


def test_sign_up_confirm_and_sign_in(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server)
    username = unique()
    login = page_of(browser.authorize(pool))
    assert "Sign up" in login.text
    signup = page_of(browser.follow_to_app(browser.get("/signup?" + login.form.action.split("?", 1)[1])))
    assert "attr_email" in signup.form.fields
    taken_policy = page_of(browser.follow_to_app(browser.submit(signup.form, username=username, password="weak",
                                                                attr_email=f"{username}@example.com")))
    assert taken_policy.status == 400 and taken_policy.form.fields["username"] == username
    confirm = page_of(browser.follow_to_app(browser.submit(taken_policy.form, username=username, password=PASSWORD,
                                                           attr_email=f"{username}@example.com")))
    assert "Confirm your account" in confirm.text
    unconfirmed = page_of(Browser(server).sign_in(pool, username))
    assert "not confirmed" in unconfirmed.text
    assert PASSWORD not in confirm.response.text and all(PASSWORD not in v for v in browser.http.cookies.values())
    wrong = page_of(browser.follow_to_app(browser.submit(confirm.forms[0], code="000000")))
    assert wrong.status == 400 and wrong.forms[0].fields["signup"] == confirm.forms[0].fields["signup"]
    resent = page_of(browser.follow_to_app(browser.submit(wrong.forms[1])))  # "Resend code" keeps the sign-up too
    assert "new code" in resent.text and resent.forms[0].fields["signup"] == confirm.forms[0].fields["signup"]
    # confirmed in the browser that signed up: signed in at once, back at the app with a code
    landed = browser.follow_to_app(browser.submit(resent.forms[0], code=server.last_code(username)))
    tokens = code_from(server, pool, landed)
    assert claims(tokens["id_token"])["cognito:username"] == username
    again = browser.follow_to_app(browser.submit(resent.forms[0], code=server.last_code(username)))
    assert isinstance(again, Page) and again.status == 400 and "location" not in again.response.headers
    # the server kept the password sealed, never in clear (database file, its WAL)
    for path in server.data_dir.glob("userpool.db*"):
        assert PASSWORD.encode() not in path.read_bytes(), path


def _signed_up(browser: Browser, query: str, username: str) -> Page:
    signup = page_of(browser.follow_to_app(browser.get("/signup?" + query)))
    return page_of(browser.follow_to_app(browser.submit(signup.form, username=username, password=PASSWORD,
                                                        attr_email=f"{username}@example.com")))


def test_confirming_in_another_browser_or_for_another_user_shows_the_sign_in_form(server: RunningServer,
                                                                                 browser: Browser) -> None:
    pool = oauth_pool(server)
    query = page_of(browser.authorize(pool)).form.action.split("?", 1)[1]
    first, second, third = unique(), unique(), unique()
    carried = {name: _signed_up(browser, query, name).forms[0].fields["signup"] for name in (first, second)}
    # one user's sign-up session never signs in another user, whichever is confirmed with it
    for name, other_session in ((second, carried[first]), (first, carried[second])):
        confirm = page_of(browser.follow_to_app(browser.get("/confirm?" + query)))
        done = browser.follow_to_app(browser.submit(confirm.forms[0], username=name, signup=other_session,
                                                    code=server.last_code(name)))
        assert isinstance(done, Page) and "Your account is confirmed. Sign in." in done.text
    # the carried field in another browser (its own CSRF cookie): confirmed, not signed in
    field = _signed_up(browser, query, third).forms[0].fields["signup"]
    other = Browser(server)
    try:
        theirs = page_of(other.follow_to_app(other.get("/confirm?" + query)))
        done = other.follow_to_app(other.submit(theirs.forms[0], username=third, signup=field,
                                                code=server.last_code(third)))
        assert isinstance(done, Page) and "Your account is confirmed. Sign in." in done.text
    finally:
        other.close()
    for name in (first, second, third):
        assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=name)["UserStatus"] == "CONFIRMED"


def test_a_sign_up_confirmed_by_pre_sign_up_signs_in_at_once(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server, pool_args={"LambdaConfig": {"PreSignUp": "python:tests.triggers.lambdas:auto_confirm"}})
    username = unique()
    login = page_of(browser.authorize(pool, state="st"))
    signup = page_of(browser.follow_to_app(browser.get("/signup?" + login.form.action.split("?", 1)[1])))
    landed = browser.follow_to_app(browser.submit(signup.form, username=username, password=PASSWORD,
                                                  attr_email=f"{username}@example.com"))
    assert redirect_params(landed)["state"] == "st"
    assert claims(code_from(server, pool, landed)["access_token"])["username"] == username


def test_sign_up_is_refused_when_admins_create_users(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server, pool_args={"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True}})
    login = page_of(browser.authorize(pool))
    assert "Sign up" not in login.text
    r = browser.get("/signup?" + login.form.action.split("?", 1)[1])
    assert r.status_code == 403


def test_ui_customization_css_is_applied(server: RunningServer, browser: Browser) -> None:
    pool = oauth_pool(server)
    server.admin.set_ui_customization(UserPoolId=pool["pool_id"], CSS=".submitButton-customizable { background-color: #ff0066; }")
    page = page_of(browser.authorize(pool))
    assert "#ff0066" in page.response.text


def test_triggers_fire_with_hosted_sources(server: RunningServer, make_user: Any, browser: Browser) -> None:
    handler = "python:tests.triggers.lambdas:record_only"
    pool = oauth_pool(server, pool_args={"LambdaConfig": {
        "PreAuthentication": handler, "PostAuthentication": handler, "PreTokenGeneration": handler}})
    username = make_user(pool)
    code_from(server, pool, browser.sign_in(pool, username, scope="openid"))
    code_from(server, pool, browser.authorize(pool, scope="openid"))  # the silent second authorize
    sources = [e["event"]["triggerSource"] for e in recorded(server.data_dir, pool["pool_id"])]
    assert sources == ["PreAuthentication_Authentication", "TokenGeneration_HostedAuth",
                       "PostAuthentication_Authentication", "TokenGeneration_HostedAuth"]
