"""``AuthClient``: the sync driver (httpx.Client) of the sans-I/O flows.

Each public method builds the flow of the same name (``userpool.auth.flows.<name>``) and
runs it: a :class:`~.flows.base.CognitoCall` goes over HTTP; a
:class:`~.flows.base.NeedTokens` is answered from the store, or by leading or joining the one
refresh in flight (:mod:`.orchestrator`). Nothing here knows Cognito's semantics.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from ._base import ClientBase, build_context
from ._hub import Hub
from .config import AuthConfig
from .constants import AuthFlowType
from .context import AuthContext, Clock
from .errors import AuthError
from .flows import (
    auto_sign_in,
    confirm_reset_password,
    confirm_sign_in,
    confirm_sign_up,
    confirm_user_attribute,
    delete_user,
    delete_user_attributes,
    fetch_auth_session,
    fetch_mfa_preference,
    fetch_user_attributes,
    get_current_user,
    refresh_tokens,
    resend_sign_up_code,
    reset_password,
    send_user_attribute_verification_code,
    set_up_totp,
    sign_in,
    sign_out,
    sign_up,
    update_mfa_preference,
    update_password,
    update_user_attributes,
    verify_totp_setup,
)
from .flows.base import CognitoCall, Flow
from .orchestrator import Join, Ready
from .storage import TokenStore
from .tokens import CognitoTokens
from .transport import SyncTransport
from .types import (
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
    SignUpOptions,
    SignUpOutput,
    TOTPSetupDetails,
    UpdateUserAttributeOutput,
)

if TYPE_CHECKING:
    from .async_client import AsyncAuthClient

T = TypeVar("T")
Options = Mapping[str, Any]


class AuthClient(ClientBase):
    """Amplify Auth v6 for one user pool app client, blocking calls."""

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
        storage: TokenStore | None = None,
        hub: Hub | None = None,
        clock: Clock | None = None,
        auth_flow_type: AuthFlowType | str | None = None,
        http_client: httpx.Client | None = None,
        context: AuthContext | None = None,
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
        )
        self._transport = SyncTransport(self._ctx.config.resolved_endpoint, http_client)
        self._aio: AsyncAuthClient | None = None

    # ------------------------------------------------------------ driver

    def _run(self, flow: Flow[T]) -> T:
        try:
            step = next(flow)
            while True:
                try:
                    if isinstance(step, CognitoCall):
                        result: Any = self._transport.send(step)
                    else:
                        result = self._tokens(step.force_refresh)
                except AuthError as error:
                    step = flow.throw(error)
                else:
                    step = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()  # an abandoned flow (error, cancellation) ends here, not at GC time

    def _tokens(self, force_refresh: bool) -> CognitoTokens | None:
        orchestrator = self._ctx.orchestrator
        decision = orchestrator.begin(force_refresh)
        if isinstance(decision, Ready):
            return decision.tokens
        if isinstance(decision, Join):
            decision.inflight.done.wait()
            return decision.inflight.outcome()
        inflight = decision.inflight
        try:
            fresh = self._run(refresh_tokens.refresh_tokens(self._ctx, inflight.tokens))
        except BaseException as error:
            orchestrator.finish(inflight, error=error)
            raise
        orchestrator.finish(inflight, result=fresh)
        return fresh

    @property
    def aio(self) -> AsyncAuthClient:
        """An :class:`AsyncAuthClient` on the same session, sign-in state and refresh."""
        if self._aio is None:
            from .async_client import AsyncAuthClient

            self._aio = AsyncAuthClient(context=self._ctx)
            self._aio._sync = self
        return self._aio

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ operations

    def sign_in(
        self, username: str, password: str | None = None, options: SignInOptions | Options | None = None
    ) -> SignInOutput:
        return self._run(sign_in.sign_in(self._ctx, username, password, options))

    def confirm_sign_in(
        self, challenge_response: str, options: ConfirmSignInOptions | Options | None = None
    ) -> SignInOutput:
        return self._run(confirm_sign_in.confirm_sign_in(self._ctx, challenge_response, options))

    def fetch_auth_session(self, force_refresh: bool = False) -> AuthSession:
        return self._run(fetch_auth_session.fetch_auth_session(self._ctx, force_refresh))

    def get_current_user(self) -> AuthUser:
        return self._run(get_current_user.get_current_user(self._ctx))

    def sign_out(self, global_sign_out: bool = False) -> None:
        return self._run(sign_out.sign_out(self._ctx, global_sign_out))

    def sign_up(self, username: str, password: str, options: SignUpOptions | Options | None = None) -> SignUpOutput:
        return self._run(sign_up.sign_up(self._ctx, username, password, options))

    def confirm_sign_up(
        self, username: str, confirmation_code: str, options: ClientMetadataOptions | Options | None = None
    ) -> SignUpOutput:
        return self._run(confirm_sign_up.confirm_sign_up(self._ctx, username, confirmation_code, options))

    def resend_sign_up_code(
        self, username: str, options: ClientMetadataOptions | Options | None = None
    ) -> CodeDeliveryDetails:
        return self._run(resend_sign_up_code.resend_sign_up_code(self._ctx, username, options))

    def auto_sign_in(self) -> SignInOutput:
        return self._run(auto_sign_in.auto_sign_in(self._ctx))

    def reset_password(
        self, username: str, options: ClientMetadataOptions | Options | None = None
    ) -> ResetPasswordOutput:
        return self._run(reset_password.reset_password(self._ctx, username, options))

    def confirm_reset_password(
        self,
        username: str,
        confirmation_code: str,
        new_password: str,
        options: ClientMetadataOptions | Options | None = None,
    ) -> None:
        return self._run(
            confirm_reset_password.confirm_reset_password(
                self._ctx, username, confirmation_code, new_password, options
            )
        )

    def update_password(self, old_password: str, new_password: str) -> None:
        return self._run(update_password.update_password(self._ctx, old_password, new_password))

    def fetch_user_attributes(self) -> dict[str, str]:
        return self._run(fetch_user_attributes.fetch_user_attributes(self._ctx))

    def update_user_attributes(
        self, user_attributes: Mapping[str, str], options: ClientMetadataOptions | Options | None = None
    ) -> dict[str, UpdateUserAttributeOutput]:
        return self._run(update_user_attributes.update_user_attributes(self._ctx, user_attributes, options))

    def delete_user_attributes(self, user_attribute_keys: Iterable[str]) -> None:
        return self._run(delete_user_attributes.delete_user_attributes(self._ctx, user_attribute_keys))

    def send_user_attribute_verification_code(
        self, user_attribute_key: str, options: ClientMetadataOptions | Options | None = None
    ) -> CodeDeliveryDetails:
        return self._run(
            send_user_attribute_verification_code.send_user_attribute_verification_code(
                self._ctx, user_attribute_key, options
            )
        )

    def confirm_user_attribute(self, user_attribute_key: str, confirmation_code: str) -> None:
        return self._run(confirm_user_attribute.confirm_user_attribute(self._ctx, user_attribute_key, confirmation_code))

    def set_up_totp(self) -> TOTPSetupDetails:
        return self._run(set_up_totp.set_up_totp(self._ctx))

    def verify_totp_setup(self, code: str, friendly_device_name: str | None = None) -> None:
        return self._run(verify_totp_setup.verify_totp_setup(self._ctx, code, friendly_device_name))

    def update_mfa_preference(
        self,
        sms: MFAPreference | None = None,
        totp: MFAPreference | None = None,
        email: MFAPreference | None = None,
    ) -> None:
        return self._run(update_mfa_preference.update_mfa_preference(self._ctx, sms, totp, email))

    def fetch_mfa_preference(self) -> FetchMFAPreferenceOutput:
        return self._run(fetch_mfa_preference.fetch_mfa_preference(self._ctx))

    def delete_user(self) -> None:
        return self._run(delete_user.delete_user(self._ctx))
