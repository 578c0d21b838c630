"""Multi-factor authentication over HTTP with boto3: pool configuration, TOTP setup (with an
access token and inside MFA_SETUP with the challenge Session, as Amplify does), SMS and e-mail
codes, MFA selection, preferences, and the failures: wrong, reused and expired codes, too many
tries, lockout."""

from __future__ import annotations

import json
import time
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from tests.conftest import PASSWORD, RunningServer, create_pool
from tests.server.helpers import claims, rejected, rejected_recording, unique, user_column, user_id

SMS_CONFIG = {
    "SmsAuthenticationMessage": "Your sign-in code is {####}",
    "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"},
}
EMAIL_CONFIG = {"Message": "Your sign-in code: {####}", "Subject": "Sign-in code"}


def mfa_pool(server: RunningServer, mode: str = "OPTIONAL", *, totp: bool = True, sms: bool = False,
             email: bool = False) -> dict[str, Any]:
    pool = create_pool(server)
    config: dict[str, Any] = {"MfaConfiguration": mode}
    if totp:
        config["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if sms:
        config["SmsMfaConfiguration"] = SMS_CONFIG
    if email:
        config["EmailMfaConfiguration"] = EMAIL_CONFIG
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], **config)
    return pool


def start(server: RunningServer, pool: dict[str, Any], username: str, password: str = PASSWORD) -> dict[str, Any]:
    return dict(server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password}
    ))


def answer(server: RunningServer, pool: dict[str, Any], step: dict[str, Any], username: str, **responses: str) -> dict[str, Any]:
    return dict(server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName=step["ChallengeName"], Session=step["Session"],
        ChallengeResponses={"USERNAME": username, **responses},
    ))


def code(secret: str, offset: int = 0) -> str:
    return str(pyotp.TOTP(secret).at(time.time(), counter_offset=offset))


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def set_up_totp(server: RunningServer, pool: dict[str, Any], username: str, sign_in: Any) -> str:
    """AssociateSoftwareToken + VerifySoftwareToken (code of this step) + TOTP preferred."""
    access = sign_in(pool, username)["AccessToken"]
    secret = server.public.associate_software_token(AccessToken=access)["SecretCode"]
    assert server.public.verify_software_token(AccessToken=access, UserCode=code(secret))["Status"] == "SUCCESS"
    server.public.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return str(secret)


# ------------------------------------------------------------------ pool configuration


