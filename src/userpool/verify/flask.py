"""Flask decorator: ``@require_token(verifier)`` puts the verified claims in ``flask.g.claims``.

A request without a good token gets the RFC 6750 answer (401/403 with
``WWW-Authenticate``) and the view is not called. Works for sync and ``async def`` views::

    verifier = CognitoJwtVerifier(user_pool_id=..., token_use="access", client_id=...)

    @app.get("/me")
    @require_token(verifier)
    def me():
        return {"user": g.claims["username"]}

    @app.get("/admin")
    @require_token(verifier, groups="admin")
    def admin(): ...
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Response, g, request

from userpool.verify.bearer import BearerError, Denial, Guard
from userpool.verify.verifier import CognitoJwtVerifier

View = TypeVar("View", bound=Callable[..., Any])


def _response(denial: Denial) -> Response:
    body, headers = denial.encoded()
    return Response(body, status=denial.status, headers=headers)


def require_token(
    verifier: CognitoJwtVerifier | None = None,
    *,
    token_use: str | None = "access",
    groups: str | Iterable[str] | None = None,
    scope: str | Iterable[str] | None = None,
    realm: str | None = None,
    **verifier_kwargs: Any,
) -> Callable[[View], View]:
    """Decorate a view so that it runs only with a verified token (claims in ``g.claims``)."""
    guard = Guard(verifier, verifier_kwargs, token_use=token_use, groups=groups, scope=scope, realm=realm)

    def decorate(view: View) -> View:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_view(*args: Any, **kwargs: Any) -> Any:
                try:
                    g.claims = await guard.aauthenticate(request.headers.get("Authorization"))
                except BearerError as exc:
                    return _response(exc.denial)
                return await view(*args, **kwargs)

            return async_view  # type: ignore[return-value]

        @functools.wraps(view)
        def sync_view(*args: Any, **kwargs: Any) -> Any:
            try:
                g.claims = guard.authenticate(request.headers.get("Authorization"))
            except BearerError as exc:
                return _response(exc.denial)
            return view(*args, **kwargs)

        return sync_view  # type: ignore[return-value]

    return decorate
