"""Attributes: AdminUpdateUserAttributes, UpdateUserAttributes, AdminDeleteUserAttributes,
DeleteUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute."""

from __future__ import annotations

from tests.conftest import create_pool
from tests.server.helpers import (
    PASSWORD,
    claims,
    code_attempts,
    expire_codes,
    ok,
    outbox_for,
    refused_by_boto3,
    rejected,
    rejected_recording,
    tokens_for,
    unique,
)


def attrs(server, pool, username) -> dict[str, str]:
    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]
    return {a["Name"]: a["Value"] for a in got}


def admin_update(pool, username, **values) -> dict:
    return {"UserPoolId": pool["pool_id"], "Username": username,
            "UserAttributes": [{"Name": k.replace("__", ":"), "Value": v} for k, v in values.items()]}


# ------------------------------------------------------------------ admin updates


def test_admin_update_sets_standard_and_custom_attributes(server, make_user):
    pool = create_pool(server, Schema=[{"Name": "team", "AttributeDataType": "String"}])
    username = make_user(pool)
    ok(server, "AdminUpdateUserAttributes", admin_update(pool, username, given_name="Ada", custom__team="blue"))
    got = attrs(server, pool, username)
    assert got["given_name"] == "Ada" and got["custom:team"] == "blue"


def test_admin_changing_email_unverifies_it_and_sends_a_code(server, pool, user):
    new = f"{unique()}@example.com"
    ok(server, "AdminUpdateUserAttributes", admin_update(pool, user, email=new))
    got = attrs(server, pool, user)
    assert got["email"] == new and got["email_verified"] == "false"
    (message,) = [m for m in outbox_for(server, pool["pool_id"], user) if m["kind"] == "VERIFY_ATTRIBUTE"]
    assert message["destination"] == new


def test_admin_can_mark_the_new_email_verified_in_the_same_call(server, pool, user):
    new = f"{unique()}@example.com"
    ok(server, "AdminUpdateUserAttributes", admin_update(pool, user, email=new, email_verified="true"))
    assert attrs(server, pool, user)["email_verified"] == "true"
    assert [m for m in outbox_for(server, pool["pool_id"], user) if m["kind"] == "VERIFY_ATTRIBUTE"] == []


def test_admin_update_errors(server, make_user):
    pool = create_pool(server, Schema=[{"Name": "level", "AttributeDataType": "Number", "Mutable": False},
                                       {"Name": "flag", "AttributeDataType": "Boolean"}])
    username = make_user(pool)
    rejected(server, "AdminUpdateUserAttributes", admin_update(pool, username, shoe_size="9"), "InvalidParameterException")
    rejected(server, "AdminUpdateUserAttributes", admin_update(pool, username, sub="mine"), "InvalidParameterException")
    rejected(server, "AdminUpdateUserAttributes", admin_update(pool, username, custom__level="3"), "InvalidParameterException",
             message="immutable")
    rejected(server, "AdminUpdateUserAttributes", admin_update(pool, username, custom__flag="maybe"), "InvalidParameterException")
    rejected(server, "AdminUpdateUserAttributes", admin_update(pool, username, email="nope"), "InvalidParameterException")
    rejected(server, "AdminUpdateUserAttributes", admin_update(pool, username, birthdate="1815"), "InvalidParameterException")


def test_admin_update_to_an_alias_another_user_holds_is_alias_exists(server, make_user):
    pool = create_pool(server, AliasAttributes=["email"])
    holder = make_user(pool)
    other = make_user(pool)
    rejected(server, "AdminUpdateUserAttributes",
             admin_update(pool, other, email=f"{holder}@example.com", email_verified="true"), "AliasExistsException")


def test_update_to_the_email_of_another_user_in_an_email_username_pool_is_refused(server):
    pool = create_pool(server, UsernameAttributes=["email"])
    first, second = (f"{unique()}@example.com" for _ in range(2))
    for email in (first, second):
        server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=email, MessageAction="SUPPRESS")
    rejected(server, "AdminUpdateUserAttributes", admin_update(pool, second, email=first), "AliasExistsException")


# ------------------------------------------------------------------ the user's own updates


