"""``sign_out``: end the session here, and on the server.

As Amplify v6: ``global_sign_out=True`` calls ``GlobalSignOut`` (every session of the user);
otherwise ``RevokeToken`` revokes this session's refresh token when the access token carries
``origin_jti`` (tokens issued with revocation enabled). Service errors are swallowed, as in
Amplify, but logged: the local session is cleared and ``signedOut`` dispatched regardless.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..constants import HubEvent
from ..errors import AuthError
from .base import Flow, NeedTokens, call, clear_tokens, load_tokens

if TYPE_CHECKING:
    from ..state import AuthContext

log = logging.getLogger(__name__)


def sign_out(ctx: AuthContext, global_sign_out: bool = False) -> Flow[None]:
    cfg = ctx.config
    try:
        if global_sign_out:
            tokens = yield NeedTokens()  # a fresh access token: GlobalSignOut needs a valid one
            if tokens is not None:
                yield from call("GlobalSignOut", {"AccessToken": tokens.access_token.raw})
        else:
            tokens = yield from load_tokens()
            if tokens is not None and tokens.refresh_token and "origin_jti" in tokens.access_token.payload:
                yield from call(
                    "RevokeToken",
                    {"ClientId": cfg.client_id, "Token": tokens.refresh_token, "ClientSecret": cfg.client_secret},
                )
    except AuthError as error:
        log.warning("sign_out: the service refused to end the session: %s", error)
    yield from clear_tokens()
    ctx.sign_in.reset()
    ctx.auto_sign_in.reset()
    ctx.dispatch(HubEvent.SIGNED_OUT)
