"""Token lifecycle: GetTokensFromRefreshToken, GlobalSignOut, AdminUserGlobalSignOut, RevokeToken."""

from __future__ import annotations

from typing import Any

from userpool.server import audit, devices, errors, pools, resolve, tokens
from userpool.server.context import Context
from userpool.server.db import AppClient, RefreshToken, TokenFamily
from userpool.server.sealing import hash_secret, same
from userpool.server.signin import names


def _check_client_secret(ctx: Context, client: AppClient, given: str | None) -> None:
    secret = pools.client_secret(ctx, client)
    if secret is None:
        return
    if not given or not same(secret, given):
        raise errors.NotAuthorized(f"Client {client.id} is configured with secret but ClientSecret was not received or is invalid")


def get_tokens_from_refresh_token(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.public_client(ctx, req["ClientId"])
    _check_client_secret(ctx, client, req.get("ClientSecret"))
    # A rotating client may (Cognito says must) leave ALLOW_REFRESH_TOKEN_AUTH out: this is its only refresh.
    if names.ALLOW_REFRESH_TOKEN_AUTH not in pools.explicit_auth_flows(client) and not tokens.rotation_enabled(client):
        raise errors.NotAuthorized("Refresh Token flow not enabled for this client")
    row, family, user = tokens.find_refresh_token(ctx, req["RefreshToken"], client)
    devices.check_refresh_device(family, req.get("DeviceKey"))
    successor = tokens.use_refresh_token(ctx, client, row, family, rotate=tokens.rotation_enabled(client))
    result = tokens.authentication_result(ctx, pool, client, user, family, successor, source=names.TOKENS_REFRESH)
    return {"AuthenticationResult": result}


def global_sign_out(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    user, _ = tokens.user_from_access_token(ctx, req["AccessToken"])
    tokens.revoke_user_sessions(ctx, user, "global_sign_out")
    audit.event("global_sign_out", pool=user.pool_id, user=user.sub)
    return {}


def admin_user_global_sign_out(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    tokens.revoke_user_sessions(ctx, user, "admin_global_sign_out")
    audit.event("admin_user_global_sign_out", pool=pool.id, user=user.sub)
    return {}


def revoke_token(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Revoke a refresh token and every access/ID token of its sign-in (RFC 7009 semantics)."""
    client = pools.get_client(ctx.db, req["ClientId"])
    _check_client_secret(ctx, client, req.get("ClientSecret"))
    if not client.config.get("EnableTokenRevocation", True):
        raise errors.UnsupportedOperation("Token revocation is not enabled for this app client.")
    token = req["Token"]
    row = ctx.db.get(RefreshToken, hash_secret(token))
    if row is None:
        if token.count(".") == 2:
            raise errors.UnsupportedTokenType("Only refresh tokens can be revoked.")
        return {}  # an unknown token is already as revoked as it can be
    family = ctx.db.get(TokenFamily, row.origin_jti)
    if family is None:
        return {}
    if family.client_id != client.id:
        raise errors.Unauthorized("The token was not issued to this client.")
    tokens.revoke_family(ctx, family, "revoke_token")
    audit.event("revoke_token", pool=family.pool_id, client=client.id, origin_jti=family.origin_jti)
    return {}
