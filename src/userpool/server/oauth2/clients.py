"""An app client's OAuth 2.0 settings and client authentication at the token endpoint.

The settings are the app client's own (``CallbackURLs``, ``LogoutURLs``, ``AllowedOAuthFlows``,
``AllowedOAuthScopes``, ``AllowedOAuthFlowsUserPoolClient``, ``SupportedIdentityProviders``),
kept in ``AppClient.config`` by Create/UpdateUserPoolClient.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import unquote_plus

from sqlalchemy.orm import Session

from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.oauth2.errors import INVALID_CLIENT, INVALID_REQUEST, OAuthError
from userpool.server.pools import client_secret
from userpool.server.sealing import same

CODE, IMPLICIT, CLIENT_CREDENTIALS = "code", "implicit", "client_credentials"
COGNITO = "COGNITO"


def oauth_enabled(client: AppClient) -> bool:
    return bool(client.config.get("AllowedOAuthFlowsUserPoolClient"))


def allows(client: AppClient, flow: str) -> bool:
    return oauth_enabled(client) and flow in (client.config.get("AllowedOAuthFlows") or [])


def allowed_scopes(client: AppClient) -> list[str]:
    return list(client.config.get("AllowedOAuthScopes") or [])


def callback_registered(client: AppClient, uri: str) -> bool:
    """Exact match against CallbackURLs, as Cognito compares them (no prefix, no normalising)."""
    return any(same(uri, u) for u in client.config.get("CallbackURLs") or [])


def default_redirect_uri(client: AppClient) -> str | None:
    """DefaultRedirectURI: where an authorization request without redirect_uri goes back to."""
    value = client.config.get("DefaultRedirectURI")
    return str(value) if value else None


def logout_registered(client: AppClient, uri: str) -> bool:
    return any(same(uri, u) for u in client.config.get("LogoutURLs") or [])


def identity_providers(client: AppClient) -> list[str]:
    return list(client.config.get("SupportedIdentityProviders") or [])


def find(db: Session, client_id: str | None) -> AppClient | None:
    if not client_id or len(client_id) > 128:
        return None
    return db.get(AppClient, client_id)


def _basic(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: Basic base64(urlencode(id) ":" urlencode(secret))."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(INVALID_CLIENT, "Malformed Authorization header") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError(INVALID_CLIENT, "Malformed Authorization header")
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate(ctx: Context, authorization: str | None, form: Mapping[str, str]) -> AppClient:
    """The calling app client: HTTP Basic, or client_secret_post, or a public client's client_id.

    A client with a secret must present it; a public client must not claim one. Any failure is
    ``invalid_client`` with nothing said about which part was wrong."""
    basic = _basic(authorization)
    if basic is not None:
        client_id, secret = basic
        if form.get("client_id") and form["client_id"] != client_id:
            raise OAuthError(INVALID_CLIENT, "client_id does not match the Authorization header")
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id:
        raise OAuthError(INVALID_REQUEST, "client_id is required")
    client = find(ctx.db, client_id)
    if client is None:
        raise OAuthError(INVALID_CLIENT)
    expected = client_secret(ctx, client)
    if expected is None:
        if secret:
            raise OAuthError(INVALID_CLIENT)
    elif not secret or not same(secret, expected):
        raise OAuthError(INVALID_CLIENT)
    return client
