"""``set_up_totp``: AssociateSoftwareToken for the signed-in user; the secret and setup URI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import TOTPSetupDetails
from .base import Flow, call, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def set_up_totp(ctx: AuthContext) -> Flow[TOTPSetupDetails]:
    tokens = yield from require_tokens()
    response = yield from call("AssociateSoftwareToken", {"AccessToken": tokens.access_token.raw})
    username = tokens.access_token.payload.get("username") or tokens.username
    return TOTPSetupDetails(shared_secret=response.get("SecretCode", ""), username=username)
