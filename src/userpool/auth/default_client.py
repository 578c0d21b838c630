"""The default client (Amplify's ``Amplify.configure``) and the operations as module functions.

Amplify apps call ``signIn(...)`` from ``aws-amplify/auth`` on the configured singleton; here
``userpool.auth.sign_in(...)`` calls :meth:`AuthClient.sign_in` on the client ``configure``
made. The functions are derived from the client's methods (same docstring, same signature
without ``self``, the same types for mypy), not written again.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

from ._hub import Hub
from ._sync.client import AuthClient
from .constants import AuthFlowType
from .errors import AuthConfigException
from .oauth_config import OAuthConfig
from .passkeys import PasskeyAuthenticator
from .state import BrowserOpener, Clock
from .storage import TokenStore

P = ParamSpec("P")
R = TypeVar("R")

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
    passkey_authenticator: PasskeyAuthenticator | None = None,
    oauth: OAuthConfig | Mapping[str, Any] | None = None,
    browser_opener: BrowserOpener | None = None,
) -> AuthClient:
    """Configure the default client (Amplify.configure); returns it.

    ``endpoint=None`` means the real Cognito endpoint of the pool's region;
    ``outputs=`` reads an Amplify Gen 2 ``amplify_outputs.json``; ``passkey_authenticator=``
    answers passkey (WEB_AUTHN) sign-ins; ``oauth=`` configures managed login for
    ``sign_in_with_redirect`` (``browser_opener=`` opens its pages; default: the system browser).
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
        passkey_authenticator=passkey_authenticator,
        oauth=oauth,
        browser_opener=browser_opener,
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
        raise AuthConfigException(
            "Auth is not configured: call userpool.auth.configure(...) first.", name="AuthUserPoolException"
        )
    return client


def on_default_client(method: Callable[Concatenate[AuthClient, P], R]) -> Callable[P, R]:
    """``method`` as a module function that calls it on the default client."""

    @functools.wraps(method)
    def operation(*args: P.args, **kwargs: P.kwargs) -> R:
        return method(get_default_client(), *args, **kwargs)

    signature = inspect.signature(method)
    operation.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=tuple(signature.parameters.values())[1:]
    )
    operation.__module__ = "userpool.auth"
    operation.__qualname__ = method.__name__
    return operation


sign_in = on_default_client(AuthClient.sign_in)
sign_in_with_redirect = on_default_client(AuthClient.sign_in_with_redirect)
confirm_sign_in = on_default_client(AuthClient.confirm_sign_in)
fetch_auth_session = on_default_client(AuthClient.fetch_auth_session)
get_current_user = on_default_client(AuthClient.get_current_user)
sign_out = on_default_client(AuthClient.sign_out)
sign_up = on_default_client(AuthClient.sign_up)
confirm_sign_up = on_default_client(AuthClient.confirm_sign_up)
resend_sign_up_code = on_default_client(AuthClient.resend_sign_up_code)
auto_sign_in = on_default_client(AuthClient.auto_sign_in)
reset_password = on_default_client(AuthClient.reset_password)
confirm_reset_password = on_default_client(AuthClient.confirm_reset_password)
update_password = on_default_client(AuthClient.update_password)
fetch_user_attributes = on_default_client(AuthClient.fetch_user_attributes)
update_user_attributes = on_default_client(AuthClient.update_user_attributes)
delete_user_attributes = on_default_client(AuthClient.delete_user_attributes)
send_user_attribute_verification_code = on_default_client(AuthClient.send_user_attribute_verification_code)
confirm_user_attribute = on_default_client(AuthClient.confirm_user_attribute)
set_up_totp = on_default_client(AuthClient.set_up_totp)
verify_totp_setup = on_default_client(AuthClient.verify_totp_setup)
update_mfa_preference = on_default_client(AuthClient.update_mfa_preference)
fetch_mfa_preference = on_default_client(AuthClient.fetch_mfa_preference)
associate_web_authn_credential = on_default_client(AuthClient.associate_web_authn_credential)
list_web_authn_credentials = on_default_client(AuthClient.list_web_authn_credentials)
delete_web_authn_credential = on_default_client(AuthClient.delete_web_authn_credential)
delete_user = on_default_client(AuthClient.delete_user)
remember_device = on_default_client(AuthClient.remember_device)
forget_device = on_default_client(AuthClient.forget_device)
fetch_devices = on_default_client(AuthClient.fetch_devices)
