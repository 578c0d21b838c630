"""Sessions after sign-in: REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken (with refresh token
rotation and reuse detection), RevokeToken, GlobalSignOut, AdminUserGlobalSignOut, and every
other way a session ends (password reset)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import create_pool
from tests.server.helpers import (
    NEW_PASSWORD,
    claims,
    execute,
    ok,
    rejected,
    rejected_recording,
    secret_hash,
    tokens_for,
)

ROTATING = {"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}}


def refresh_auth(pool: dict, refresh_token: str, **params) -> dict:
    return {"ClientId": pool["client_id"], "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": refresh_token, **params}}


def get_tokens(pool: dict, refresh_token: str, **extra) -> dict:
    return {"ClientId": pool["client_id"], "RefreshToken": refresh_token, **extra}


def assert_session_over(server, pool: dict, result: dict) -> None:
    """The sign-in's access token is refused and its refresh token no longer refreshes."""
    rejected(server, "GetUser", {"AccessToken": result["AccessToken"]}, "NotAuthorizedException")
    rejected(server, "InitiateAuth", refresh_auth(pool, result["RefreshToken"]), "NotAuthorizedException")
    rejected(server, "GetTokensFromRefreshToken", get_tokens(pool, result["RefreshToken"]), "NotAuthorizedException")


# ------------------------------------------------------------------ refreshing


def test_refresh_token_auth_keeps_the_session(server, pool, user):
    first = tokens_for(server, pool, user)
    time.sleep(1.1)  # so that iat can differ from auth_time
    out = ok(server, "InitiateAuth", refresh_auth(pool, first["RefreshToken"]))
    assert out["ChallengeParameters"] == {}
    result = out["AuthenticationResult"]
    assert "RefreshToken" not in result  # no rotation: keep the old one
    old, new = claims(first["AccessToken"]), claims(result["AccessToken"])
    assert new["origin_jti"] == old["origin_jti"] and new["jti"] != old["jti"]
    assert new["auth_time"] == old["auth_time"] and new["iat"] > old["iat"]
    assert claims(result["IdToken"])["auth_time"] == old["auth_time"]
    assert server.public.get_user(AccessToken=result["AccessToken"])["Username"] == user


def test_get_tokens_from_refresh_token_without_rotation(server, pool, user):
    first = tokens_for(server, pool, user)
    result = ok(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]))["AuthenticationResult"]
    assert "RefreshToken" not in result
    assert claims(result["AccessToken"])["origin_jti"] == claims(first["AccessToken"])["origin_jti"]
    assert ok(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]))["AuthenticationResult"]


def test_admin_initiate_auth_refreshes_too(server, pool, user):
    first = tokens_for(server, pool, user)
    body = {**refresh_auth(pool, first["RefreshToken"]), "UserPoolId": pool["pool_id"]}
    assert ok(server, "AdminInitiateAuth", body)["AuthenticationResult"]["AccessToken"]


def test_refresh_errors(server, pool, user):
    first = tokens_for(server, pool, user)
    rejected(server, "InitiateAuth", refresh_auth(pool, "not-a-refresh-token"), "NotAuthorizedException",
             message="Invalid Refresh Token")
    rejected(server, "GetTokensFromRefreshToken", get_tokens(pool, "not-a-refresh-token"), "NotAuthorizedException")
    rejected(server, "InitiateAuth", refresh_auth(pool, first["AccessToken"]), "NotAuthorizedException")
    body = refresh_auth(pool, first["RefreshToken"])
    del body["AuthParameters"]["REFRESH_TOKEN"]
    rejected(server, "InitiateAuth", body, "InvalidParameterException")


def test_refresh_token_of_another_client_is_refused(server, pool, user):
    other = server.admin.create_user_pool_client(UserPoolId=pool["pool_id"], ClientName="other",
                                                 ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"])
    other_pool = {**pool, "client_id": other["UserPoolClient"]["ClientId"]}
    first = tokens_for(server, pool, user)
    rejected(server, "InitiateAuth", refresh_auth(other_pool, first["RefreshToken"]), "NotAuthorizedException")
    rejected(server, "GetTokensFromRefreshToken", get_tokens(other_pool, first["RefreshToken"]), "NotAuthorizedException")


def test_expired_refresh_token_is_refused(server, pool, user):
    first = tokens_for(server, pool, user)
    jti = claims(first["AccessToken"])["origin_jti"]
    assert execute(server, "UPDATE refresh_tokens SET expires_at = 1 WHERE origin_jti = ?", jti) == 1
    rejected(server, "InitiateAuth", refresh_auth(pool, first["RefreshToken"]), "NotAuthorizedException", message="expired")
    rejected(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]), "NotAuthorizedException")


