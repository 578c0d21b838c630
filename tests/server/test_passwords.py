"""Passwords: ForgotPassword, ConfirmForgotPassword, ChangePassword, AdminSetUserPassword,
AdminResetUserPassword."""

from __future__ import annotations

import time

from tests.conftest import create_pool
from tests.server.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    WRONG_PASSWORD,
    code_attempts,
    execute,
    expire_codes,
    ok,
    outbox_for,
    password_auth,
    query,
    rejected,
    rejected_recording,
    rpc,
    secret_hash,
    state,
    tokens_for,
    unique,
    user_column,
    user_id,
)


def forgot(pool: dict, username: str, **extra) -> dict:
    body = {"ClientId": pool["client_id"], "Username": username, **extra}
    if pool.get("client_secret") and "SecretHash" not in extra:
        body["SecretHash"] = secret_hash(pool["client_secret"], username, pool["client_id"])
    return body


def confirm_forgot(pool: dict, username: str, code: str, password: str = NEW_PASSWORD, **extra) -> dict:
    return {**forgot(pool, username, **extra), "ConfirmationCode": code, "Password": password}


def status(server, pool, username) -> str:
    return str(server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserStatus"])


def other_code(code: str) -> str:
    return "000000" if code != "000000" else "111111"


# ------------------------------------------------------------------ ForgotPassword / ConfirmForgotPassword


def test_forgot_password_sends_a_code_to_the_verified_email(server, pool, user):
    out = ok(server, "ForgotPassword", forgot(pool, user))
    assert out["CodeDeliveryDetails"] == {"Destination": f"{user[0]}***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    (message,) = [m for m in outbox_for(server, pool["pool_id"], user) if m["kind"] == "FORGOT_PASSWORD"]
    assert message["destination"] == f"{user}@example.com" and message["code"] in message["message"]
    assert status(server, pool, user) == "CONFIRMED"
    assert tokens_for(server, pool, user)["AccessToken"]  # the old password still works until the reset


def test_reset_code_lives_an_hour(server, pool, user):
    ok(server, "ForgotPassword", forgot(pool, user))
    (created, expires), = query(server, "SELECT created_at, expires_at FROM codes WHERE user_id = ?",
                                user_id(server, pool["pool_id"], user))
    assert round(expires - created) == 3600


def test_confirm_forgot_password_sets_the_new_password(server, pool, user):
    ok(server, "ForgotPassword", forgot(pool, user))
    code = server.last_code(user, "FORGOT_PASSWORD")
    assert ok(server, "ConfirmForgotPassword", confirm_forgot(pool, user, code)) == {}
    assert tokens_for(server, pool, user, NEW_PASSWORD)["AccessToken"]
    rejected_recording(server, "InitiateAuth", password_auth(pool, user, PASSWORD), "NotAuthorizedException", tables={"users"})
    rejected(server, "ConfirmForgotPassword", confirm_forgot(pool, user, code, "Third-passw0rd"), "CodeMismatchException")


def test_forgot_password_by_alias(server, make_user):
    pool = create_pool(server, AliasAttributes=["email"])
    username = make_user(pool)
    ok(server, "ForgotPassword", forgot(pool, f"{username}@example.com"))
    code = server.last_code(username, "FORGOT_PASSWORD")
    ok(server, "ConfirmForgotPassword", confirm_forgot(pool, f"{username}@example.com", code))
    assert tokens_for(server, pool, username, NEW_PASSWORD)["AccessToken"]


def test_forgot_password_for_an_unknown_user_legacy(server, pool):
    rejected(server, "ForgotPassword", forgot(pool, unique()), "UserNotFoundException")
    rejected(server, "ConfirmForgotPassword", confirm_forgot(pool, unique(), "123456"), "UserNotFoundException")


def test_forgot_password_for_an_unknown_user_with_prevented_existence_errors(server):
    pool = create_pool(server, client_args={"PreventUserExistenceErrors": "ENABLED"})
    name = unique()
    before = state(server)
    first = ok(server, "ForgotPassword", forgot(pool, name))
    assert first == ok(server, "ForgotPassword", forgot(pool, name))
    assert first["CodeDeliveryDetails"]["DeliveryMedium"] in ("EMAIL", "SMS")
    assert outbox_for(server, pool["pool_id"]) == []
    after = state(server)
    assert {t for t in after if after[t] != before.get(t)} <= {"unknown_users"}  # hardening keeps per-name counters
    out = rpc(server, "ConfirmForgotPassword", confirm_forgot(pool, name, "123456"))
    assert out.status_code == 400 and out.headers["x-amzn-ErrorType"] == "CodeMismatchException"


def test_forgot_password_without_a_verified_address_is_refused(server, pool, make_user):
    username = make_user(pool, attributes={"email_verified": "false"})
    rejected(server, "ForgotPassword", forgot(pool, username), "InvalidParameterException", message="verified")


def test_forgot_password_of_a_disabled_user_is_refused(server, pool, user):
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=user)
    rejected(server, "ForgotPassword", forgot(pool, user), "NotAuthorizedException")


def test_forgot_password_needs_the_secret_hash(server, make_user):
    pool = create_pool(server, client_args={"GenerateSecret": True})
    username = make_user(pool)
    rejected(server, "ForgotPassword", forgot(pool, username, SecretHash=None), "NotAuthorizedException")
    rejected(server, "ForgotPassword", forgot(pool, username, SecretHash=secret_hash("x", username, pool["client_id"])),
             "NotAuthorizedException")
    ok(server, "ForgotPassword", forgot(pool, username))
    code = server.last_code(username, "FORGOT_PASSWORD")
    rejected(server, "ConfirmForgotPassword", confirm_forgot(pool, username, code, SecretHash=None), "NotAuthorizedException")
    ok(server, "ConfirmForgotPassword", confirm_forgot(pool, username, code))


def test_wrong_reset_code_is_code_mismatch_and_counted(server, pool, user):
    ok(server, "ForgotPassword", forgot(pool, user))
    code = server.last_code(user, "FORGOT_PASSWORD")
    rejected_recording(server, "ConfirmForgotPassword", confirm_forgot(pool, user, other_code(code)), "CodeMismatchException",
                       tables={"codes"})
    assert code_attempts(server, pool["pool_id"], user) == [1]
    ok(server, "ConfirmForgotPassword", confirm_forgot(pool, user, code))


def test_too_many_wrong_reset_codes(server, pool, user):
    ok(server, "ForgotPassword", forgot(pool, user))
    code = server.last_code(user, "FORGOT_PASSWORD")
    for _ in range(5):
        rpc(server, "ConfirmForgotPassword", confirm_forgot(pool, user, other_code(code)))
    rejected(server, "ConfirmForgotPassword", confirm_forgot(pool, user, code), "LimitExceededException")
    assert tokens_for(server, pool, user)["AccessToken"]


def test_expired_reset_code_is_expired_code(server, pool, user):
    ok(server, "ForgotPassword", forgot(pool, user))
    expire_codes(server, pool["pool_id"], user)
    rejected(server, "ConfirmForgotPassword", confirm_forgot(pool, user, server.last_code(user, "FORGOT_PASSWORD")),
             "ExpiredCodeException")


def test_new_password_must_meet_the_policy_and_the_code_survives(server, pool, user):
    ok(server, "ForgotPassword", forgot(pool, user))
    code = server.last_code(user, "FORGOT_PASSWORD")
    rejected(server, "ConfirmForgotPassword", confirm_forgot(pool, user, code, "weak"), "InvalidPasswordException")
    ok(server, "ConfirmForgotPassword", confirm_forgot(pool, user, code))


def test_a_reset_ends_the_lockout(server, pool, user):
    for _ in range(5):
        rpc(server, "InitiateAuth", password_auth(pool, user, WRONG_PASSWORD))
    execute(server, "UPDATE users SET locked_until = ? WHERE username = ?", time.time() + 600, user)
    ok(server, "ForgotPassword", forgot(pool, user))
    ok(server, "ConfirmForgotPassword", confirm_forgot(pool, user, server.last_code(user, "FORGOT_PASSWORD")))
    assert tokens_for(server, pool, user, NEW_PASSWORD)["AccessToken"]


# ------------------------------------------------------------------ ChangePassword


def test_change_password(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    assert ok(server, "ChangePassword", {"AccessToken": access, "PreviousPassword": PASSWORD, "ProposedPassword": NEW_PASSWORD}) == {}
    assert tokens_for(server, pool, user, NEW_PASSWORD)["AccessToken"]
    assert server.public.get_user(AccessToken=access)["Username"] == user


def test_change_password_with_a_wrong_previous_password_counts_a_failure(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    body = {"AccessToken": access, "PreviousPassword": WRONG_PASSWORD, "ProposedPassword": NEW_PASSWORD}
    rejected_recording(server, "ChangePassword", body, "NotAuthorizedException", tables={"users"})
    assert user_column(server, pool["pool_id"], user, "failed_attempts") == 1
    assert tokens_for(server, pool, user)["AccessToken"]


def test_change_password_policy_violation_changes_nothing(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    body = {"AccessToken": access, "PreviousPassword": PASSWORD, "ProposedPassword": "weak"}
    rejected(server, "ChangePassword", body, "InvalidPasswordException")


def test_change_password_while_locked_out(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    execute(server, "UPDATE users SET failed_attempts = 5, locked_until = ? WHERE username = ?", time.time() + 600, user)
    body = {"AccessToken": access, "PreviousPassword": PASSWORD, "ProposedPassword": NEW_PASSWORD}
    rejected(server, "ChangePassword", body, "NotAuthorizedException", message="Password attempts exceeded")


# ------------------------------------------------------------------ AdminSetUserPassword


def test_admin_set_permanent_password(server, pool):
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS")
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=NEW_PASSWORD, Permanent=True)
    assert status(server, pool, username) == "CONFIRMED"
    assert tokens_for(server, pool, username, NEW_PASSWORD)["AccessToken"]


def test_admin_set_temporary_password(server, pool, user):
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=user, Password=NEW_PASSWORD, Permanent=False)
    assert status(server, pool, user) == "FORCE_CHANGE_PASSWORD"
    assert ok(server, "InitiateAuth", password_auth(pool, user, NEW_PASSWORD))["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_set_password_confirms_an_unconfirmed_user(server, pool):
    username = unique()
    ok(server, "SignUp", {"ClientId": pool["client_id"], "Username": username, "Password": PASSWORD})
    server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=NEW_PASSWORD, Permanent=True)
    assert status(server, pool, username) == "CONFIRMED"


def test_admin_set_password_policy_violation(server, pool, user):
    body = {"UserPoolId": pool["pool_id"], "Username": user, "Password": "weak", "Permanent": True}
    rejected(server, "AdminSetUserPassword", body, "InvalidPasswordException")


# ------------------------------------------------------------------ AdminResetUserPassword


def test_admin_reset_user_password(server, pool, user):
    result = tokens_for(server, pool, user)
    server.admin.admin_reset_user_password(UserPoolId=pool["pool_id"], Username=user)
    assert status(server, pool, user) == "RESET_REQUIRED"
    assert [m for m in outbox_for(server, pool["pool_id"], user) if m["code"]]
    rejected(server, "InitiateAuth", password_auth(pool, user), "PasswordResetRequiredException")
    rejected(server, "GetUser", {"AccessToken": result["AccessToken"]}, "NotAuthorizedException")
    code = outbox_for(server, pool["pool_id"], user)[-1]["code"]
    ok(server, "ConfirmForgotPassword", confirm_forgot(pool, user, code))
    assert status(server, pool, user) == "CONFIRMED"
    assert tokens_for(server, pool, user, NEW_PASSWORD)["AccessToken"]


def test_admin_reset_then_forgot_password_sends_a_fresh_code(server, pool, user):
    server.admin.admin_reset_user_password(UserPoolId=pool["pool_id"], Username=user)
    ok(server, "ForgotPassword", forgot(pool, user))
    ok(server, "ConfirmForgotPassword", confirm_forgot(pool, user, server.last_code(user, "FORGOT_PASSWORD")))
    assert status(server, pool, user) == "CONFIRMED"


def test_admin_reset_of_an_unconfirmed_user_is_refused(server, pool):
    username = unique()
    ok(server, "SignUp", {"ClientId": pool["client_id"], "Username": username, "Password": PASSWORD})
    rejected(server, "AdminResetUserPassword", {"UserPoolId": pool["pool_id"], "Username": username}, "NotAuthorizedException")


def test_admin_reset_of_a_user_on_a_temporary_password_is_refused(server, pool):
    """Cognito answers NotAuthorizedException "User password cannot be reset in the current state."
    for a user in FORCE_CHANGE_PASSWORD, even with a verified e-mail to send a code to (reported
    against Cognito in RunaVault/RunaVault#15 for a user who never set a first password). The user
    keeps its temporary password and status."""
    username = unique()
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"], Username=username, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )
    rejected(server, "AdminResetUserPassword", {"UserPoolId": pool["pool_id"], "Username": username}, "NotAuthorizedException",
             message="^User password cannot be reset in the current state\\.$")
    assert status(server, pool, username) == "FORCE_CHANGE_PASSWORD"
    assert ok(server, "InitiateAuth", password_auth(pool, username))["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_forgot_password_in_an_admin_only_recovery_pool_is_refused(server, make_user):
    """AccountRecoverySetting ``admin_only``: users cannot reset their own password ("the administrator
    does not want the user to recover their account themselves", Cognito developer guide, Recovering
    user accounts); ForgotPassword answers NotAuthorizedException "Contact administrator to reset
    password." as moto does (moto/cognitoidp/models.py), for a verified user and an unknown name alike,
    and sends nothing."""
    pool = create_pool(server, AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]},
                       client_args={"PreventUserExistenceErrors": "ENABLED"})
    username = make_user(pool)
    for name in (username, unique("ghost")):
        rejected(server, "ForgotPassword", forgot(pool, name), "NotAuthorizedException",
                 message="^Contact administrator to reset password\\.$")
    assert outbox_for(server, pool["pool_id"], username) == []


def test_admin_reset_without_a_verified_address_is_refused(server, pool, make_user):
    username = make_user(pool, attributes={"email_verified": "false"})
    rejected(server, "AdminResetUserPassword", {"UserPoolId": pool["pool_id"], "Username": username}, "InvalidParameterException")
