"""Amplify Auth v6 for Python: ``userpool.auth``.

Configure once, then call the operations as module functions, as in Amplify::

    from userpool import auth

    auth.configure(outputs="amplify_outputs.json")
    result = auth.sign_in(username="alice", password="...")
    while not result.is_signed_in:              # e.g. CONFIRM_SIGN_IN_WITH_TOTP_CODE
        result = auth.confirm_sign_in(challenge_response=input(result.next_step.sign_in_step + ": "))
    session = auth.fetch_auth_session()          # tokens come from the session, refreshed as needed
    httpx.get(api_url, auth=auth.BearerAuth())   # Authorization: Bearer <access token>

Apps that talk to several pools, or use asyncio, create :class:`AuthClient` /
:class:`AsyncAuthClient` objects with the same methods (``client.aio`` is the asyncio face of
a sync client, sharing its session and its in-flight refresh).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from . import errors
from ._hub import Hub, HubCapsule, HubPayload, hub
from .async_client import AsyncAuthClient
from .bearer import BearerAuth, RequestsBearerAuth
from .client import AuthClient
from .config import AuthConfig
from .constants import (
    AuthFlowType,
    HubEvent,
    ResetPasswordStep,
    SignInStep,
    SignUpStep,
    UpdateAttributeStep,
)
from .context import Clock
from .errors import AuthError, AuthValidationError
from .jwt import JWT, decode_jwt
from .storage import FileStore, KeyringStore, MemoryStore, TokenStore
from .types import (
    AuthSession,
    AuthTokens,
    AuthUser,
    ClientMetadataOptions,
    CodeDeliveryDetails,
    ConfirmSignInOptions,
    FetchMFAPreferenceOutput,
    MFAPreference,
    ResetPasswordOutput,
    SignInDetails,
    SignInNextStep,
    SignInOptions,
    SignInOutput,
    SignUpOptions,
    SignUpOutput,
    TOTPSetupDetails,
    UpdateUserAttributeOutput,
)

_default: AuthClient | None = None
_default_lock = threading.Lock()


def configure(
    user_pool_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    endpoint: str | None = None,
    region: str | None = None,
    storage: TokenStore | None = None,
    *,
    outputs: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    hub: Hub | None = None,
    clock: Clock | None = None,
    auth_flow_type: AuthFlowType | str | None = None,
) -> AuthClient:
    """Configure the default client (Amplify.configure); returns it.

    ``endpoint=None`` means the real Cognito endpoint of the pool's region;
    ``outputs=`` reads an Amplify Gen 2 ``amplify_outputs.json``.
    """
    global _default
    client = AuthClient(
        user_pool_id=user_pool_id,
        client_id=client_id,
        client_secret=client_secret,
        endpoint=endpoint,
        region=region,
        outputs=outputs,
        storage=storage,
        hub=hub,
        clock=clock,
        auth_flow_type=auth_flow_type,
    )
    with _default_lock:
        previous, _default = _default, client
    if previous is not None:
        previous.close()
    return client


def get_default_client() -> AuthClient:
    """The client ``configure`` made; ``AuthConfigException`` before ``configure``."""
    client = _default
    if client is None:
        raise errors.AuthConfigException(
            "Auth is not configured: call userpool.auth.configure(...) first.", name="AuthUserPoolException"
        )
    return client


Options = Mapping[str, Any]


def sign_in(
    username: str, password: str | None = None, options: SignInOptions | Options | None = None
) -> SignInOutput:
    return get_default_client().sign_in(username, password, options)


def confirm_sign_in(challenge_response: str, options: ConfirmSignInOptions | Options | None = None) -> SignInOutput:
    return get_default_client().confirm_sign_in(challenge_response, options)


def fetch_auth_session(force_refresh: bool = False) -> AuthSession:
    return get_default_client().fetch_auth_session(force_refresh)


def get_current_user() -> AuthUser:
    return get_default_client().get_current_user()


def sign_out(global_sign_out: bool = False) -> None:
    get_default_client().sign_out(global_sign_out)


def sign_up(username: str, password: str, options: SignUpOptions | Options | None = None) -> SignUpOutput:
    return get_default_client().sign_up(username, password, options)


def confirm_sign_up(
    username: str, confirmation_code: str, options: ClientMetadataOptions | Options | None = None
) -> SignUpOutput:
    return get_default_client().confirm_sign_up(username, confirmation_code, options)


def resend_sign_up_code(username: str, options: ClientMetadataOptions | Options | None = None) -> CodeDeliveryDetails:
    return get_default_client().resend_sign_up_code(username, options)


def auto_sign_in() -> SignInOutput:
    return get_default_client().auto_sign_in()


def reset_password(username: str, options: ClientMetadataOptions | Options | None = None) -> ResetPasswordOutput:
    return get_default_client().reset_password(username, options)


def confirm_reset_password(
    username: str, confirmation_code: str, new_password: str, options: ClientMetadataOptions | Options | None = None
) -> None:
    get_default_client().confirm_reset_password(username, confirmation_code, new_password, options)


def update_password(old_password: str, new_password: str) -> None:
    get_default_client().update_password(old_password, new_password)


def fetch_user_attributes() -> dict[str, str]:
    return get_default_client().fetch_user_attributes()


def update_user_attributes(
    user_attributes: Mapping[str, str], options: ClientMetadataOptions | Options | None = None
) -> dict[str, UpdateUserAttributeOutput]:
    return get_default_client().update_user_attributes(user_attributes, options)


def delete_user_attributes(user_attribute_keys: Iterable[str]) -> None:
    get_default_client().delete_user_attributes(user_attribute_keys)


def send_user_attribute_verification_code(
    user_attribute_key: str, options: ClientMetadataOptions | Options | None = None
) -> CodeDeliveryDetails:
    return get_default_client().send_user_attribute_verification_code(user_attribute_key, options)


def confirm_user_attribute(user_attribute_key: str, confirmation_code: str) -> None:
    get_default_client().confirm_user_attribute(user_attribute_key, confirmation_code)


def set_up_totp() -> TOTPSetupDetails:
    return get_default_client().set_up_totp()


def verify_totp_setup(code: str, friendly_device_name: str | None = None) -> None:
    get_default_client().verify_totp_setup(code, friendly_device_name)


def update_mfa_preference(
    sms: MFAPreference | None = None, totp: MFAPreference | None = None, email: MFAPreference | None = None
) -> None:
    get_default_client().update_mfa_preference(sms, totp, email)


def fetch_mfa_preference() -> FetchMFAPreferenceOutput:
    return get_default_client().fetch_mfa_preference()


def delete_user() -> None:
    get_default_client().delete_user()


__all__ = [
    "JWT",
    "AsyncAuthClient",
    "AuthClient",
    "AuthConfig",
    "AuthError",
    "AuthFlowType",
    "AuthSession",
    "AuthTokens",
    "AuthUser",
    "AuthValidationError",
    "BearerAuth",
    "ClientMetadataOptions",
    "CodeDeliveryDetails",
    "ConfirmSignInOptions",
    "FetchMFAPreferenceOutput",
    "FileStore",
    "Hub",
    "HubCapsule",
    "HubEvent",
    "HubPayload",
    "KeyringStore",
    "MemoryStore",
    "RequestsBearerAuth",
    "ResetPasswordOutput",
    "ResetPasswordStep",
    "SignInDetails",
    "SignInNextStep",
    "SignInOptions",
    "SignInOutput",
    "SignInStep",
    "SignUpOptions",
    "SignUpOutput",
    "SignUpStep",
    "TOTPSetupDetails",
    "TokenStore",
    "UpdateAttributeStep",
    "UpdateUserAttributeOutput",
    "auto_sign_in",
    "configure",
    "confirm_reset_password",
    "confirm_sign_in",
    "confirm_sign_up",
    "confirm_user_attribute",
    "decode_jwt",
    "delete_user",
    "delete_user_attributes",
    "errors",
    "fetch_auth_session",
    "fetch_mfa_preference",
    "fetch_user_attributes",
    "get_current_user",
    "get_default_client",
    "hub",
    "resend_sign_up_code",
    "reset_password",
    "send_user_attribute_verification_code",
    "set_up_totp",
    "sign_in",
    "sign_out",
    "sign_up",
    "update_mfa_preference",
    "update_password",
    "update_user_attributes",
    "verify_totp_setup",
]
