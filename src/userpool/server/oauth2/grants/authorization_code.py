"""grant_type=authorization_code: a code from /oauth2/authorize, with its PKCE verifier."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.oauth2 import clients, codes
from userpool.server.oauth2.errors import INVALID_REQUEST, UNAUTHORIZED_CLIENT, OAuthError
from userpool.server.oauth2.grants import token_response


def grant(ctx: Context, client: AppClient, form: Mapping[str, str]) -> dict[str, Any]:
    if not clients.allows(client, clients.CODE):
        raise OAuthError(UNAUTHORIZED_CLIENT)
    for name in ("code", "redirect_uri"):
        if not form.get(name):
            raise OAuthError(INVALID_REQUEST, f"{name} is required")
    result = codes.redeem(ctx, client, form.get("code"), form.get("redirect_uri"), form.get("code_verifier"))
    return token_response(result)