def test_update_user_attributes_with_an_access_token(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    out = ok(server, "UpdateUserAttributes", {"AccessToken": access, "UserAttributes": [{"Name": "nickname", "Value": "ada"}]})
    assert "CodeDeliveryDetailsList" not in out
    assert attrs(server, pool, user)["nickname"] == "ada"
    assert claims(tokens_for(server, pool, user)["IdToken"])["nickname"] == "ada"


def test_update_own_email_answers_with_delivery_details(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    new = f"{unique()}@example.com"
    out = ok(server, "UpdateUserAttributes", {"AccessToken": access, "UserAttributes": [{"Name": "email", "Value": new}]})
    (details,) = out["CodeDeliveryDetailsList"]
    assert details["AttributeName"] == "email" and details["DeliveryMedium"] == "EMAIL"
    assert attrs(server, pool, user)["email_verified"] == "false"
    code = server.last_code(user, "VERIFY_ATTRIBUTE")
    ok(server, "VerifyUserAttribute", {"AccessToken": access, "AttributeName": "email", "Code": code})
    assert attrs(server, pool, user)["email_verified"] == "true"


def test_users_cannot_write_developer_only_attributes(server, make_user):
    pool = create_pool(server, Schema=[{"Name": "tier", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}])
    username = make_user(pool)
    access = tokens_for(server, pool, username)["AccessToken"]
    body = {"AccessToken": access, "UserAttributes": [{"Name": "dev:custom:tier", "Value": "gold"}]}
    rejected(server, "UpdateUserAttributes", body, "NotAuthorizedException")


def test_users_cannot_update_unknown_attributes(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    rejected(server, "UpdateUserAttributes", {"AccessToken": access, "UserAttributes": [{"Name": "x", "Value": "y"}]},
             "InvalidParameterException")


# ------------------------------------------------------------------ deleting attributes


def test_admin_delete_user_attributes(server, pool, make_user):
    username = make_user(pool, attributes={"given_name": "Ada", "nickname": "a"})
    ok(server, "AdminDeleteUserAttributes", {"UserPoolId": pool["pool_id"], "Username": username,
                                             "UserAttributeNames": ["given_name", "nickname"]})
    got = attrs(server, pool, username)
    assert "given_name" not in got and "nickname" not in got and "email" in got


def test_deleting_email_drops_its_verified_flag(server, pool, user):
    ok(server, "AdminDeleteUserAttributes", {"UserPoolId": pool["pool_id"], "Username": user, "UserAttributeNames": ["email"]})
    got = attrs(server, pool, user)
    assert "email" not in got and "email_verified" not in got


def test_delete_user_attributes_errors(server):
    pool = create_pool(server, UsernameAttributes=["email"],
                       Schema=[{"Name": "family_name", "AttributeDataType": "String", "Required": True}])
    email = f"{unique()}@example.com"
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=email, MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "family_name", "Value": "L"}])
    base = {"UserPoolId": pool["pool_id"], "Username": email}
    rejected(server, "AdminDeleteUserAttributes", {**base, "UserAttributeNames": ["family_name"]}, "InvalidParameterException")
    rejected(server, "AdminDeleteUserAttributes", {**base, "UserAttributeNames": ["sub"]}, "InvalidParameterException")
    rejected(server, "AdminDeleteUserAttributes", {**base, "UserAttributeNames": ["no_such"]}, "InvalidParameterException")
    rejected(server, "AdminDeleteUserAttributes", {**base, "UserAttributeNames": ["email"]}, "InvalidParameterException")


def test_delete_own_attributes(server, pool, make_user):
    username = make_user(pool, attributes={"nickname": "a"})
    access = tokens_for(server, pool, username)["AccessToken"]
    ok(server, "DeleteUserAttributes", {"AccessToken": access, "UserAttributeNames": ["nickname"]})
    assert "nickname" not in attrs(server, pool, username)


def test_delete_own_attribute_outside_write_attributes_is_refused(server, make_user):
    pool = create_pool(server, client_args={"WriteAttributes": ["nickname"]})
    username = make_user(pool, attributes={"given_name": "Ada"})
    access = tokens_for(server, pool, username)["AccessToken"]
    rejected(server, "DeleteUserAttributes", {"AccessToken": access, "UserAttributeNames": ["given_name"]}, "NotAuthorizedException")


