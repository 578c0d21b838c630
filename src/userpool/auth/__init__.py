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
:class:`AsyncAuthClient` objects with the same methods; ``AsyncAuthClient(context=
client.context)`` is an asyncio client on a sync client's session and in-flight refresh.

The operations are defined once, in ``_async/client.py``; ``_sync/client.py`` is generated
from it (``scripts/unasync.py``) and the module functions are bound to the default client
(``default_client.py``).
"""

from __future__ import annotations

from . import errors
from ._async.client import AsyncAuthClient
from ._hub import Hub, HubCapsule, HubPayload, hub
from ._sync.client import AuthClient
from .bearer_auth import BearerAuth, RequestsBearerAuth
from .config import AuthConfig
from .constants import (
    AuthFlowType,
    HubEvent,
    ResetPasswordStep,
    SignInStep,
    SignUpStep,
    UpdateAttributeStep,
)
from .default_client import (  # tracked devices, passkeys
    associate_web_authn_credential,
    auto_sign_in,
    configure,
    confirm_reset_password,
    confirm_sign_in,
    confirm_sign_up,
    confirm_user_attribute,
    delete_user,
    delete_user_attributes,
    delete_web_authn_credential,
    fetch_auth_session,
    fetch_devices,
    fetch_mfa_preference,
    fetch_user_attributes,
    forget_device,
    get_current_user,
    get_default_client,
    list_web_authn_credentials,
    remember_device,
    resend_sign_up_code,
    reset_password,
    send_user_attribute_verification_code,
    set_up_totp,
    sign_in,
    sign_in_with_redirect,
    sign_out,
    sign_up,
    update_mfa_preference,
    update_password,
    update_user_attributes,
    verify_totp_setup,
)
from .device_metadata import DeviceMetadata
from .errors import AuthError, AuthValidationError
from .jwt import JWT, decode_jwt
from .loopback import system_browser
from .oauth_config import OAuthConfig
from .passkeys import (
    AuthWebAuthnCredential,
    ListWebAuthnCredentialsOutput,
    PasskeyAuthenticator,
    PasskeyError,
)
from .state import AuthContext, BrowserOpener, Clock
from .storage import AsyncTokenStore, FileStore, KeyringStore, MemoryStore, ThreadedStore, TokenStore
from .types import (
    AuthDevice,
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
    SignInWithRedirectOptions,
    SignUpOptions,
    SignUpOutput,
    TOTPSetupDetails,
    UpdateUserAttributeOutput,
)

__all__ = [
    "JWT",
    "AsyncAuthClient",
    "AsyncTokenStore",
    "AuthClient",
    "AuthConfig",
    "AuthContext",
    # tracked devices
    "AuthDevice",
    "AuthError",
    "AuthFlowType",
    "AuthSession",
    "AuthTokens",
    "AuthUser",
    "AuthValidationError",
    "BearerAuth",
    "ClientMetadataOptions",
    "Clock",
    "CodeDeliveryDetails",
    "ConfirmSignInOptions",
    "DeviceMetadata",
    "FetchMFAPreferenceOutput",
    "FileStore",
    "Hub",
    "HubCapsule",
    "HubEvent",
    "HubPayload",
    "KeyringStore",
    "MFAPreference",
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
    "ThreadedStore",
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
    "fetch_devices",
    "fetch_mfa_preference",
    "fetch_user_attributes",
    "forget_device",
    "get_current_user",
    "get_default_client",
    "hub",
    "remember_device",
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
__all__ += [  # passkeys
    "AuthWebAuthnCredential",
    "ListWebAuthnCredentialsOutput",
    "PasskeyAuthenticator",
    "PasskeyError",
    "associate_web_authn_credential",
    "delete_web_authn_credential",
    "list_web_authn_credentials",
]
__all__ += [  # managed login (hosted UI) for desktop and CLI apps
    "BrowserOpener",
    "OAuthConfig",
    "SignInWithRedirectOptions",
    "sign_in_with_redirect",
    "system_browser",
]
