"""USER_AUTH (choice-based sign-in) over HTTP with boto3 and raw calls: the pool's
SignInPolicy and tier, ALLOW_USER_AUTH, PREFERRED_CHALLENGE, SELECT_CHALLENGE with
AvailableChallenges, EMAIL_OTP / SMS_OTP first factors, PASSWORD / PASSWORD_SRP first factors
(then MFA), passwordless SignUp and sign-in with ConfirmSignUp's Session; and every refusal:
wrong, reused and expired codes, the attempt limit and lockout, unknown users under
PreventUserExistenceErrors, a client without ALLOW_USER_AUTH, a factor the pool does not
allow -- each a Cognito-shaped 400 that changed nothing it should not."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer, create_pool
from tests.server.helpers import (
    claims,
    ok,
    unique,
)

USER_AUTH_FLOWS = [*ALL_FLOWS, "ALLOW_USER_AUTH"]
PASSWORDLESS = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}}
SMS = {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}}


def passwordless_pool(server: RunningServer, *, flows: list[str] | None = None, **pool_args: Any) -> dict[str, Any]:
    pool_args.setdefault("Policies", PASSWORDLESS)
    client_args = {"ExplicitAuthFlows": flows or USER_AUTH_FLOWS, "PreventUserExistenceErrors": "ENABLED",
                   **pool_args.pop("client_args", {})}
    return create_pool(server, **SMS, **pool_args, client_args=client_args)


def make(server: RunningServer, pool: dict[str, Any], *, phone: bool = True, password: bool = True, **attrs: str) -> str:
    username = unique()
    attributes = {"email": f"{username}@example.com", "email_verified": "true", **attrs}
    if phone:
        attributes.update({"phone_number": "+15550100" + str(int(time.time() * 1000) % 1000).zfill(3),
                           "phone_number_verified": "true"})
    attribute_list = [{"Name": k, "Value": v} for k, v in attributes.items()]
    if not password:  # a passwordless user comes from SignUp without a password
        plain = [a for a in attribute_list if not a["Name"].endswith("_verified")]
        server.public.sign_up(ClientId=pool["client_id"], Username=username, UserAttributes=plain)
        server.admin.admin_confirm_sign_up(UserPoolId=pool["pool_id"], Username=username)
        server.admin.admin_update_user_attributes(UserPoolId=pool["pool_id"], Username=username, UserAttributes=attribute_list)
        return username
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS",
                                   UserAttributes=attribute_list)
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
    return username


def initiate(server: RunningServer, pool: dict[str, Any], username: str, **params: str) -> dict[str, Any]:
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": username, **params}}
    return ok(server, "InitiateAuth", body)


def respond_body(pool: dict[str, Any], step: dict[str, Any], username: str, **answers: str) -> dict[str, Any]:
    return {"ClientId": pool["client_id"], "ChallengeName": step["ChallengeName"], "Session": step["Session"],
            "ChallengeResponses": {"USERNAME": username, **answers}}


def respond(server: RunningServer, pool: dict[str, Any], step: dict[str, Any], username: str, **answers: str) -> dict[str, Any]:
    return ok(server, "RespondToAuthChallenge", respond_body(pool, step, username, **answers))


def otp(server: RunningServer, username: str, medium: str = "EMAIL") -> str:
    for msg in reversed(server.outbox()):
        if msg["username"] == username and msg["delivery_medium"] == medium:
            return str(msg["code"])
    raise LookupError(username)


def signed_in(result: dict[str, Any], username: str) -> None:
    assert claims(result["AuthenticationResult"]["AccessToken"])["username"] == username


# ------------------------------------------------------------------ the offer


def test_without_a_preference_the_user_chooses_from_available_challenges(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username)
    assert step["ChallengeName"] == "SELECT_CHALLENGE"
    assert step["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]
    assert step["Session"]


def test_the_offer_follows_the_user_and_the_pool(server):
    pool = passwordless_pool(server)
    no_phone = make(server, pool, phone=False)
    assert initiate(server, pool, no_phone)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    unverified = make(server, pool, phone=False, email_verified="false")
    assert initiate(server, pool, unverified)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    passwordless = make(server, pool, password=False)
    assert initiate(server, pool, passwordless)["AvailableChallenges"] == ["EMAIL_OTP", "SMS_OTP"]
    password_only = passwordless_pool(server, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})
    assert initiate(server, password_only, make(server, password_only))["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


def test_an_unknown_user_is_offered_what_a_known_one_is(server):
    pool = passwordless_pool(server)
    known = initiate(server, pool, make(server, pool))
    unknown = initiate(server, pool, unique("ghost"))
    assert unknown["ChallengeName"] == "SELECT_CHALLENGE"
    assert unknown["AvailableChallenges"] == known["AvailableChallenges"]


# ------------------------------------------------------------------ EMAIL_OTP / SMS_OTP


def test_email_otp_preferred_signs_in_with_the_emailed_code(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert step["ChallengeName"] == "EMAIL_OTP"
    params = step["ChallengeParameters"]
    assert params["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert params["CODE_DELIVERY_DESTINATION"] == f"{username[0]}***@e***"
    result = respond(server, pool, step, username, EMAIL_OTP_CODE=otp(server, username))
    signed_in(result, username)


def test_sms_otp_through_select_challenge(server):
    pool = passwordless_pool(server)
    username = make(server, pool, password=False)
    choice = initiate(server, pool, username)
    step = respond(server, pool, choice, username, ANSWER="SMS_OTP")
    assert step["ChallengeName"] == "SMS_OTP"
    assert step["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    signed_in(respond(server, pool, step, username, SMS_OTP_CODE=otp(server, username, "SMS")), username)
