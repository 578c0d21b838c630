"""The state one client (sync and async alike) works on: ``AuthContext``.

``AuthContext`` gathers what the sans-I/O flows read and change: configuration, the in-flight
sign-in (Amplify's ``signInStore``), the pending auto sign-in, the Hub and the clock; and what
every driver built on it shares: the token store (as a blocking and an awaitable repository)
and the one refresh in flight (:class:`~.shared_refresh.SharedRefresh`). Two clients built on
the same context -- ``AsyncAuthClient(context=client.context)`` -- share one session.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import srp
from ._async.token_repository import AsyncTokenRepository
from ._hub import Hub, HubPayload
from ._hub import hub as default_hub
from ._sync.token_repository import TokenRepository
from .config import AuthConfig
from .constants import AUTH_CHANNEL, AuthFlowType, HubEvent
from .errors import AuthConfigException
from .oauth_config import OAuthConfig
from .passkeys import PasskeyAuthenticator
from .shared_refresh import SharedRefresh
from .storage import AsyncStorage, MemoryStore, async_view, blocking_view
from .types import SignInDetails

Clock = Callable[[], float]
#: Opens a URL in the system browser: ``webbrowser.open``'s shape (``loopback.system_browser``).
BrowserOpener = Callable[[str], Any]
#: How long ``sign_in_with_redirect`` waits for the browser to come back (seconds).
DEFAULT_REDIRECT_TIMEOUT = 300.0


@dataclass
class SignInState:
    """The sign-in in progress between ``sign_in`` and the ``confirm_sign_in`` that finishes it.

    Set from each challenge Cognito returns; reset when the sign-in ends (tokens stored, an
    error that ends it, a step that leaves the sign-in such as RESET_PASSWORD, a new
    ``sign_in``, ``sign_out``). One sign-in conversation per client at a time, as in Amplify.
    """

    username: str | None = None
    session: str | None = None
    challenge_name: str | None = None
    challenge_parameters: dict[str, str] = field(default_factory=dict)
    sign_in_details: SignInDetails | None = None
    #: MFA_SETUP only: which setup the user is in ("SELECT", "TOTP" or "EMAIL").
    mfa_setup: str | None = None
    #: MFA_SETUP / SELECT_MFA_TYPE: the MFA types offered.
    allowed_mfa_types: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.username and self.challenge_name and self.session)

    def reset(self) -> None:
        self.username = None
        self.session = None
        self.challenge_name = None
        self.challenge_parameters = {}
        self.sign_in_details = None
        self.mfa_setup = None
        self.allowed_mfa_types = ()


@dataclass
class AutoSignInState:
    """Amplify's autoSignIn: the credentials kept (in memory only) from sign_up to auto_sign_in."""

    username: str | None = None
    password: str | None = None
    auth_flow_type: AuthFlowType | None = None
    confirmed: bool = False
    #: USER_AUTH: SignUp's, then ConfirmSignUp's ``Session``, which signs the new user in with
    #: no password and no second code; and the first factor to ask for otherwise.
    session: str | None = None
    preferred_challenge: str | None = None

    def arm(self, username: str, password: str | None, auth_flow_type: AuthFlowType | None) -> None:
        self.username, self.password, self.auth_flow_type, self.confirmed = (
            username,
            password,
            auth_flow_type,
            False,
        )
        self.session = self.preferred_challenge = None

    @property
    def armed(self) -> bool:
        """Credentials to sign in with: a password, or USER_AUTH (a Session or a first factor)."""
        return bool(self.username and (self.password or self.auth_flow_type is AuthFlowType.USER_AUTH))

    def reset(self) -> None:
        self.username = self.password = None
        self.auth_flow_type = None
        self.confirmed = False
        self.session = self.preferred_challenge = None


class AuthContext:
    """One pool/app client's session and sign-in state, shared by the drivers built on it."""

    def __init__(
        self,
        config: AuthConfig,
        store: AsyncStorage,
        hub: Hub,
        clock: Clock | None = None,
        srp_ephemeral: Callable[[], srp.ClientEphemeral] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        blocking = blocking_view(store)
        self._tokens = TokenRepository(blocking, config.storage_key) if blocking is not None else None
        #: The session for the async driver: never blocks its event loop.
        self.async_tokens = AsyncTokenRepository(async_view(store), config.storage_key)
        self.hub = hub
        self.clock: Clock = clock or time.time
        self.srp_ephemeral: Callable[[], srp.ClientEphemeral] = srp_ephemeral or srp.client_ephemeral
        self.sign_in = SignInState()
        self.auto_sign_in = AutoSignInState()
        #: The refresh in flight, one for every driver (thread or task) of this context.
        self.refresh = SharedRefresh()
        #: None until known; False once the service refused GetTokensFromRefreshToken.
        self.get_tokens_from_refresh_token: bool | None = None
        #: Answers a WEB_AUTHN challenge during sign-in (the client's ``passkey_authenticator=``).
        self.passkey_authenticator: PasskeyAuthenticator | None = None
        #: Opens managed login's pages (``browser_opener=``; None: the system browser).
        self.browser_opener: BrowserOpener | None = None
        self.redirect_timeout: float = DEFAULT_REDIRECT_TIMEOUT

    @property
    def tokens(self) -> TokenRepository:
        """The session for blocking callers (the sync driver, the CLI, the legacy facade)."""
        if self._tokens is None:
            raise AuthConfigException(
                "This context's store is asynchronous: use AsyncAuthClient, or a blocking TokenStore.",
                name="AuthConfigException",
            )
        return self._tokens

    def now(self) -> float:
        return self.clock()

    def dispatch(self, event: HubEvent, data: Any = None, message: str | None = None) -> None:
        self.hub.dispatch(AUTH_CHANNEL, HubPayload(str(event), data, message))

    def secret_hash(self, username: str) -> str | None:
        cfg = self.config
        return srp.secret_hash(cfg.client_secret, username, cfg.client_id) if cfg.client_secret else None


def build_context(
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
    oauth: OAuthConfig | Mapping[str, Any] | None = None,
) -> AuthContext:
    """A client's context from its constructor's arguments (or an ``AuthConfig``)."""
    if config is None:
        extra: dict[str, Any] = {"auth_flow_type": auth_flow_type} if auth_flow_type else {}
        if oauth is not None:
            extra["oauth"] = oauth
        if outputs is not None:
            config = AuthConfig.from_outputs(
                outputs, client_secret=client_secret, endpoint=endpoint, region=region, **extra
            )
        else:
            config = AuthConfig(
                user_pool_id=user_pool_id or "",
                client_id=client_id or "",
                client_secret=client_secret,
                endpoint=endpoint,
                region=region,
                **extra,
            )
    return AuthContext(config, storage if storage is not None else MemoryStore(), hub or default_hub, clock)
