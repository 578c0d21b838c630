"""Signing in: InitiateAuth / AdminInitiateAuth (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH,
USER_SRP_AUTH), RespondToAuthChallenge / AdminRespondToAuthChallenge (PASSWORD_VERIFIER,
NEW_PASSWORD_REQUIRED), account states, lockout, PreventUserExistenceErrors, SECRET_HASH,
sign-in attributes, aliases and case-insensitive usernames."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.conftest import create_pool
from tests.server.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    WRONG_PASSWORD,
    assert_error,
    claims,
    execute,
    ok,
    password_auth,
    rejected,
    rejected_recording,
    rpc,
    secret_hash,
    srp_sign_in,
    srp_start,
    tokens_for,
    unique,
    user_column,
    user_id,
)

ACCESS_CLAIMS = {"sub", "iss", "client_id", "origin_jti", "event_id", "token_use", "scope", "auth_time", "exp", "iat", "jti", "username"}
ID_CLAIMS = {"sub", "aud", "cognito:username", "token_use", "auth_time", "exp", "iat", "jti", "origin_jti", "event_id", "iss"}


def admin_auth(pool: dict, username: str, password: str = PASSWORD, flow: str = "ADMIN_USER_PASSWORD_AUTH") -> dict:
    params = {"USERNAME": username, "PASSWORD": password}
    if pool.get("client_secret"):
        params["SECRET_HASH"] = secret_hash(pool["client_secret"], username, pool["client_id"])
    return {"UserPoolId": pool["pool_id"], "ClientId": pool["client_id"], "AuthFlow": flow, "AuthParameters": params}


def srp_initiate(server, pool: dict, username: str, password: str = PASSWORD, admin: bool = False):
    """USER_SRP_AUTH's first step: (pycognito's SRP state, its auth parameters, the challenge)."""
    srp = srp_start(pool, username, password)
    params = srp.get_auth_params()
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params}
    if admin:
        body["UserPoolId"] = pool["pool_id"]
    challenge = ok(server, "AdminInitiateAuth" if admin else "InitiateAuth", body)
    return srp, params, challenge


def verifier_answer(pool: dict, srp, params: dict, challenge: dict, admin: bool = False) -> dict:
    body = {"ClientId": pool["client_id"], "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": srp.process_challenge(challenge["ChallengeParameters"], params)}
    if admin:
        body["UserPoolId"] = pool["pool_id"]
    return body


# ------------------------------------------------------------------ the flows


def test_user_password_auth_issues_cognito_shaped_tokens(server, pool, make_user):
    username = make_user(pool, attributes={"given_name": "Ada"})
    before = time.time()
    response = ok(server, "InitiateAuth", password_auth(pool, username))
    assert response["ChallengeParameters"] == {}
    result = response["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600 and result["RefreshToken"]
    access, id_token = claims(result["AccessToken"]), claims(result["IdToken"])
    assert set(access) == ACCESS_CLAIMS
    assert access["token_use"] == "access" and access["scope"] == "aws.cognito.signin.user.admin"
    assert access["client_id"] == pool["client_id"] and access["username"] == username and access["iss"] == pool["issuer"]
    assert abs(access["auth_time"] - before) < 60 and access["auth_time"] == access["iat"]
    assert set(id_token) >= ID_CLAIMS
    assert id_token["aud"] == pool["client_id"] and id_token["cognito:username"] == username and id_token["token_use"] == "id"
    assert id_token["given_name"] == "Ada" and id_token["email_verified"] is True
    assert id_token["sub"] == access["sub"] and id_token["origin_jti"] == access["origin_jti"]
    assert id_token["event_id"] == access["event_id"] and id_token["jti"] != access["jti"]


def test_each_sign_in_is_a_new_token_family(server, pool, user):
    first, second = tokens_for(server, pool, user), tokens_for(server, pool, user)
    assert claims(first["AccessToken"])["origin_jti"] != claims(second["AccessToken"])["origin_jti"]
    assert first["RefreshToken"] != second["RefreshToken"]


def test_admin_user_password_auth(server, pool, user):
    result = ok(server, "AdminInitiateAuth", admin_auth(pool, user))["AuthenticationResult"]
    assert claims(result["AccessToken"])["username"] == user


def test_flows_belong_to_their_operation(server, pool, user):
    """An AuthFlow the operation does not take is InvalidParameterException "Initiate Auth method not
    supported.", exactly, naming no flow: ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH sent to
    InitiateAuth (soto-project/soto-cognito-authentication-kit#10), USER_PASSWORD_AUTH sent to
    AdminInitiateAuth (awsdocs/aws-doc-sdk-examples#5289); AWS confirmed each belongs to one operation
    (getmoto/moto#4623). Nothing is recorded."""
    exact = "^Initiate Auth method not supported\\.$"
    for flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        rejected(server, "InitiateAuth", {**admin_auth(pool, user, flow=flow), "UserPoolId": None}, "InvalidParameterException",
                 message=exact)
    body = {**password_auth(pool, user), "UserPoolId": pool["pool_id"]}
    rejected(server, "AdminInitiateAuth", body, "InvalidParameterException", message=exact)


def test_user_srp_auth(server, pool, user):
    srp, params, challenge = srp_initiate(server, pool, user)
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    parameters = challenge["ChallengeParameters"]
    assert set(parameters) == {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"}
    assert parameters["USER_ID_FOR_SRP"] == user and re.fullmatch(r"[0-9a-f]+", parameters["SRP_B"])
    result = ok(server, "RespondToAuthChallenge", verifier_answer(pool, srp, params, challenge))["AuthenticationResult"]
    assert claims(result["AccessToken"])["username"] == user and result["RefreshToken"]


def test_admin_srp_auth(server, pool, user):
    srp, params, challenge = srp_initiate(server, pool, user, admin=True)
    result = ok(server, "AdminRespondToAuthChallenge", verifier_answer(pool, srp, params, challenge, admin=True))
    assert claims(result["AuthenticationResult"]["IdToken"])["cognito:username"] == user


def test_srp_wrong_password_counts_a_failure_and_spends_the_session(server, pool, user):
    srp, params, challenge = srp_initiate(server, pool, user, password=WRONG_PASSWORD)
    answer = verifier_answer(pool, srp, params, challenge)
    rejected_recording(server, "RespondToAuthChallenge", answer, "NotAuthorizedException", tables={"users", "auth_sessions"},
                       message="Incorrect username or password")
    assert user_column(server, pool["pool_id"], user, "failed_attempts") == 1
    rejected(server, "RespondToAuthChallenge", answer, "NotAuthorizedException", message="Invalid session")


def test_srp_secret_block_is_single_use(server, pool, user):
    srp, params, challenge = srp_initiate(server, pool, user)
    answer = verifier_answer(pool, srp, params, challenge)
    ok(server, "RespondToAuthChallenge", answer)
    rejected(server, "RespondToAuthChallenge", answer, "NotAuthorizedException")


def test_srp_answer_through_another_client_is_refused(server, pool, user):
    other = server.admin.create_user_pool_client(UserPoolId=pool["pool_id"], ClientName="other")["UserPoolClient"]["ClientId"]
    srp, params, challenge = srp_initiate(server, pool, user)
    answer = verifier_answer(pool, srp, params, challenge)
    rejected(server, "RespondToAuthChallenge", {**answer, "ClientId": other}, "NotAuthorizedException")
    assert ok(server, "RespondToAuthChallenge", answer)["AuthenticationResult"]


def test_srp_expired_session_is_refused(server, pool, user):
    srp, params, challenge = srp_initiate(server, pool, user)
    assert execute(server, "UPDATE auth_sessions SET expires_at = 1 WHERE username = ?", user) == 1
    rejected_recording(server, "RespondToAuthChallenge", verifier_answer(pool, srp, params, challenge), "NotAuthorizedException",
                       tables={"auth_sessions"}, message="expired")


def test_challenge_session_lives_as_long_as_the_client_says(server, make_user):
    from tests.server.helpers import query

    pool = create_pool(server, client_args={"AuthSessionValidity": 7})
    username = make_user(pool)
    srp_initiate(server, pool, username)
    (expires,), = query(server, "SELECT expires_at FROM auth_sessions WHERE username = ?", username)
    assert 7 * 60 - 60 < expires - time.time() <= 7 * 60


@pytest.mark.parametrize("srp_a", ["0", "00", "not-hex", "FFFFFFFF" * 96 + "G"])
def test_invalid_srp_a_is_refused(server, pool, user, srp_a):
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": user, "SRP_A": srp_a}}
    rejected(server, "InitiateAuth", body, "InvalidParameterException")


def test_srp_a_that_is_a_multiple_of_n_is_refused(server, pool, user):
    from pycognito.aws_srp import N_HEX

    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": user, "SRP_A": N_HEX}}
    rejected(server, "InitiateAuth", body, "InvalidParameterException")


def test_missing_auth_parameters_are_invalid_parameter(server, pool, user):
    for params in ({"PASSWORD": PASSWORD}, {"USERNAME": user}, {}):
        body = {"ClientId": pool["client_id"], "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params}
        rejected(server, "InitiateAuth", body, "InvalidParameterException")
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": user}}
    rejected(server, "InitiateAuth", body, "InvalidParameterException", message="SRP_A")
    srp, params, challenge = srp_initiate(server, pool, user)
    answer = verifier_answer(pool, srp, params, challenge)
    del answer["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"]
    rejected(server, "RespondToAuthChallenge", answer, "InvalidParameterException")


# ------------------------------------------------------------------ account states


def test_wrong_password_counts_a_failure(server, pool, user):
    rejected_recording(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD), "NotAuthorizedException",
                       tables={"users"}, message="^Incorrect username or password.$")
    assert user_column(server, pool["pool_id"], user, "failed_attempts") == 1
    tokens_for(server, pool, user)
    assert user_column(server, pool["pool_id"], user, "failed_attempts") == 0


def test_unconfirmed_user_is_user_not_confirmed(server, pool):
    username = unique()
    ok(server, "SignUp", {"ClientId": pool["client_id"], "Username": username, "Password": PASSWORD})
    rejected(server, "InitiateAuth", password_auth(pool, username), "UserNotConfirmedException")
    srp, params, challenge = srp_initiate(server, pool, username)
    rejected_recording(server, "RespondToAuthChallenge", verifier_answer(pool, srp, params, challenge), "UserNotConfirmedException",
                       tables={"auth_sessions"})


def test_unconfirmed_user_with_a_wrong_password_is_not_authorized(server, pool):
    username = unique()
    ok(server, "SignUp", {"ClientId": pool["client_id"], "Username": username, "Password": PASSWORD})
    assert_error(rpc(server, "InitiateAuth", password_auth(pool, username, WRONG_PASSWORD)), "NotAuthorizedException")


def test_disabled_user_is_not_authorized(server, pool, user):
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=user)
    rejected(server, "InitiateAuth", password_auth(pool, user), "NotAuthorizedException", message="User is disabled")
    rejected(server, "AdminInitiateAuth", admin_auth(pool, user), "NotAuthorizedException", message="User is disabled")


def test_reset_required_user_is_told_to_reset(server, pool, user):
    server.admin.admin_reset_user_password(UserPoolId=pool["pool_id"], Username=user)
    rejected(server, "InitiateAuth", password_auth(pool, user), "PasswordResetRequiredException")


# ------------------------------------------------------------------ lockout


def lock_until(server, pool, username, when: float) -> None:
    execute(server, "UPDATE users SET locked_until = ? WHERE pool_id = ? AND username = ?", when, pool["pool_id"], username)


def test_five_failures_lock_the_user_and_attempts_during_the_lockout_do_not_count(server, pool, user):
    for n in range(1, 6):
        rejected_recording(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD), "NotAuthorizedException",
                           tables={"users"}, message="Incorrect username or password")
        assert user_column(server, pool["pool_id"], user, "failed_attempts") == n
    locked = user_column(server, pool["pool_id"], user, "locked_until")
    assert locked is not None and locked > user_column(server, pool["pool_id"], user, "last_failed_at")
    lock_until(server, pool, user, time.time() + 600)  # make the first (1 s) lockout long enough to observe
    rejected(server, "InitiateAuth", password_auth(pool, user), "NotAuthorizedException", message="Password attempts exceeded")
    rejected(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD), "NotAuthorizedException",
             message="Password attempts exceeded")
    rejected(server, "AdminInitiateAuth", admin_auth(pool, user), "NotAuthorizedException", message="Password attempts exceeded")
    assert user_column(server, pool["pool_id"], user, "failed_attempts") == 5
    lock_until(server, pool, user, time.time() - 1)  # the lockout is over
    assert tokens_for(server, pool, user)["AccessToken"]
    assert user_column(server, pool["pool_id"], user, "failed_attempts") == 0
    assert user_column(server, pool["pool_id"], user, "locked_until") is None
    assert user_column(server, pool["pool_id"], user, "last_failed_at") is None


def test_a_success_after_failures_starts_the_count_again(server, pool, user):
    for _ in range(4):
        rpc(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD))
    assert tokens_for(server, pool, user)["AccessToken"]
    assert [user_column(server, pool["pool_id"], user, c) for c in ("failed_attempts", "last_failed_at")] == [0, None]
    for _ in range(4):
        rpc(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD))
    assert tokens_for(server, pool, user)["AccessToken"]  # eight failures, never five in a row: not locked


