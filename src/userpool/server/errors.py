"""Cognito's error vocabulary.

Every failure the server reports is a :class:`CognitoError`: HTTP 400 (500 only for true
internal faults) with ``{"__type": name, "message": ...}`` and the ``x-amzn-ErrorType``
header. The names are exactly Cognito's, since SDKs map them to exception classes.
"""

from __future__ import annotations


class CognitoError(Exception):
    name = "InternalErrorException"
    status = 400

    def __init__(
        self, message: str = "", *, name: str | None = None, status: int | None = None, persist: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        # persist: commit what the request changed before failing (failed-attempt counters,
        # consumed sessions), instead of rolling it back.
        self.persist = persist
        if name:
            self.name = name
        if status:
            self.status = status

    def body(self) -> dict[str, str]:
        return {"__type": self.name, "message": self.message}


def _error(name: str, status: int = 400) -> type[CognitoError]:
    return type(name.removesuffix("Exception"), (CognitoError,), {"name": name, "status": status})


InvalidParameter = _error("InvalidParameterException")
Serialization = _error("SerializationException")
UnknownOperation = _error("UnknownOperationException")
ResourceNotFound = _error("ResourceNotFoundException")
NotAuthorized = _error("NotAuthorizedException")
UserNotFound = _error("UserNotFoundException")
UsernameExists = _error("UsernameExistsException")
AliasExists = _error("AliasExistsException")
UserNotConfirmed = _error("UserNotConfirmedException")
PasswordResetRequired = _error("PasswordResetRequiredException")
InvalidPassword = _error("InvalidPasswordException")
CodeMismatch = _error("CodeMismatchException")
ExpiredCode = _error("ExpiredCodeException")
LimitExceeded = _error("LimitExceededException")
TooManyRequests = _error("TooManyRequestsException")
TooManyFailedAttempts = _error("TooManyFailedAttemptsException")
GroupExists = _error("GroupExistsException")
UnsupportedUserState = _error("UnsupportedUserStateException")
UnsupportedOperation = _error("UnsupportedOperationException")
UnsupportedTokenType = _error("UnsupportedTokenTypeException")
InvalidUserPoolConfiguration = _error("InvalidUserPoolConfigurationException")
RefreshTokenReuse = _error("RefreshTokenReuseException")
ConcurrentModification = _error("ConcurrentModificationException")
PreconditionNotMet = _error("PreconditionNotMetException")
CodeDeliveryFailure = _error("CodeDeliveryFailureException")
SoftwareTokenMFANotFound = _error("SoftwareTokenMFANotFoundException")
EnableSoftwareTokenMFA = _error("EnableSoftwareTokenMFAException")
MFAMethodNotFound = _error("MFAMethodNotFoundException")
FeatureUnavailableInTier = _error("FeatureUnavailableInTierException")
# managed login (OAuth 2.0) management
InvalidOAuthFlow = _error("InvalidOAuthFlowException")
ScopeDoesNotExist = _error("ScopeDoesNotExistException")
DuplicateProvider = _error("DuplicateProviderException")
UnsupportedIdentityProvider = _error("UnsupportedIdentityProviderException")
UserLambdaValidation = _error("UserLambdaValidationException")
UnexpectedLambda = _error("UnexpectedLambdaException")
InvalidLambdaResponse = _error("InvalidLambdaResponseException")
Unauthorized = _error("UnauthorizedException")
# passkeys (WebAuthn)
WebAuthnNotEnabled = _error("WebAuthnNotEnabledException")
WebAuthnConfigurationMissing = _error("WebAuthnConfigurationMissingException")
WebAuthnChallengeNotFound = _error("WebAuthnChallengeNotFoundException")
WebAuthnRelyingPartyMismatch = _error("WebAuthnRelyingPartyMismatchException")
WebAuthnClientMismatch = _error("WebAuthnClientMismatchException")
WebAuthnOriginNotAllowed = _error("WebAuthnOriginNotAllowedException")
WebAuthnCredentialNotSupported = _error("WebAuthnCredentialNotSupportedException")
Forbidden = _error("ForbiddenException", 403)
InternalError = _error("InternalErrorException", 500)
# Request-signing failures use the names every AWS JSON service uses.
MissingAuthenticationToken = _error("MissingAuthenticationTokenException", 403)
UnrecognizedClient = _error("UnrecognizedClientException", 403)
InvalidSignature = _error("InvalidSignatureException", 403)
IncompleteSignature = _error("IncompleteSignatureException", 403)
AccessDenied = _error("AccessDeniedException", 403)
