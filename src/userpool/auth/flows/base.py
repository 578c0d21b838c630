"""The sans-I/O protocol between flows and drivers.

A flow is a generator. It yields a :class:`CognitoCall` when it needs Cognito to answer and
receives the decoded JSON response (or has the :class:`~userpool.auth.errors.AuthError`
thrown into it); it yields :class:`NeedTokens` when it needs the current session and receives
the (possibly refreshed) :class:`~userpool.auth.tokens.CognitoTokens` or None. Its return
value is the operation's result. The flow never does network I/O, so the same flow runs under
the sync and the async driver (the pattern of httpx's ``Auth.auth_flow``).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..constants import MAX_ATTEMPTS
from ..errors import AuthValidationError, UserUnAuthenticatedException

if TYPE_CHECKING:
    from ..tokens import CognitoTokens

T = TypeVar("T")


@dataclass(frozen=True)
class CognitoCall:
    """One Cognito operation: ``POST /`` with ``X-Amz-Target: ...<operation>``."""

    operation: str
    payload: dict[str, Any]
    #: 1 for calls whose failure should fall through at once (an operation the server may lack).
    max_attempts: int = MAX_ATTEMPTS


@dataclass(frozen=True)
class NeedTokens:
    """Ask the driver for the session, refreshed (de-duplicated) when expired or forced."""

    force_refresh: bool = False


Step = CognitoCall | NeedTokens
Flow = Generator[Step, Any, T]


def compact(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Drop members that are None: optional members are omitted, never sent as ``null``."""
    return {k: v for k, v in payload.items() if v is not None}


def call(operation: str, payload: Mapping[str, Any], max_attempts: int = MAX_ATTEMPTS) -> Flow[dict[str, Any]]:
    response = yield CognitoCall(operation, compact(payload), max_attempts)
    return response if isinstance(response, dict) else {}


def require_tokens(force_refresh: bool = False) -> Flow[CognitoTokens]:
    """The session's tokens, or ``UserUnAuthenticatedException`` (Amplify's assertAuthTokens)."""
    tokens = yield NeedTokens(force_refresh)
    if tokens is None:
        raise UserUnAuthenticatedException("User needs to be authenticated to call this API.")
    result: CognitoTokens = tokens
    return result


def require(value: Any, name: str, message: str) -> None:
    """Amplify's ``assertValidationError``: refuse empty input before any request."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == {}:
        raise AuthValidationError(message, name=name)