def test_lockout_doubles_with_each_failure_after_the_fifth(server, pool, user):
    for _ in range(5):
        rpc(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD))
    durations = []
    for _ in range(3):
        lock_until(server, pool, user, time.time() - 1)
        rpc(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD))
        durations.append(round(user_column(server, pool["pool_id"], user, "locked_until")
                               - user_column(server, pool["pool_id"], user, "last_failed_at")))
    assert durations == [2, 4, 8]


def test_lockout_is_at_most_fifteen_minutes(server, pool, user):
    execute(server, "UPDATE users SET failed_attempts = 20, last_failed_at = ?, locked_until = ? WHERE username = ?",
            time.time() - 5, time.time() - 1, user)
    rpc(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD))
    locked = user_column(server, pool["pool_id"], user, "locked_until") - user_column(server, pool["pool_id"], user, "last_failed_at")
    assert round(locked) == 900


def test_failures_are_forgotten_after_fifteen_quiet_minutes(server, pool, user):
    execute(server, "UPDATE users SET failed_attempts = 4, last_failed_at = ? WHERE username = ?", time.time() - 901, user)
    rpc(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD))
    assert user_column(server, pool["pool_id"], user, "failed_attempts") == 1
    assert user_column(server, pool["pool_id"], user, "locked_until") is None


