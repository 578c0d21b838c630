"""grant_type=refresh_token: new access and ID tokens in the same token family.

Tokens from managed login always refresh here; tokens from API sign-ins need the client's
ALLOW_REFRESH_TOKEN_AUTH, as in Cognito. With refresh-token rotation a new refresh token is
returned and the old one retired (reuse after the grace period revokes the family).

A PreTokenGeneration trigger that fails (raises, times out, answers badly) is
``invalid_request`` with the trigger's message, as the client_credentials grant answers it:
no tokens, and the transaction rolls back, so the refresh token presented is still good
(not rotated, not retired) and works again once the trigger does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.server import errors, pools, tokens
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.oauth2.errors import INVALID_GRANT, INVALID_REQUEST, UNAUTHORIZED_CLIENT, OAuthError
from userpool.server.oauth2.grants import token_response


class _Reused(OAuthError):
    def __init__(self) -> None:
        super().__init__(INVALID_GRANT, "Refresh token has been reused")
        self.persist = True  # the family's revocation is kept


def grant(ctx: Context, client: AppClient, form: Mapping[str, str]) -> dict[str, Any]:
    token = form.get("refresh_token")
    if not token:
        raise OAuthError(INVALID_REQUEST, "refresh_token is required")
    pool = pools.get_pool(ctx.db, client.pool_id)
    try:
        row, family, user = tokens.find_refresh_token(ctx, token, client)
    except errors.NotAuthorized:
        raise OAuthError(INVALID_GRANT) from None
    if family.scopes is None and "ALLOW_REFRESH_TOKEN_AUTH" not in pools.explicit_auth_flows(client):
        raise OAuthError(UNAUTHORIZED_CLIENT)
    try:
        new_token = tokens.use_refresh_token(ctx, client, row, family, rotate=tokens.rotation_enabled(client))
    except errors.RefreshTokenReuse:
        raise _Reused() from None
    try:
        result = tokens.authentication_result(ctx, pool, client, user, family, new_token,
                                              source="TokenGeneration_RefreshTokens")
    except errors.CognitoError as exc:  # the trigger failed or refused: no token, nothing kept
        raise OAuthError(INVALID_REQUEST, exc.message) from None
    return token_response(result)
