"""grant_type=client_credentials: machine-to-machine access tokens with resource-server scopes.

Only confidential clients (with a secret) that allow the flow; the token's subject is the
client itself, there is no ID token, refresh token or user, as in Cognito.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from userpool.server import tokens
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.oauth2 import clients, scopes
from userpool.server.oauth2.errors import INVALID_SCOPE, UNAUTHORIZED_CLIENT, OAuthError


def grant(ctx: Context, client: AppClient, form: Mapping[str, str]) -> dict[str, Any]:
    if client.secret_sealed is None or not clients.allows(client, clients.CLIENT_CREDENTIALS):
        raise OAuthError(UNAUTHORIZED_CLIENT)
    try:
        granted = scopes.for_client_credentials(clients.allowed_scopes(client), form.get("scope"))
    except scopes.ScopeError as exc:
        raise OAuthError(INVALID_SCOPE, str(exc)) from None
    now = int(ctx.now)
    lifetime = tokens.validity_seconds(client.config, "AccessToken")
    claims = {
        "sub": client.id,
        "token_use": "access",
        "scope": " ".join(granted),
        "auth_time": now,
        "iss": ctx.config.issuer(client.pool_id),
        "exp": now + lifetime,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client.id,
    }
    return {"access_token": tokens.sign(ctx, client.pool_id, claims), "expires_in": lifetime, "token_type": "Bearer"}