def test_lockout_applies_to_srp(server, pool, user):
    for _ in range(5):
        rpc(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD))
    lock_until(server, pool, user, time.time() + 600)
    srp, params, challenge = srp_initiate(server, pool, user)
    out = assert_error(rpc(server, "RespondToAuthChallenge", verifier_answer(pool, srp, params, challenge)), "NotAuthorizedException")
    assert out["message"] == "Password attempts exceeded"
    assert user_column(server, pool["pool_id"], user, "failed_attempts") == 5


# ------------------------------------------------------------------ PreventUserExistenceErrors


def test_unknown_user_legacy_is_user_not_found(server, pool):
    name = unique()
    rejected(server, "InitiateAuth", password_auth(pool, name), "UserNotFoundException")
    body = {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": srp_start(pool, name).get_auth_params()}
    rejected(server, "InitiateAuth", body, "UserNotFoundException")
    rejected(server, "AdminInitiateAuth", admin_auth(pool, name), "UserNotFoundException")


@pytest.fixture
def hidden(server, make_user):
    """A pool whose client prevents user-existence errors, with one user."""
    pool = create_pool(server, client_args={"PreventUserExistenceErrors": "ENABLED"})
    return pool, make_user(pool)


def test_unknown_user_with_prevented_existence_errors_looks_like_a_wrong_password(server, hidden):
    pool, known = hidden
    unknown = assert_error(rpc(server, "InitiateAuth", password_auth(pool, unique())), "NotAuthorizedException")
    wrong = assert_error(rpc(server, "InitiateAuth", password_auth(pool, known, WRONG_PASSWORD)), "NotAuthorizedException")
    assert unknown["message"] == wrong["message"] == "Incorrect username or password."
    admin = assert_error(rpc(server, "AdminInitiateAuth", admin_auth(pool, unique())), "NotAuthorizedException")
    assert admin["message"] == wrong["message"]


def test_unknown_user_srp_gets_a_stable_salt_and_fails_at_the_verifier(server, hidden):
    pool, _ = hidden
    name = unique()
    srp, params, first = srp_initiate(server, pool, name)
    _, _, second = srp_initiate(server, pool, name)
    assert first["ChallengeName"] == "PASSWORD_VERIFIER"
    assert first["ChallengeParameters"]["SALT"] == second["ChallengeParameters"]["SALT"]
    assert first["ChallengeParameters"]["USER_ID_FOR_SRP"] == name
    _, _, other = srp_initiate(server, pool, unique())
    assert other["ChallengeParameters"]["SALT"] != first["ChallengeParameters"]["SALT"]
    out = assert_error(rpc(server, "RespondToAuthChallenge", verifier_answer(pool, srp, params, first)), "NotAuthorizedException")
    assert out["message"] == "Incorrect username or password."


# ------------------------------------------------------------------ SECRET_HASH


@pytest.fixture
def secret(server, make_user):
    pool = create_pool(server, client_args={"GenerateSecret": True})
    return pool, make_user(pool)


@pytest.mark.parametrize("bad", [None, "someone else's", "bm90IGEgaGFzaA=="])
def test_secret_hash_on_password_flows(server, secret, bad):
    pool, username = secret
    assert ok(server, "InitiateAuth", password_auth(pool, username))["AuthenticationResult"]
    assert ok(server, "AdminInitiateAuth", admin_auth(pool, username))["AuthenticationResult"]
    if bad == "someone else's":
        bad = secret_hash(pool["client_secret"], "someone", pool["client_id"])
    for body in (password_auth(pool, username), admin_auth(pool, username)):
        del body["AuthParameters"]["SECRET_HASH"]
        if bad is not None:
            body["AuthParameters"]["SECRET_HASH"] = bad
        rejected(server, "AdminInitiateAuth" if "UserPoolId" in body else "InitiateAuth", body, "NotAuthorizedException")


def test_secret_hash_on_srp_and_its_answer(server, secret):
    pool, username = secret
    srp, params, challenge = srp_initiate(server, pool, username)
    answer = verifier_answer(pool, srp, params, challenge)
    assert answer["ChallengeResponses"]["SECRET_HASH"]
    missing = json.loads(json.dumps(answer))
    del missing["ChallengeResponses"]["SECRET_HASH"]
    rejected(server, "RespondToAuthChallenge", missing, "NotAuthorizedException", message="SECRET_HASH")
    ok(server, "RespondToAuthChallenge", answer)
    params = srp_start(pool, username).get_auth_params()
    del params["SECRET_HASH"]
    rejected(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params},
             "NotAuthorizedException")


