"""Users: AdminCreateUser (invitation, RESEND, SUPPRESS), AdminGetUser, GetUser, AdminDeleteUser,
DeleteUser, AdminEnableUser, AdminDisableUser."""

from __future__ import annotations

import re

from tests.conftest import create_pool
from tests.server.helpers import (
    NEW_PASSWORD,
    assert_error,
    execute,
    ok,
    outbox_for,
    password_auth,
    rejected,
    rejected_recording,
    rpc,
    tokens_for,
    unique,
    user_column,
)


def create_user(pool: dict, username: str, **extra) -> dict:
    body = {"UserPoolId": pool["pool_id"], "Username": username, **extra}
    body.setdefault("UserAttributes", [{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}])
    return body


def invitation(server, pool, username) -> dict:
    (message,) = [m for m in outbox_for(server, pool["pool_id"], username) if m["kind"] == "ADMIN_CREATE_USER"][-1:]
    return message


def test_admin_create_user_invites_with_a_policy_compliant_temporary_password(server, pool):
    username = unique()
    created = ok(server, "AdminCreateUser", create_user(pool, username, DesiredDeliveryMediums=["EMAIL"]))["User"]
    assert created["Username"] == username and created["UserStatus"] == "FORCE_CHANGE_PASSWORD" and created["Enabled"] is True
    assert {a["Name"] for a in created["Attributes"]} >= {"sub", "email", "email_verified"}
    message = invitation(server, pool, username)
    assert message["delivery_medium"] == "EMAIL" and message["destination"] == f"{username}@example.com"
    temporary = message["code"]
    assert temporary in message["message"] and username in message["message"]
    assert len(temporary) >= 8 and re.search(r"[a-z]", temporary) and re.search(r"[A-Z]", temporary) and re.search(r"\d", temporary)
    challenge = ok(server, "InitiateAuth", password_auth(pool, username, temporary))
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_create_user_with_a_given_temporary_password(server, pool):
    username = unique()
    ok(server, "AdminCreateUser", create_user(pool, username, TemporaryPassword="Temp-passw0rd", MessageAction="SUPPRESS"))
    assert ok(server, "InitiateAuth", password_auth(pool, username, "Temp-passw0rd"))["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_suppress_sends_no_message(server, pool):
    username = unique()
    ok(server, "AdminCreateUser", create_user(pool, username, MessageAction="SUPPRESS"))
    assert outbox_for(server, pool["pool_id"], username) == []


def test_resend_sends_a_new_temporary_password_and_retires_the_old(server, pool):
    username = unique()
    ok(server, "AdminCreateUser", create_user(pool, username, TemporaryPassword="First-passw0rd", DesiredDeliveryMediums=["EMAIL"]))
    resent = ok(server, "AdminCreateUser", {"UserPoolId": pool["pool_id"], "Username": username, "MessageAction": "RESEND",
                                            "DesiredDeliveryMediums": ["EMAIL"]})
    assert resent["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    messages = [m for m in outbox_for(server, pool["pool_id"], username) if m["kind"] == "ADMIN_CREATE_USER"]
    assert len(messages) == 2
    second = messages[-1]["code"]
    assert second != "First-passw0rd"
    rejected_recording(server, "InitiateAuth", password_auth(pool, username, "First-passw0rd"), "NotAuthorizedException",
                       tables={"users"})
    assert ok(server, "InitiateAuth", password_auth(pool, username, second))["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_resend_to_a_confirmed_user_is_unsupported_user_state(server, pool, user):
    rejected(server, "AdminCreateUser", {"UserPoolId": pool["pool_id"], "Username": user, "MessageAction": "RESEND"},
             "UnsupportedUserStateException")


def test_existing_username_is_username_exists(server, pool, user):
    rejected(server, "AdminCreateUser", create_user(pool, user), "UsernameExistsException", message="already exists")


def test_temporary_password_must_meet_the_policy(server, pool):
    rejected(server, "AdminCreateUser", create_user(pool, unique(), TemporaryPassword="weak"), "InvalidPasswordException")


def test_admin_create_user_refuses_unknown_and_malformed_attributes(server, pool):
    rejected(server, "AdminCreateUser", create_user(pool, unique(), UserAttributes=[{"Name": "shoe_size", "Value": "9"}]),
             "InvalidParameterException")
    rejected(server, "AdminCreateUser", create_user(pool, unique(), UserAttributes=[{"Name": "phone_number", "Value": "555-1234"}]),
             "InvalidParameterException", message="phone")


def test_admin_create_user_checks_required_attributes(server):
    pool = create_pool(server, Schema=[{"Name": "family_name", "AttributeDataType": "String", "Required": True}])
    rejected(server, "AdminCreateUser", create_user(pool, unique()), "InvalidParameterException", message="family_name")


def test_admin_create_user_can_set_developer_only_attributes(server):
    pool = create_pool(server, Schema=[{"Name": "tier", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}])
    username = unique()
    ok(server, "AdminCreateUser", create_user(pool, username, UserAttributes=[{"Name": "dev:custom:tier", "Value": "gold"}],
                                              MessageAction="SUPPRESS"))
    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)["UserAttributes"]
    assert {"Name": "dev:custom:tier", "Value": "gold"} in got or {"Name": "custom:tier", "Value": "gold"} in got


def test_email_username_pool_generates_the_username(server):
    pool = create_pool(server, UsernameAttributes=["email"])
    email = f"{unique()}@example.com"
    created = ok(server, "AdminCreateUser", {"UserPoolId": pool["pool_id"], "Username": email, "MessageAction": "SUPPRESS"})["User"]
    assert re.fullmatch(r"[0-9a-f-]{36}", created["Username"])
    assert {a["Name"]: a["Value"] for a in created["Attributes"]}["email"] == email
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=email)["Username"] == created["Username"]
    rejected(server, "AdminCreateUser", {"UserPoolId": pool["pool_id"], "Username": email, "MessageAction": "SUPPRESS"},
             "UsernameExistsException")


def test_alias_taken_by_another_user_is_alias_exists_unless_forced(server, make_user):
    pool = create_pool(server, AliasAttributes=["email"])
    email = f"{unique()}@example.com"
    holder = make_user(pool, attributes={"email": email})
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    body = create_user(pool, unique(), UserAttributes=attributes, MessageAction="SUPPRESS")
    rejected(server, "AdminCreateUser", body, "AliasExistsException")
    ok(server, "AdminCreateUser", {**body, "ForceAliasCreation": True})
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=email)["Username"] == body["Username"]
    holder_attrs = {a["Name"]: a["Value"] for a in server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=holder)["UserAttributes"]}
    assert holder_attrs.get("email_verified") != "true"


