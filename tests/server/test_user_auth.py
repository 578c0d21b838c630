"""USER_AUTH (choice-based sign-in) over HTTP with boto3 and raw calls: the pool's
SignInPolicy and tier, ALLOW_USER_AUTH, PREFERRED_CHALLENGE, SELECT_CHALLENGE with
AvailableChallenges, EMAIL_OTP / SMS_OTP first factors, PASSWORD / PASSWORD_SRP first factors
(then MFA), passwordless SignUp and sign-in with ConfirmSignUp's Session; and every refusal:
wrong, reused and expired codes, the attempt limit and lockout, unknown users under
PreventUserExistenceErrors, a client without ALLOW_USER_AUTH, a factor the pool does not
allow -- each a Cognito-shaped 400 that changed nothing it should not."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.conftest import ALL_FLOWS, PASSWORD, RunningServer, create_pool
from tests.server.helpers import (
    WRONG_PASSWORD,
    claims,
    ok,
    rejected,
    rejected_recording,
    rpc,
    srp_start,
    unique,
    unknown_offered,
    user_id,
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


def refused(server: RunningServer, op: str, body: dict[str, Any]) -> str:
    """The error name of a refused call."""
    r = rpc(server, op, body)
    assert r.status_code == 400, r.text
    return str(r.json()["__type"])


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


def test_an_unknown_user_is_offered_what_a_known_one_could_be(server):
    """Not every allowed factor (that would tell the name apart from most users), but a stable
    offer a user could have (tests/server/test_user_auth_enumeration.py has the rest)."""
    pool = passwordless_pool(server)
    ghost = unique("ghost")
    unknown = initiate(server, pool, ghost)
    assert unknown["ChallengeName"] == "SELECT_CHALLENGE"
    assert unknown["AvailableChallenges"] == initiate(server, pool, ghost)["AvailableChallenges"]
    known = initiate(server, pool, make(server, pool))
    assert set(unknown["AvailableChallenges"]) <= set(known["AvailableChallenges"])


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


def test_admin_initiate_auth_takes_user_auth_too(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = server.admin.admin_initiate_auth(UserPoolId=pool["pool_id"], ClientId=pool["client_id"], AuthFlow="USER_AUTH",
                                            AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    assert step["ChallengeName"] == "EMAIL_OTP"
    result = server.admin.admin_respond_to_auth_challenge(
        UserPoolId=pool["pool_id"], ClientId=pool["client_id"], ChallengeName="EMAIL_OTP", Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "EMAIL_OTP_CODE": otp(server, username)})
    signed_in(result, username)


def test_a_preferred_factor_the_user_cannot_use_falls_back_to_the_choice(server):
    pool = passwordless_pool(server)
    username = make(server, pool, phone=False)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="SMS_OTP")
    assert step["ChallengeName"] == "SELECT_CHALLENGE"
    assert "SMS_OTP" not in step["AvailableChallenges"]


def test_no_code_or_session_secret_is_readable_in_the_database(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    code = otp(server, username)
    dump = json.dumps(server.snapshot(), default=repr)
    assert code not in dump
    assert step["Session"] not in dump
    purposes = server.query("SELECT purpose, code_hash FROM codes WHERE user_id = ?", user_id(server, pool["pool_id"], username))
    assert purposes and purposes[0][0] == "SIGN_IN:EMAIL_OTP" and len(purposes[0][1]) == 64


# ------------------------------------------------------------------ code refusals


def test_a_wrong_code_is_refused_counted_and_can_be_retried(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    right = otp(server, username)
    wrong = "000000" if right != "000000" else "111111"
    rejected_recording(server, "RespondToAuthChallenge", respond_body(pool, step, username, EMAIL_OTP_CODE=wrong),
                       "CodeMismatchException", tables={"users", "codes", "auth_sessions"})
    assert server.query("SELECT failed_attempts FROM users WHERE id = ?", user_id(server, pool["pool_id"], username))[0][0] == 1
    signed_in(respond(server, pool, step, username, EMAIL_OTP_CODE=right), username)


def test_a_used_code_and_its_session_do_not_work_twice(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    code = otp(server, username)
    respond(server, pool, step, username, EMAIL_OTP_CODE=code)
    rejected(server, "RespondToAuthChallenge", respond_body(pool, step, username, EMAIL_OTP_CODE=code),
             "NotAuthorizedException", message="Invalid session")
    again = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    rejected_recording(server, "RespondToAuthChallenge", respond_body(pool, again, username, EMAIL_OTP_CODE=code),
                       "CodeMismatchException", tables={"users", "codes", "auth_sessions"})


def test_an_expired_code_is_refused(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    uid = user_id(server, pool["pool_id"], username)
    expires = server.query("SELECT expires_at FROM codes WHERE user_id = ? AND purpose = 'SIGN_IN:EMAIL_OTP'", uid)[0][0]
    assert 0 < expires - time.time() <= 180
    server.execute("UPDATE codes SET expires_at = 1 WHERE user_id = ?", uid)
    rejected_recording(server, "RespondToAuthChallenge", respond_body(pool, step, username, EMAIL_OTP_CODE=otp(server, username)),
                       "ExpiredCodeException", tables={"codes", "auth_sessions"})
    rejected(server, "RespondToAuthChallenge", respond_body(pool, step, username, EMAIL_OTP_CODE=otp(server, username)),
             "NotAuthorizedException")


def test_wrong_codes_end_the_session_then_lock_the_user_out(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    right = otp(server, username)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):  # mfa.MAX_ANSWERS tries per session
        body = respond_body(pool, step, username, EMAIL_OTP_CODE=wrong)
        assert refused(server, "RespondToAuthChallenge", body) == "CodeMismatchException"
    rejected(server, "RespondToAuthChallenge", respond_body(pool, step, username, EMAIL_OTP_CODE=right),
             "NotAuthorizedException", message="Invalid session")
    second = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    wrong = "000000" if otp(server, username) != "000000" else "111111"
    for _ in range(2):
        body = respond_body(pool, second, username, EMAIL_OTP_CODE=wrong)
        assert refused(server, "RespondToAuthChallenge", body) == "CodeMismatchException"
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH",
            "AuthParameters": {"USERNAME": username, "PREFERRED_CHALLENGE": "EMAIL_OTP"}}
    rejected(server, "InitiateAuth", body, "NotAuthorizedException", message="Password attempts exceeded")


def test_a_missing_code_is_an_invalid_parameter(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="SMS_OTP")
    rejected(server, "RespondToAuthChallenge", respond_body(pool, step, username), "InvalidParameterException",
             message="SMS_OTP_CODE")


def test_an_unknown_user_is_answered_like_a_known_one(server):
    pool = passwordless_pool(server)
    ghost = unknown_offered(server, pool, {"EMAIL_OTP", "PASSWORD"})
    sent = len(server.outbox())
    step = initiate(server, pool, ghost, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert step["ChallengeName"] == "EMAIL_OTP"
    assert step["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    again = initiate(server, pool, ghost, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert again["ChallengeParameters"] == step["ChallengeParameters"]  # stable, as a real address is
    assert len(server.outbox()) == sent  # nothing went anywhere
    rejected_recording(server, "RespondToAuthChallenge", respond_body(pool, step, ghost, EMAIL_OTP_CODE="123456"),
                       "CodeMismatchException", tables={"unknown_users", "auth_sessions"})
    choice = initiate(server, pool, ghost)
    body = respond_body(pool, choice, ghost, ANSWER="PASSWORD", PASSWORD=PASSWORD)
    assert refused(server, "RespondToAuthChallenge", body) == "NotAuthorizedException"


def test_an_unknown_user_without_prevention_is_user_not_found(server):
    pool = passwordless_pool(server, client_args={"PreventUserExistenceErrors": "LEGACY"})
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": unique("ghost")}}
    rejected(server, "InitiateAuth", body, "UserNotFoundException")


# ------------------------------------------------------------------ flow refusals


def test_user_auth_needs_allow_user_auth(server):
    pool = passwordless_pool(server, flows=ALL_FLOWS)
    username = make(server, pool)
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": username}}
    rejected(server, "InitiateAuth", body, "InvalidParameterException", message="USER_AUTH flow not enabled")
    signed = {**body, "UserPoolId": pool["pool_id"]}
    rejected(server, "AdminInitiateAuth", signed, "InvalidParameterException", message="USER_AUTH flow not enabled")


def test_a_preferred_factor_the_pool_does_not_allow_is_refused(server):
    pool = passwordless_pool(server, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})
    username = make(server, pool)
    for preferred in ("SMS_OTP", "WEB_AUTHN", "SOFTWARE_TOKEN_MFA"):
        body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH",
                "AuthParameters": {"USERNAME": username, "PREFERRED_CHALLENGE": preferred}}
        rejected(server, "InitiateAuth", body, "InvalidParameterException", message="not an allowed first factor")


def test_missing_username_is_an_invalid_parameter(server):
    pool = passwordless_pool(server)
    rejected(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {}},
             "InvalidParameterException", message="USERNAME")


def test_a_choice_that_was_not_offered_is_refused_and_the_session_kept(server):
    pool = passwordless_pool(server)
    username = make(server, pool, phone=False)
    choice = initiate(server, pool, username)
    for bad in ("SMS_OTP", "SOFTWARE_TOKEN_MFA"):
        rejected(server, "RespondToAuthChallenge", respond_body(pool, choice, username, ANSWER=bad), "InvalidParameterException")
    rejected(server, "RespondToAuthChallenge", respond_body(pool, choice, username), "InvalidParameterException",
             message="ANSWER")
    signed_in(respond(server, pool, choice, username, ANSWER="PASSWORD", PASSWORD=PASSWORD), username)


# ------------------------------------------------------------------ password first factors, then MFA


def test_password_as_a_first_factor(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    signed_in(initiate(server, pool, username, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD), username)
    choice = initiate(server, pool, username)
    signed_in(respond(server, pool, choice, username, ANSWER="PASSWORD", PASSWORD=PASSWORD), username)
    choice = initiate(server, pool, username)
    rejected_recording(server, "RespondToAuthChallenge",
                       respond_body(pool, choice, username, ANSWER="PASSWORD", PASSWORD=WRONG_PASSWORD),
                       "NotAuthorizedException", tables={"users", "auth_sessions"}, message="Incorrect username or password")


def test_password_srp_as_a_first_factor(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    for via_choice in (False, True):
        srp = srp_start(pool, username)
        params = srp.get_auth_params()
        if via_choice:
            step = respond(server, pool, initiate(server, pool, username), username, ANSWER="PASSWORD_SRP", SRP_A=params["SRP_A"])
        else:
            step = initiate(server, pool, username, PREFERRED_CHALLENGE="PASSWORD_SRP", SRP_A=params["SRP_A"])
        assert step["ChallengeName"] == "PASSWORD_VERIFIER"
        answers = srp.process_challenge(step["ChallengeParameters"], params)
        result = ok(server, "RespondToAuthChallenge",
                    {"ClientId": pool["client_id"], "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": answers})
        signed_in(result, username)


def test_mfa_follows_a_password_factor_and_bars_passwordless(server):
    pool = passwordless_pool(server)
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL",
                                          EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"})
    username = make(server, pool, phone=False)
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=username, EmailMfaSettings={"Enabled": True})
    assert initiate(server, pool, username)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert step["ChallengeName"] == "EMAIL_OTP"  # e-mail MFA, answered the same way
    signed_in(respond(server, pool, step, username, EMAIL_OTP_CODE=otp(server, username)), username)
    required = passwordless_pool(server)
    server.admin.set_user_pool_mfa_config(UserPoolId=required["pool_id"], MfaConfiguration="ON",
                                          SoftwareTokenMfaConfiguration={"Enabled": True})
    assert initiate(server, required, make(server, required))["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


# ------------------------------------------------------------------ passwordless sign-up, then sign-in


def sign_up(server: RunningServer, pool: dict[str, Any], username: str) -> dict[str, Any]:
    return ok(server, "SignUp", {"ClientId": pool["client_id"], "Username": username,
                                 "UserAttributes": [{"Name": "email", "Value": f"{username}@example.com"}]})


def test_passwordless_sign_up_then_sign_in_with_confirm_sign_ups_session(server):
    pool = passwordless_pool(server)
    username = unique()
    signed_up = sign_up(server, pool, username)
    assert signed_up["UserConfirmed"] is False and signed_up["Session"]
    confirmed = ok(server, "ConfirmSignUp", {"ClientId": pool["client_id"], "Username": username,
                                             "ConfirmationCode": server.last_code(username), "Session": signed_up["Session"]})
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": username},
            "Session": confirmed["Session"]}
    other = make(server, pool)
    rejected_recording(server, "InitiateAuth", {**body, "AuthParameters": {"USERNAME": other}}, "NotAuthorizedException",
                       tables={"auth_sessions"})  # the session is used up by the attempt
    assert server.query("SELECT password_hash FROM users WHERE id = ?", user_id(server, pool["pool_id"], username))[0][0] is None


def test_sign_in_with_confirm_sign_ups_session_once(server):
    pool = passwordless_pool(server)
    username = unique()
    sign_up(server, pool, username)
    confirmed = ok(server, "ConfirmSignUp", {"ClientId": pool["client_id"], "Username": username,
                                             "ConfirmationCode": server.last_code(username)})
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": username},
            "Session": confirmed["Session"]}
    signed_in(ok(server, "InitiateAuth", body), username)
    rejected(server, "InitiateAuth", body, "NotAuthorizedException", message="Invalid session")
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")  # and from now on, by e-mailed code
    signed_in(respond(server, pool, step, username, EMAIL_OTP_CODE=otp(server, username)), username)


def test_confirm_sign_up_refuses_a_session_that_is_not_sign_ups(server):
    pool = passwordless_pool(server)
    username = unique()
    sign_up(server, pool, username)
    choice = initiate(server, pool, make(server, pool))
    body = {"ClientId": pool["client_id"], "Username": username, "ConfirmationCode": server.last_code(username),
            "Session": choice["Session"]}
    rejected(server, "ConfirmSignUp", body, "NotAuthorizedException", message="Invalid session")
    assert "Session" in ok(server, "ConfirmSignUp", {k: v for k, v in body.items() if k != "Session"})


def test_sign_up_without_a_password_needs_a_passwordless_pool(server):
    pool = passwordless_pool(server, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})
    body = {"ClientId": pool["client_id"], "Username": unique(), "UserAttributes": [{"Name": "email", "Value": "a@example.com"}]}
    rejected(server, "SignUp", body, "InvalidParameterException", message="password")


def test_no_session_for_a_client_without_user_auth(server):
    pool = passwordless_pool(server, flows=ALL_FLOWS)
    username = unique()
    assert "Session" not in sign_up(server, pool, username)
    confirmed = ok(server, "ConfirmSignUp", {"ClientId": pool["client_id"], "Username": username,
                                             "ConfirmationCode": server.last_code(username)})
    assert "Session" not in confirmed


# ------------------------------------------------------------------ pool settings


def test_sign_in_policy_and_tier_are_kept_and_reset(server):
    pool = passwordless_pool(server)
    described = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]
    assert described["Policies"]["SignInPolicy"] == PASSWORDLESS["SignInPolicy"]
    assert described["UserPoolTier"] == "ESSENTIALS"
    server.admin.update_user_pool(UserPoolId=pool["pool_id"], AutoVerifiedAttributes=["email"])
    described = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]
    assert described["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD"]}
    assert described["UserPoolTier"] == "ESSENTIALS"


@pytest.mark.parametrize(("factors", "tier", "error"), [
    (["PASSWORD", "EMAIL_OTP"], "LITE", "FeatureUnavailableInTierException"),
    (["PASSWORD", "SOFTWARE_TOKEN"], "ESSENTIALS", "InvalidParameterException"),
    (["EMAIL_OTP"], "ESSENTIALS", "InvalidParameterException"),
    (["PASSWORD", "PASSWORD"], "PLUS", "InvalidParameterException"),
])
def test_sign_in_policy_refusals(server, factors, tier, error):
    policies = {"SignInPolicy": {"AllowedFirstAuthFactors": factors}}
    rejected(server, "CreateUserPool", {"PoolName": unique("p"), "Policies": policies, "UserPoolTier": tier}, error)
    pool = passwordless_pool(server)
    rejected(server, "UpdateUserPool", {"UserPoolId": pool["pool_id"], "Policies": policies, "UserPoolTier": tier}, error)


def test_a_lite_pool_keeps_password_only_sign_in(server):
    pool = passwordless_pool(server, UserPoolTier="LITE", Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})
    username = make(server, pool)
    signed_in(initiate(server, pool, username, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD), username)
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH",
            "AuthParameters": {"USERNAME": username, "PREFERRED_CHALLENGE": "EMAIL_OTP"}}
    rejected(server, "InitiateAuth", body, "InvalidParameterException")
    assert rpc(server, "DescribeUserPool", {"UserPoolId": pool["pool_id"]}).json()["UserPool"]["UserPoolTier"] == "LITE"


def test_sign_ups_session_signs_in_only_a_user_confirmed_with_it(server):
    pool = passwordless_pool(server)
    username = unique()
    signed_up = sign_up(server, pool, username)
    server.admin.admin_confirm_sign_up(UserPoolId=pool["pool_id"], Username=username)  # confirmed by someone else
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": username},
            "Session": signed_up["Session"]}
    assert refused(server, "InitiateAuth", body) == "NotAuthorizedException"


def test_clients_take_allow_user_auth(server):
    pool = passwordless_pool(server)
    app = server.admin.describe_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"])["UserPoolClient"]
    assert "ALLOW_USER_AUTH" in app["ExplicitAuthFlows"]
    body = {"UserPoolId": pool["pool_id"], "ClientName": "mixed", "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "USER_PASSWORD_AUTH"]}
    rejected(server, "CreateUserPoolClient", body, "InvalidParameterException")


def test_malformed_factor_inputs_are_invalid_parameters(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    base = {"ClientId": pool["client_id"], "AuthFlow": "USER_AUTH"}
    for params in ({"USERNAME": username, "PREFERRED_CHALLENGE": "PASSWORD_SRP"},
                   {"USERNAME": username, "PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": "00"},
                   {"USERNAME": username, "PREFERRED_CHALLENGE": "PASSWORD"}):
        rejected(server, "InitiateAuth", {**base, "AuthParameters": params}, "InvalidParameterException")
    choice = initiate(server, pool, username)
    rejected(server, "RespondToAuthChallenge", respond_body(pool, choice, username, ANSWER="PASSWORD_SRP"),
             "InvalidParameterException", message="SRP_A")
    rejected(server, "RespondToAuthChallenge", respond_body(pool, choice, username, ANSWER="PASSWORD"),
             "InvalidParameterException", message="PASSWORD")
    rejected(server, "RespondToAuthChallenge", {**respond_body(pool, choice, username, ANSWER="EMAIL_OTP"),
                                                "Session": "not-a-session-but-long-enough"}, "NotAuthorizedException")
    step = respond(server, pool, choice, username, ANSWER="EMAIL_OTP")  # the session survived every refusal
    signed_in(respond(server, pool, step, username, EMAIL_OTP_CODE=otp(server, username)), username)


def test_a_disabled_user_gets_no_tokens_from_a_code(server):
    pool = passwordless_pool(server)
    username = make(server, pool)
    step = initiate(server, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=username)
    body = respond_body(pool, step, username, EMAIL_OTP_CODE=otp(server, username))
    assert refused(server, "RespondToAuthChallenge", body) == "NotAuthorizedException"
    assert server.query("SELECT COUNT(*) FROM token_families WHERE user_id = ?",
                        user_id(server, pool["pool_id"], username))[0][0] == 0


def test_password_factor_migrates_an_unknown_user_as_user_password_auth_does(server):
    from tests.triggers.lambdas import LEGACY_PASSWORD

    pool = passwordless_pool(server, LambdaConfig={"UserMigration": "python:tests.triggers.lambdas:migrate"},
                             client_args={"PreventUserExistenceErrors": "LEGACY"})
    username = f"legacy-{unique()}"
    signed_in(initiate(server, pool, username, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=LEGACY_PASSWORD), username)
    assert initiate(server, pool, username)["AvailableChallenges"][:2] == ["PASSWORD", "PASSWORD_SRP"]  # now a user
