"""REFRESH_TOKEN_AUTH (alias REFRESH_TOKEN): new access and ID tokens in the refresh token's
family. Cognito refuses it on clients that rotate refresh tokens, whose rotation only
GetTokensFromRefreshToken (``ops/token_lifecycle.py``) performs."""

from __future__ import annotations

from typing import Any

from userpool.server import devices, errors, tokens
from userpool.server.context import Context
from userpool.server.db import AppClient, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller


def refresh_token_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any], caller: Caller) -> dict[str, Any]:
    caller.require_flow(client, names.ALLOW_REFRESH_TOKEN_AUTH)
    if tokens.rotation_enabled(client):
        raise errors.InvalidParameter(
            "REFRESH_TOKEN_AUTH is not allowed for a client with refresh token rotation; use GetTokensFromRefreshToken."
        )
    token = params.get("REFRESH_TOKEN")
    if not token:
        raise errors.InvalidParameter("Missing required parameter REFRESH_TOKEN")
    row, family, user = tokens.find_refresh_token(ctx, token, client)
    caller.check_secret_hash(ctx, client, params.get("SECRET_HASH"), params.get("USERNAME", ""), user.username, user.sub)
    devices.check_refresh_device(family, params.get("DEVICE_KEY"))
    tokens.use_refresh_token(ctx, client, row, family, rotate=False)
    result = pipeline.authentication_result(ctx, pool, client, user, family, None, names.TOKENS_REFRESH, caller)
    return {"AuthenticationResult": result, "ChallengeParameters": {}}
