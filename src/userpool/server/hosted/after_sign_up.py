"""Signing in straight after a hosted sign-up, as Cognito's hosted UI does: the person who
signed up on this page and then confirms the code lands back at the app with a code, without
typing the password again.

The password never leaves the server: SignUp's page opens a single-use challenge session
(stored hashed, its state sealed with the master key, expiring after ``MINUTES``) holding the
password and a hash of this browser's CSRF secret; the confirm form carries only the session's
handle, signed. After a successful ConfirmSignUp for the same user from the same browser, the
sign-in runs the hosted page's own password sign-in (lockout, PreAuthentication, MFA steps,
tokens). Anything else (another browser, another user, an expired session) shows the sign-in
form as before.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from starlette.responses import Response

from userpool.server import challenge_sessions, errors, pools, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User
from userpool.server.hosted import signin
from userpool.server.hosted.flow import Page
from userpool.server.hosted.login import advance, attempt
from userpool.server.oauth2 import response
from userpool.server.oauth2.request import AuthorizeRequest
from userpool.server.sealing import hash_secret

CHALLENGE = "HOSTED_SIGN_UP"  # a session only the hosted confirm page takes
FIELD = "signup"  # the confirm form's hidden field: the signed session handle
MINUTES = 15
_PURPOSE = "hosted-sign-up"


def remember(ctx: Context, page: Page, client: AppClient, user_sub: str, username: str, password: str) -> str:
    """Open the session for a user just signed up; the confirm form's ``FIELD`` value."""
    user = ctx.db.scalars(select(User).where(User.pool_id == client.pool_id, User.sub == user_sub)).one()
    state = {"password": password, "browser": hash_secret(page.csrf_secret)}
    handle = challenge_sessions.open_session(ctx, client, user, username, CHALLENGE, state, minutes=MINUTES)
    return page.jar.sign(handle, _PURPOSE)


def sign_in(ctx: Context, page: Page, client: AppClient, req: AuthorizeRequest, confirmed: str) -> Response | None:
    """After ConfirmSignUp of ``confirmed``: the next page of the sign-in, or None (show the form)."""
    handle = page.jar.read(page.form.get(FIELD), _PURPOSE, MINUTES * 60)
    if not isinstance(handle, str):
        return None
    taken = attempt(ctx, lambda: _take(ctx, client, handle))
    if isinstance(taken, errors.CognitoError):
        return None
    user = users.find_user(ctx.db, pools.get_pool(ctx.db, client.pool_id), confirmed)
    if user is None or user.id != taken["user_id"] or not secrets.compare_digest(
            str(taken["browser"]), hash_secret(page.csrf_secret)):
        return None
    username, password = str(taken["username"]), str(taken["password"])
    outcome = attempt(ctx, lambda: signin.password(ctx, client, username, password, response.options_for(req)))
    if isinstance(outcome, errors.CognitoError):
        return None
    return advance(ctx, page, client, req, username, outcome)


def _take(ctx: Context, client: AppClient, handle: str) -> dict[str, object]:
    pending = challenge_sessions.take_session(ctx, handle, client, CHALLENGE)
    return {**pending.state, "user_id": pending.row.user_id, "username": pending.row.username}
