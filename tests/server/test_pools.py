"""User pools: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools,
AddCustomAttributes."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import create_pool
from tests.server.helpers import (
    PASSWORD,
    UNKNOWN_POOL,
    ok,
    password_auth,
    rejected,
    rpc,
    srp_start,
    state,
    tokens_for,
    unique,
)


def _schema(described: dict) -> dict[str, dict]:
    return {a["Name"]: a for a in described["SchemaAttributes"]}


def test_create_user_pool_describes_it_as_cognito_does(server):
    created = server.admin.create_user_pool(PoolName="shop", AutoVerifiedAttributes=["email"])["UserPool"]
    assert re.fullmatch(r"us-east-1_[A-Za-z0-9]{9}", created["Id"])
    assert created["Name"] == "shop"
    assert created["Arn"] == f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{created['Id']}"
    assert created["EstimatedNumberOfUsers"] == 0
    assert created["AutoVerifiedAttributes"] == ["email"]
    assert created["MfaConfiguration"] == "OFF"
    policy = created["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 8 and policy["RequireSymbols"] and policy["TemporaryPasswordValidityDays"] == 7
    schema = _schema(created)
    assert schema["sub"]["Required"] and not schema["sub"]["Mutable"]
    assert schema["email_verified"]["AttributeDataType"] == "Boolean"
    assert {"email", "phone_number", "given_name", "family_name", "updated_at"} <= set(schema)
    assert server.admin.describe_user_pool(UserPoolId=created["Id"])["UserPool"]["Id"] == created["Id"]


def test_create_user_pool_keeps_sign_in_options_policy_and_custom_schema(server):
    created = server.admin.create_user_pool(
        PoolName="opts",
        UsernameAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False, "RequireUppercase": True,
                                     "RequireLowercase": True, "RequireNumbers": True}},
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {"Name": "team", "AttributeDataType": "String", "Mutable": True, "StringAttributeConstraints": {"MaxLength": "20"}},
            {"Name": "level", "AttributeDataType": "Number", "Mutable": False},
        ],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]
    described = server.admin.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert described["UsernameAttributes"] == ["email"]
    assert described["UsernameConfiguration"] == {"CaseSensitive": False}
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert described["Policies"]["PasswordPolicy"]["RequireSymbols"] is False
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    schema = _schema(described)
    assert schema["email"]["Required"] is True
    assert schema["custom:team"]["StringAttributeConstraints"]["MaxLength"] == "20"
    assert schema["custom:level"]["AttributeDataType"] == "Number" and schema["custom:level"]["Mutable"] is False


def test_estimated_number_of_users_counts_the_pool_users(server, pool, make_user):
    make_user(pool)
    make_user(pool)
    assert server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]["EstimatedNumberOfUsers"] == 2


def test_alias_and_username_attributes_together_are_refused(server):
    body = {"PoolName": "both", "AliasAttributes": ["email"], "UsernameAttributes": ["email"]}
    rejected(server, "CreateUserPool", body, "InvalidParameterException")


def test_required_custom_attribute_is_refused(server):
    body = {"PoolName": "req", "Schema": [{"Name": "team", "AttributeDataType": "String", "Required": True}]}
    rejected(server, "CreateUserPool", body, "InvalidParameterException", message="Required custom attributes")


def test_duplicate_schema_attribute_is_refused(server):
    spec = {"Name": "team", "AttributeDataType": "String"}
    rejected(server, "CreateUserPool", {"PoolName": "dup", "Schema": [spec, spec]}, "InvalidParameterException")


def test_sub_cannot_be_made_mutable(server):
    body = {"PoolName": "sub", "Schema": [{"Name": "sub", "AttributeDataType": "String", "Mutable": True}]}
    rejected(server, "CreateUserPool", body, "InvalidParameterException")


def test_password_policy_out_of_model_bounds_is_refused(server):
    body = {"PoolName": "weak", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}}
    rejected(server, "CreateUserPool", body, "InvalidParameterException", message="minimumLength")


def test_describe_unknown_pool(server):
    rejected(server, "DescribeUserPool", {"UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException",
             message=f"User pool {UNKNOWN_POOL} does not exist")


def test_update_user_pool_replaces_settings_and_resets_unnamed_ones(server):
    """Cognito's UpdateUserPool: members left out go back to their defaults."""
    pool = create_pool(server, Policies={"PasswordPolicy": {"MinimumLength": 10}}, UsernameAttributes=["email"])
    server.admin.update_user_pool(
        UserPoolId=pool["pool_id"],
        Policies={"PasswordPolicy": {"MinimumLength": 14, "RequireSymbols": False}},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )
    described = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert "AutoVerifiedAttributes" not in described  # not named: reset
    assert described["UsernameAttributes"] == ["email"]  # not updatable: kept
    assert described["LastModifiedDate"] >= described["CreationDate"]


def test_updated_password_policy_applies_to_new_passwords(server, pool, user):
    server.admin.update_user_pool(UserPoolId=pool["pool_id"], Policies={"PasswordPolicy": {"MinimumLength": 20}})
    body = {"UserPoolId": pool["pool_id"], "Username": user, "Password": PASSWORD, "Permanent": True}
    rejected(server, "AdminSetUserPassword", body, "InvalidPasswordException", message="not long enough")


def test_update_unknown_pool(server):
    rejected(server, "UpdateUserPool", {"UserPoolId": UNKNOWN_POOL, "MfaConfiguration": "OFF"}, "ResourceNotFoundException")


