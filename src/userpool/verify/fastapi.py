"""FastAPI dependency: ``claims = Depends(require_access_token(verifier))``.

The dependency verifies the ``Authorization: Bearer`` token with :meth:`averify` (keys
are fetched without blocking the event loop) and returns the claims dict; on failure it
raises ``HTTPException`` with the RFC 6750 status and ``WWW-Authenticate`` header from
:mod:`userpool.verify.bearer`. It also declares an ``HTTPBearer`` security scheme, so the
OpenAPI docs show the padlock and the "Authorize" button::

    verifier = CognitoJwtVerifier(user_pool_id=..., token_use="access", client_id=...)

    @app.get("/me")
    async def me(claims: dict = Depends(require_access_token(verifier))):
        return {"user": claims["username"]}

    @app.get("/admin")
    async def admin(claims: dict = Depends(require_access_token(verifier, groups="admin"))): ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from userpool.verify.bearer import BearerError, Guard
from userpool.verify.verifier import CognitoJwtVerifier

# Declared for OpenAPI only (the padlock in the docs); the header is read by bearer.py.
_credentials = Security(HTTPBearer(auto_error=False, description="A user pool access token"))

ClaimsDependency = Callable[..., Awaitable[dict[str, Any]]]


def require_token(
    verifier: CognitoJwtVerifier | None = None,
    *,
    token_use: str | None = "access",
    groups: str | Iterable[str] | None = None,
    scope: str | Iterable[str] | None = None,
    realm: str | None = None,
    **verifier_kwargs: Any,
) -> ClaimsDependency:
    """A dependency returning the verified claims of the request's bearer token.

    Pass a shared ``verifier`` (recommended: one per API, so caches are shared), or the
    :class:`CognitoJwtVerifier` arguments to build one. ``groups``/``scope`` apply to this
    dependency only: a missing group or scope answers 403, any other failure 401.
    """
    guard = Guard(verifier, verifier_kwargs, token_use=token_use, groups=groups, scope=scope, realm=realm)

    async def claims(
        request: Request, _credentials: HTTPAuthorizationCredentials | None = _credentials
    ) -> dict[str, Any]:
        try:
            return await guard.aauthenticate(request.headers.get("authorization"))
        except BearerError as exc:
            denial = exc.denial
            raise HTTPException(denial.status, detail=denial.body(), headers=denial.headers()) from None

    return claims


def require_access_token(
    verifier: CognitoJwtVerifier | None = None,
    *,
    groups: str | Iterable[str] | None = None,
    scope: str | Iterable[str] | None = None,
    realm: str | None = None,
    **verifier_kwargs: Any,
) -> ClaimsDependency:
    """:func:`require_token` for access tokens, the only tokens an API should accept."""
    return require_token(
        verifier, token_use="access", groups=groups, scope=scope, realm=realm, **verifier_kwargs
    )
