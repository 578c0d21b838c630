"""``delete_user``: DeleteUser, then the local session ends (``signedOut``), as Amplify does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import HubEvent
from .base import Flow, call, clear_tokens, require_tokens

if TYPE_CHECKING:
    from ..state import AuthContext


def delete_user(ctx: AuthContext) -> Flow[None]:
    tokens = yield from require_tokens()
    yield from call("DeleteUser", {"AccessToken": tokens.access_token.raw})
    yield from clear_tokens()
    ctx.sign_in.reset()
    ctx.dispatch(HubEvent.SIGNED_OUT)