def test_delete_user_pool_leaves_nothing_of_it_behind(server, make_user):
    pool = create_pool(server, client_args={"PreventUserExistenceErrors": "ENABLED"})
    username = make_user(pool, groups=["staff"])
    tokens_for(server, pool, username)
    ok(server, "ForgotPassword", {"ClientId": pool["client_id"], "Username": username})
    for name in (username, unique("nobody")):  # challenge sessions, of a user and of an unknown name
        ok(server, "InitiateAuth", {"ClientId": pool["client_id"], "AuthFlow": "USER_SRP_AUTH",
                                    "AuthParameters": srp_start(pool, name).get_auth_params()})
    rpc(server, "InitiateAuth", password_auth(pool, unique("nobody"), "Wr0ng-passw0rd!"))
    server.admin.delete_user_pool(UserPoolId=pool["pool_id"])
    rejected(server, "DescribeUserPool", {"UserPoolId": pool["pool_id"]}, "ResourceNotFoundException")
    left = {t: [r for r in rows if pool["pool_id"] in map(str, r)] for t, rows in state(server).items()}
    assert {t: rows for t, rows in left.items() if rows} == {}
    assert httpx.get(pool["jwks_uri"]).status_code == 404


def test_deletion_protection_prevents_deleting(server):
    pool = create_pool(server, DeletionProtection="ACTIVE")
    rejected(server, "DeleteUserPool", {"UserPoolId": pool["pool_id"]}, "InvalidParameterException", message="deletion protection")
    server.admin.update_user_pool(UserPoolId=pool["pool_id"], DeletionProtection="INACTIVE")
    server.admin.delete_user_pool(UserPoolId=pool["pool_id"])


def test_delete_unknown_pool(server):
    rejected(server, "DeleteUserPool", {"UserPoolId": UNKNOWN_POOL}, "ResourceNotFoundException")


def test_list_user_pools_pages_through_every_pool(server):
    mine = {create_pool(server, PoolName=f"list-{i}")["pool_id"] for i in range(3)}
    seen: list[str] = []
    entries: list[dict] = []
    token = None
    while True:
        page = server.admin.list_user_pools(MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["UserPools"]) <= 2
        seen += [p["Id"] for p in page["UserPools"]]
        entries += page["UserPools"]
        token = page.get("NextToken")
        if not token:
            break
    assert mine <= set(seen)
    assert len(seen) == len(set(seen))
    # (the session's server may hold more than one page of 60 pools by now)
    entry = next(p for p in entries if p["Id"] in mine)
    assert set(entry) >= {"Id", "Name", "LastModifiedDate", "CreationDate"}


@pytest.mark.parametrize("token", ["not-a-token", "eyJub3QiOiJhIGxpc3QifQ", "WzEsMl0"])
def test_list_user_pools_bad_token(server, token):
    rejected(server, "ListUserPools", {"MaxResults": 5, "NextToken": token}, "InvalidParameterException")


def test_list_user_pools_needs_max_results(server):
    rejected(server, "ListUserPools", {}, "InvalidParameterException", message="maxResults")


def test_add_custom_attributes_makes_them_usable(server, pool):
    server.admin.add_custom_attributes(
        UserPoolId=pool["pool_id"],
        CustomAttributes=[{"Name": "team", "AttributeDataType": "String"}, {"Name": "age", "AttributeDataType": "Number"}],
    )
    schema = _schema(server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"])
    assert schema["custom:team"]["AttributeDataType"] == "String"
    assert schema["custom:age"]["AttributeDataType"] == "Number"
    username = unique()
    server.admin.admin_create_user(
        UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "custom:team", "Value": "blue"}, {"Name": "custom:age", "Value": "42"}],
    )
    attrs = {a["Name"]: a["Value"] for a in server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]}
    assert attrs["custom:team"] == "blue" and attrs["custom:age"] == "42"


def test_add_existing_custom_attribute_is_refused(server, pool):
    server.admin.add_custom_attributes(UserPoolId=pool["pool_id"], CustomAttributes=[{"Name": "team", "AttributeDataType": "String"}])
    body = {"UserPoolId": pool["pool_id"], "CustomAttributes": [{"Name": "team", "AttributeDataType": "String"}]}
    rejected(server, "AddCustomAttributes", body, "InvalidParameterException", message="custom:team")


def test_add_the_same_custom_attribute_twice_in_one_call_is_refused(server, pool):
    spec = {"Name": "dup", "AttributeDataType": "String"}
    rejected(server, "AddCustomAttributes", {"UserPoolId": pool["pool_id"], "CustomAttributes": [spec, spec]},
             "InvalidParameterException")


def test_add_required_custom_attribute_is_refused(server, pool):
    body = {"UserPoolId": pool["pool_id"], "CustomAttributes": [{"Name": "x", "AttributeDataType": "String", "Required": True}]}
    rejected(server, "AddCustomAttributes", body, "InvalidParameterException")


def test_custom_attribute_name_too_long_is_refused(server, pool):
    body = {"UserPoolId": pool["pool_id"], "CustomAttributes": [{"Name": "n" * 21, "AttributeDataType": "String"}]}
    rejected(server, "AddCustomAttributes", body, "InvalidParameterException")


def test_user_pool_ids_are_distinct(server):
    ids = {ok(server, "CreateUserPool", {"PoolName": "many"})["UserPool"]["Id"] for _ in range(5)}
    assert len(ids) == 5
    assert rpc(server, "DescribeUserPool", {"UserPoolId": ids.pop()}).status_code == 200
