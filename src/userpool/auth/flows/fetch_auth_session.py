"""``fetch_auth_session``: the session's tokens, refreshed when they expire within 5 s.

Tokens come from the session, never from the sign-in result (Amplify's model). The
refresh itself, and its de-duplication across concurrent callers, happen in the driver's
answer to :class:`~userpool.auth.flows.base.NeedTokens`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import AuthSession, AuthTokens
from .base import Flow, NeedTokens

if TYPE_CHECKING:
    from ..state import AuthContext
    from ..tokens import CognitoTokens


def session_of(tokens: CognitoTokens | None) -> AuthSession:
    if tokens is None:
        return AuthSession()
    return AuthSession(
        tokens=AuthTokens(
            access_token=tokens.access_token, id_token=tokens.id_token, sign_in_details=tokens.sign_in_details
        ),
        user_sub=tokens.user_sub,
    )


def fetch_auth_session(ctx: AuthContext, force_refresh: bool = False) -> Flow[AuthSession]:
    tokens = yield NeedTokens(force_refresh)
    return session_of(tokens)
