"""``delete_user``: DeleteUser, then the local session ends (``signedOut``), as Amplify does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import HubEvent
from .base import Flow, call, require_tokens

if TYPE_CHECKING:
    from ..context import AuthContext


def delete_user(ctx: AuthContext) -> Flow[None]:
    tokens = yield from require_tokens()
    yield from call("DeleteUser", {"AccessToken": tokens.access_token.raw})
    ctx.tokens.clear()
    ctx.sign_in.reset()
    ctx.dispatch(HubEvent.SIGNED_OUT)
