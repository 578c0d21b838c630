"""``userpool.legacy.Auth``: the aws-amplify v5 / amazon-cognito-identity-js style facade.

For code ported from ``Auth.signIn(username, password)`` that expects a ``CognitoUser``
with ``challengeName`` and a ``CognitoUserSession`` with ``getAccessToken().getJwtToken()``.
Every call delegates to the modern client (by default the one ``userpool.auth.configure``
made), so the two APIs always see the same session and sign-in state.

As v5 does, a sign-in that needs a password reset or sign-up confirmation raises
``PasswordResetRequiredException`` / ``UserNotConfirmedException`` instead of returning a step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from . import auth
from .auth import AuthClient, errors
from .auth.constants import SignInStep
from .auth.jwt import JWT
from .auth.tokens import CognitoTokens

__all__ = [
    "Auth",
    "AuthClass",
    "CognitoAccessToken",
    "CognitoIdToken",
    "CognitoRefreshToken",
    "CognitoUser",
    "CognitoUserSession",
]


class _CognitoJwt:
    def __init__(self, jwt: JWT) -> None:
        self._jwt = jwt
        self.payload: dict[str, Any] = jwt.payload

    def get_jwt_token(self) -> str:
        return self._jwt.raw

    def get_expiration(self) -> int:
        return self._jwt.exp

    def get_issued_at(self) -> int:
        return self._jwt.iat

    def decode_payload(self) -> dict[str, Any]:
        return dict(self.payload)


class CognitoAccessToken(_CognitoJwt):
    pass


class CognitoIdToken(_CognitoJwt):
    pass


class CognitoRefreshToken:
    def __init__(self, token: str | None) -> None:
        self._token = token or ""

    def get_token(self) -> str:
        return self._token


class CognitoUserSession:
    """v5's session: three tokens and ``is_valid()`` (both tokens unexpired, clock drift allowed)."""

    def __init__(self, tokens: CognitoTokens, clock: Callable[[], float] = time.time) -> None:
        self._tokens = tokens
        self._clock = clock
        self._access = CognitoAccessToken(tokens.access_token)
        self._id = CognitoIdToken(tokens.id_token) if tokens.id_token else None
        self._refresh = CognitoRefreshToken(tokens.refresh_token)

    def get_access_token(self) -> CognitoAccessToken:
        return self._access

    def get_id_token(self) -> CognitoIdToken | None:
        return self._id

    def get_refresh_token(self) -> CognitoRefreshToken:
        return self._refresh

    def get_clock_drift(self) -> float:
        """v5's sign: local time minus the server's issue time."""
        return -self._tokens.clock_drift

    def is_valid(self) -> bool:
        adjusted = self._clock() + self._tokens.clock_drift
        return all(adjusted < t.exp for t in (self._tokens.access_token, self._tokens.id_token) if t is not None)


class CognitoUser:
    """The user a sign-in returns; ``challenge_name`` is Cognito's challenge, or None when done."""

    def __init__(
        self,
        username: str,
        challenge_name: str | None = None,
        challenge_param: Mapping[str, Any] | None = None,
        attributes: Mapping[str, str] | None = None,
        session: CognitoUserSession | None = None,
    ) -> None:
        self.username = username
        self.challenge_name = challenge_name
        self.challenge_param: dict[str, Any] = dict(challenge_param or {})
        self.attributes: dict[str, str] = dict(attributes or {})
        self.sign_in_user_session = session

    def get_username(self) -> str:
        return self.username

    def get_sign_in_user_session(self) -> CognitoUserSession | None:
        return self.sign_in_user_session

    def __repr__(self) -> str:
        return f"CognitoUser(username={self.username!r}, challenge_name={self.challenge_name!r})"


