"""Errors every operation shares, checked for each implemented operation: missing required
members, wrong member types, unknown pool / client / user, and access tokens that are not
valid (foreign, an ID token, revoked). Each is a Cognito-shaped 400 that changes nothing.

The module's pool is read-only for these tests (each one proves the database unchanged), so
it is made once per worker.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import create_pool
from tests.server.helpers import (
    FOREIGN_JWT,
    PASSWORD,
    UNKNOWN_CLIENT,
    UNKNOWN_POOL,
    input_shape,
    is_admin,
    ok,
    rejected,
    tokens_for,
    unique,
)
from userpool.server.operations import HANDLERS

OPERATIONS = sorted(HANDLERS)
DEVICE_KEY = "us-east-1_00000000-0000-0000-0000-000000000000"


def body_for(op: str, pool_id: str, client_id: str, username: str, token: str) -> dict[str, Any]:
    """A well-formed request for ``op`` aimed at the given pool, client, user and token."""
    user = {"UserPoolId": pool_id, "Username": username}
    bodies: dict[str, dict[str, Any]] = {
        "CreateUserPool": {"PoolName": "p"},
        "DescribeUserPool": {"UserPoolId": pool_id},
        "UpdateUserPool": {"UserPoolId": pool_id},
        "DeleteUserPool": {"UserPoolId": pool_id},
        "ListUserPools": {"MaxResults": 10},
        "AddCustomAttributes": {"UserPoolId": pool_id, "CustomAttributes": [{"Name": "team", "AttributeDataType": "String"}]},
        "CreateUserPoolClient": {"UserPoolId": pool_id, "ClientName": "c"},
        "DescribeUserPoolClient": {"UserPoolId": pool_id, "ClientId": client_id},
        "UpdateUserPoolClient": {"UserPoolId": pool_id, "ClientId": client_id},
        "DeleteUserPoolClient": {"UserPoolId": pool_id, "ClientId": client_id},
        "ListUserPoolClients": {"UserPoolId": pool_id},
        "SignUp": {"ClientId": client_id, "Username": username, "Password": PASSWORD},
        "ConfirmSignUp": {"ClientId": client_id, "Username": username, "ConfirmationCode": "123456"},
        "ResendConfirmationCode": {"ClientId": client_id, "Username": username},
        "AdminConfirmSignUp": user,
        "AdminCreateUser": {**user, "MessageAction": "RESEND"},
        "AdminGetUser": user,
        "GetUser": {"AccessToken": token},
        "AdminDeleteUser": user,
        "DeleteUser": {"AccessToken": token},
        "AdminEnableUser": user,
        "AdminDisableUser": user,
        "AdminUpdateUserAttributes": {**user, "UserAttributes": [{"Name": "name", "Value": "x"}]},
        "UpdateUserAttributes": {"AccessToken": token, "UserAttributes": [{"Name": "name", "Value": "x"}]},
        "AdminDeleteUserAttributes": {**user, "UserAttributeNames": ["name"]},
        "DeleteUserAttributes": {"AccessToken": token, "UserAttributeNames": ["name"]},
        "GetUserAttributeVerificationCode": {"AccessToken": token, "AttributeName": "email"},
        "VerifyUserAttribute": {"AccessToken": token, "AttributeName": "email", "Code": "123456"},
        "ListUsers": {"UserPoolId": pool_id},
        "CreateGroup": {"UserPoolId": pool_id, "GroupName": "g"},
        "GetGroup": {"UserPoolId": pool_id, "GroupName": "g"},
        "UpdateGroup": {"UserPoolId": pool_id, "GroupName": "g"},
        "DeleteGroup": {"UserPoolId": pool_id, "GroupName": "g"},
        "ListGroups": {"UserPoolId": pool_id},
        "AdminAddUserToGroup": {**user, "GroupName": "g"},
        "AdminRemoveUserFromGroup": {**user, "GroupName": "g"},
        "AdminListGroupsForUser": user,
        "ListUsersInGroup": {"UserPoolId": pool_id, "GroupName": "g"},
        "InitiateAuth": {
            "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
        },
        "AdminInitiateAuth": {
            "UserPoolId": pool_id, "ClientId": client_id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
        },
        "RespondToAuthChallenge": {
            "ClientId": client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "x" * 40,
            "ChallengeResponses": {"USERNAME": username, "NEW_PASSWORD": PASSWORD},
        },
        "AdminRespondToAuthChallenge": {
            "UserPoolId": pool_id, "ClientId": client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "x" * 40,
            "ChallengeResponses": {"USERNAME": username, "NEW_PASSWORD": PASSWORD},
        },
        "ForgotPassword": {"ClientId": client_id, "Username": username},
        "ConfirmForgotPassword": {"ClientId": client_id, "Username": username, "ConfirmationCode": "123456", "Password": PASSWORD},
        "ChangePassword": {"AccessToken": token, "PreviousPassword": PASSWORD, "ProposedPassword": PASSWORD + "x"},
        "AdminSetUserPassword": {**user, "Password": PASSWORD, "Permanent": True},
        "AdminResetUserPassword": user,
        "GetTokensFromRefreshToken": {"ClientId": client_id, "RefreshToken": "r" * 40},
        "GlobalSignOut": {"AccessToken": token},
        "AdminUserGlobalSignOut": user,
        "RevokeToken": {"ClientId": client_id, "Token": "r" * 40},
        "GetCSVHeader": {"UserPoolId": pool_id},
        "CreateUserImportJob": {"UserPoolId": pool_id, "JobName": "j", "CloudWatchLogsRoleArn": "arn:aws:iam::123456789012:role/Import"},
        "StartUserImportJob": {"UserPoolId": pool_id, "JobId": "import-nosuchjob"},
        "DescribeUserImportJob": {"UserPoolId": pool_id, "JobId": "import-nosuchjob"},
        "ListUserImportJobs": {"UserPoolId": pool_id, "MaxResults": 10},
        "StopUserImportJob": {"UserPoolId": pool_id, "JobId": "import-nosuchjob"},
        "SetUserPoolMfaConfig": {"UserPoolId": pool_id, "MfaConfiguration": "OFF"},
        "GetUserPoolMfaConfig": {"UserPoolId": pool_id},
        "AssociateSoftwareToken": {"AccessToken": token},
        "VerifySoftwareToken": {"AccessToken": token, "UserCode": "123456"},
        "SetUserMFAPreference": {"AccessToken": token, "SoftwareTokenMfaSettings": {"Enabled": False}},
        "AdminSetUserMFAPreference": {**user, "SoftwareTokenMfaSettings": {"Enabled": False}},
        "SetUserSettings": {"AccessToken": token, "MFAOptions": []},
        "StartWebAuthnRegistration": {"AccessToken": token},
        "CompleteWebAuthnRegistration": {"AccessToken": token, "Credential": {"id": "x"}},
        "ListWebAuthnCredentials": {"AccessToken": token},
        "DeleteWebAuthnCredential": {"AccessToken": token, "CredentialId": "x"},
        "AdminSetUserSettings": {**user, "MFAOptions": []},
        # tracked devices
        "ConfirmDevice": {"AccessToken": token, "DeviceKey": DEVICE_KEY, "DeviceSecretVerifierConfig": {"PasswordVerifier": "AQID", "Salt": "AQID"}},
        "GetDevice": {"AccessToken": token, "DeviceKey": DEVICE_KEY},
        "ListDevices": {"AccessToken": token},
        "UpdateDeviceStatus": {"AccessToken": token, "DeviceKey": DEVICE_KEY, "DeviceRememberedStatus": "remembered"},
        "ForgetDevice": {"AccessToken": token, "DeviceKey": DEVICE_KEY},
        "AdminGetDevice": {**user, "DeviceKey": DEVICE_KEY},
        "AdminListDevices": user,
        "AdminUpdateDeviceStatus": {**user, "DeviceKey": DEVICE_KEY, "DeviceRememberedStatus": "remembered"},
        "AdminForgetDevice": {**user, "DeviceKey": DEVICE_KEY},
        # managed login (OAuth 2.0) management
        "CreateUserPoolDomain": {"UserPoolId": pool_id, "Domain": "every-op-domain"},
        "DescribeUserPoolDomain": {"Domain": "every-op-domain"},
        "UpdateUserPoolDomain": {"UserPoolId": pool_id, "Domain": "every-op-domain", "ManagedLoginVersion": 2},
        "DeleteUserPoolDomain": {"UserPoolId": pool_id, "Domain": "every-op-domain"},
        "CreateResourceServer": {"UserPoolId": pool_id, "Identifier": "api", "Name": "api"},
        "DescribeResourceServer": {"UserPoolId": pool_id, "Identifier": "api"},
        "UpdateResourceServer": {"UserPoolId": pool_id, "Identifier": "api", "Name": "api"},
        "DeleteResourceServer": {"UserPoolId": pool_id, "Identifier": "api"},
        "ListResourceServers": {"UserPoolId": pool_id, "MaxResults": 10},
        "CreateIdentityProvider": {"UserPoolId": pool_id, "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": {
            "client_id": "c", "client_secret": "s", "authorize_scopes": "openid", "attributes_request_method": "GET",
            "oidc_issuer": "https://idp.example.com"}},
        "DescribeIdentityProvider": {"UserPoolId": pool_id, "ProviderName": "Corp"},
        "UpdateIdentityProvider": {"UserPoolId": pool_id, "ProviderName": "Corp"},
        "DeleteIdentityProvider": {"UserPoolId": pool_id, "ProviderName": "Corp"},
        "ListIdentityProviders": {"UserPoolId": pool_id, "MaxResults": 10},
        "GetIdentityProviderByIdentifier": {"UserPoolId": pool_id, "IdpIdentifier": "corp.example.com"},
        "GetUICustomization": {"UserPoolId": pool_id, "ClientId": client_id},
        "SetUICustomization": {"UserPoolId": pool_id, "ClientId": client_id, "CSS": ".label-customizable{color:red}"},
        "AdminLinkProviderForUser": {
            "UserPoolId": pool_id,
            "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": username},
            "SourceUser": {"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "x"},
        },
        "AdminDisableProviderForUser": {
            "UserPoolId": pool_id,
            "User": {"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "x"},
        },
    }
    return bodies[op]


def test_the_table_covers_every_implemented_operation():
    for op in OPERATIONS:
        assert body_for(op, UNKNOWN_POOL, UNKNOWN_CLIENT, "u", FOREIGN_JWT)


@pytest.fixture(scope="module")
def shared(server: Any) -> dict[str, Any]:
    """A pool with a signed-in user and a revoked access token (read-only for this module)."""
    pool = create_pool(server)
    for name in ("alice", "gone", "disabled"):
        server.admin.admin_create_user(
            UserPoolId=pool["pool_id"], Username=name, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}],
        )
        server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=name, Password=PASSWORD, Permanent=True)
    server.admin.create_group(UserPoolId=pool["pool_id"], GroupName="g")
    alice = tokens_for(server, pool, "alice")
    gone = tokens_for(server, pool, "gone")
    ok(server, "GlobalSignOut", {"AccessToken": gone["AccessToken"]})
    disabled = tokens_for(server, pool, "disabled")
    server.admin.admin_disable_user(UserPoolId=pool["pool_id"], Username="disabled")
    return {**pool, "access": alice["AccessToken"], "id": alice["IdToken"], "revoked": gone["AccessToken"],
            "disabled": disabled["AccessToken"]}


# ------------------------------------------------------------------ the wire: members


# AssociateSoftwareToken has no required member (AccessToken or Session, one of them).
WITH_REQUIRED = [op for op in OPERATIONS if input_shape(op).required_members]


@pytest.mark.parametrize("op", WITH_REQUIRED)
def test_missing_required_members_are_invalid_parameter(server, op):
    required = input_shape(op).required_members
    body = rejected(server, op, {}, "InvalidParameterException", message=r"^\d+ validation errors? detected: ")
    assert body["message"].count("Member must not be null") == len(required)
    assert body["message"].startswith(f"{len(required)} validation error")


@pytest.mark.parametrize("op", OPERATIONS)
def test_wrong_member_types_are_serialization_errors(server, op):
    shape = input_shape(op)
    good = body_for(op, UNKNOWN_POOL, UNKNOWN_CLIENT, "nobody", FOREIGN_JWT)
    for name in shape.required_members:
        wrong = 12345 if shape.members[name].type_name == "string" else "not-a-" + shape.members[name].type_name
        rejected(server, op, {**good, name: wrong}, "SerializationException")


@pytest.mark.parametrize("op", WITH_REQUIRED)
def test_explicit_null_for_a_required_member_is_invalid_parameter(server, op):
    shape = input_shape(op)
    good = body_for(op, UNKNOWN_POOL, UNKNOWN_CLIENT, "nobody", FOREIGN_JWT)
    name = min(shape.required_members)
    rejected(server, op, {**good, name: None}, "InvalidParameterException", message="Member must not be null")


# ------------------------------------------------------------------ unknown pool, client, user


@pytest.mark.parametrize("op", [op for op in OPERATIONS if "UserPoolId" in body_for(op, "p", "c", "u", "t")])
def test_unknown_pool_is_resource_not_found(server, op):
    body = body_for(op, UNKNOWN_POOL, UNKNOWN_CLIENT, "nobody", FOREIGN_JWT)
    rejected(server, op, body, "ResourceNotFoundException", message=UNKNOWN_POOL)


CLIENT_OPS = [op for op in OPERATIONS if "ClientId" in body_for(op, "p", "c", "u", "t") and op != "RevokeToken"]


@pytest.mark.parametrize("op", CLIENT_OPS)
def test_unknown_client_is_resource_not_found(server, shared, op):
    body = body_for(op, shared["pool_id"], UNKNOWN_CLIENT, "alice", shared["access"])
    rejected(server, op, body, "ResourceNotFoundException")


@pytest.mark.parametrize("op", [op for op in CLIENT_OPS if is_admin(op)])
def test_client_of_another_pool_is_resource_not_found(server, shared, op):
    other = create_pool(server)
    body = body_for(op, shared["pool_id"], other["client_id"], "alice", shared["access"])
    rejected(server, op, body, "ResourceNotFoundException")


USER_OPS = [
    op for op in OPERATIONS
    if is_admin(op) and "Username" in body_for(op, "p", "c", "u", "t")
]


@pytest.mark.parametrize("op", USER_OPS)
def test_unknown_user_in_admin_operations_is_user_not_found(server, shared, op):
    body = body_for(op, shared["pool_id"], shared["client_id"], unique("nobody"), shared["access"])
    rejected(server, op, body, "UserNotFoundException")


TOKEN_OPS = [op for op in OPERATIONS if "AccessToken" in body_for(op, "p", "c", "u", "t")]


@pytest.mark.parametrize("op", TOKEN_OPS)
def test_foreign_access_token_is_not_authorized(server, shared, op):
    body = body_for(op, shared["pool_id"], shared["client_id"], "alice", FOREIGN_JWT)
    rejected(server, op, body, "NotAuthorizedException", message="Invalid Access Token")


@pytest.mark.parametrize("op", TOKEN_OPS)
def test_id_token_in_place_of_access_token_is_not_authorized(server, shared, op):
    body = body_for(op, shared["pool_id"], shared["client_id"], "alice", shared["id"])
    rejected(server, op, body, "NotAuthorizedException", message="Invalid Access Token")


@pytest.mark.parametrize("op", TOKEN_OPS)
def test_tampered_access_token_is_not_authorized(server, shared, op):
    head, payload, signature = shared["access"].split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    body = body_for(op, shared["pool_id"], shared["client_id"], "alice", f"{head}.{payload}.{flipped}")
    rejected(server, op, body, "NotAuthorizedException", message="Invalid Access Token")


@pytest.mark.parametrize("op", TOKEN_OPS)
def test_revoked_access_token_is_not_authorized(server, shared, op):
    body = body_for(op, shared["pool_id"], shared["client_id"], "gone", shared["revoked"])
    rejected(server, op, body, "NotAuthorizedException", message="Access Token has been revoked")


@pytest.mark.parametrize("op", TOKEN_OPS)
def test_access_token_of_a_disabled_user_is_not_authorized(server, shared, op):
    body = body_for(op, shared["pool_id"], shared["client_id"], "disabled", shared["disabled"])
    rejected(server, op, body, "NotAuthorizedException")


@pytest.mark.parametrize("op", [op for op in OPERATIONS if is_admin(op)])
def test_admin_operations_refuse_unsigned_calls(server, op):
    body = body_for(op, UNKNOWN_POOL, UNKNOWN_CLIENT, "nobody", FOREIGN_JWT)
    rejected(server, op, body, "MissingAuthenticationTokenException", status=403, signed=False)