def test_pool_mfa_configuration_round_trip(server):
    pool = create_pool(server)
    admin = server.admin
    assert admin.get_user_pool_mfa_config(UserPoolId=pool["pool_id"])["MfaConfiguration"] == "OFF"
    with pytest.raises(ClientError) as exc:
        admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="ON")
    assert error(exc)[0] == "InvalidParameterException"
    out = admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration=EMAIL_CONFIG,
    )
    assert out["MfaConfiguration"] == "OPTIONAL" and out["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    got = admin.get_user_pool_mfa_config(UserPoolId=pool["pool_id"])
    assert got["EmailMfaConfiguration"] == EMAIL_CONFIG and "SmsMfaConfiguration" not in got
    admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="ON")  # the methods stay
    assert admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]["MfaConfiguration"] == "ON"
    assert admin.get_user_pool_mfa_config(UserPoolId=pool["pool_id"])["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


# ------------------------------------------------------------------ TOTP


def test_totp_setup_with_an_access_token_then_a_totp_sign_in(server, make_user, sign_in):
    pool = mfa_pool(server)
    username = make_user(pool)
    access = sign_in(pool, username)["AccessToken"]
    # no MFA set: Cognito leaves UserMFASettingList and PreferredMfaSetting out of Get/AdminGetUser
    # (the AWS SDK team reading the responses in aws/aws-sdk-java-v2#4869; "expected", aws/aws-sdk#693)
    for shown in (server.public.get_user(AccessToken=access),
                  server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)):
        assert "UserMFASettingList" not in shown and "PreferredMfaSetting" not in shown
    with pytest.raises(ClientError) as exc:
        server.public.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})
    assert error(exc) == ("InvalidParameterException", "User has not verified software token mfa")
    secret = server.public.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) == 32
    with pytest.raises(ClientError) as exc:
        server.public.verify_software_token(AccessToken=access, UserCode=code(secret, 5))
    assert error(exc)[0] == "EnableSoftwareTokenMFAException"
    assert server.public.verify_software_token(AccessToken=access, UserCode=code(secret), FriendlyDeviceName="phone")["Status"] == "SUCCESS"
    sealed = user_column(server, pool["pool_id"], username, "totp_secret_sealed")
    assert sealed.startswith("v1.") and secret not in sealed and secret not in str(user_column(server, pool["pool_id"], username, "mfa"))
    assert "AccessToken" in start(server, pool, username)["AuthenticationResult"]  # verified, not yet turned on
    server.public.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    user = server.public.get_user(AccessToken=access)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    admin_view = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert admin_view["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    step = start(server, pool, username)
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in step
    assert step["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    with pytest.raises(ClientError) as exc:
        answer(server, pool, step, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 5))
    assert error(exc) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    assert user_column(server, pool["pool_id"], username, "failed_attempts") == 1  # counted like a password
    done = answer(server, pool, step, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1))  # same session, next try
    assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == username
    assert user_column(server, pool["pool_id"], username, "failed_attempts") == 0
    with pytest.raises(ClientError) as exc:  # the session ended with the sign-in
        answer(server, pool, step, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1))
    assert error(exc)[0] == "NotAuthorizedException"


def test_a_totp_code_is_accepted_once(server, make_user, sign_in):
    """Cognito refuses a TOTP code of a 30-second step already spent with ExpiredCodeException
    "Your software token has already been used once." (quoted by aws-amplify/amplify-swift's MFA
    integration tests, MFASignInTests.swift, which wait 30 s after VerifySoftwareToken to avoid it,
    and matched on by apps' handlers); a code that is simply wrong or long gone stays
    CodeMismatchException. Both count toward the lockout and keep the session for another try."""
    pool = mfa_pool(server)
    username = make_user(pool)
    secret = set_up_totp(server, pool, username, sign_in)  # used this step's code
    first = start(server, pool, username)
    # the code VerifySoftwareToken took: refused, counted, the session kept (users, auth_sessions)
    body = {"ClientId": pool["client_id"], "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": first["Session"],
            "ChallengeResponses": {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code(secret)}}
    rejected_recording(server, "RespondToAuthChallenge", body, "ExpiredCodeException", tables={"users", "auth_sessions"},
                       message="^Your software token has already been used once\\.$")
    assert user_column(server, pool["pool_id"], username, "failed_attempts") == 1
    # legacy clients send the TOTP code under both names
    answer(server, pool, first, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1), SMS_MFA_CODE=code(secret, 1))
    again = start(server, pool, username)
    for reused, refusal in ((code(secret, 1), "ExpiredCodeException"), (code(secret), "ExpiredCodeException"),
                            (code(secret, -3), "CodeMismatchException")):  # replayed, older, long expired
        with pytest.raises(ClientError) as exc:
            answer(server, pool, again, username, SOFTWARE_TOKEN_MFA_CODE=reused)
        assert error(exc)[0] == refusal
    with pytest.raises(ClientError) as exc:  # three wrong codes end the session
        answer(server, pool, again, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1))
    assert error(exc) == ("NotAuthorizedException", "Invalid session for the user.")


