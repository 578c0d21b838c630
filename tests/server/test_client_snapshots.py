"""The app client and pool every public call starts from (pools.get_client_and_pool) are built
once and handed out again while their rows are unchanged: a change is seen by the very next call,
and no operation may alter the shared objects. In this process, on a data directory of its own,
through ``app.execute`` as the server runs each operation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.helpers import run_op as call
from userpool import srp
from userpool.server import app, errors, pools, signin
from userpool.server.context import Context, ServerState
from userpool.server.db import AppClient, UserPool

PASSWORD = "Correct-horse-1"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def refused(state: ServerState, name: str, req: dict[str, Any]) -> errors.CognitoError:
    with pytest.raises(errors.CognitoError) as failed:
        call(state, name, req)
    return failed.value


def setup_pool(state: ServerState, **client_args: Any) -> tuple[str, str]:
    pool = call(state, "CreateUserPool", {"PoolName": "p", "AutoVerifiedAttributes": ["email"]})["UserPool"]["Id"]
    client = call(state, "CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "c", "ExplicitAuthFlows": FLOWS,
                                                  **client_args})["UserPoolClient"]["ClientId"]
    call(state, "AdminCreateUser", {"UserPoolId": pool, "Username": "u", "MessageAction": "SUPPRESS"})
    call(state, "AdminSetUserPassword", {"UserPoolId": pool, "Username": "u", "Password": PASSWORD, "Permanent": True})
    return pool, client


def password_sign_in(state: ServerState, client: str) -> dict[str, Any]:
    return call(state, "InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                        "AuthParameters": {"USERNAME": "u", "PASSWORD": PASSWORD}})


def srp_sign_in(state: ServerState, pool: str, client: str) -> dict[str, Any]:
    eph = srp.client_ephemeral()
    first = call(state, "InitiateAuth", {"ClientId": client, "AuthFlow": "USER_SRP_AUTH",
                                         "AuthParameters": {"USERNAME": "u", "SRP_A": eph.srp_a}})
    p = first["ChallengeParameters"]
    signature, timestamp = srp.password_claim(eph, pool, p["USER_ID_FOR_SRP"], PASSWORD, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"])
    return call(state, "RespondToAuthChallenge", {
        "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": {
            "USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp}})


def test_a_changed_client_is_seen_by_the_next_call(local_state: ServerState) -> None:
    state = local_state
    pool_id, client = setup_pool(state)
    assert "AuthenticationResult" in password_sign_in(state, client)
    call(state, "UpdateUserPoolClient", {"UserPoolId": pool_id, "ClientId": client, "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]})
    assert refused(state, "InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                           "AuthParameters": {"USERNAME": "u", "PASSWORD": PASSWORD}}).name == "InvalidParameterException"
    call(state, "UpdateUserPoolClient", {"UserPoolId": pool_id, "ClientId": client, "ExplicitAuthFlows": FLOWS})
    assert "AuthenticationResult" in password_sign_in(state, client)


def test_a_changed_pool_is_seen_by_the_next_call(local_state: ServerState) -> None:
    state = local_state
    pool, client = setup_pool(state)
    assert "AuthenticationResult" in password_sign_in(state, client)
    call(state, "SetUserPoolMfaConfig", {"UserPoolId": pool, "MfaConfiguration": "ON",
                                         "EmailMfaConfiguration": {"Message": "code {####}"}})
    call(state, "AdminUpdateUserAttributes", {"UserPoolId": pool, "Username": "u", "UserAttributes": [
        {"Name": "email", "Value": "u@example.com"}, {"Name": "email_verified", "Value": "true"}]})
    answer = password_sign_in(state, client)
    assert "AuthenticationResult" not in answer and answer["ChallengeName"] in {"EMAIL_OTP", "MFA_SETUP", "SELECT_MFA_TYPE"}


def test_a_deleted_client_is_gone_at_once(local_state: ServerState) -> None:
    state = local_state
    pool, client = setup_pool(state)
    password_sign_in(state, client)
    call(state, "DeleteUserPoolClient", {"UserPoolId": pool, "ClientId": client})
    failure = refused(state, "InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                              "AuthParameters": {"USERNAME": "u", "PASSWORD": PASSWORD}})
    assert (failure.name, failure.message) == ("ResourceNotFoundException", f"User pool client {client} does not exist.")


def _fresh(row: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    split = len(pools._CLIENT_COLUMNS)
    client = pools._detached(AppClient, pools._CLIENT_COLUMNS, row[:split])
    pool = pools._detached(UserPool, pools._POOL_COLUMNS, row[split:-1])  # the last column: the active kid
    return _columns(client, pools._CLIENT_COLUMNS), _columns(pool, pools._POOL_COLUMNS)


def _columns(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def test_no_public_operation_changes_the_shared_objects(local_state: ServerState) -> None:
    state = local_state
    pool, client = setup_pool(state, GenerateSecret=False, EnableTokenRevocation=True)
    tokens = password_sign_in(state, client)["AuthenticationResult"]
    srp_sign_in(state, pool, client)
    call(state, "GetTokensFromRefreshToken", {"ClientId": client, "RefreshToken": tokens["RefreshToken"]})
    call(state, "InitiateAuth", {"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
                                 "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
    call(state, "SignUp", {"ClientId": client, "Username": "new", "Password": PASSWORD,
                           "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]})
    call(state, "ResendConfirmationCode", {"ClientId": client, "Username": "new"})
    call(state, "AdminUpdateUserAttributes", {"UserPoolId": pool, "Username": "u", "UserAttributes": [
        {"Name": "email", "Value": "u@example.com"}, {"Name": "email_verified", "Value": "true"}]})
    call(state, "ForgotPassword", {"ClientId": client, "Username": "u"})
    refused(state, "InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                    "AuthParameters": {"USERNAME": "u", "PASSWORD": "wrong-Password-1"}})

    def hosted(ctx: Context, _req: dict[str, Any]) -> dict[str, Any]:
        return signin.start_password_sign_in(ctx, client, "u", PASSWORD)

    app.execute(state, hosted, {}, "127.0.0.1", "us-east-1")
    cached = pools._resolved.get(client)
    assert cached is not None
    assert (_columns(cached.client, pools._CLIENT_COLUMNS), _columns(cached.pool, pools._POOL_COLUMNS)) == _fresh(cached.row)
    assert cached.client.config["ExplicitAuthFlows"] == FLOWS


def test_unchanged_rows_give_the_same_objects_again(local_state: ServerState) -> None:
    state = local_state
    _, client = setup_pool(state)
    with state.database.read() as db:
        first = pools.get_client_and_pool(db, client)
    with state.database.read() as db:
        assert all(a is b for a, b in zip(first, pools.get_client_and_pool(db, client), strict=True))
