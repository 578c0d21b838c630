"""``AsyncAuthClient``: Amplify Auth v6's operations for one user pool app client.

Each public method builds the sans-I/O flow of the same name (``userpool.auth.flows.<name>``)
and drives it: a :class:`~userpool.auth.flows.base.CognitoCall` goes over HTTP; a
:class:`~userpool.auth.flows.base.NeedTokens` is answered by the token orchestrator (stored
tokens, or the one refresh in flight); ``LoadTokens`` / ``SaveTokens`` / ``ClearTokens`` go
to the token repository. Nothing here knows Cognito's semantics.

The operations are defined once, in ``userpool/auth/_async/client.py``; ``_sync/client.py``
is written from it by ``scripts/unasync.py`` (CI runs ``--check``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Self, TypeVar

import httpx

from .._hub import Hub
from ..config import AuthConfig
from ..constants import AuthFlowType
from ..errors import AuthError, OAuthNotConfigureException
from ..flows import (
    associate_web_authn_credential,
    auto_sign_in,
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
    list_web_authn_credentials,
    refresh_tokens,
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
from ..flows.base import (
    CognitoCall,
    Flow,
    HostedCall,
    LoadDevice,
    LoadTokens,
    NeedTokens,
    OpenAuthSession,
    SaveDevice,
    SaveTokens,
    Step,
    UsePasskey,
)
from ..loopback import LoopbackSession
from ..oauth_config import OAuthConfig
from ..passkeys import ListWebAuthnCredentialsOutput, PasskeyAuthenticator
from ..state import AuthContext, BrowserOpener, Clock, build_context
from ..storage import AsyncStorage
from ..tokens import CognitoTokens
from ..transport import AsyncTransport, hosted_auth
from ..types import (
    AuthDevice,
    AuthSession,
    AuthUser,
    ClientMetadataOptions,
    CodeDeliveryDetails,
    ConfirmSignInOptions,
    FetchMFAPreferenceOutput,
    MFAPreference,
    ResetPasswordOutput,
    SignInOptions,
    SignInOutput,
    SignInWithRedirectOptions,
    SignUpOptions,
    SignUpOutput,
    TOTPSetupDetails,
    UpdateUserAttributeOutput,
)
from .orchestrator import AsyncTokenOrchestrator

T = TypeVar("T")
#: Options may be given as the dataclass or as a mapping (snake_case or Amplify's camelCase).
Options = Mapping[str, Any]


class AsyncAuthClient:
    """Amplify Auth v6 for one user pool app client.

    Give the pool and app client (``user_pool_id=``, ``client_id=``, ``client_secret=``,
    ``endpoint=``, ``region=``), an Amplify Gen 2 ``outputs=`` file, or an :class:`AuthConfig`.
    ``storage=`` holds the session (``MemoryStore`` by default), ``hub=`` receives Amplify's
    Hub events, ``clock=`` is "now" in seconds. Clients built with ``context=`` another
    client's ``context`` share its session, sign-in state and in-flight refresh.
    ``passkey_authenticator=`` answers a WEB_AUTHN sign-in challenge (USER_AUTH with passkeys).
    ``oauth=`` configures managed login (or ``outputs=`` with ``auth.oauth``); ``browser_opener=``
    opens its pages (default: the system browser) and ``redirect_timeout=`` bounds the wait for
    the browser to come back, in seconds.
    """

    def __init__(
        self,
        config: AuthConfig | None = None,
        *,
        user_pool_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        endpoint: str | None = None,
        region: str | None = None,
        outputs: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        storage: AsyncStorage | None = None,
        hub: Hub | None = None,
        clock: Clock | None = None,
        auth_flow_type: AuthFlowType | str | None = None,
        http_client: httpx.AsyncClient | None = None,
        context: AuthContext | None = None,
        passkey_authenticator: PasskeyAuthenticator | None = None,
        oauth: OAuthConfig | Mapping[str, Any] | None = None,
        browser_opener: BrowserOpener | None = None,
        redirect_timeout: float | None = None,
    ) -> None:
        self._ctx = context or build_context(
            config,
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
            oauth=oauth,
        )
        if passkey_authenticator is not None:
            self._ctx.passkey_authenticator = passkey_authenticator
        if browser_opener is not None:
            self._ctx.browser_opener = browser_opener
        if redirect_timeout is not None:
            self._ctx.redirect_timeout = redirect_timeout
        self._transport = AsyncTransport(self._ctx.config.resolved_endpoint, http_client)
        self._tokens = self._ctx.async_tokens
        self._orchestrator = AsyncTokenOrchestrator(self._tokens, self._ctx.clock, self._refresh, self._ctx.refresh)

    @property
    def config(self) -> AuthConfig:
        return self._ctx.config

    @property
    def context(self) -> AuthContext:
        """What this client works on; pass it as ``context=`` to share the session."""
        return self._ctx

    @property
    def hub(self) -> Hub:
        return self._ctx.hub

    # ------------------------------------------------------------ driver

    async def _run(self, flow: Flow[T]) -> T:
        try:
            step = next(flow)
            while True:
                try:
                    result = await self._answer(step)
                except AuthError as error:
                    step = flow.throw(error)
                else:
                    step = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()  # an abandoned flow (error, cancellation) ends here, not at GC time

    async def _answer(self, step: Step) -> Any:
        if isinstance(step, NeedTokens):  # the hot path (fetch_auth_session) first
            return await self._orchestrator.get_tokens(step.force_refresh)
        if isinstance(step, CognitoCall):
            return await self._transport.send(step)
        if isinstance(step, LoadTokens):
            return await self._tokens.load()
        if isinstance(step, SaveTokens):
            return await self._tokens.save(step.tokens)
        if isinstance(step, LoadDevice):
            return await self._tokens.load_device(step.username)
        if isinstance(step, SaveDevice):
            return await self._tokens.save_device(step.username, step.metadata)
        if isinstance(step, UsePasskey):
            return step.run()  # the authenticator's ceremony (a blocking call, by its interface)
        if isinstance(step, OpenAuthSession):
            return await LoopbackSession(step, self._ctx.browser_opener).wait_async()
        if isinstance(step, HostedCall):
            return await self._hosted(step)
        return await self._tokens.clear()

    async def _hosted(self, step: HostedCall) -> dict[str, Any]:
        cfg = self._ctx.config
        if cfg.oauth is None:  # pragma: no cover - the flows check it first
            raise OAuthNotConfigureException("OAuth is not configured")
        return await self._transport.post_form(
            cfg.oauth.endpoint(step.path), step.form, hosted_auth(cfg.client_id, cfg.client_secret)
        )

    async def _refresh(self, tokens: CognitoTokens) -> CognitoTokens | None:
        return await self._run(refresh_tokens.refresh_tokens(self._ctx, tokens))

    async def aclose(self) -> None:
        """Close the HTTP connections this client opened (not an ``http_client`` it was given)."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------ sign-in and session

    async def sign_in(
        self, username: str, password: str | None = None, options: SignInOptions | Options | None = None
    ) -> SignInOutput:
        """Amplify's ``signIn``: start a sign-in; ``is_signed_in`` or the ``next_step`` to answer.

        ``options.auth_flow_type`` picks USER_SRP_AUTH (default), USER_PASSWORD_AUTH,
        CUSTOM_WITH_SRP, CUSTOM_WITHOUT_SRP or USER_AUTH (choice-based: ``preferred_challenge``
        PASSWORD, PASSWORD_SRP, EMAIL_OTP or SMS_OTP; without one, or one the user cannot use,
        the next step is CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION). Raises
        ``UserAlreadyAuthenticatedException`` while a session exists.
        """
        return await self._run(sign_in.sign_in(self._ctx, username, password, options))

    async def confirm_sign_in(
        self, challenge_response: str, options: ConfirmSignInOptions | Options | None = None
    ) -> SignInOutput:
        """Amplify's ``confirmSignIn``: answer the current ``next_step`` (code, MFA type, password ...)."""
        return await self._run(confirm_sign_in.confirm_sign_in(self._ctx, challenge_response, options))

    async def sign_in_with_redirect(
        self,
        provider: str | Mapping[str, str] | None = None,
        custom_state: str | None = None,
        options: SignInWithRedirectOptions | Options | None = None,
    ) -> None:
        """Amplify's ``signInWithRedirect``: managed login in the system browser (RFC 8252).

        Opens ``/oauth2/authorize`` (code flow, PKCE S256, random ``state``; ``provider`` None or
        "COGNITO", "Google", "Facebook", "Amazon", "Apple", or ``{"custom": name}``), listens on
        the loopback ``redirect_sign_in`` URI for the browser's return, checks the state,
        exchanges the code at ``/oauth2/token`` and stores the session. ``options``:
        ``login_hint``, ``lang``, ``nonce``, ``prompt``, ``timeout``. Raises
        ``OAuthSignInException`` (error redirect, wrong state, failed exchange, timeout).
        """
        return await self._run(sign_in_with_redirect.sign_in_with_redirect(self._ctx, provider, custom_state, options))

    async def fetch_auth_session(self, force_refresh: bool = False) -> AuthSession:
        """Amplify's ``fetchAuthSession``: the session's tokens, refreshed when they expire within 5 s.

        Concurrent callers share one refresh; a dead refresh token ends the session
        (``tokens=None``).
        """
        return await self._run(fetch_auth_session.fetch_auth_session(self._ctx, force_refresh))

    async def get_current_user(self) -> AuthUser:
        """Amplify's ``getCurrentUser``: username, user id (sub) and sign-in details of the session."""
        return await self._run(get_current_user.get_current_user(self._ctx))

    async def sign_out(self, global_sign_out: bool = False) -> None:
        """Amplify's ``signOut``: revoke this session (``global_sign_out``: every session) and forget it.

        A ``sign_in_with_redirect`` session also opens the hosted UI's ``/logout`` in the browser
        (waiting for its redirect when ``redirect_sign_out`` is a loopback URI).
        """
        return await self._run(sign_out.sign_out(self._ctx, global_sign_out))

    # ------------------------------------------------------------ sign-up

    async def sign_up(
        self, username: str, password: str | None = None, options: SignUpOptions | Options | None = None
    ) -> SignUpOutput:
        """Amplify's ``signUp`` (SignUp); ``options.auto_sign_in`` signs in once confirmed.

        No password (a passwordless pool) with ``auth_flow_type="USER_AUTH"``: the user signs in
        with codes, and ``auto_sign_in`` with the Session ConfirmSignUp returns.
        """
        return await self._run(sign_up.sign_up(self._ctx, username, password, options))

    async def confirm_sign_up(
        self, username: str, confirmation_code: str, options: ClientMetadataOptions | Options | None = None
    ) -> SignUpOutput:
        """Amplify's ``confirmSignUp`` (ConfirmSignUp); next step COMPLETE_AUTO_SIGN_IN when armed."""
        return await self._run(confirm_sign_up.confirm_sign_up(self._ctx, username, confirmation_code, options))

    async def resend_sign_up_code(
        self, username: str, options: ClientMetadataOptions | Options | None = None
    ) -> CodeDeliveryDetails:
        """Amplify's ``resendSignUpCode`` (ResendConfirmationCode): where the new code went."""
        return await self._run(resend_sign_up_code.resend_sign_up_code(self._ctx, username, options))

    async def auto_sign_in(self) -> SignInOutput:
        """Amplify's ``autoSignIn``: sign in the user ``sign_up`` armed and ``confirm_sign_up`` confirmed."""
        return await self._run(auto_sign_in.auto_sign_in(self._ctx))

    # ------------------------------------------------------------ passwords

    async def reset_password(
        self, username: str, options: ClientMetadataOptions | Options | None = None
    ) -> ResetPasswordOutput:
        """Amplify's ``resetPassword`` (ForgotPassword): where the code went, for the next step."""
        return await self._run(reset_password.reset_password(self._ctx, username, options))

    async def confirm_reset_password(
        self,
        username: str,
        confirmation_code: str,
        new_password: str,
        options: ClientMetadataOptions | Options | None = None,
    ) -> None:
        """Amplify's ``confirmResetPassword`` (ConfirmForgotPassword): the code and the new password."""
        return await self._run(
            confirm_reset_password.confirm_reset_password(
                self._ctx, username, confirmation_code, new_password, options
            )
        )

    async def update_password(self, old_password: str, new_password: str) -> None:
        """Amplify's ``updatePassword`` (ChangePassword) for the signed-in user."""
        return await self._run(update_password.update_password(self._ctx, old_password, new_password))

    # ------------------------------------------------------------ attributes

    async def fetch_user_attributes(self) -> dict[str, str]:
        """Amplify's ``fetchUserAttributes`` (GetUser): the signed-in user's attributes."""
        return await self._run(fetch_user_attributes.fetch_user_attributes(self._ctx))

    async def update_user_attributes(
        self, user_attributes: Mapping[str, str], options: ClientMetadataOptions | Options | None = None
    ) -> dict[str, UpdateUserAttributeOutput]:
        """Amplify's ``updateUserAttributes``: per attribute, done or the code to confirm it with."""
        return await self._run(update_user_attributes.update_user_attributes(self._ctx, user_attributes, options))

    async def delete_user_attributes(self, user_attribute_keys: Iterable[str]) -> None:
        """Amplify's ``deleteUserAttributes`` (DeleteUserAttributes) by name."""
        return await self._run(delete_user_attributes.delete_user_attributes(self._ctx, user_attribute_keys))

    async def send_user_attribute_verification_code(
        self, user_attribute_key: str, options: ClientMetadataOptions | Options | None = None
    ) -> CodeDeliveryDetails:
        """Amplify's ``sendUserAttributeVerificationCode`` (GetUserAttributeVerificationCode)."""
        return await self._run(
            send_user_attribute_verification_code.send_user_attribute_verification_code(
                self._ctx, user_attribute_key, options
            )
        )

    async def confirm_user_attribute(self, user_attribute_key: str, confirmation_code: str) -> None:
        """Amplify's ``confirmUserAttribute`` (VerifyUserAttribute) with the code."""
        return await self._run(
            confirm_user_attribute.confirm_user_attribute(self._ctx, user_attribute_key, confirmation_code)
        )

    # ------------------------------------------------------------ MFA

    async def set_up_totp(self) -> TOTPSetupDetails:
        """Amplify's ``setUpTOTP`` (AssociateSoftwareToken): the secret, and ``get_setup_uri(app)``."""
        return await self._run(set_up_totp.set_up_totp(self._ctx))

    async def verify_totp_setup(self, code: str, friendly_device_name: str | None = None) -> None:
        """Amplify's ``verifyTOTPSetup`` (VerifySoftwareToken): a code from the authenticator app."""
        return await self._run(verify_totp_setup.verify_totp_setup(self._ctx, code, friendly_device_name))

    async def update_mfa_preference(
        self,
        sms: MFAPreference | None = None,
        totp: MFAPreference | None = None,
        email: MFAPreference | None = None,
    ) -> None:
        """Amplify's ``updateMFAPreference`` (SetUserMFAPreference); None leaves a factor as it is."""
        return await self._run(update_mfa_preference.update_mfa_preference(self._ctx, sms, totp, email))

    async def fetch_mfa_preference(self) -> FetchMFAPreferenceOutput:
        """Amplify's ``fetchMFAPreference`` (GetUser): the enabled and preferred MFA types."""
        return await self._run(fetch_mfa_preference.fetch_mfa_preference(self._ctx))

    # ------------------------------------------------------------ passkeys

    async def associate_web_authn_credential(self, authenticator: PasskeyAuthenticator) -> None:
        """Amplify's ``associateWebAuthnCredential``: register a passkey made by ``authenticator``
        (StartWebAuthnRegistration, ``authenticator.create``, CompleteWebAuthnRegistration)."""
        return await self._run(associate_web_authn_credential.associate_web_authn_credential(self._ctx, authenticator))

    async def list_web_authn_credentials(
        self, page_size: int | None = None, next_token: str | None = None
    ) -> ListWebAuthnCredentialsOutput:
        """Amplify's ``listWebAuthnCredentials`` (ListWebAuthnCredentials): the user's passkeys."""
        return await self._run(list_web_authn_credentials.list_web_authn_credentials(self._ctx, page_size, next_token))

    async def delete_web_authn_credential(self, credential_id: str) -> None:
        """Amplify's ``deleteWebAuthnCredential`` (DeleteWebAuthnCredential): remove one passkey."""
        return await self._run(delete_web_authn_credential.delete_web_authn_credential(self._ctx, credential_id))

    # ------------------------------------------------------------ account

    async def delete_user(self) -> None:
        """Amplify's ``deleteUser`` (DeleteUser); the local session ends (``signedOut``)."""
        return await self._run(delete_user.delete_user(self._ctx))

    # ------------------------------------------------------------ devices

    async def remember_device(self) -> None:
        """Amplify's ``rememberDevice`` (UpdateDeviceStatus ``remembered``) for this client's device:
        its later sign-ins prove the device (DEVICE_SRP_AUTH) in place of MFA where the pool allows."""
        return await self._run(remember_device.remember_device(self._ctx))

    async def forget_device(self, device: AuthDevice | str | None = None) -> None:
        """Amplify's ``forgetDevice`` (ForgetDevice): ``device`` (an id or a fetched device), else this one."""
        return await self._run(forget_device.forget_device(self._ctx, device))

    async def fetch_devices(self) -> list[AuthDevice]:
        """Amplify's ``fetchDevices`` (ListDevices, up to 60): the user's confirmed devices."""
        return await self._run(fetch_devices.fetch_devices(self._ctx))