def test_expired_temporary_password_must_be_reset_by_an_admin(server, pool):
    username = unique()
    ok(server, "AdminCreateUser", create_user(pool, username, TemporaryPassword="Temp-passw0rd", MessageAction="SUPPRESS"))
    execute(server, "UPDATE users SET temp_password_expires_at = 1 WHERE pool_id = ? AND username = ?", pool["pool_id"], username)
    rejected(server, "InitiateAuth", password_auth(pool, username, "Temp-passw0rd"), "NotAuthorizedException",
             message="Temporary password has expired")
    ok(server, "AdminCreateUser", {"UserPoolId": pool["pool_id"], "Username": username, "MessageAction": "RESEND",
                                   "TemporaryPassword": "Again-passw0rd"})
    assert ok(server, "InitiateAuth", password_auth(pool, username, "Again-passw0rd"))["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_temporary_password_validity_follows_the_policy(server):
    pool = create_pool(server, Policies={"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 3}})
    username = unique()
    ok(server, "AdminCreateUser", create_user(pool, username, MessageAction="SUPPRESS"))
    expires = user_column(server, pool["pool_id"], username, "temp_password_expires_at")
    created = user_column(server, pool["pool_id"], username, "created_at")
    assert round(expires - created) == 3 * 86400


# ------------------------------------------------------------------ AdminGetUser / GetUser


def test_admin_get_user_describes_the_user(server, pool, make_user):
    username = make_user(pool, attributes={"given_name": "Ada"})
    got = server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=username)
    assert got["Username"] == username and got["UserStatus"] == "CONFIRMED" and got["Enabled"] is True
    attrs = {a["Name"]: a["Value"] for a in got["UserAttributes"]}
    assert attrs["given_name"] == "Ada" and attrs["email"] == f"{username}@example.com" and re.fullmatch(r"[0-9a-f-]{36}", attrs["sub"])
    assert got["UserCreateDate"] <= got["UserLastModifiedDate"]


def test_admin_get_user_by_verified_alias(server, make_user):
    pool = create_pool(server, AliasAttributes=["email", "preferred_username"])
    username = make_user(pool, attributes={"preferred_username": "ada"})
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=f"{username}@example.com")["Username"] == username
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username="ada")["Username"] == username


def test_unverified_alias_does_not_designate_the_user(server, make_user):
    pool = create_pool(server, AliasAttributes=["email"])
    username = make_user(pool, attributes={"email_verified": "false"})
    rejected(server, "AdminGetUser", {"UserPoolId": pool["pool_id"], "Username": f"{username}@example.com"}, "UserNotFoundException")