def test_secret_hash_on_a_new_password_answer(server):
    pool = create_pool(server, client_args={"GenerateSecret": True})
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-passw0rd",
                                   MessageAction="SUPPRESS")
    session = ok(server, "InitiateAuth", password_auth(pool, username, "Temp-passw0rd"))["Session"]
    body = {"ClientId": pool["client_id"], "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
            "ChallengeResponses": {"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD}}
    rejected(server, "RespondToAuthChallenge", body, "NotAuthorizedException")
    body["ChallengeResponses"]["SECRET_HASH"] = secret_hash(pool["client_secret"], username, pool["client_id"])
    assert ok(server, "RespondToAuthChallenge", body)["AuthenticationResult"]


# ------------------------------------------------------------------ sign-in names


def test_email_username_pool_signs_in_by_email(server):
    pool = create_pool(server, UsernameAttributes=["email"])
    email = f"{unique()}@example.com"
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=email, MessageAction="SUPPRESS")
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=email, Password=PASSWORD, Permanent=True)
    result = tokens_for(server, pool, email)
    uuid_name = claims(result["AccessToken"])["username"]
    assert re.fullmatch(r"[0-9a-f-]{36}", uuid_name) and claims(result["IdToken"])["email"] == email
    assert claims(tokens_for(server, pool, email.upper())["AccessToken"])["username"] == uuid_name
    srp = srp_sign_in(server, pool, email)
    assert claims(srp["AuthenticationResult"]["AccessToken"])["username"] == uuid_name


