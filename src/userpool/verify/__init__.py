"""Verify Cognito (and userpool server) JWTs in Python APIs: ``userpool.verify``.

The Python counterpart of aws-jwt-verify: one verifier, the signature checked before any
claim, keys from a shared JWKS cache with a penalty box, a verified-token cache, and one
error class per way a token can fail::

    from userpool.verify import CognitoJwtVerifier, JwtVerificationError

    verifier = CognitoJwtVerifier(user_pool_id="eu-west-1_AbC123", token_use="access",
                                  client_id="4ur1...")
    claims = verifier.verify(token)          # or: await verifier.averify(token)

Framework integrations live in :mod:`userpool.verify.fastapi`, :mod:`userpool.verify.asgi`
(Starlette and any ASGI app), :mod:`userpool.verify.flask` and :mod:`userpool.verify.wsgi`.
"""

from userpool.verify.algorithms import ALLOWED_ALGS
from userpool.verify.claims import ClaimRequirements
from userpool.verify.errors import (
    JwksFetchError,
    JwtCustomCheckError,
    JwtExpiredError,
    JwtInvalidClaimError,
    JwtInvalidClientIdError,
    JwtInvalidGroupError,
    JwtInvalidIssuerError,
    JwtInvalidScopeError,
    JwtInvalidSignatureAlgorithmError,
    JwtInvalidSignatureError,
    JwtInvalidTokenUseError,
    JwtNotBeforeError,
    JwtParseError,
    JwtRevokedError,
    JwtVerificationError,
    KidNotFoundInJwksError,
    RevocationCheckError,
    VerifierConfigError,
)
from userpool.verify.jwks import JwksCache, default_jwks_cache
from userpool.verify.verifier import CognitoJwtVerifier, Requirements, cognito_issuer

__all__ = [
    "ALLOWED_ALGS",
    "ClaimRequirements",
    "CognitoJwtVerifier",
    "JwksCache",
    "JwksFetchError",
    "JwtCustomCheckError",
    "JwtExpiredError",
    "JwtInvalidClaimError",
    "JwtInvalidClientIdError",
    "JwtInvalidGroupError",
    "JwtInvalidIssuerError",
    "JwtInvalidScopeError",
    "JwtInvalidSignatureAlgorithmError",
    "JwtInvalidSignatureError",
    "JwtInvalidTokenUseError",
    "JwtNotBeforeError",
    "JwtParseError",
    "JwtRevokedError",
    "JwtVerificationError",
    "KidNotFoundInJwksError",
    "Requirements",
    "RevocationCheckError",
    "VerifierConfigError",
    "cognito_issuer",
    "default_jwks_cache",
]