def test_get_user_with_an_access_token(server, pool, make_user):
    username = make_user(pool, attributes={"family_name": "Lovelace"})
    access = tokens_for(server, pool, username)["AccessToken"]
    got = server.public.get_user(AccessToken=access)
    assert got["Username"] == username
    assert {a["Name"]: a["Value"] for a in got["UserAttributes"]}["family_name"] == "Lovelace"


def test_get_user_of_a_disabled_user_is_refused(server, pool, user):
    access = tokens_for(server, pool, user)["AccessToken"]
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=user)
    rejected(server, "GetUser", {"AccessToken": access}, "NotAuthorizedException")


def test_get_user_with_a_malformed_token(server):
    rejected(server, "GetUser", {"AccessToken": "not-a-jwt"}, "NotAuthorizedException")
    rejected(server, "GetUser", {"AccessToken": "a b"}, "InvalidParameterException")


# ------------------------------------------------------------------ deleting


def test_admin_delete_user_removes_the_user_and_ends_its_sessions(server, pool, user):
    result = tokens_for(server, pool, user)
    server.admin.admin_delete_user(UserPoolId=pool["pool_id"], Username=user)
    rejected(server, "AdminGetUser", {"UserPoolId": pool["pool_id"], "Username": user}, "UserNotFoundException")
    rejected(server, "GetUser", {"AccessToken": result["AccessToken"]}, "NotAuthorizedException")
    rejected(server, "GetTokensFromRefreshToken", {"ClientId": pool["client_id"], "RefreshToken": result["RefreshToken"]},
             "NotAuthorizedException")
    rejected(server, "InitiateAuth", password_auth(pool, user), "UserNotFoundException")
    assert server.admin.list_users(UserPoolId=pool["pool_id"])["Users"] == []


def test_deleted_username_can_be_used_again(server, pool, make_user, user):
    server.admin.admin_delete_user(UserPoolId=pool["pool_id"], Username=user)
    make_user(pool, username=user, password=NEW_PASSWORD)
    assert tokens_for(server, pool, user, NEW_PASSWORD)["AccessToken"]


def test_delete_user_deletes_oneself(server, pool, user):
    result = tokens_for(server, pool, user)
    assert ok(server, "DeleteUser", {"AccessToken": result["AccessToken"]}) == {}
    rejected(server, "AdminGetUser", {"UserPoolId": pool["pool_id"], "Username": user}, "UserNotFoundException")
    rejected(server, "GetUser", {"AccessToken": result["AccessToken"]}, "NotAuthorizedException")
    rejected(server, "DeleteUser", {"AccessToken": result["AccessToken"]}, "NotAuthorizedException")


# ------------------------------------------------------------------ enable / disable


def test_disabled_user_cannot_sign_in_and_loses_its_sessions(server, pool, user):
    result = tokens_for(server, pool, user)
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=user)
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=user)["Enabled"] is False
    rejected(server, "InitiateAuth", password_auth(pool, user), "NotAuthorizedException", message="User is disabled")
    rejected(server, "GetUser", {"AccessToken": result["AccessToken"]}, "NotAuthorizedException")
    rejected(server, "GetTokensFromRefreshToken", {"ClientId": pool["client_id"], "RefreshToken": result["RefreshToken"]},
             "NotAuthorizedException")
    body = {"ClientId": pool["client_id"], "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": result["RefreshToken"]}}
    rejected(server, "InitiateAuth", body, "NotAuthorizedException")


def test_disabled_user_with_a_wrong_password_is_still_refused(server, pool, user):
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=user)
    assert_error(rpc(server, "InitiateAuth", password_auth(pool, user, "Wr0ng-passw0rd!")), "NotAuthorizedException")


def test_enabled_again_user_signs_in_but_old_tokens_stay_revoked(server, pool, user):
    result = tokens_for(server, pool, user)
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=user)
    server.admin.admin_enable_user(UserPoolId=pool["pool_id"], Username=user)
    assert server.admin.admin_get_user(UserPoolId=pool["pool_id"], Username=user)["Enabled"] is True
    fresh = tokens_for(server, pool, user)
    assert server.public.get_user(AccessToken=fresh["AccessToken"])["Username"] == user
    rejected(server, "GetUser", {"AccessToken": result["AccessToken"]}, "NotAuthorizedException")


def test_disabled_users_are_listed_as_disabled(server, pool, user):
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username=user)
    (listed,) = server.admin.list_users(UserPoolId=pool["pool_id"])["Users"]
    assert listed["Enabled"] is False


def test_password_is_required_for_a_password_sign_in(server, pool, user):
    body = password_auth(pool, user)
    del body["AuthParameters"]["PASSWORD"]
    rejected(server, "InitiateAuth", body, "InvalidParameterException", message="PASSWORD")
