"""The sans-I/O protocol between flows and drivers.

A flow is a generator. It yields a :class:`CognitoCall` when it needs Cognito to answer and
receives the decoded JSON response (or has the :class:`~userpool.auth.errors.AuthError`
thrown into it); it yields :class:`NeedTokens` when it needs the current session and receives
the (possibly refreshed) :class:`~userpool.auth.tokens.CognitoTokens` or None. The stored
session is read and written through steps too (:class:`LoadTokens`, :class:`SaveTokens`,
:class:`ClearTokens`), so a file or keyring store is the driver's I/O: the async driver awaits
it instead of blocking its event loop. Its return value is the operation's result. The flow
never does I/O, so the same flow runs under the sync and the async driver (the pattern of
httpx's ``Auth.auth_flow``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ..constants import MAX_ATTEMPTS
from ..errors import AuthValidationError, UserUnAuthenticatedException

if TYPE_CHECKING:
    from ..device_metadata import DeviceMetadata
    from ..passkeys import PasskeyAuthenticator
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


@dataclass(frozen=True)
class LoadTokens:
    """Ask the driver for the stored session as it is (no refresh), or None."""


@dataclass(frozen=True)
class SaveTokens:
    """Ask the driver to store ``tokens`` as the session."""

    tokens: CognitoTokens


@dataclass(frozen=True)
class ClearTokens:
    """Ask the driver to remove the stored session."""


@dataclass(frozen=True)
class LoadDevice:
    """Ask the driver for the device metadata stored for ``username`` (kept across sign-outs), or None."""

    username: str


@dataclass(frozen=True)
class SaveDevice:
    """Ask the driver to store ``metadata`` as ``username``'s device (None forgets it)."""

    username: str
    metadata: DeviceMetadata | None


@dataclass(frozen=True)
class UsePasskey:
    """Ask the driver to run a WebAuthn ceremony on ``authenticator`` (``create`` for a new
    passkey, ``get`` for an assertion) with ``options``; the flow receives the credential JSON."""

    ceremony: Literal["create", "get"]
    options: dict[str, Any]
    authenticator: PasskeyAuthenticator

    def run(self) -> dict[str, Any]:
        ceremony = self.authenticator.create if self.ceremony == "create" else self.authenticator.get
        return ceremony(self.options)


@dataclass(frozen=True)
class HostedCall:
    """``POST <oauth domain><path>`` with a form (managed login's ``/oauth2/token``); the flow
    receives the JSON answer, or has an ``OAuthSignInException`` thrown into it."""

    path: str
    form: dict[str, str]


@dataclass(frozen=True)
class OpenAuthSession:
    """Open ``url(redirect_uri)`` in the system browser and wait up to ``timeout`` seconds for its
    redirect to the loopback ``redirect_uri`` (RFC 8252 §7.3; port 0 means a free one, and the
    URL is built with the port actually bound). The flow receives ``(redirect_uri, callback)``:
    the URI used and the URL the browser came back to (None when ``wait`` is False, or when a
    sign-out's redirect did not come)."""

    redirect_uri: str
    url: Callable[[str], str]
    timeout: float
    wait: bool = True
    #: A sign-in must see its redirect (a timeout raises); a sign-out only hopes to.
    required: bool = True


Step = (
    CognitoCall | NeedTokens | LoadTokens | SaveTokens | ClearTokens | LoadDevice | SaveDevice | UsePasskey
    | HostedCall | OpenAuthSession
)
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


def load_tokens() -> Flow[CognitoTokens | None]:
    """The stored session without refreshing it (sign_in's "already signed in?", sign_out)."""
    tokens: CognitoTokens | None = yield LoadTokens()
    return tokens


def save_tokens(tokens: CognitoTokens) -> Flow[None]:
    yield SaveTokens(tokens)


def clear_tokens() -> Flow[None]:
    yield ClearTokens()


def load_device(username: str) -> Flow[DeviceMetadata | None]:
    metadata: DeviceMetadata | None = yield LoadDevice(username)
    return metadata


def save_device(username: str, metadata: DeviceMetadata | None) -> Flow[None]:
    yield SaveDevice(username, metadata)


def require(value: Any, name: str, message: str) -> None:
    """Amplify's ``assertValidationError``: refuse empty input before any request."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == {}:
        raise AuthValidationError(message, name=name)