def test_email_username_pool_with_a_secret_hashes_what_the_user_typed(server):
    pool = create_pool(server, UsernameAttributes=["email"], client_args={"GenerateSecret": True})
    email = f"{unique()}@example.com"
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=email, MessageAction="SUPPRESS")
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=email, Password=PASSWORD, Permanent=True)
    assert tokens_for(server, pool, email)["AccessToken"]
    result = srp_sign_in(server, pool, email)
    assert result["AuthenticationResult"]["AccessToken"]


def test_alias_pool_signs_in_with_a_verified_alias_only(server, make_user):
    pool = create_pool(server, AliasAttributes=["email", "preferred_username"])
    username = make_user(pool, attributes={"preferred_username": "the-ada"})
    assert claims(tokens_for(server, pool, f"{username}@example.com")["AccessToken"])["username"] == username
    assert claims(tokens_for(server, pool, "the-ada")["AccessToken"])["username"] == username
    result = srp_sign_in(server, pool, f"{username}@example.com")
    assert claims(result["AuthenticationResult"]["AccessToken"])["username"] == username
    unverified = make_user(pool, attributes={"email_verified": "false"})
    rejected(server, "InitiateAuth", password_auth(pool, f"{unverified}@example.com"), "UserNotFoundException")


def test_case_insensitive_pool_signs_in_whatever_the_case(server, make_user):
    pool = create_pool(server, UsernameConfiguration={"CaseSensitive": False})
    username = make_user(pool, username=unique("Ada"))
    assert claims(tokens_for(server, pool, username.upper())["AccessToken"])["username"] == username
    assert srp_sign_in(server, pool, username.lower())["AuthenticationResult"]


