"""``POST /oauth2/token`` (RFC 6749 §3.2): authorization_code, refresh_token, client_credentials.

Errors are Cognito's: HTTP 400 with ``{"error": "invalid_request" | "invalid_client" |
"invalid_grant" | "unauthorized_client" | "unsupported_grant_type" | "invalid_scope"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from userpool.server import errors
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.oauth2 import clients, http
from userpool.server.oauth2.errors import INVALID_CLIENT, INVALID_REQUEST, UNSUPPORTED_GRANT_TYPE, OAuthError
from userpool.server.oauth2.grants import authorization_code, client_credentials, refresh_token

Grant = Callable[[Context, AppClient, Mapping[str, str]], dict[str, Any]]
GRANTS: dict[str, Grant] = {
    "authorization_code": authorization_code.grant,
    "refresh_token": refresh_token.grant,
    "client_credentials": client_credentials.grant,
}


async def endpoint(request: Request) -> Response:
    try:
        form = await http.read_form(request)
        body = await http.run(request, lambda ctx: exchange(ctx, request, form), counts_as="GetTokensFromRefreshToken",
                              client_id=form.get("client_id"))
    except errors.TooManyRequests:
        return http.oauth_error(OAuthError("slow_down", "Rate exceeded", status=429))
    except http.FormTooLarge:
        return http.oauth_error(OAuthError(INVALID_REQUEST, "The request body is too large"))
    except OAuthError as exc:
        return http.oauth_error(exc)
    except errors.CognitoError as exc:  # any refusal a grant did not word itself: OAuth's words, never a 500
        return http.oauth_error(OAuthError(INVALID_REQUEST, exc.message or exc.name))
    return http.json_answer(body)


def exchange(ctx: Context, request: Request, form: Mapping[str, str]) -> dict[str, Any]:
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError(INVALID_REQUEST, "grant_type is required")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise OAuthError(UNSUPPORTED_GRANT_TYPE)
    client = clients.authenticate(ctx, request.headers.get("authorization"), form)
    pool_id = http.domain_pool(ctx, http.host_name(request))
    if pool_id is not None and pool_id != client.pool_id:
        raise OAuthError(INVALID_CLIENT)
    return grant(ctx, client, form)
