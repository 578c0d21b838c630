"""``confirm_user_attribute``: VerifyUserAttribute with the code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Flow, call, require, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def confirm_user_attribute(ctx: AuthContext, user_attribute_key: str, confirmation_code: str) -> Flow[None]:
    require(user_attribute_key, "EmptyUserAttributeKey", "userAttributeKey is required")
    require(confirmation_code, "EmptyConfirmUserAttributeCode", "confirmationCode is required")
    tokens = yield from require_tokens()
    yield from call(
        "VerifyUserAttribute",
        {"AccessToken": tokens.access_token.raw, "AttributeName": user_attribute_key, "Code": confirmation_code},
    )