def test_refresh_needs_the_flow(server, make_user):
    pool = create_pool(server, client_args={"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]})
    first = tokens_for(server, pool, make_user(pool))
    rejected(server, "InitiateAuth", refresh_auth(pool, first["RefreshToken"]), "InvalidParameterException", message="not enabled")
    rejected(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]), "NotAuthorizedException")


def test_refresh_with_a_client_secret(server, make_user):
    pool = create_pool(server, client_args={"GenerateSecret": True})
    username = make_user(pool)
    first = tokens_for(server, pool, username)
    good = secret_hash(pool["client_secret"], username, pool["client_id"])
    rejected(server, "InitiateAuth", refresh_auth(pool, first["RefreshToken"]), "NotAuthorizedException", message="SECRET_HASH")
    rejected(server, "InitiateAuth", refresh_auth(pool, first["RefreshToken"], SECRET_HASH="bm9wZQ=="), "NotAuthorizedException")
    assert ok(server, "InitiateAuth", refresh_auth(pool, first["RefreshToken"], SECRET_HASH=good))["AuthenticationResult"]
    rejected(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]), "NotAuthorizedException")
    rejected(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"], ClientSecret="w" * 51),
             "NotAuthorizedException")
    result = ok(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"], ClientSecret=pool["client_secret"]))
    assert result["AuthenticationResult"]["AccessToken"]


# ------------------------------------------------------------------ rotation


def test_rotation_issues_a_new_refresh_token_each_time(server, make_user):
    pool = create_pool(server, client_args=ROTATING)
    first = tokens_for(server, pool, make_user(pool))
    second = ok(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]))["AuthenticationResult"]
    third = ok(server, "GetTokensFromRefreshToken", get_tokens(pool, second["RefreshToken"]))["AuthenticationResult"]
    assert len({first["RefreshToken"], second["RefreshToken"], third["RefreshToken"]}) == 3
    assert claims(third["AccessToken"])["origin_jti"] == claims(first["AccessToken"])["origin_jti"]


def test_reusing_a_rotated_token_revokes_the_whole_family(server, make_user):
    pool = create_pool(server, client_args=ROTATING)
    username = make_user(pool)
    first = tokens_for(server, pool, username)
    other_session = tokens_for(server, pool, username)
    second = ok(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]))["AuthenticationResult"]
    rejected_recording(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]), "RefreshTokenReuseException",
                       tables={"token_families"})
    rejected(server, "GetTokensFromRefreshToken", get_tokens(pool, second["RefreshToken"]), "NotAuthorizedException",
             message="revoked")
    rejected(server, "GetUser", {"AccessToken": second["AccessToken"]}, "NotAuthorizedException")
    rejected(server, "GetUser", {"AccessToken": first["AccessToken"]}, "NotAuthorizedException")
    assert server.public.get_user(AccessToken=other_session["AccessToken"])["Username"] == username


def test_grace_period_lets_a_client_retry_with_the_old_token(server, make_user):
    pool = create_pool(server, client_args={"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 60}})
    first = tokens_for(server, pool, make_user(pool))
    ok(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]))
    retry = ok(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]))["AuthenticationResult"]
    assert retry["RefreshToken"] != first["RefreshToken"]
    # Test setup: the grace period has passed.
    execute(server, "UPDATE refresh_tokens SET rotated_at = rotated_at - 120 WHERE rotated_at IS NOT NULL")
    rejected_recording(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]), "RefreshTokenReuseException",
                       tables={"token_families"})


def test_refresh_token_auth_is_refused_on_a_rotating_client(server, make_user):
    pool = create_pool(server, client_args=ROTATING)
    first = tokens_for(server, pool, make_user(pool))
    rejected(server, "InitiateAuth", refresh_auth(pool, first["RefreshToken"]), "InvalidParameterException",
             message="GetTokensFromRefreshToken")


