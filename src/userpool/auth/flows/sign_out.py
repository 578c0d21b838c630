"""``sign_out``: end the session here, and on the server.

As Amplify v6: ``global_sign_out=True`` calls ``GlobalSignOut`` (every session of the user);
otherwise ``RevokeToken`` revokes this session's refresh token when the access token carries
``origin_jti`` (tokens issued with revocation enabled). Service errors are swallowed, as in
Amplify, but logged: the local session is cleared and ``signedOut`` dispatched regardless.

A session from ``sign_in_with_redirect`` also ends the hosted UI's own session, whose cookie
would otherwise sign the next ``sign_in_with_redirect`` straight in: once the tokens are
cleared, the browser opens ``/logout?client_id=...&logout_uri=<redirect_sign_out>``. For a
loopback ``redirect_sign_out`` the driver listens there and waits (up to the redirect
timeout) for the browser to come back, as Amplify's native ``openAuthSession`` does; a sign-out
URI elsewhere (or a redirect that never comes) is not waited for, and is not an error.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from userpool._loopback import is_loopback_http_url

from ..constants import HubEvent
from ..errors import AuthError
from .base import Flow, NeedTokens, OpenAuthSession, call, clear_tokens, load_tokens

if TYPE_CHECKING:
    from ..state import AuthContext
    from ..tokens import CognitoTokens

log = logging.getLogger(__name__)


def sign_out(ctx: AuthContext, global_sign_out: bool = False) -> Flow[None]:
    cfg = ctx.config
    tokens: CognitoTokens | None = None
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
    if tokens is not None and tokens.oauth_sign_in:
        yield from hosted_sign_out(ctx)
    ctx.dispatch(HubEvent.SIGNED_OUT)


def hosted_sign_out(ctx: AuthContext) -> Flow[None]:
    """Send the browser to ``/logout`` (Amplify's ``handleOAuthSignOut``); failures are logged only."""
    oauth = ctx.config.oauth
    if oauth is None or not oauth.redirect_sign_out:
        return
    loopback = [uri for uri in oauth.redirect_sign_out if is_loopback_http_url(uri)]
    logout_uri, client_id = (loopback or list(oauth.redirect_sign_out))[0], ctx.config.client_id
    try:
        yield OpenAuthSession(
            logout_uri, lambda uri: oauth.logout_url(client_id, uri), ctx.redirect_timeout,
            wait=is_loopback_http_url(logout_uri), required=False,
        )
    except AuthError as error:
        log.warning("sign_out: the hosted UI's session was not ended: %s", error)
