"""USER_AUTH: Cognito's choice-based sign-in. The client names the user and, optionally, the
first factor it prefers (``PREFERRED_CHALLENGE``: PASSWORD with ``PASSWORD``, PASSWORD_SRP with
``SRP_A``, EMAIL_OTP, SMS_OTP, WEB_AUTHN); without one, or when the preferred factor cannot
serve this user, the answer is SELECT_CHALLENGE with ``AvailableChallenges``
(``challenges/select_challenge.py``). The factors are ``first_factors.FIRST_FACTORS``.

With the ``Session`` ConfirmSignUp (or an auto-confirming SignUp) returned, the confirmation
code was the first factor: the new user gets tokens at once (Amplify's ``autoSignIn``).

The client must allow ``ALLOW_USER_AUTH``; a preferred factor the pool's SignInPolicy does
not allow is ``InvalidParameterException`` (a pool-wide answer, the same for every name).
"""

from __future__ import annotations

from typing import Any

from userpool.server import challenge_sessions, errors, messages, pools, triggers, users
from userpool.server.context import Context
from userpool.server.db import AppClient, UserPool
from userpool.server.signin import first_factors, names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import select_challenge


def user_auth(
    ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any], caller: Caller, session: str | None = None
) -> dict[str, Any]:
    caller.require_flow(client, names.ALLOW_USER_AUTH)
    username = params.get("USERNAME", "")
    if not username:
        raise errors.InvalidParameter("Missing required parameter USERNAME")
    if session:
        return after_sign_up(ctx, pool, client, username, params, session, caller)
    preferred = params.get("PREFERRED_CHALLENGE")
    if preferred:
        first_factors.check_allowed(pool, preferred)
    if preferred == names.PASSWORD and users.find_user(ctx.db, pool, username) is None and _password_decides(
        ctx, pool, client, username
    ):
        # a name the pool does not know yet: USER_PASSWORD_AUTH's own lookup decides, with the
        # UserMigration trigger (and PreventUserExistenceErrors) in it
        return first_factors.start(ctx, pool, client, preferred, None, username, params, caller)
    user = pipeline.find_user(ctx, pool, client, username)
    caller.check_secret_hash(ctx, client, params.get("SECRET_HASH"), username, *([user.username] if user else []))
    if preferred and preferred in first_factors.offered(ctx, pool, user, username):
        return first_factors.start(ctx, pool, client, preferred, user, username, params, caller)
    return select_challenge.issue(ctx, pool, client, user, username, caller)


def _password_decides(ctx: Context, pool: UserPool, client: AppClient, username: str) -> bool:
    """Whether PASSWORD for an unknown name goes to USER_PASSWORD_AUTH's lookup: always without
    PreventUserExistenceErrors (UserNotFoundException, or the UserMigration trigger); with it,
    when the name's stand-in has a password, else the name is answered as a passwordless user is
    (SELECT_CHALLENGE)."""
    if not pools.prevent_user_existence_errors(client):
        return True
    return names.PASSWORD in first_factors.offered(ctx, pool, None, username)


def after_sign_up(
    ctx: Context, pool: UserPool, client: AppClient, username: str, params: dict[str, Any], session: str, caller: Caller
) -> dict[str, Any]:
    """Sign in with ConfirmSignUp's Session: single use, for the user it was issued to."""
    pending = challenge_sessions.take_session(ctx, session, client, names.SIGN_UP_SESSION)
    pipeline.check_caller(pending, caller)
    user = users.get_user(ctx.db, pending.row.user_id, for_update=True) if pending.row.user_id is not None else None
    named = users.find_user(ctx.db, pool, username)
    if user is None or named is None or named.id != user.id or not pending.state.get("signs_in"):
        raise errors.NotAuthorized(messages.INVALID_SESSION, persist=True)
    caller.check_secret_hash(ctx, client, params.get("SECRET_HASH"), username, user.username)
    pipeline.account_usable(user)
    triggers.pre_authentication(ctx, pool, client, user)
    return pipeline.issue_tokens(ctx, pool, client, user, caller)