def test_rotating_client_without_the_refresh_flow_still_rotates(server, make_user):
    """Cognito asks rotating clients to drop ALLOW_REFRESH_TOKEN_AUTH: GetTokensFromRefreshToken is their refresh."""
    pool = create_pool(server, client_args={**ROTATING, "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]})
    first = tokens_for(server, pool, make_user(pool))
    assert ok(server, "GetTokensFromRefreshToken", get_tokens(pool, first["RefreshToken"]))["AuthenticationResult"]["RefreshToken"]


# ------------------------------------------------------------------ RevokeToken


def test_revoke_token_ends_that_sign_in_only(server, pool, user):
    revoked, kept = tokens_for(server, pool, user), tokens_for(server, pool, user)
    assert ok(server, "RevokeToken", {"ClientId": pool["client_id"], "Token": revoked["RefreshToken"]}) == {}
    assert_session_over(server, pool, revoked)
    assert server.public.get_user(AccessToken=kept["AccessToken"])["Username"] == user
    assert ok(server, "GetTokensFromRefreshToken", get_tokens(pool, kept["RefreshToken"]))


def test_revoke_token_twice_and_unknown_tokens_are_fine(server, pool, user):
    result = tokens_for(server, pool, user)
    ok(server, "RevokeToken", {"ClientId": pool["client_id"], "Token": result["RefreshToken"]})
    ok(server, "RevokeToken", {"ClientId": pool["client_id"], "Token": result["RefreshToken"]})
    ok(server, "RevokeToken", {"ClientId": pool["client_id"], "Token": "never-issued-token"})


def test_revoke_an_access_token_is_unsupported_token_type(server, pool, user):
    result = tokens_for(server, pool, user)
    rejected(server, "RevokeToken", {"ClientId": pool["client_id"], "Token": result["AccessToken"]}, "UnsupportedTokenTypeException")


def test_revoke_a_token_of_another_client_is_unauthorized(server, pool, user):
    other = server.admin.create_user_pool_client(UserPoolId=pool["pool_id"], ClientName="other")["UserPoolClient"]["ClientId"]
    result = tokens_for(server, pool, user)
    rejected(server, "RevokeToken", {"ClientId": other, "Token": result["RefreshToken"]}, "UnauthorizedException")
    assert server.public.get_user(AccessToken=result["AccessToken"])


def test_revoke_token_when_revocation_is_disabled(server, make_user):
    pool = create_pool(server, client_args={"EnableTokenRevocation": False})
    result = tokens_for(server, pool, make_user(pool))
    rejected(server, "RevokeToken", {"ClientId": pool["client_id"], "Token": result["RefreshToken"]}, "UnsupportedOperationException")


def test_revoke_token_with_a_client_secret(server, make_user):
    pool = create_pool(server, client_args={"GenerateSecret": True})
    result = tokens_for(server, pool, make_user(pool))
    body = {"ClientId": pool["client_id"], "Token": result["RefreshToken"]}
    rejected(server, "RevokeToken", body, "NotAuthorizedException")
    rejected(server, "RevokeToken", {**body, "ClientSecret": "w" * 51}, "NotAuthorizedException")
    ok(server, "RevokeToken", {**body, "ClientSecret": pool["client_secret"]})
    rejected(server, "GetUser", {"AccessToken": result["AccessToken"]}, "NotAuthorizedException")


# ------------------------------------------------------------------ signing out everywhere


def test_global_sign_out_ends_every_session_of_the_user(server, pool, make_user):
    username, bystander = make_user(pool), make_user(pool)
    sessions = [tokens_for(server, pool, username) for _ in range(2)]
    other = tokens_for(server, pool, bystander)
    assert ok(server, "GlobalSignOut", {"AccessToken": sessions[0]["AccessToken"]}) == {}
    for result in sessions:
        assert_session_over(server, pool, result)
    assert server.public.get_user(AccessToken=other["AccessToken"])["Username"] == bystander
    fresh = tokens_for(server, pool, username)
    assert server.public.get_user(AccessToken=fresh["AccessToken"])["Username"] == username


def test_admin_user_global_sign_out(server, pool, user):
    result = tokens_for(server, pool, user)
    server.admin.admin_user_global_sign_out(UserPoolId=pool["pool_id"], Username=user)
    assert_session_over(server, pool, result)
    assert tokens_for(server, pool, user)["AccessToken"]


def test_password_reset_ends_every_session(server, pool, user):
    result = tokens_for(server, pool, user)
    ok(server, "ForgotPassword", {"ClientId": pool["client_id"], "Username": user})
    ok(server, "ConfirmForgotPassword", {"ClientId": pool["client_id"], "Username": user, "Password": NEW_PASSWORD,
                                         "ConfirmationCode": server.last_code(user, "FORGOT_PASSWORD")})
    assert_session_over(server, pool, result)


@pytest.mark.parametrize("how", ["disable", "delete"])
def test_disabling_or_deleting_ends_every_session(server, pool, user, how):
    result = tokens_for(server, pool, user)
    if how == "disable":
        server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=user)
    else:
        server.admin.admin_delete_user(UserPoolId=pool["pool_id"], Username=user)
    assert_session_over(server, pool, result)
