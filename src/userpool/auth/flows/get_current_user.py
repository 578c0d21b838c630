"""``get_current_user``: username and sub of the signed-in user, read from the access token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import AuthUser
from .base import Flow, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def get_current_user(ctx: AuthContext) -> Flow[AuthUser]:
    tokens = yield from require_tokens()
    payload = tokens.access_token.payload
    return AuthUser(
        username=payload.get("username") or tokens.username,
        user_id=payload.get("sub", ""),
        sign_in_details=tokens.sign_in_details,
    )