def test_mfa_required_walks_totp_setup_with_the_challenge_session(server, make_user):
    pool = mfa_pool(server, "ON")
    username = make_user(pool)
    step = start(server, pool, username)
    assert step["ChallengeName"] == "MFA_SETUP"
    assert json.loads(step["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    with pytest.raises(ClientError) as exc:  # nothing verified yet: the session stays usable
        answer(server, pool, step, username)
    assert error(exc)[0] == "SoftwareTokenMFANotFoundException"
    associated = server.public.associate_software_token(Session=step["Session"])
    secret = associated["SecretCode"]
    with pytest.raises(ClientError) as exc:
        server.public.verify_software_token(Session=associated["Session"], UserCode=code(secret, 5))
    assert error(exc)[0] == "EnableSoftwareTokenMFAException"
    verified = server.public.verify_software_token(Session=associated["Session"], UserCode=code(secret), FriendlyDeviceName="phone")
    assert verified["Status"] == "SUCCESS" and verified["Session"]
    done = server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="MFA_SETUP", Session=verified["Session"], ChallengeResponses={"USERNAME": username}
    )
    assert "AccessToken" in done["AuthenticationResult"]
    user = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    step = start(server, pool, username)
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert step["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "phone"
    assert "AccessToken" in answer(server, pool, step, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1))["AuthenticationResult"]


def test_mfa_setup_turns_the_totp_on_at_verify_software_token(server, make_user):
    """Cognito registers the authenticator, enabled and preferred, when VerifySoftwareToken answers
    SUCCESS inside MFA_SETUP (issue 15, item 5): a new sign-in that never answered MFA_SETUP is asked
    SOFTWARE_TOKEN_MFA, not MFA_SETUP again. The verify Session still completes the first sign-in.
    A wrong first code (EnableSoftwareTokenMFAException) registers nothing."""
    pool = mfa_pool(server, "ON")
    username = make_user(pool)
    step = start(server, pool, username)
    assert step["ChallengeName"] == "MFA_SETUP"
    associated = server.public.associate_software_token(Session=step["Session"])
    secret = associated["SecretCode"]
    rejected(server, "VerifySoftwareToken", {"Session": associated["Session"], "UserCode": code(secret, 5)},
             "EnableSoftwareTokenMFAException")
    assert start(server, pool, username)["ChallengeName"] == "MFA_SETUP"  # nothing registered
    assert "UserMFASettingList" not in server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    verified = server.public.verify_software_token(Session=associated["Session"], UserCode=code(secret))
    assert verified["Status"] == "SUCCESS"

    user = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    again = start(server, pool, username)  # the app dropped the setup sign-in and starts over
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"

    done = server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="MFA_SETUP", Session=verified["Session"], ChallengeResponses={"USERNAME": username}
    )
    assert claims(done["AuthenticationResult"]["AccessToken"])["username"] == username
    assert "AccessToken" in answer(server, pool, again, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1))["AuthenticationResult"]


# ------------------------------------------------------------------ SMS and e-mail codes


