"""User pools: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools,
AddCustomAttributes."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.conftest import create_pool
from tests.server.helpers import (
    PASSWORD,
    UNKNOWN_POOL,
    ok,
    outbox_for,
    password_auth,
    refused_by_boto3,
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


# ------------------------------------------------------------------ schema checks (issue 15)
#
# Cognito refuses these schemas with InvalidParameterException and creates nothing. The
# messages: "Invalid AttributeDataType input, ..." is Cognito's own, quoted from CloudFormation
# failures in aws-amplify/docs#4624 and Amplify's backend error mapper; the others are those
# getmoto/moto checks its Cognito emulation against (tests/test_cognitoidp, getmoto/moto#4493).
# The 2048 limit is StringAttributeConstraintsType's in Cognito's API reference.

_SCHEMA_REFUSALS = {
    "custom attribute without a data type": (
        {"Name": "tier"}, "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."),
    "standard attribute retyped": (
        {"Name": "email", "AttributeDataType": "Number"},
        "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email"),
    "standard attribute made developer-only": (
        {"Name": "email", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
        "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email"),
    "non-numeric MinLength": (
        {"Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "short"}},
        "Invalid StringAttributeConstraints for schema attribute email"),
    "non-numeric MaxLength": (
        {"Name": "team", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "long"}},
        "Invalid StringAttributeConstraints for schema attribute custom:team"),
    "non-numeric MinValue": (
        {"Name": "updated_at", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "low"}},
        "Invalid NumberAttributeConstraints for schema attribute updated_at"),
    "non-numeric MaxValue": (
        {"Name": "level", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MaxValue": "high"}},
        "Invalid NumberAttributeConstraints for schema attribute custom:level"),
    "MaxLength over 2048": (
        {"Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "2049"}},
        "user.email: String attributes cannot have a length of more than 2048"),
    "string min above max": (
        {"Name": "team", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "5", "MaxLength": "2"}},
        "user.custom:team: Max length cannot be less than min length."),
    "number min above max": (
        {"Name": "updated_at", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "9", "MaxValue": "1"}},
        "user.updated_at: Max value cannot be less than min value."),
}


@pytest.mark.parametrize(("spec", "message"), list(_SCHEMA_REFUSALS.values()), ids=list(_SCHEMA_REFUSALS))
def test_create_user_pool_refuses_schemas_cognito_refuses(server, spec, message):
    name = unique("refused")
    refused_by_boto3(server, lambda: server.admin.create_user_pool(PoolName=name, Schema=[spec]),
                     "InvalidParameterException", message)
    listed = server.admin.list_user_pools(MaxResults=60)["UserPools"]
    assert name not in {p["Name"] for p in listed}  # the pool was not created


_CUSTOM_REFUSALS = {k: v for k, v in _SCHEMA_REFUSALS.items() if v[0]["Name"] in ("tier", "team", "level")}


@pytest.mark.parametrize(("spec", "message"), list(_CUSTOM_REFUSALS.values()), ids=list(_CUSTOM_REFUSALS))
def test_add_custom_attributes_applies_the_same_checks(server, pool, spec, message):
    before = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]
    refused_by_boto3(server, lambda: server.admin.add_custom_attributes(UserPoolId=pool["pool_id"], CustomAttributes=[spec]),
                     "InvalidParameterException", message)
    assert server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"] == before


def test_valid_bounds_are_kept_and_standard_attributes_need_no_data_type(server):
    # CDK's standard attributes come without AttributeDataType (Cognito takes the standard type).
    created = server.admin.create_user_pool(PoolName=unique("bounds"), Schema=[
        {"Name": "email", "Required": True, "Mutable": True, "StringAttributeConstraints": {"MinLength": "3", "MaxLength": "2048"}},
        {"Name": "updated_at", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "9"}},
        {"Name": "score", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "-5", "MaxValue": "5"}},
    ])["UserPool"]
    schema = _schema(created)
    assert schema["email"]["AttributeDataType"] == "String" and schema["email"]["Required"] is True
    assert schema["email"]["StringAttributeConstraints"] == {"MinLength": "3", "MaxLength": "2048"}
    assert schema["updated_at"]["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "9"}
    assert schema["custom:score"]["NumberAttributeConstraints"] == {"MinValue": "-5", "MaxValue": "5"}


# ------------------------------------------------------------------ developer-only attributes (issue 15)
#
# Cognito names a developer-only custom attribute dev:custom:<name> in SchemaAttributes and in
# its messages: the CreateUserPool example response in Cognito's API reference lists
# "dev:custom:mydev"; SchemaAttributeType.DeveloperOnlyAttribute there: written only by admin
# calls, never with the user's access token; AddCustomAttributes' duplicate-name message as
# getmoto/moto's tests expect it.


def test_developer_only_attributes_are_described_as_dev_custom(server, make_user):
    pool = create_pool(server, Schema=[{"Name": "tier", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}])
    described = server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"]
    schema = _schema(described)
    assert "custom:tier" not in schema
    assert schema["dev:custom:tier"]["DeveloperOnlyAttribute"] is True
    # stored as before (custom:tier + the flag): pools stored before the prefix read the same way
    (config,) = server.query("SELECT config FROM user_pools WHERE id = ?", pool["pool_id"])[0]
    stored = json.loads(config) if isinstance(config, str) else config
    assert {a["Name"] for a in stored["SchemaAttributes"]} >= {"custom:tier"}

    spec = {"Name": "tier", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}
    refused_by_boto3(server, lambda: server.admin.add_custom_attributes(UserPoolId=pool["pool_id"], CustomAttributes=[spec]),
                     "InvalidParameterException", "custom:tier: Existing attribute already has name dev:custom:tier.")
    assert server.admin.describe_user_pool(UserPoolId=pool["pool_id"])["UserPool"] == described

    # an admin writes it by its dev:custom name; the user's own token may not
    username = make_user(pool)
    server.admin.admin_update_user_attributes(UserPoolId=pool["pool_id"], Username=username,
                                              UserAttributes=[{"Name": "dev:custom:tier", "Value": "gold"}])
    access = tokens_for(server, pool, username)["AccessToken"]
    refused_by_boto3(server, lambda: server.public.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "dev:custom:tier", "Value": "lead"}]), "NotAuthorizedException")
    refused_by_boto3(server, lambda: server.public.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "custom:tier", "Value": "lead"}]), "NotAuthorizedException")
    # dev: before an attribute that is not developer-only names nothing
    refused_by_boto3(server, lambda: server.admin.admin_update_user_attributes(
        UserPoolId=pool["pool_id"], Username=username, UserAttributes=[{"Name": "dev:nickname", "Value": "x"}]),
        "InvalidParameterException", "user.dev:nickname: Attribute does not exist in the schema.\n")
    # the value is listed under custom:tier here (see pool_schema), and that name writes it back too
    listed = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]
    assert {"Name": "custom:tier", "Value": "gold"} in listed
    server.admin.admin_update_user_attributes(UserPoolId=pool["pool_id"], Username=username,
                                              UserAttributes=[{"Name": "custom:tier", "Value": "lead"}])
    listed = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]
    assert {"Name": "custom:tier", "Value": "lead"} in listed
    server.admin.admin_delete_user_attributes(UserPoolId=pool["pool_id"], Username=username, UserAttributeNames=["dev:custom:tier"])
    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]
    assert not [a for a in got if a["Name"].endswith("custom:tier")]


# ------------------------------------------------------------------ legacy verification messages (issue 15)
#
# CreateUserPool / UpdateUserPool still take SmsVerificationMessage, EmailVerificationMessage and
# EmailVerificationSubject ("This parameter is no longer used" in Cognito's API reference) and
# DescribeUserPool returns them mirroring VerificationMessageTemplate's SmsMessage, EmailMessage,
# EmailSubject (getmoto/moto's test_create_user_pool__overwrite_template_messages). Given both,
# the template wins: Cognito reads the legacy member back as the template's value
# (hashicorp/terraform-provider-aws#2423).

_TEMPLATE = {"DefaultEmailOption": "CONFIRM_WITH_CODE", "SmsMessage": "sms {####}", "EmailMessage": "mail {####}",
             "EmailSubject": "subject"}


def test_legacy_message_members_mirror_the_template(server):
    created = server.admin.create_user_pool(PoolName=unique("tmpl"), VerificationMessageTemplate=_TEMPLATE)["UserPool"]
    described = server.admin.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    for out in (created, described):
        assert out["VerificationMessageTemplate"] == _TEMPLATE
        assert out["SmsVerificationMessage"] == "sms {####}"
        assert out["EmailVerificationMessage"] == "mail {####}"
        assert out["EmailVerificationSubject"] == "subject"


def test_legacy_message_members_are_accepted_and_the_template_wins(server, make_user):
    legacy = {"SmsVerificationMessage": "old sms {####}", "EmailVerificationMessage": "old mail {####}",
              "EmailVerificationSubject": "old subject"}
    only_legacy = server.admin.create_user_pool(PoolName=unique("legacy"), **legacy)["UserPool"]
    template = only_legacy["VerificationMessageTemplate"]
    assert template["SmsMessage"] == "old sms {####}" and template["EmailMessage"] == "old mail {####}"
    assert template["EmailSubject"] == "old subject" and only_legacy["EmailVerificationSubject"] == "old subject"

    both = server.admin.create_user_pool(PoolName=unique("both"), VerificationMessageTemplate=_TEMPLATE, **legacy)["UserPool"]
    both = server.admin.describe_user_pool(UserPoolId=both["Id"])["UserPool"]
    assert both["VerificationMessageTemplate"] == _TEMPLATE
    assert both["EmailVerificationMessage"] == "mail {####}" and both["SmsVerificationMessage"] == "sms {####}"

    # UpdateUserPool takes them too, and the e-mail a user gets uses them
    pool_id = only_legacy["Id"]
    server.admin.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"],
                                  EmailVerificationMessage="new mail {####}", EmailVerificationSubject="new subject")
    described = server.admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["VerificationMessageTemplate"]["EmailMessage"] == "new mail {####}"
    assert described["EmailVerificationMessage"] == "new mail {####}" and described["EmailVerificationSubject"] == "new subject"
    assert "SmsVerificationMessage" not in described  # not named by the update: reset, as Cognito resets

    client_id = server.admin.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    username = unique()
    server.public.sign_up(ClientId=client_id, Username=username, Password=PASSWORD,
                          UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}])
    (message,) = outbox_for(server, pool_id, username)
    assert message["subject"] == "new subject" and message["message"] == f"new mail {message['code']}"
