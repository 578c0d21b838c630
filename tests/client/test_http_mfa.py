"""MFA and custom challenges over HTTP (issue 5's server side).

Every step runs against the real server, which supports them all: an operation answered
with ``UnsupportedOperationException`` fails the test. The client side of every step is also
pinned by the scripted tests in test_sign_in_flows.py.
"""

from __future__ import annotations

import time

import pyotp
import pytest
from client_helpers import make_pool

from userpool.auth import errors

PASSWORD = "Passw0rd!"


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time(), counter_offset=offset)


def _set_mfa_config(server, pool, **config):
    return server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], **config)


def test_totp_setup_then_totp_sign_in(connect, server, make_user):
    pool = make_pool(server)
    _set_mfa_config(server, pool, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True})
    username = make_user(pool)
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    details = client.set_up_totp()
    uri = details.get_setup_uri("userpool-tests")
    assert uri.startswith(f"otpauth://totp/userpool-tests:{username}?secret=")
    with pytest.raises((errors.EnableSoftwareTokenMFAException, errors.CodeMismatchException)):
        client.verify_totp_setup(_code(details.shared_secret, 7))
    client.verify_totp_setup(_code(details.shared_secret), friendly_device_name="phone")
    client.update_mfa_preference(totp="PREFERRED")
    prefs = client.fetch_mfa_preference()
    assert prefs.enabled == ("TOTP",) and prefs.preferred == "TOTP"
    client.sign_out()
    out = client.sign_in(username, PASSWORD)
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    with pytest.raises(errors.CodeMismatchException):
        client.confirm_sign_in(_code(details.shared_secret, 7))
    assert client.confirm_sign_in(_code(details.shared_secret, 1)).is_signed_in  # a code not used before


def test_mfa_required_walks_totp_setup(connect, server, make_user):
    pool = make_pool(server)
    _set_mfa_config(server, pool, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})
    username = make_user(pool)
    client = connect(pool)
    out = client.sign_in(username, PASSWORD)
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    secret = out.next_step.totp_setup_details.shared_secret
    assert client.confirm_sign_in(_code(secret), {"friendly_device_name": "phone"}).is_signed_in
    client.sign_out()
    out = client.sign_in(username, PASSWORD)
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    assert client.confirm_sign_in(_code(secret, 1)).is_signed_in


def test_email_otp_sign_in(connect, server, make_user):
    pool = make_pool(server)
    _set_mfa_config(server, pool, MfaConfiguration="OPTIONAL",
                    EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Code"})
    username = make_user(pool)
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    client.update_mfa_preference(email="PREFERRED")
    client.sign_out()
    out = client.sign_in(username, PASSWORD)
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    assert out.next_step.code_delivery_details.delivery_medium == "EMAIL"
    assert client.confirm_sign_in(server.last_code(username)).is_signed_in


def test_sms_mfa_sign_in(connect, server, make_user):
    pool = make_pool(server)
    _set_mfa_config(server, pool, MfaConfiguration="OPTIONAL",
                    SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}})
    username = make_user(pool, attributes={"phone_number": "+15555550100", "phone_number_verified": "true"})
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    client.update_mfa_preference(sms="PREFERRED")
    client.sign_out()
    out = client.sign_in(username, PASSWORD)
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_SMS_CODE"
    assert out.next_step.code_delivery_details.delivery_medium == "SMS"
    assert client.confirm_sign_in(server.last_code(username)).is_signed_in


def test_mfa_selection(connect, server, make_user):
    pool = make_pool(server)
    _set_mfa_config(server, pool, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True},
                    EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Code"})
    username = make_user(pool)
    client = connect(pool)
    client.sign_in(username, PASSWORD)
    secret = client.set_up_totp().shared_secret
    client.verify_totp_setup(_code(secret))
    client.update_mfa_preference(totp="ENABLED", email="ENABLED")
    client.sign_out()
    out = client.sign_in(username, PASSWORD)
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_MFA_SELECTION"
    assert set(out.next_step.allowed_mfa_types) == {"TOTP", "EMAIL"}
    out = client.confirm_sign_in("TOTP")
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    assert client.confirm_sign_in(_code(secret, 1)).is_signed_in


def test_mfa_setup_selection_with_email(connect, server, unique):
    pool = make_pool(server)
    _set_mfa_config(server, pool, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True},
                    EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Code"})
    username = unique("setup")
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS")
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
    client = connect(pool)
    out = client.sign_in(username, PASSWORD)
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION"
    out = client.confirm_sign_in("EMAIL")
    assert out.next_step.sign_in_step == "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP"
    out = client.confirm_sign_in(f"{username}@example.com")
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
    assert client.confirm_sign_in(server.last_code(username)).is_signed_in


def _custom_pool(server):
    triggers = {
        "DefineAuthChallenge": "python:client_triggers:define_auth_challenge",
        "CreateAuthChallenge": "python:client_triggers:create_auth_challenge",
        "VerifyAuthChallengeResponse": "python:client_triggers:verify_auth_challenge_response",
    }
    return make_pool(server, LambdaConfig=triggers)


def test_custom_challenge_without_srp(connect, server, make_user):
    pool = _custom_pool(server)
    username = make_user(pool)
    client = connect(pool)
    out = client.sign_in(username, options={"auth_flow_type": "CUSTOM_WITHOUT_SRP"})
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
    assert out.next_step.additional_info["question"] == "2+2?"
    out = client.confirm_sign_in("5")  # wrong: the trigger asks again
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
    assert out.next_step.additional_info["question"] == "3+2?"
    assert client.confirm_sign_in("5").is_signed_in


def test_custom_challenge_with_srp(connect, server, make_user):
    pool = _custom_pool(server)
    username = make_user(pool)
    client = connect(pool)
    out = client.sign_in(username, PASSWORD, {"auth_flow_type": "CUSTOM_WITH_SRP"})
    assert out.next_step.sign_in_step == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
    assert client.confirm_sign_in("4").is_signed_in
