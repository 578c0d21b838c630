"""``update_password``: ChangePassword with the session's access token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Flow, call, require, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def update_password(ctx: AuthContext, old_password: str, new_password: str) -> Flow[None]:
    require(old_password, "EmptyUpdatePassword", "oldPassword is required to updatePassword")
    require(new_password, "EmptyUpdatePassword", "newPassword is required to updatePassword")
    tokens = yield from require_tokens()
    yield from call(
        "ChangePassword",
        {
            "AccessToken": tokens.access_token.raw,
            "PreviousPassword": old_password,
            "ProposedPassword": new_password,
        },
    )
