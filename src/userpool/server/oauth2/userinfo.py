"""``GET/POST /oauth2/userInfo`` (OIDC Core §5.3): the signed-in user's attributes.

The bearer access token must be valid, unrevoked and carry ``openid``; the attributes are
those the app client may read, narrowed by ``email``/``phone``/``profile`` as in the ID token.
Values are the stored strings (Cognito answers ``"email_verified": "true"``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from userpool.server import errors, tokens
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.oauth2 import http
from userpool.server.oauth2.errors import INVALID_REQUEST, INVALID_TOKEN, OAuthError

_EXPIRED = "Access token is expired, disabled, or deleted, or the user has globally signed out."


def bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise OAuthError(INVALID_REQUEST, "Bad OAuth2 request at UserInfo Endpoint", status=400)
    return token.strip()


async def endpoint(request: Request) -> Response:
    try:
        token = bearer(request)
        body = await http.run(request, lambda ctx: user_info(ctx, token))
    except OAuthError as exc:
        return http.oauth_error(exc)
    return http.json_answer(body)


def user_info(ctx: Context, token: str) -> dict[str, Any]:
    try:
        user, claims = tokens.user_from_access_token(ctx, token, user_api=False)
    except errors.NotAuthorized:
        raise OAuthError(INVALID_TOKEN, _EXPIRED, status=401) from None
    granted = tuple(str(claims.get("scope", "")).split())
    if tokens.OPENID not in granted:
        raise OAuthError(INVALID_TOKEN, "The access token does not carry the openid scope", status=401)
    client = ctx.db.get(AppClient, str(claims.get("client_id", "")))
    attrs = tokens.readable_attributes(client, user) if client is not None else user.attr_map()
    out: dict[str, Any] = {"sub": user.sub}
    out.update({k: v for k, v in tokens.released_attributes(granted, attrs).items() if k != "sub"})
    out["username"] = user.username
    return out