def test_case_sensitive_pool_does_not(server, pool, make_user):
    username = make_user(pool, username=unique("Ada"))
    rejected(server, "InitiateAuth", password_auth(pool, username.upper()), "UserNotFoundException")


# ------------------------------------------------------------------ NEW_PASSWORD_REQUIRED


def invited(server, pool, username: str, **extra) -> str:
    """A user created by an administrator with a temporary password; the NEW_PASSWORD_REQUIRED session."""
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-passw0rd",
                                   MessageAction="SUPPRESS", **extra)
    challenge = ok(server, "InitiateAuth", password_auth(pool, username, "Temp-passw0rd"))
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    return str(challenge["Session"])


def new_password(pool, username, session, password=NEW_PASSWORD, **attributes) -> dict:
    responses = {"USERNAME": username, "NEW_PASSWORD": password}
    responses.update({f"userAttributes.{k}": v for k, v in attributes.items()})
    return {"ClientId": pool["client_id"], "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session, "ChallengeResponses": responses}


def test_new_password_required_challenge_parameters(server, pool):
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-passw0rd",
                                   MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}])
    challenge = ok(server, "InitiateAuth", password_auth(pool, username, "Temp-passw0rd"))
    parameters = challenge["ChallengeParameters"]
    assert parameters["USER_ID_FOR_SRP"] == username
    assert json.loads(parameters["requiredAttributes"]) == []
    assert json.loads(parameters["userAttributes"])["email"] == f"{username}@example.com"
    assert challenge["Session"]


def test_new_password_completes_the_sign_in(server, pool):
    username = unique()
    session = invited(server, pool, username)
    result = ok(server, "RespondToAuthChallenge", new_password(pool, username, session))["AuthenticationResult"]
    assert claims(result["AccessToken"])["username"] == username
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"] == "CONFIRMED"
    assert tokens_for(server, pool, username, NEW_PASSWORD)["AccessToken"]
    rejected_recording(server, "InitiateAuth", password_auth(pool, username, "Temp-passw0rd"), "NotAuthorizedException",
                       tables={"users"})
    rejected(server, "RespondToAuthChallenge", new_password(pool, username, session, "Other-passw0rd"), "NotAuthorizedException")


def test_new_password_through_srp(server, pool):
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-passw0rd",
                                   MessageAction="SUPPRESS")
    srp, params, challenge = srp_initiate(server, pool, username, "Temp-passw0rd")
    answer = ok(server, "RespondToAuthChallenge", verifier_answer(pool, srp, params, challenge))
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert ok(server, "RespondToAuthChallenge", new_password(pool, username, answer["Session"]))["AuthenticationResult"]


def test_admin_respond_to_new_password_required(server, pool):
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-passw0rd",
                                   MessageAction="SUPPRESS")
    challenge = ok(server, "AdminInitiateAuth", admin_auth(pool, username, "Temp-passw0rd"))
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    body = {**new_password(pool, username, challenge["Session"]), "UserPoolId": pool["pool_id"]}
    assert ok(server, "AdminRespondToAuthChallenge", body)["AuthenticationResult"]["RefreshToken"]


