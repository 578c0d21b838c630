"""grant_type=client_credentials: machine-to-machine access tokens with resource-server scopes.

Only confidential clients (with a secret) that allow the flow; the token's subject is the
client itself, there is no ID token, refresh token or user, as in Cognito. A ``V3_0``
PreTokenGeneration trigger may change the token's claims and scopes; ``aws_client_metadata``
(a JSON object of strings) is its ``clientMetadata``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from userpool.server import errors, pools, tokens, triggers
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.oauth2 import clients, scopes
from userpool.server.oauth2.errors import INVALID_REQUEST, INVALID_SCOPE, UNAUTHORIZED_CLIENT, OAuthError


def client_metadata(value: str | None) -> dict[str, str]:
    """``aws_client_metadata``: a JSON object whose values are strings (invalid_request otherwise)."""
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise OAuthError(INVALID_REQUEST, "aws_client_metadata must be a JSON object of strings")
    return parsed


def grant(ctx: Context, client: AppClient, form: Mapping[str, str]) -> dict[str, Any]:
    if client.secret_sealed is None or not clients.allows(client, clients.CLIENT_CREDENTIALS):
        raise OAuthError(UNAUTHORIZED_CLIENT)
    try:
        granted = scopes.for_client_credentials(clients.allowed_scopes(client), form.get("scope"))
    except scopes.ScopeError as exc:
        raise OAuthError(INVALID_SCOPE, str(exc)) from None
    ctx.client_metadata = client_metadata(form.get("aws_client_metadata"))
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
    try:
        claims = triggers.client_credentials_token(ctx, pools.get_pool(ctx.db, client.pool_id), client, claims)
    except errors.CognitoError as exc:  # the trigger failed or refused: no token
        raise OAuthError(INVALID_REQUEST, exc.message) from None
    return {"access_token": tokens.sign(ctx, client.pool_id, claims), "expires_in": lifetime, "token_type": "Bearer"}
