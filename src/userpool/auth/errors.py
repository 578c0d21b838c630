"""``AuthError`` and its subclasses, named like Cognito's exceptions.

Amplify surfaces a service error as an ``AuthError`` whose ``name`` is Cognito's exception
name (``NotAuthorizedException`` ...), with the service's message and a recovery suggestion.
Here every name is also a Python class, so callers can write
``except errors.CodeMismatchException``; a name the client has never heard of becomes a
class on first sight (:func:`error_class`), so nothing the service says is lost.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

_REGISTRY: dict[str, type[AuthError]] = {}
_REGISTRY_LOCK = threading.Lock()


class AuthError(Exception):
    """Base of every error the client raises: ``name``, ``message``, ``recovery_suggestion``."""

    default_recovery_suggestion: ClassVar[str | None] = None

    def __init__(
        self,
        message: str = "",
        *,
        name: str | None = None,
        recovery_suggestion: str | None = None,
        underlying_error: BaseException | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.name: str = name or type(self).__name__
        self.message = message
        self.recovery_suggestion = recovery_suggestion or self.default_recovery_suggestion
        self.underlying_error = underlying_error
        #: ``http_status``, ``request_id`` and whether the body was Cognito's JSON (``json``).
        self.metadata: dict[str, Any] = metadata or {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY.setdefault(cls.__name__, cls)

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.message else self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, message={self.message!r})"


def error_class(name: str) -> type[AuthError]:
    """The class for a Cognito exception name, created (and remembered) when unknown."""
    cls = _REGISTRY.get(name)
    if cls is not None:
        return cls
    if not name.isidentifier():
        return AuthError
    with _REGISTRY_LOCK:
        cls = _REGISTRY.get(name)
        if cls is None:
            cls = type(name, (AuthError,), {"__module__": __name__})
            _REGISTRY[name] = cls
    return cls


def make_error(name: str, message: str = "", **kwargs: Any) -> AuthError:
    """An instance of :func:`error_class` ``(name)``."""
    return error_class(name)(message, name=name, **kwargs)


def __getattr__(attr: str) -> type[AuthError]:
    """``errors.SomeNewException`` resolves even for names this module does not list."""
    if attr.endswith("Exception") and attr.isidentifier():
        return error_class(attr)
    raise AttributeError(attr)


# ---------------------------------------------------------------- client-side errors


class AuthValidationError(AuthError):
    """Bad input caught before any request (Amplify's ``AuthValidationErrorCode``)."""


class AuthConfigException(AuthError):
    default_recovery_suggestion = "Call configure() with user_pool_id and client_id (or outputs=...)."


class OAuthNotConfigureException(AuthConfigException):
    """Amplify's ``assertOAuthConfig``: managed login needs ``oauth`` settings."""

    default_recovery_suggestion = (
        "Configure oauth (domain, scopes, redirect_sign_in, redirect_sign_out), or Amplify outputs with auth.oauth."
    )


class OAuthSignInException(AuthError):
    """Amplify's ``OAuthSignInException``: the redirect sign-in failed (error redirect, state, code exchange)."""

    default_recovery_suggestion = "Make sure the hosted UI is set up for the app client, then try again."


class UserAlreadyAuthenticatedException(AuthError):
    default_recovery_suggestion = "Call sign_out() before signing in again."


class UserUnAuthenticatedException(AuthError):
    default_recovery_suggestion = "Sign in before calling this API."


class SignInException(AuthError):
    default_recovery_suggestion = (
        "Make sure sign_in() was called and returned a next step before confirm_sign_in(), "
        "and that the sign-in session has not expired."
    )


class AutoSignInException(AuthError):
    default_recovery_suggestion = "Call sign_up() with options auto_sign_in=True and confirm it first."


class DeviceMetadataException(AuthError):
    """Amplify's ``assertDeviceMetadata``: the operation needs this client's tracked device."""

    default_recovery_suggestion = "Sign in on a pool that tracks devices (DeviceConfiguration) first."


class NetworkError(AuthError):
    default_recovery_suggestion = "Check the endpoint and your network connection, then retry."


class InvalidJWTError(AuthError):
    pass


# ---------------------------------------------------------------- Cognito's exceptions


class NotAuthorizedException(AuthError):
    default_recovery_suggestion = "Check the username and password, or sign in again."


class UserNotFoundException(AuthError):
    default_recovery_suggestion = "Check the username, or sign up first."


class UserNotConfirmedException(AuthError):
    default_recovery_suggestion = "Confirm the user with confirm_sign_up() first."


class PasswordResetRequiredException(AuthError):
    default_recovery_suggestion = "Reset the password with reset_password()."


class UsernameExistsException(AuthError):
    default_recovery_suggestion = "Choose another username, or sign in."


class AliasExistsException(AuthError):
    default_recovery_suggestion = "Another account already uses this email or phone number."


class CodeMismatchException(AuthError):
    default_recovery_suggestion = "Enter the code again; check it for typos."


class ExpiredCodeException(AuthError):
    default_recovery_suggestion = "Request a new code."


class CodeDeliveryFailureException(AuthError):
    default_recovery_suggestion = "Check the destination (email or phone number) and try again."


class InvalidPasswordException(AuthError):
    default_recovery_suggestion = "Choose a password that meets the pool's password policy."


class PasswordHistoryPolicyViolationException(AuthError):
    default_recovery_suggestion = "Choose a password you have not used recently."


class InvalidParameterException(AuthError):
    default_recovery_suggestion = "Check the request's parameters."


class ResourceNotFoundException(AuthError):
    default_recovery_suggestion = "Check the user pool id, client id and endpoint."


class LimitExceededException(AuthError):
    default_recovery_suggestion = "Wait a while before trying again."


class TooManyRequestsException(AuthError):
    default_recovery_suggestion = "Slow down and retry later."


class TooManyFailedAttemptsException(AuthError):
    default_recovery_suggestion = "Wait a while before trying again."


class InternalErrorException(AuthError):
    default_recovery_suggestion = "Retry later; the service had an internal error."


class UnknownOperationException(AuthError):
    default_recovery_suggestion = "The service does not support this operation."


class UnsupportedOperationException(AuthError):
    pass


class EnableSoftwareTokenMFAException(AuthError):
    default_recovery_suggestion = "Enter a current code from the authenticator app."


class SoftwareTokenMFANotFoundException(AuthError):
    default_recovery_suggestion = "Set up TOTP with set_up_totp() first."


class MFAMethodNotFoundException(AuthError):
    pass


class InvalidUserPoolConfigurationException(AuthError):
    pass


class UserLambdaValidationException(AuthError):
    pass


class UnexpectedLambdaException(AuthError):
    pass


class InvalidLambdaResponseException(AuthError):
    pass


class ForbiddenException(AuthError):
    pass


class UnauthorizedException(AuthError):
    pass


class UnsupportedTokenTypeException(AuthError):
    pass


class RefreshTokenReuseException(AuthError):
    default_recovery_suggestion = "Sign in again."


#: Errors a user can fix by answering the same challenge again: the sign-in state is kept.
RETRYABLE_CHALLENGE_ERRORS = frozenset(
    {
        "CodeMismatchException",
        "InvalidPasswordException",
        "PasswordHistoryPolicyViolationException",
        "EnableSoftwareTokenMFAException",
        "InvalidParameterException",
    }
)

#: Refresh answers that mean the refresh token is dead: the session is cleared.
DEAD_REFRESH_TOKEN_ERRORS = frozenset(
    {"NotAuthorizedException", "UserNotFoundException", "RefreshTokenReuseException"}
)
