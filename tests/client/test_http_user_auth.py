"""USER_AUTH (choice-based, passwordless) through the Python client over HTTP, both drivers:
``sign_in(..., options={"auth_flow_type": "USER_AUTH", "preferred_challenge": ...})``, the
Amplify next steps CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION, CONFIRM_SIGN_IN_WITH_PASSWORD,
CONFIRM_SIGN_IN_WITH_EMAIL_CODE / _SMS_CODE, and passwordless ``sign_up`` + ``auto_sign_in``
(ConfirmSignUp's Session)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from client_helpers import ALL_FLOWS, make_pool

from userpool.auth import errors

PASSWORD = "Passw0rd!"
USER_AUTH = {"auth_flow_type": "USER_AUTH"}


def passwordless_pool(server: Any) -> dict[str, Any]:
    return make_pool(
        server, client_args={"ExplicitAuthFlows": [*ALL_FLOWS, "ALLOW_USER_AUTH"]},
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}},
        SmsConfiguration={"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"},
    )


def code_for(server: Any, username: str, medium: str = "EMAIL") -> str:
    for msg in reversed(server.outbox()):
        if msg["username"] == username and msg["delivery_medium"] == medium:
            return str(msg["code"])
    raise LookupError(username)


def test_email_otp_preferred(connect, server, make_user):
    pool = passwordless_pool(server)
    username = make_user(pool)
    client = connect(pool)
    out = client.sign_in(username, options={**USER_AUTH, "preferred_challenge": "EMAIL_OTP"})
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    assert out.next_step.code_delivery_details.delivery_medium == "EMAIL"
    with pytest.raises(errors.CodeMismatchException):
        client.confirm_sign_in("000000" if code_for(server, username) != "000000" else "111111")
    assert client.confirm_sign_in(code_for(server, username)).is_signed_in  # the same sign-in, answered again
    assert client.get_current_user().username == username


def test_first_factor_selection_then_sms_code(connect, server, make_user):
    pool = passwordless_pool(server)
    username = make_user(pool, attributes={"phone_number": "+15550100999", "phone_number_verified": "true"})
    client = connect(pool)
    out = client.sign_in(username, options=USER_AUTH)
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION"
    assert out.next_step.available_challenges == ("PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP")
    out = client.confirm_sign_in("SMS_OTP")
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_SMS_CODE"
    assert client.confirm_sign_in(code_for(server, username, "SMS")).is_signed_in


@pytest.mark.parametrize("factor", ["PASSWORD", "PASSWORD_SRP"])
def test_first_factor_selection_then_password(connect, server, make_user, factor):
    pool = passwordless_pool(server)
    username = make_user(pool)
    client = connect(pool)
    client.sign_in(username, options=USER_AUTH)
    out = client.confirm_sign_in(factor)
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_PASSWORD"
    assert client.confirm_sign_in(PASSWORD).is_signed_in


@pytest.mark.parametrize("factor", ["PASSWORD", "PASSWORD_SRP"])
def test_password_preferred(connect, server, make_user, factor):
    pool = passwordless_pool(server)
    username = make_user(pool)
    client = connect(pool)
    with pytest.raises(errors.AuthValidationError):
        client.sign_in(username, options={**USER_AUTH, "preferred_challenge": factor})  # no password
    assert client.sign_in(username, PASSWORD, {**USER_AUTH, "preferred_challenge": factor}).is_signed_in


def test_user_auth_refusals_are_service_errors(connect, server, make_user):
    pool = make_pool(server)  # no ALLOW_USER_AUTH
    client = connect(pool)
    with pytest.raises(errors.InvalidParameterException):
        client.sign_in(make_user(pool), options=USER_AUTH)
    passwordless = passwordless_pool(server)
    with pytest.raises(errors.InvalidParameterException):
        connect(passwordless).sign_in(make_user(passwordless), options={**USER_AUTH, "preferred_challenge": "WEB_AUTHN"})


def test_passwordless_sign_up_then_auto_sign_in(connect, server):
    pool = passwordless_pool(server)
    client = connect(pool)
    username = f"new-{uuid.uuid4().hex[:8]}"
    out = client.sign_up(username, options={"user_attributes": {"email": f"{username}@example.com"},
                                            "auto_sign_in": True, "auth_flow_type": "USER_AUTH"})
    assert out.next_step.sign_up_step == "CONFIRM_SIGN_UP"
    confirmed = client.confirm_sign_up(username, server.last_code(username))
    assert confirmed.next_step.sign_up_step == "COMPLETE_AUTO_SIGN_IN"
    assert client.auto_sign_in().is_signed_in  # ConfirmSignUp's Session: no password, no second code
    assert client.get_current_user().username == username
    client.sign_out()
    out = client.sign_in(username, options={**USER_AUTH, "preferred_challenge": "EMAIL_OTP"})
    assert client.confirm_sign_in(code_for(server, username)).is_signed_in


def test_sign_up_without_a_password_needs_user_auth(connect, server):
    client = connect(passwordless_pool(server))
    with pytest.raises(errors.AuthValidationError):
        client.sign_up("someone")
