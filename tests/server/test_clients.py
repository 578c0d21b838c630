"""App clients: Create/Describe/Update/Delete/ListUserPoolClients, and what their settings do
to sign-in (token validity and units, auth flows, secrets, read/write attributes)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import create_pool
from tests.server.helpers import (
    PASSWORD,
    UNKNOWN_CLIENT,
    UNKNOWN_POOL,
    claims,
    ok,
    password_auth,
    rejected,
    secret_hash,
    tokens_for,
)


def _client(server, pool_id: str, **args) -> dict:
    args.setdefault("ClientName", "web")
    return server.admin.create_user_pool_client(UserPoolId=pool_id, **args)["UserPoolClient"]


def test_create_client_defaults_are_cognitos(server, pool):
    client = _client(server, pool["pool_id"])
    assert re.fullmatch(r"[a-z0-9]{26}", client["ClientId"])
    assert "ClientSecret" not in client
    assert client["UserPoolId"] == pool["pool_id"] and client["ClientName"] == "web"
    assert client["AccessTokenValidity"] == 60 and client["IdTokenValidity"] == 60 and client["RefreshTokenValidity"] == 30
    assert client["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert client["PreventUserExistenceErrors"] == "LEGACY"
    assert client["EnableTokenRevocation"] is True
    assert client["AuthSessionValidity"] == 3
    assert set(client["ExplicitAuthFlows"]) >= {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}


def test_generated_secret_looks_like_cognitos_and_is_described(server, pool):
    client = _client(server, pool["pool_id"], GenerateSecret=True)
    assert re.fullmatch(r"[a-z0-9]{51}", client["ClientSecret"])
    described = server.admin.describe_user_pool_client(UserPoolId=pool["pool_id"], ClientId=client["ClientId"])
    assert described["UserPoolClient"]["ClientSecret"] == client["ClientSecret"]


def test_client_ids_are_distinct(server, pool):
    ids = {_client(server, pool["pool_id"])["ClientId"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "settings,kind,seconds",
    [
        ({"AccessTokenValidity": 5, "TokenValidityUnits": {"AccessToken": "minutes"}}, "AccessToken", 300),
        ({"AccessTokenValidity": 2}, "AccessToken", 7200),  # hours by default
        ({"AccessTokenValidity": 900, "TokenValidityUnits": {"AccessToken": "seconds"}}, "AccessToken", 900),
        ({"AccessTokenValidity": 1, "TokenValidityUnits": {"AccessToken": "days"}}, "AccessToken", 86400),
        ({"IdTokenValidity": 10, "TokenValidityUnits": {"IdToken": "minutes"}}, "IdToken", 600),
        ({"IdTokenValidity": 3}, "IdToken", 10800),
        ({}, "AccessToken", 3600),
        ({}, "IdToken", 3600),
    ],
)
def test_token_validity_and_units_set_token_lifetimes(server, make_user, settings, kind, seconds):
    pool = create_pool(server, client_args=settings)
    username = make_user(pool)
    result = tokens_for(server, pool, username)
    token = claims(result[kind])
    assert token["exp"] - token["iat"] == seconds
    if kind == "AccessToken":
        assert result["ExpiresIn"] == seconds


def test_refresh_token_validity_sets_the_family_lifetime(server, make_user):
    from tests.server.helpers import query

    pool = create_pool(server, client_args={"RefreshTokenValidity": 90, "TokenValidityUnits": {"RefreshToken": "minutes"}})
    tokens_for(server, pool, make_user(pool))
    (created, expires), = query(server, "SELECT created_at, expires_at FROM token_families WHERE client_id = ?", pool["client_id"])
    assert round(expires - created) == 90 * 60


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}}, "AccessTokenValidity"),
        ({"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "days"}}, "AccessTokenValidity"),
        ({"IdTokenValidity": 25}, "IdTokenValidity"),
        ({"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}}, "RefreshTokenValidity"),
        ({"RefreshTokenValidity": 3651}, "RefreshTokenValidity"),
        ({"AuthSessionValidity": 16}, "authSessionValidity"),
        ({"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]}, "legacy"),
        ({"ReadAttributes": ["email", "no_such_attribute"]}, "read attributes"),
        ({"WriteAttributes": ["custom:nope"]}, "write attributes"),
        ({"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 61}}, "retryGracePeriodSeconds"),
        ({"ExplicitAuthFlows": ["ALLOW_MAGIC"]}, "enum value set"),
    ],
)
def test_invalid_client_settings_are_refused(server, pool, settings, message):
    body = {"UserPoolId": pool["pool_id"], "ClientName": "bad", **settings}
    rejected(server, "CreateUserPoolClient", body, "InvalidParameterException", message=message)
    body = {"UserPoolId": pool["pool_id"], "ClientId": pool["client_id"], **settings}
    rejected(server, "UpdateUserPoolClient", body, "InvalidParameterException", message=message)


def test_describe_client_of_another_pool_is_not_found(server, pool):
    other = create_pool(server)
    rejected(server, "DescribeUserPoolClient", {"UserPoolId": other["pool_id"], "ClientId": pool["client_id"]},
             "ResourceNotFoundException", message=pool["client_id"])


def test_update_client_replaces_settings_and_resets_unnamed_ones(server, pool):
    server.admin.update_user_pool_client(
        UserPoolId=pool["pool_id"], ClientId=pool["client_id"], ClientName="renamed",
        AccessTokenValidity=10, TokenValidityUnits={"AccessToken": "minutes"}, PreventUserExistenceErrors="ENABLED",
    )
    client = server.admin.describe_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"])["UserPoolClient"]
    assert client["ClientName"] == "renamed"
    assert client["AccessTokenValidity"] == 10
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    # ExplicitAuthFlows was not named: back to the defaults, so password auth is off again
    assert "ALLOW_USER_PASSWORD_AUTH" not in client["ExplicitAuthFlows"]
    assert client["LastModifiedDate"] >= client["CreationDate"]


def test_update_keeps_the_secret(server, pool):
    client = _client(server, pool["pool_id"], GenerateSecret=True)
    updated = server.admin.update_user_pool_client(UserPoolId=pool["pool_id"], ClientId=client["ClientId"], ClientName="x")
    assert updated["UserPoolClient"]["ClientSecret"] == client["ClientSecret"]


def test_update_unknown_client(server, pool):
    rejected(server, "UpdateUserPoolClient", {"UserPoolId": pool["pool_id"], "ClientId": UNKNOWN_CLIENT},
             "ResourceNotFoundException")


def test_deleted_client_can_no_longer_sign_in(server, pool, user):
    server.admin.delete_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"])
    rejected(server, "InitiateAuth", password_auth(pool, user), "ResourceNotFoundException")
    rejected(server, "DescribeUserPoolClient", {"UserPoolId": pool["pool_id"], "ClientId": pool["client_id"]},
             "ResourceNotFoundException")
    rejected(server, "DeleteUserPoolClient", {"UserPoolId": pool["pool_id"], "ClientId": pool["client_id"]},
             "ResourceNotFoundException")


def test_list_clients_pages(server, pool):
    made = {pool["client_id"]} | {_client(server, pool["pool_id"], ClientName=f"c{i}")["ClientId"] for i in range(4)}
    seen: list[str] = []
    token = None
    while True:
        page = server.admin.list_user_pool_clients(UserPoolId=pool["pool_id"], MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["UserPoolClients"]) <= 2
        seen += [c["ClientId"] for c in page["UserPoolClients"]]
        assert all(c["UserPoolId"] == pool["pool_id"] and c["ClientName"] for c in page["UserPoolClients"])
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(made)


def test_list_clients_bad_token(server, pool):
    rejected(server, "ListUserPoolClients", {"UserPoolId": pool["pool_id"], "NextToken": "garbage!"}, "InvalidParameterException")


def test_list_clients_of_unknown_pool(server):
    rejected(server, "ListUserPoolClients", {"UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException")


def test_disabled_auth_flows_are_refused(server, make_user):
    pool = create_pool(server, client_args={"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})
    username = make_user(pool)
    rejected(server, "InitiateAuth", password_auth(pool, username), "InvalidParameterException", message="not enabled")
    admin = {"UserPoolId": pool["pool_id"], "ClientId": pool["client_id"], "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
             "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD}}
    rejected(server, "AdminInitiateAuth", admin, "InvalidParameterException", message="not enabled")


def test_legacy_flow_names_still_work(server, make_user):
    pool = create_pool(server, client_args={"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]})
    username = make_user(pool)
    assert tokens_for(server, pool, username)["AccessToken"]
    result = ok(server, "AdminInitiateAuth", {
        "UserPoolId": pool["pool_id"], "ClientId": pool["client_id"], "AuthFlow": "ADMIN_NO_SRP_AUTH",
        "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
    })
    assert result["AuthenticationResult"]["RefreshToken"]


def test_read_attributes_limit_id_token_and_get_user(server, make_user):
    pool = create_pool(server, client_args={"ReadAttributes": ["email", "email_verified"]})
    username = make_user(pool, attributes={"given_name": "Ada"})
    result = tokens_for(server, pool, username)
    id_token = claims(result["IdToken"])
    assert id_token["email"] == f"{username}@example.com" and "given_name" not in id_token
    names = {a["Name"] for a in server.public.get_user(AccessToken=result["AccessToken"])["UserAttributes"]}
    assert names == {"sub", "email", "email_verified"}


def test_get_user_sees_a_changed_client_and_mfa_setting_at_once(server, make_user):
    # GetUser decodes a client's configuration and a user's MFA settings once per distinct text:
    # a change is a new text, seen at the next call; another user with the old text keeps it.
    pool = create_pool(server, client_args={"ReadAttributes": ["email"]})
    server.admin.set_user_pool_mfa_config(UserPoolId=pool["pool_id"], MfaConfiguration="OPTIONAL",
                                          EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"})
    first, second = make_user(pool, attributes={"given_name": "Ada"}), make_user(pool)
    access = tokens_for(server, pool, first)["AccessToken"]
    other = tokens_for(server, pool, second)["AccessToken"]

    def get_user(token):
        return server.public.get_user(AccessToken=token)

    assert {a["Name"] for a in get_user(access)["UserAttributes"]} == {"sub", "email"}
    assert "UserMFASettingList" not in get_user(access) and "UserMFASettingList" not in get_user(other)
    server.admin.update_user_pool_client(UserPoolId=pool["pool_id"], ClientId=pool["client_id"],
                                         ReadAttributes=["email", "given_name"])
    assert {a["Name"] for a in get_user(access)["UserAttributes"]} == {"sub", "email", "given_name"}
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=first,
                                               EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    seen = get_user(access)
    assert seen["UserMFASettingList"] == ["EMAIL_OTP"] and seen["PreferredMfaSetting"] == "EMAIL_OTP"
    assert "UserMFASettingList" not in get_user(other)
    server.admin.admin_set_user_mfa_preference(UserPoolId=pool["pool_id"], Username=first,
                                               EmailMfaSettings={"Enabled": False, "PreferredMfa": False})
    assert "UserMFASettingList" not in get_user(access)


def test_write_attributes_limit_public_updates(server, make_user):
    pool = create_pool(server, client_args={"WriteAttributes": ["given_name"]})
    username = make_user(pool)
    access = tokens_for(server, pool, username)["AccessToken"]
    server.public.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "given_name", "Value": "Ada"}])
    rejected(server, "UpdateUserAttributes", {"AccessToken": access, "UserAttributes": [{"Name": "family_name", "Value": "L"}]},
             "NotAuthorizedException", message="unauthorized attribute")


def test_client_secret_requires_secret_hash(server, make_user):
    pool = create_pool(server, client_args={"GenerateSecret": True})
    username = make_user(pool)
    body = password_auth(pool, username)
    assert ok(server, "InitiateAuth", body)["AuthenticationResult"]
    del body["AuthParameters"]["SECRET_HASH"]
    rejected(server, "InitiateAuth", body, "NotAuthorizedException", message="SECRET_HASH was not received")
    body["AuthParameters"]["SECRET_HASH"] = secret_hash("wrong", username, pool["client_id"])
    rejected(server, "InitiateAuth", body, "NotAuthorizedException", message="Unable to verify secret hash")