def test_required_attribute_the_user_lacks_is_asked_for_and_must_be_given(server):
    pool = create_pool(server, Schema=[{"Name": "given_name", "AttributeDataType": "String", "Required": True, "Mutable": True}])
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, TemporaryPassword="Temp-passw0rd",
                                   MessageAction="SUPPRESS", UserAttributes=[{"Name": "given_name", "Value": "x"}])
    # Test setup: a user from before the attribute was required (imported), so it has no value.
    uid = user_id(server, pool["pool_id"], username)
    assert execute(server, "DELETE FROM user_attributes WHERE user_id = ? AND name = 'given_name'", uid) == 1
    challenge = ok(server, "InitiateAuth", password_auth(pool, username, "Temp-passw0rd"))
    assert json.loads(challenge["ChallengeParameters"]["requiredAttributes"]) == ["userAttributes.given_name"]
    assert "given_name" not in json.loads(challenge["ChallengeParameters"]["userAttributes"])
    session = challenge["Session"]
    rejected(server, "RespondToAuthChallenge", new_password(pool, username, session), "InvalidParameterException",
             message="given_name")
    result = ok(server, "RespondToAuthChallenge", new_password(pool, username, session, given_name="Ada"))
    assert claims(result["AuthenticationResult"]["IdToken"])["given_name"] == "Ada"


def test_invalid_attribute_in_the_answer_is_invalid_parameter(server, pool):
    username = unique()
    session = invited(server, pool, username)
    rejected(server, "RespondToAuthChallenge", new_password(pool, username, session, email="not-an-email"),
             "InvalidParameterException")
    rejected(server, "RespondToAuthChallenge", new_password(pool, username, session, shoe_size="9"), "InvalidParameterException")
    rejected(server, "RespondToAuthChallenge", new_password(pool, username, session, sub="mine"), "InvalidParameterException")
    assert ok(server, "RespondToAuthChallenge", new_password(pool, username, session, email=f"{username}@example.com"))


def test_new_password_answer_sets_the_attributes_it_carries(server, pool):
    username = unique()
    session = invited(server, pool, username)
    ok(server, "RespondToAuthChallenge", new_password(pool, username, session, given_name="Ada", family_name="L"))
    attrs = {a["Name"]: a["Value"] for a in server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]}
    assert attrs["given_name"] == "Ada" and attrs["family_name"] == "L"


def test_weak_new_password_keeps_the_session_usable(server, pool):
    username = unique()
    session = invited(server, pool, username)
    rejected(server, "RespondToAuthChallenge", new_password(pool, username, session, "weak"), "InvalidPasswordException")
    assert ok(server, "RespondToAuthChallenge", new_password(pool, username, session))["AuthenticationResult"]


def test_new_password_session_errors(server, pool):
    username = unique()
    session = invited(server, pool, username)
    rejected(server, "RespondToAuthChallenge", new_password(pool, username, "bogus-session-" + "x" * 30), "NotAuthorizedException")
    no_session = new_password(pool, username, session)
    del no_session["Session"]
    rejected(server, "RespondToAuthChallenge", no_session, "InvalidParameterException")
    missing_password = new_password(pool, username, session)
    del missing_password["ChallengeResponses"]["NEW_PASSWORD"]
    rejected(server, "RespondToAuthChallenge", missing_password, "InvalidParameterException")
    execute(server, "UPDATE auth_sessions SET expires_at = 1 WHERE username = ?", username)
    rejected_recording(server, "RespondToAuthChallenge", new_password(pool, username, session), "NotAuthorizedException",
                       tables={"auth_sessions"}, message="expired")


def test_answering_another_challenge_with_a_session_is_refused(server, pool):
    username = unique()
    session = invited(server, pool, username)
    body = {"ClientId": pool["client_id"], "ChallengeName": "PASSWORD_VERIFIER", "Session": session,
            "ChallengeResponses": {"USERNAME": username, "PASSWORD_CLAIM_SECRET_BLOCK": session,
                                   "PASSWORD_CLAIM_SIGNATURE": "c2ln", "TIMESTAMP": "Thu Nov 6 04:59:30 UTC 2026"}}
    assert_error(rpc(server, "RespondToAuthChallenge", body), "NotAuthorizedException")


def test_new_password_for_a_user_disabled_meanwhile(server, pool):
    username = unique()
    session = invited(server, pool, username)
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=username)
    assert_error(rpc(server, "RespondToAuthChallenge", new_password(pool, username, session)), "NotAuthorizedException")


def test_new_password_answer_cannot_mark_the_address_verified(server, pool):
    username = unique()
    session = invited(server, pool, username)
    body = new_password(pool, username, session, email=f"{username}@example.com", email_verified="true")
    rejected(server, "RespondToAuthChallenge", body, "NotAuthorizedException", message="unauthorized attribute")
    assert ok(server, "RespondToAuthChallenge", new_password(pool, username, session))["AuthenticationResult"]
