"""Which function answers which Cognito operation (the ``X-Amz-Target`` suffix).

Whether an operation needs a SigV4 signature comes from botocore's model, not from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from userpool.server import errors, wire
from userpool.server.context import Context
from userpool.server.ops import (
    auth,
    clients,
    devices,
    domains,
    groups,
    identity_providers,
    import_jobs,
    mfa,
    passwords,
    pools,
    provider_links,
    resource_servers,
    signup,
    token_lifecycle,
    ui_customization,
    users,
    webauthn,
)

Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    # pools and app clients
    "CreateUserPool": pools.create_user_pool,
    "DescribeUserPool": pools.describe_user_pool,
    "UpdateUserPool": pools.update_user_pool,
    "DeleteUserPool": pools.delete_user_pool,
    "ListUserPools": pools.list_user_pools,
    "AddCustomAttributes": pools.add_custom_attributes,
    "CreateUserPoolClient": clients.create_user_pool_client,
    "DescribeUserPoolClient": clients.describe_user_pool_client,
    "UpdateUserPoolClient": clients.update_user_pool_client,
    "DeleteUserPoolClient": clients.delete_user_pool_client,
    "ListUserPoolClients": clients.list_user_pool_clients,
    # sign-up
    "SignUp": signup.sign_up,
    "ConfirmSignUp": signup.confirm_sign_up,
    "ResendConfirmationCode": signup.resend_confirmation_code,
    "AdminConfirmSignUp": signup.admin_confirm_sign_up,
    # users and attributes
    "AdminCreateUser": users.admin_create_user,
    "AdminGetUser": users.admin_get_user,
    "GetUser": users.get_user,
    "AdminDeleteUser": users.admin_delete_user,
    "DeleteUser": users.delete_user,
    "AdminEnableUser": users.admin_enable_user,
    "AdminDisableUser": users.admin_disable_user,
    "AdminUpdateUserAttributes": users.admin_update_user_attributes,
    "UpdateUserAttributes": users.update_user_attributes,
    "AdminDeleteUserAttributes": users.admin_delete_user_attributes,
    "DeleteUserAttributes": users.delete_user_attributes,
    "GetUserAttributeVerificationCode": users.get_user_attribute_verification_code,
    "VerifyUserAttribute": users.verify_user_attribute,
    "ListUsers": users.list_users,
    # groups
    "CreateGroup": groups.create_group,
    "GetGroup": groups.get_group,
    "UpdateGroup": groups.update_group,
    "DeleteGroup": groups.delete_group,
    "ListGroups": groups.list_groups,
    "AdminAddUserToGroup": groups.admin_add_user_to_group,
    "AdminRemoveUserFromGroup": groups.admin_remove_user_from_group,
    "AdminListGroupsForUser": groups.admin_list_groups_for_user,
    "ListUsersInGroup": groups.list_users_in_group,
    # signing in (which AuthFlow and which challenge: signin/tables.py FLOWS, ADMIN_FLOWS, CHALLENGES)
    "InitiateAuth": auth.initiate_auth,
    "AdminInitiateAuth": auth.admin_initiate_auth,
    "RespondToAuthChallenge": auth.respond_to_auth_challenge,
    "AdminRespondToAuthChallenge": auth.admin_respond_to_auth_challenge,
    # passwords
    "ForgotPassword": passwords.forgot_password,
    "ConfirmForgotPassword": passwords.confirm_forgot_password,
    "ChangePassword": passwords.change_password,
    "AdminSetUserPassword": passwords.admin_set_user_password,
    "AdminResetUserPassword": passwords.admin_reset_user_password,
    # tokens and sign-out
    "GetTokensFromRefreshToken": token_lifecycle.get_tokens_from_refresh_token,
    "GlobalSignOut": token_lifecycle.global_sign_out,
    "AdminUserGlobalSignOut": token_lifecycle.admin_user_global_sign_out,
    "RevokeToken": token_lifecycle.revoke_token,
    # multi-factor authentication
    "SetUserPoolMfaConfig": mfa.set_user_pool_mfa_config,
    "GetUserPoolMfaConfig": mfa.get_user_pool_mfa_config,
    "AssociateSoftwareToken": mfa.associate_software_token,
    "VerifySoftwareToken": mfa.verify_software_token,
    "SetUserMFAPreference": mfa.set_user_mfa_preference,
    "AdminSetUserMFAPreference": mfa.admin_set_user_mfa_preference,
    "SetUserSettings": mfa.set_user_settings,
    "AdminSetUserSettings": mfa.admin_set_user_settings,
    # tracked devices (DeviceConfiguration; DEVICE_SRP_AUTH is a challenge in signin/tables.py)
    "ConfirmDevice": devices.confirm_device,
    "GetDevice": devices.get_device,
    "ListDevices": devices.list_devices,
    "UpdateDeviceStatus": devices.update_device_status,
    "ForgetDevice": devices.forget_device,
    "AdminGetDevice": devices.admin_get_device,
    "AdminListDevices": devices.admin_list_devices,
    "AdminUpdateDeviceStatus": devices.admin_update_device_status,
    "AdminForgetDevice": devices.admin_forget_device,
    # passkeys (ops/webauthn.py; the WEB_AUTHN sign-in challenge is in signin/challenges/web_authn.py)
    "StartWebAuthnRegistration": webauthn.start_web_authn_registration,
    "CompleteWebAuthnRegistration": webauthn.complete_web_authn_registration,
    "ListWebAuthnCredentials": webauthn.list_web_authn_credentials,
    "DeleteWebAuthnCredential": webauthn.delete_web_authn_credential,
    # CSV user import jobs
    "GetCSVHeader": import_jobs.get_csv_header,
    "CreateUserImportJob": import_jobs.create_user_import_job,
    "StartUserImportJob": import_jobs.start_user_import_job,
    "DescribeUserImportJob": import_jobs.describe_user_import_job,
    "ListUserImportJobs": import_jobs.list_user_import_jobs,
    "StopUserImportJob": import_jobs.stop_user_import_job,
    # managed login (OAuth 2.0): domains, resource servers, identity providers, the hosted page
    "CreateUserPoolDomain": domains.create_user_pool_domain,
    "DescribeUserPoolDomain": domains.describe_user_pool_domain,
    "UpdateUserPoolDomain": domains.update_user_pool_domain,
    "DeleteUserPoolDomain": domains.delete_user_pool_domain,
    "CreateResourceServer": resource_servers.create_resource_server,
    "DescribeResourceServer": resource_servers.describe_resource_server,
    "UpdateResourceServer": resource_servers.update_resource_server,
    "DeleteResourceServer": resource_servers.delete_resource_server,
    "ListResourceServers": resource_servers.list_resource_servers,
    "CreateIdentityProvider": identity_providers.create_identity_provider,
    "DescribeIdentityProvider": identity_providers.describe_identity_provider,
    "UpdateIdentityProvider": identity_providers.update_identity_provider,
    "DeleteIdentityProvider": identity_providers.delete_identity_provider,
    "ListIdentityProviders": identity_providers.list_identity_providers,
    "GetIdentityProviderByIdentifier": identity_providers.get_identity_provider_by_identifier,
    "GetUICustomization": ui_customization.get_ui_customization,
    "SetUICustomization": ui_customization.set_ui_customization,
    # federation: linked provider identities
    "AdminLinkProviderForUser": provider_links.admin_link_provider_for_user,
    "AdminDisableProviderForUser": provider_links.admin_disable_provider_for_user,
}


def checked(name: str, request: dict[str, Any]) -> tuple[Handler, dict[str, Any]]:
    """The handler of ``name`` and ``request`` as the wire API would accept it (the model's
    shapes, patterns and lengths), for the server's own pages (hosted sign-in, the console):
    UnknownOperation or UnsupportedOperation as the HTTP edge answers them."""
    op = wire.operation_model(name)
    if op is None:
        raise errors.UnknownOperation(f"Unknown operation {name}")
    handler = HANDLERS.get(name)
    if handler is None:
        raise errors.UnsupportedOperation(f"{name} is not supported by this server.")
    return handler, wire.validate(op, request)


#: Operations that only read: they run in :meth:`Database.read` (no writer lock; on SQLite a
#: snapshot beside the writer, on a connection that refuses writes, answered on the event loop
#: without the worker-thread hop). An operation belongs here only if no path of it writes:
#: the import-job reads resume orphaned jobs, GetUserAttributeVerificationCode sends a code.
READ_ONLY: frozenset[str] = frozenset({
    "DescribeUserPool", "ListUserPools", "DescribeUserPoolClient", "ListUserPoolClients", "GetCSVHeader",
    "AdminGetUser", "GetUser", "ListUsers", "GetGroup", "ListGroups", "AdminListGroupsForUser", "ListUsersInGroup",
    "GetUserPoolMfaConfig", "GetDevice", "ListDevices", "AdminGetDevice", "AdminListDevices",
    "ListWebAuthnCredentials", "DescribeUserPoolDomain", "DescribeResourceServer", "ListResourceServers",
    "DescribeIdentityProvider", "ListIdentityProviders", "GetIdentityProviderByIdentifier", "GetUICustomization",
})
