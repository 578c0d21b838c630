"""``POST /oauth2/revoke`` (RFC 7009): revoke a refresh token and every token of its sign-in."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from userpool.server import audit, tokens
from userpool.server.context import Context
from userpool.server.db import RefreshToken, TokenFamily
from userpool.server.oauth2 import clients, http
from userpool.server.oauth2.errors import INVALID_REQUEST, UNSUPPORTED_TOKEN_TYPE, OAuthError
from userpool.server.sealing import hash_secret


async def endpoint(request: Request) -> Response:
    try:
        form = await http.read_form(request)
        await http.run(request, lambda ctx: revoke(ctx, request.headers.get("authorization"), form))
    except http.FormTooLarge:
        return http.oauth_error(OAuthError(INVALID_REQUEST, "The request body is too large"))
    except OAuthError as exc:
        return http.oauth_error(exc)
    return Response(status_code=200, headers=http.NO_STORE)


def revoke(ctx: Context, authorization: str | None, form: Mapping[str, str]) -> None:
    token = form.get("token")
    client = clients.authenticate(ctx, authorization, form)
    if not token:
        raise OAuthError(INVALID_REQUEST, "token is required")
    if not client.config.get("EnableTokenRevocation", True):
        raise OAuthError("unsupported_operation", "Token revocation is not enabled for this app client")
    row = ctx.db.get(RefreshToken, hash_secret(token))
    if row is None:
        if token.count(".") == 2:
            raise OAuthError(UNSUPPORTED_TOKEN_TYPE)
        return  # unknown: already as revoked as it can be (RFC 7009 §2.2)
    family = ctx.db.get(TokenFamily, row.origin_jti)
    if family is None or family.client_id != client.id:
        return  # another client's token is not this client's to revoke; nothing is said about it
    tokens.revoke_family(ctx, family, "revoke_token")
    audit.event("revoke_token", pool=family.pool_id, client=client.id, origin_jti=family.origin_jti, via="oauth2")
