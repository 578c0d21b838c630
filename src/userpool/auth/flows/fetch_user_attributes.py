"""``fetch_user_attributes``: GetUser; the user's attributes as a dict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import attribute_dict
from .base import Flow, call, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def fetch_user_attributes(ctx: AuthContext) -> Flow[dict[str, str]]:
    tokens = yield from require_tokens()
    response = yield from call("GetUser", {"AccessToken": tokens.access_token.raw})
    return attribute_dict(response.get("UserAttributes"))
