"""One exception class per way a token can fail, as aws-jwt-verify does (``src/error.ts``).

Why one class per failure: an API maps them to different answers (401 for a bad token,
403 for a missing group or scope, 503 when keys cannot be fetched), logs them
differently, and a developer reading a traceback learns what was wrong from the class
name alone. Every message says what was expected, what was found, and, where there is
a usual cause, what to do about it.

Hierarchy::

    JwtVerificationError
    ├── JwtParseError                      not a well-formed JWT (or a refresh token)
    ├── JwtInvalidSignatureAlgorithmError  alg not allowed, or does not fit the key
    ├── KidNotFoundInJwksError             no trusted key with the token's kid
    ├── JwksFetchError                     the JWKS could not be fetched or read
    ├── JwtInvalidSignatureError           signature does not verify
    ├── JwtInvalidClaimError               a claim is missing, malformed or wrong
    │   ├── JwtExpiredError
    │   ├── JwtNotBeforeError
    │   ├── JwtInvalidIssuerError
    │   ├── JwtInvalidTokenUseError        (includes the ID-token-as-access-token pitfall)
    │   ├── JwtInvalidClientIdError
    │   ├── JwtInvalidGroupError
    │   ├── JwtInvalidScopeError
    │   └── JwtCustomCheckError
    ├── JwtRevokedError                    GetUser says the token was revoked
    └── RevocationCheckError               GetUser could not be asked (fail closed)

    VerifierConfigError (ValueError)       the verifier was configured wrongly
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Where a client finds the token an API wants (the Python client, then Amplify JS).
ACCESS_TOKEN_HINT = (
    "send the access token: fetch_auth_session().tokens.access_token with the Python client "
    "(fetchAuthSession().tokens.accessToken in Amplify JS)"
)


class VerifierConfigError(ValueError):
    """The verifier's configuration is wrong (a programming error, not a bad token)."""


class JwtVerificationError(Exception):
    """Base class: the token was not accepted. Catch this to refuse any bad token."""


class JwtParseError(JwtVerificationError):
    """The token is not a well-formed compact JWS with JSON object header and payload."""


class JwtInvalidSignatureAlgorithmError(JwtVerificationError):
    """The header's ``alg`` is not allowed, or does not match the key's type."""


class KidNotFoundInJwksError(JwtVerificationError):
    """No key in the trusted JWKS has the token's ``kid`` (also during the penalty period)."""


class JwksFetchError(JwtVerificationError):
    """The JWKS (or the discovery document) could not be fetched or was unusable."""


class JwtInvalidSignatureError(JwtVerificationError):
    """The signature does not verify with the trusted key: the token was forged or altered."""


class JwtInvalidClaimError(JwtVerificationError):
    """A claim is missing, has the wrong type, or the wrong value.

    Raised only after the signature verified, so :attr:`claims` holds a payload that the
    issuer really signed: safe to log, e.g. to see which user sent an expired token.
    """

    def __init__(self, message: str, claims: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.claims: Mapping[str, Any] | None = claims


class JwtExpiredError(JwtInvalidClaimError):
    """``exp`` (plus the grace period) is in the past."""


class JwtNotBeforeError(JwtInvalidClaimError):
    """``nbf`` or ``iat`` is in the future (beyond the grace period)."""


class JwtInvalidIssuerError(JwtInvalidClaimError):
    """``iss`` is not this verifier's issuer: another pool, another server, or a forgery.

    A Cognito pool's verifier also checks the unverified ``iss`` before fetching keys from
    AWS (``claims.refuse_non_cognito_issuer``); raised from there, :attr:`claims` is None."""


class JwtInvalidTokenUseError(JwtInvalidClaimError):
    """``token_use`` is not the one required (typically an ID token sent to an API)."""


class JwtInvalidClientIdError(JwtInvalidClaimError):
    """``client_id`` (access token) or ``aud`` (ID token) is not an allowed app client."""


class JwtInvalidGroupError(JwtInvalidClaimError):
    """``cognito:groups`` has none of the required groups (an authorization failure: 403)."""


class JwtInvalidScopeError(JwtInvalidClaimError):
    """``scope`` has none of the required scopes (an authorization failure: 403)."""


class JwtCustomCheckError(JwtInvalidClaimError):
    """The verifier's ``custom_check`` returned ``False``."""


class JwtRevokedError(JwtVerificationError):
    """Cognito's ``GetUser`` refused the access token: signed out, revoked, or user gone."""


class RevocationCheckError(JwtVerificationError):
    """The revocation check could not get an answer; the token is refused (fail closed)."""