class AuthClass:
    """v5's ``Auth`` category, snake_cased, on top of a modern :class:`~userpool.auth.AuthClient`."""

    def __init__(self, client: AuthClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> AuthClient:
        return self._client or auth.get_default_client()

    def configure(self, config: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Accepts v5's ``{"Auth": {"userPoolId", "userPoolWebClientId", "region", "endpoint",
        "authenticationFlowType"}}``, aws-exports keys, or the modern keyword arguments."""
        source: dict[str, Any] = dict(config or {})
        source = {**source, **dict(source.get("Auth") or {})}
        options = {
            "user_pool_id": source.get("userPoolId") or source.get("aws_user_pools_id"),
            "client_id": source.get("userPoolWebClientId") or source.get("aws_user_pools_web_client_id"),
            "region": source.get("region") or source.get("aws_cognito_region"),
            "endpoint": source.get("endpoint"),
            "auth_flow_type": source.get("authenticationFlowType"),
            **kwargs,
        }
        options = {k: v for k, v in options.items() if v is not None}
        client = auth.configure(**options)
        if self._client is not None:
            self._client = client
        return dict(options)

    # ------------------------------------------------------------ sign-in

    def _user_after(self, output: auth.SignInOutput, username: str) -> CognitoUser:
        step = output.next_step.sign_in_step
        if step is SignInStep.RESET_PASSWORD:
            raise errors.PasswordResetRequiredException("Password reset required for the user")
        if step is SignInStep.CONFIRM_SIGN_UP:
            raise errors.UserNotConfirmedException("User is not confirmed.")
        if output.is_signed_in:
            return self.current_authenticated_user()
        state = self.client.context.sign_in
        params: dict[str, Any] = dict(state.challenge_parameters)
        if output.next_step.totp_setup_details is not None:
            params["secret_code"] = output.next_step.totp_setup_details.shared_secret
        return CognitoUser(state.username or username, state.challenge_name, params)

    def sign_in(self, username: str, password: str | None = None) -> CognitoUser:
        """``Auth.signIn``; a user with ``challenge_name`` set needs one of the calls below."""
        output = self.client.sign_in(username, password)
        return self._user_after(output, username)

    def complete_new_password(
        self, user: CognitoUser, password: str, required_attributes: Mapping[str, str] | None = None
    ) -> CognitoUser:
        opts = {"user_attributes": dict(required_attributes)} if required_attributes else None
        return self._user_after(self.client.confirm_sign_in(password, opts), user.username)

    def confirm_sign_in(self, user: CognitoUser, code: str, mfa_type: str | None = None) -> CognitoUser:
        """Answer SMS_MFA / SOFTWARE_TOKEN_MFA (``mfa_type`` is informational, as in v5)."""
        return self._user_after(self.client.confirm_sign_in(code), user.username)

    def send_custom_challenge_answer(self, user: CognitoUser, answer: str) -> CognitoUser:
        return self._user_after(self.client.confirm_sign_in(answer), user.username)

    def setup_totp(self, user: CognitoUser) -> str:
        """MFA_SETUP during sign-in: the secret (already associated by the modern flow)."""
        secret = user.challenge_param.get("secret_code")
        if not secret:
            secret = self.client.set_up_totp().shared_secret
        return str(secret)

    def verify_totp_token(self, user: CognitoUser, challenge_answer: str) -> CognitoUser:
        if user.challenge_name == "MFA_SETUP":
            return self._user_after(self.client.confirm_sign_in(challenge_answer), user.username)
        self.client.verify_totp_setup(challenge_answer)
        return user

    # ------------------------------------------------------------ session

    def current_session(self) -> CognitoUserSession:
        """``Auth.currentSession``: the tokens, refreshed when needed; error when nobody is in."""
        self.client.fetch_auth_session()
        tokens = self.client.context.tokens.load()
        if tokens is None:
            raise errors.UserUnAuthenticatedException("No current user")
        return CognitoUserSession(tokens, self.client.context.clock)

    def current_authenticated_user(self) -> CognitoUser:
        session = self.current_session()
        attributes = self.client.fetch_user_attributes()
        username = session.get_access_token().payload.get("username", "")
        return CognitoUser(username, attributes=attributes, session=session)

    def current_user_info(self) -> dict[str, Any]:
        user = self.current_authenticated_user()
        return {"username": user.username, "attributes": user.attributes, "id": user.attributes.get("sub")}

    def sign_out(self, global_sign_out: bool = False, opts: Mapping[str, Any] | None = None) -> None:
        """``Auth.signOut()`` / ``Auth.signOut({ global: true })``."""
        self.client.sign_out(global_sign_out or bool((opts or {}).get("global")))


#: The v5-style singleton: ``from userpool.legacy import Auth``.
Auth = AuthClass()