def test_sms_mfa_sends_a_masked_single_use_code(server, make_user):
    pool = mfa_pool(server, totp=False, sms=True)
    username = make_user(pool, attributes={"phone_number": "+15555550100"})
    server.admin.admin_set_user_mfa_preference(
        UserPoolId=pool["pool_id"], Username=username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    step = start(server, pool, username)
    assert step["ChallengeName"] == "SMS_MFA"
    assert step["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0100"
    message = server.outbox()[-1]
    assert message["kind"] == "MFA_SMS" and message["destination"] == "+15555550100" and message["username"] == username
    assert message["message"] == f"Your sign-in code is {message['code']}"
    assert "AccessToken" in answer(server, pool, step, username, SMS_MFA_CODE=message["code"])["AuthenticationResult"]
    again = start(server, pool, username)
    with pytest.raises(ClientError) as exc:  # the old code is spent
        answer(server, pool, again, username, SMS_MFA_CODE=message["code"])
    assert error(exc)[0] == "CodeMismatchException"
    assert "AccessToken" in answer(server, pool, again, username, SMS_MFA_CODE=server.last_code(username, "MFA_SMS"))["AuthenticationResult"]


def test_email_code_wrong_too_often_ends_the_session_and_counts_toward_lockout(server, make_user):
    pool = mfa_pool(server, totp=False, email=True)
    username = make_user(pool)
    server.admin.admin_set_user_mfa_preference(
        UserPoolId=pool["pool_id"], Username=username, EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    step = start(server, pool, username)
    assert step["ChallengeName"] == "EMAIL_OTP"
    assert step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == f"{username[0]}***@e***"
    message = server.outbox()[-1]
    assert message["kind"] == "MFA_EMAIL" and message["subject"] == "Sign-in code"
    wrong = "000000" if message["code"] != "000000" else "111111"
    for n in (1, 2, 3):
        with pytest.raises(ClientError) as exc:
            answer(server, pool, step, username, EMAIL_OTP_CODE=wrong)
        assert error(exc)[0] == "CodeMismatchException"
        assert user_column(server, pool["pool_id"], username, "failed_attempts") == n
    with pytest.raises(ClientError) as exc:  # even the right code: the session is gone
        answer(server, pool, step, username, EMAIL_OTP_CODE=message["code"])
    assert error(exc) == ("NotAuthorizedException", "Invalid session for the user.")
    step = start(server, pool, username)  # a right password does not wipe the count
    assert user_column(server, pool["pool_id"], username, "failed_attempts") == 3
    assert "AccessToken" in answer(server, pool, step, username, EMAIL_OTP_CODE=server.last_code(username))["AuthenticationResult"]
    assert user_column(server, pool["pool_id"], username, "failed_attempts") == 0


def test_an_expired_code_is_refused(server, make_user):
    pool = mfa_pool(server, totp=False, email=True)
    username = make_user(pool)
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=username, EmailMfaSettings={"Enabled": True})
    step = start(server, pool, username)
    assert step["ChallengeName"] == "EMAIL_OTP"
    expires = server.query("SELECT expires_at FROM codes WHERE user_id = ? AND purpose = 'MFA:EMAIL_OTP'",
                           user_id(server, pool["pool_id"], username))[0][0]
    assert 0 < expires - time.time() <= 180  # three minutes
    server.execute("UPDATE codes SET expires_at = 1 WHERE user_id = ?", user_id(server, pool["pool_id"], username))
    with pytest.raises(ClientError) as exc:
        answer(server, pool, step, username, EMAIL_OTP_CODE=server.last_code(username))
    assert error(exc)[0] == "ExpiredCodeException"
    with pytest.raises(ClientError) as exc:
        answer(server, pool, step, username, EMAIL_OTP_CODE=server.last_code(username))
    assert error(exc)[0] == "NotAuthorizedException"


def test_a_locked_user_cannot_answer_an_mfa_challenge(server, make_user, sign_in):
    pool = mfa_pool(server)
    username = make_user(pool)
    secret = set_up_totp(server, pool, username, sign_in)
    step = start(server, pool, username)
    server.execute("UPDATE users SET locked_until = ? WHERE id = ?", time.time() + 3600, user_id(server, pool["pool_id"], username))
    with pytest.raises(ClientError) as exc:
        answer(server, pool, step, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1))
    assert error(exc) == ("NotAuthorizedException", "Password attempts exceeded")
    server.execute("UPDATE users SET locked_until = NULL WHERE id = ?", user_id(server, pool["pool_id"], username))
    assert "AccessToken" in answer(server, pool, step, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1))["AuthenticationResult"]


# ------------------------------------------------------------------ choosing and setting up


