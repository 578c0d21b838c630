"""The end of a successful authorization: tokens for the app, as a code or (implicit) in the
fragment, and the redirect back to the registered redirect_uri."""

from __future__ import annotations

from typing import Any

import jwt

from userpool.server import pools, tokens
from userpool.server.context import Context
from userpool.server.db import User
from userpool.server.oauth2 import codes
from userpool.server.oauth2.http import with_params
from userpool.server.oauth2.request import AuthorizeRequest
from userpool.server.signin import names

HOSTED_SOURCE = names.TOKENS_HOSTED_AUTH  # PreTokenGeneration's triggerSource for managed login


def options_for(req: AuthorizeRequest) -> tokens.TokenOptions:
    return tokens.TokenOptions(scopes=req.scopes, nonce=req.nonce)


def mint(ctx: Context, req: AuthorizeRequest, user: User, auth_time: int) -> dict[str, Any]:
    """New tokens for a user already signed in at this browser (the silent second authorize)."""
    client = pools.get_client(ctx.db, req.client_id)
    pool = pools.get_pool(ctx.db, client.pool_id)
    family = tokens.start_family(ctx, client, user)
    family.auth_time = auth_time
    refresh = tokens.new_refresh_token(ctx, family) if req.response_type == "code" else None
    return tokens.authentication_result(ctx, pool, client, user, family, refresh, source=HOSTED_SOURCE, options=options_for(req))


def origin_jti(result: dict[str, Any]) -> str:
    """The token family of tokens this server has just signed (read back, not trusted input)."""
    claims = jwt.decode(result["AccessToken"], options={"verify_signature": False})
    return str(claims.get("origin_jti", ""))


def redirect_location(ctx: Context, req: AuthorizeRequest, user: User, result: dict[str, Any], auth_time: int) -> str:
    if req.response_type == "code":
        code = codes.issue(ctx, req, user, result, origin_jti(result), auth_time)
        return with_params(req.redirect_uri, {"code": code, "state": req.state})
    if result.get("RefreshToken"):  # the implicit grant issues no refresh token (RFC 6749 §4.2.2)
        tokens.discard_refresh_token(ctx, result["RefreshToken"])
    fragment = {
        "id_token": result.get("IdToken"),
        "access_token": result["AccessToken"],
        "token_type": "Bearer",
        "expires_in": str(result["ExpiresIn"]),
        "state": req.state,
    }
    return with_params(req.redirect_uri, fragment, fragment=True)
