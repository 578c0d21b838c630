"""The state one client (sync and async alike) works on.

``AuthContext`` gathers what the sans-I/O flows read and change: configuration, the token
repository, the in-flight sign-in (Amplify's ``signInStore``), the pending auto sign-in,
the Hub, the clock, and the refresh de-duplicator shared by every driver of this context.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import srp
from ._hub import Hub, HubPayload
from .config import AuthConfig
from .constants import AUTH_CHANNEL, AuthFlowType, HubEvent
from .orchestrator import TokenOrchestrator
from .storage import TokenStore
from .tokens import TokenRepository
from .types import SignInDetails

Clock = Callable[[], float]


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

    def arm(self, username: str, password: str, auth_flow_type: AuthFlowType | None) -> None:
        self.username, self.password, self.auth_flow_type, self.confirmed = (
            username,
            password,
            auth_flow_type,
            False,
        )

    def reset(self) -> None:
        self.username = self.password = None
        self.auth_flow_type = None
        self.confirmed = False


class AuthContext:
    def __init__(
        self,
        config: AuthConfig,
        store: TokenStore,
        hub: Hub,
        clock: Clock | None = None,
        srp_ephemeral: Callable[[], srp.ClientEphemeral] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.tokens = TokenRepository(store, config.storage_key)
        self.hub = hub
        self.clock: Clock = clock or time.time
        self.srp_ephemeral: Callable[[], srp.ClientEphemeral] = srp_ephemeral or srp.client_ephemeral
        self.sign_in = SignInState()
        self.auto_sign_in = AutoSignInState()
        self.orchestrator = TokenOrchestrator(self)
        #: None until known; False once the service refused GetTokensFromRefreshToken.
        self.get_tokens_from_refresh_token: bool | None = None

    def now(self) -> float:
        return self.clock()

    def dispatch(self, event: HubEvent, data: Any = None, message: str | None = None) -> None:
        self.hub.dispatch(AUTH_CHANNEL, HubPayload(str(event), data, message))

    def secret_hash(self, username: str) -> str | None:
        cfg = self.config
        return srp.secret_hash(cfg.client_secret, username, cfg.client_id) if cfg.client_secret else None