def test_several_methods_without_a_preference_ask_the_user_to_choose(server, make_user, sign_in):
    pool = mfa_pool(server, sms=True)
    username = make_user(pool, attributes={"phone_number": "+15555550101"})
    secret = set_up_totp(server, pool, username, sign_in)
    server.admin.admin_set_user_mfa_preference(
        UserPoolId=pool["pool_id"], Username=username,
        SMSMfaSettings={"Enabled": True}, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    step = start(server, pool, username)
    assert step["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(step["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    with pytest.raises(ClientError) as exc:
        answer(server, pool, step, username, ANSWER="EMAIL_OTP")
    assert error(exc)[0] == "InvalidParameterException"
    chosen = answer(server, pool, step, username, ANSWER="SOFTWARE_TOKEN_MFA")  # same session still good
    assert chosen["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AccessToken" in answer(server, pool, chosen, username, SOFTWARE_TOKEN_MFA_CODE=code(secret, 1))["AuthenticationResult"]
    chosen = answer(server, pool, start(server, pool, username), username, ANSWER="SMS_MFA")
    assert chosen["ChallengeName"] == "SMS_MFA"
    assert "AccessToken" in answer(server, pool, chosen, username, SMS_MFA_CODE=server.last_code(username))["AuthenticationResult"]


def test_legacy_set_user_settings_turns_on_sms_mfa(server, make_user, sign_in):
    pool = mfa_pool(server, totp=False, sms=True)
    bare = make_user(pool)
    with pytest.raises(ClientError) as exc:
        server.public.set_user_settings(AccessToken=sign_in(pool, bare)["AccessToken"],
                                        MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}])
    assert error(exc) == ("InvalidParameterException", "User does not have delivery config set to turn on SMS_MFA")
    username = make_user(pool, attributes={"phone_number": "+15555550102"})
    access = sign_in(pool, username)["AccessToken"]
    server.public.set_user_settings(AccessToken=access, MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}])
    user = server.public.get_user(AccessToken=access)
    assert user["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    assert user["UserMFASettingList"] == ["SMS_MFA"]
    assert start(server, pool, username)["ChallengeName"] == "SMS_MFA"
    server.public.set_user_settings(AccessToken=access, MFAOptions=[])
    assert "AuthenticationResult" in start(server, pool, username)


def test_email_mfa_set_up_during_sign_in(server):
    pool = mfa_pool(server, "ON", email=True)
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS")
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
    step = start(server, pool, username)
    assert step["ChallengeName"] == "MFA_SETUP"
    assert json.loads(step["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    otp = answer(server, pool, step, username, EMAIL=f"{username}@example.com")
    assert otp["ChallengeName"] == "EMAIL_OTP" and otp["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert server.outbox()[-1]["destination"] == f"{username}@example.com"
    assert "AccessToken" in answer(server, pool, otp, username, EMAIL_OTP_CODE=server.last_code(username))["AuthenticationResult"]
    user = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["email"] == f"{username}@example.com" and attrs["email_verified"] == "true"
    assert user["UserMFASettingList"] == ["EMAIL_OTP"]
    assert start(server, pool, username)["ChallengeName"] == "EMAIL_OTP"


def test_admin_sign_in_answers_mfa_with_admin_respond(server, make_user, sign_in):
    pool = mfa_pool(server)
    username = make_user(pool)
    secret = set_up_totp(server, pool, username, sign_in)
    step = server.admin.admin_initiate_auth(
        UserPoolId=pool["pool_id"], ClientId=pool["client_id"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = server.admin.admin_respond_to_auth_challenge(
        UserPoolId=pool["pool_id"], ClientId=pool["client_id"], ChallengeName="SOFTWARE_TOKEN_MFA", Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code(secret, 1)},
    )
    assert "AccessToken" in done["AuthenticationResult"]


def test_preferences_need_a_method_the_pool_offers_and_the_user_can_receive(server, make_user, sign_in):
    pool = mfa_pool(server, totp=False, email=True)
    username = make_user(pool)
    access = sign_in(pool, username)["AccessToken"]
    with pytest.raises(ClientError) as exc:
        server.public.set_user_mfa_preference(AccessToken=access, SMSMfaSettings={"Enabled": True})
    assert error(exc)[0] == "InvalidParameterException"
    server.public.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert server.public.get_user(AccessToken=access)["PreferredMfaSetting"] == "EMAIL_OTP"
    server.public.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": False})
    user = server.public.get_user(AccessToken=access)
    assert "UserMFASettingList" not in user and "PreferredMfaSetting" not in user
    assert "AuthenticationResult" in start(server, pool, username)