# ------------------------------------------------------------------ verification codes


def test_get_and_verify_an_attribute_code(server, pool, make_user):
    username = make_user(pool, attributes={"email_verified": "false"})
    access = tokens_for(server, pool, username)["AccessToken"]
    out = ok(server, "GetUserAttributeVerificationCode", {"AccessToken": access, "AttributeName": "email"})
    assert out["CodeDeliveryDetails"] == {"Destination": f"{username[0]}***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    code = server.last_code(username, "VERIFY_ATTRIBUTE")
    ok(server, "VerifyUserAttribute", {"AccessToken": access, "AttributeName": "email", "Code": code})
    assert attrs(server, pool, username)["email_verified"] == "true"
    rejected(server, "VerifyUserAttribute", {"AccessToken": access, "AttributeName": "email", "Code": code}, "CodeMismatchException")


def test_wrong_attribute_code_is_code_mismatch_and_counted(server, pool, make_user):
    username = make_user(pool, attributes={"email_verified": "false"})
    access = tokens_for(server, pool, username)["AccessToken"]
    ok(server, "GetUserAttributeVerificationCode", {"AccessToken": access, "AttributeName": "email"})
    code = server.last_code(username, "VERIFY_ATTRIBUTE")
    wrong = "000000" if code != "000000" else "111111"
    rejected_recording(server, "VerifyUserAttribute", {"AccessToken": access, "AttributeName": "email", "Code": wrong},
                       "CodeMismatchException", tables={"codes"})
    assert code_attempts(server, pool["pool_id"], username) == [1]
    assert attrs(server, pool, username)["email_verified"] == "false"


def test_expired_attribute_code_is_expired_code(server, pool, make_user):
    username = make_user(pool, attributes={"email_verified": "false"})
    access = tokens_for(server, pool, username)["AccessToken"]
    ok(server, "GetUserAttributeVerificationCode", {"AccessToken": access, "AttributeName": "email"})
    expire_codes(server, pool["pool_id"], username)
    code = server.last_code(username, "VERIFY_ATTRIBUTE")
    rejected(server, "VerifyUserAttribute", {"AccessToken": access, "AttributeName": "email", "Code": code}, "ExpiredCodeException")


def test_verification_code_for_a_missing_attribute_is_refused(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    rejected(server, "GetUserAttributeVerificationCode", {"AccessToken": access, "AttributeName": "phone_number"},
             "InvalidParameterException")
    rejected(server, "VerifyUserAttribute", {"AccessToken": access, "AttributeName": "phone_number", "Code": "123456"},
             "CodeMismatchException")


def test_verified_alias_becomes_a_sign_in_name(server, make_user):
    pool = create_pool(server, AliasAttributes=["email"])
    username = make_user(pool, attributes={"email_verified": "false"})
    email = f"{username}@example.com"
    from tests.server.helpers import password_auth

    rejected(server, "InitiateAuth", password_auth(pool, email), "UserNotFoundException")
    access = tokens_for(server, pool, username)["AccessToken"]
    ok(server, "GetUserAttributeVerificationCode", {"AccessToken": access, "AttributeName": "email"})
    ok(server, "VerifyUserAttribute", {"AccessToken": access, "AttributeName": "email",
                                       "Code": server.last_code(username, "VERIFY_ATTRIBUTE")})
    assert claims(tokens_for(server, pool, email)["AccessToken"])["username"] == username


def test_users_cannot_mark_their_own_address_verified(server, pool, make_user):
    username = make_user(pool, attributes={"email_verified": "false"})
    access = tokens_for(server, pool, username)["AccessToken"]
    body = {"AccessToken": access, "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}
    rejected(server, "UpdateUserAttributes", body, "NotAuthorizedException", message="unauthorized attribute")


# ------------------------------------------------------------------ boolean values (issue 15)
#
# Cognito takes email_verified / phone_number_verified as "True"/"False" in any case (AdminCreateUser's
# API reference writes `True`; aws-amplify/amplify-js#8205 is a user pool holding email_verified
# "True" set through the SDK) and answers with them lowercase, as we store them.


def test_verified_flags_take_true_and_false_in_any_case(server, make_user):
    pool = create_pool(server)
    username = unique()
    server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "True"}])
    assert attrs(server, pool, username)["email_verified"] == "true"
    server.admin.admin_update_user_attributes(UserPoolId=pool["pool_id"], Username=username, UserAttributes=[
        {"Name": "email_verified", "Value": "FALSE"}, {"Name": "phone_number", "Value": "+15555550100"},
        {"Name": "phone_number_verified", "Value": "tRuE"}])
    got = attrs(server, pool, username)
    assert got["email_verified"] == "false" and got["phone_number_verified"] == "true"
    before = attrs(server, pool, username)
    refused_by_boto3(server, lambda: server.admin.admin_update_user_attributes(
        UserPoolId=pool["pool_id"], Username=username, UserAttributes=[{"Name": "email_verified", "Value": "yes"}]),
        "InvalidParameterException", "email_verified: Attribute value must be true or false.")
    assert attrs(server, pool, username) == before


