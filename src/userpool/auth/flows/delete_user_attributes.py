"""``delete_user_attributes``: DeleteUserAttributes by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .base import Flow, call, require, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def delete_user_attributes(ctx: AuthContext, user_attribute_keys: Iterable[str]) -> Flow[None]:
    keys = list(user_attribute_keys)
    require(keys or None, "EmptyDeleteUserAttributes", "userAttributeKeys are required")
    tokens = yield from require_tokens()
    yield from call("DeleteUserAttributes", {"AccessToken": tokens.access_token.raw, "UserAttributeNames": keys})