# ------------------------------------------------------------------ unknown attributes (issue 15)
#
# Cognito names every attribute the schema lacks, one a line, "<name>: Attribute does not exist in
# the schema.\n". SignUp / AdminCreateUser put "Attributes did not conform to the schema: " first
# (Cognito's answers quoted in aws-amplify/amplify-flutter#509 and aws-amplify/amplify-js#2167);
# UpdateUserAttributes and the other attribute changes prefix each name with "user." (Cognito's
# answers quoted in aws-amplify/amplify-flutter#1531, several names, and a raw UpdateUserAttributes
# response body "user.update_email: Attribute does not exist in the schema.\n" in a published
# bug-bounty write-up). The admin and delete forms are taken to answer as UpdateUserAttributes does.

_NOT_IN_SCHEMA = "user.nope: Attribute does not exist in the schema.\nuser.custom:nope: Attribute does not exist in the schema.\n"


def _unknown(names_and_values):
    return [{"Name": n, "Value": v} for n, v in names_and_values]


def test_updates_name_every_unknown_attribute_and_change_nothing(server, pool, make_user):
    username = make_user(pool, attributes={"nickname": "ada"})
    before = attrs(server, pool, username)
    attributes = _unknown([("given_name", "Ada"), ("nope", "x"), ("custom:nope", "y")])
    refused_by_boto3(server, lambda: server.admin.admin_update_user_attributes(
        UserPoolId=pool["pool_id"], Username=username, UserAttributes=attributes), "InvalidParameterException", _NOT_IN_SCHEMA)
    access = tokens_for(server, pool, username)["AccessToken"]
    refused_by_boto3(server, lambda: server.public.update_user_attributes(AccessToken=access, UserAttributes=attributes),
                     "InvalidParameterException", _NOT_IN_SCHEMA)
    names = ["nickname", "nope", "custom:nope"]
    refused_by_boto3(server, lambda: server.admin.admin_delete_user_attributes(
        UserPoolId=pool["pool_id"], Username=username, UserAttributeNames=names), "InvalidParameterException", _NOT_IN_SCHEMA)
    refused_by_boto3(server, lambda: server.public.delete_user_attributes(AccessToken=access, UserAttributeNames=names),
                     "InvalidParameterException", _NOT_IN_SCHEMA)
    assert attrs(server, pool, username) == before  # given_name not set, nickname not deleted


def test_new_users_name_every_unknown_attribute_and_are_not_created(server, pool):
    expected = ("Attributes did not conform to the schema: nope: Attribute does not exist in the schema.\n"
                "custom:nope: Attribute does not exist in the schema.\n")
    username = unique()
    attributes = _unknown([("email", f"{username}@example.com"), ("nope", "x"), ("custom:nope", "y")])
    refused_by_boto3(server, lambda: server.public.sign_up(ClientId=pool["client_id"], Username=username, Password=PASSWORD,
                                                           UserAttributes=attributes), "InvalidParameterException", expected)
    refused_by_boto3(server, lambda: server.admin.admin_create_user(UserPoolId=pool["pool_id"], Username=username,
                                                                    UserAttributes=attributes), "InvalidParameterException", expected)
    assert server.admin.list_users(UserPoolId=pool["pool_id"], Filter=f'username = "{username}"')["Users"] == []
