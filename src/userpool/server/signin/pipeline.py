"""The steps every sign-in shares, whichever flow started it and whichever challenge it is at.

A sign-in travels: find the client and user → (the flow's first factor) → account usable →
PreAuthentication → new password if required → MFA if required → tokens. The flows
(``flows/``) and challenges (``challenges/``) are built from these steps; the order in which
they are taken lives in ``first_factor.py`` and ``complete.py``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from userpool.server import (
    audit,
    challenge_sessions,
    devices,
    enumeration,
    errors,
    lockout,
    messages,
    pools,
    resolve,
    tokens,
    triggers,
    users,
)
from userpool.server.challenge_sessions import Pending
from userpool.server.context import Context
from userpool.server.db import AppClient, TokenFamily, User, UserPool
from userpool.server.signin import names
from userpool.server.signin.caller import Caller


def find_user(ctx: Context, pool: UserPool, client: AppClient, username: str) -> User | None:
    """The user signing in (locked for update), or None; without PreventUserExistenceErrors
    an unknown user is ``UserNotFoundException``."""
    if not username:
        raise errors.InvalidParameter("Missing required parameter USERNAME")
    user = users.find_user(ctx.db, pool, username, for_update=True)
    if user is None and not pools.prevent_user_existence_errors(client):
        raise errors.UserNotFound(messages.USER_NOT_FOUND)
    return user


def check_not_locked(ctx: Context, pool: UserPool, user: User | None, username: str) -> None:
    """Lockout, for an unknown name as for a user (enumeration.py)."""
    if user is not None:
        lockout.check_not_locked(user, ctx.now)
    else:
        enumeration.check_not_locked(ctx, pool, username)


def no_password_yet(user: User | None) -> None:
    """Imported users (RESET_REQUIRED, no password at all yet) are told to reset it, as Cognito does."""
    if user is not None and user.status == users.RESET_REQUIRED and not user.password_hash:
        raise errors.PasswordResetRequired(messages.RESET_REQUIRED)


def wrong_password(ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str) -> NoReturn:
    """Count the failure toward lockout (for an unknown name too) and fail, committing the count."""
    if user is not None:
        lockout.record_failure(user, ctx.now)
    else:
        enumeration.record_failure(ctx, pool, username)
    audit.event("sign_in_failure", pool=pool.id, client=client.id, user=user.sub if user else None, reason="bad_password",
                ip=ctx.source_ip)
    raise errors.NotAuthorized(messages.WRONG_PASSWORD, persist=True)


def account_usable(user: User) -> None:
    if not user.enabled:
        raise errors.NotAuthorized(messages.USER_DISABLED, persist=True)
    if user.status == users.UNCONFIRMED:
        raise errors.UserNotConfirmed("User is not confirmed.", persist=True)
    if user.status == users.RESET_REQUIRED:
        raise errors.PasswordResetRequired(messages.RESET_REQUIRED, persist=True)


# ------------------------------------------------------------------ challenge sessions


def open_challenge(
    ctx: Context, client: AppClient, user: User | None, username: str, challenge: str, caller: Caller,
    state: dict[str, Any] | None = None, *, secret_block: bool = False,
) -> str:
    """A challenge session for ``caller``: one the hosted page opened is answerable there only.
    The sign-in's DEVICE_KEY rides along, since later answers (MFA codes) need not repeat it."""
    state = {**(state or {}), "hosted": True} if caller.hosted else state
    if ctx.device_key and not caller.hosted:
        state = {**(state or {}), "device_key": ctx.device_key}
    return challenge_sessions.open_session(ctx, client, user, username, challenge, state, secret_block=secret_block)


def check_caller(pending: Pending, caller: Caller, ctx: Context | None = None) -> None:
    """A session answers only the kind of caller that opened it (wire or hosted page); with
    ``ctx``, the sign-in's DEVICE_KEY comes back from the session unless this answer names one."""
    if bool(pending.state.get("hosted")) != caller.hosted:
        raise errors.NotAuthorized(messages.INVALID_SESSION, persist=True)
    if ctx is not None and not ctx.device_key:
        ctx.device_key = pending.state.get("device_key")


def take_challenge(
    ctx: Context, client: AppClient, answers: dict[str, Any], session: str | None, challenge: str, caller: Caller
) -> tuple[Pending, User]:
    """The challenge session being answered, with its user checked: still there, the answer's
    SECRET_HASH right, the user enabled."""
    pending, user = resolve.challenge_session(ctx, session, client, challenge)
    check_caller(pending, caller, ctx)
    caller.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), user.username)
    if not user.enabled:
        raise errors.NotAuthorized(messages.USER_DISABLED, persist=True)
    return pending, user


# ------------------------------------------------------------------ tokens


def authentication_result(
    ctx: Context, pool: UserPool, client: AppClient, user: User, family: TokenFamily, refresh: str | None,
    source: str, caller: Caller,
) -> dict[str, Any]:
    """The one place a sign-in's tokens are made; ``caller.token_options`` arrive here."""
    return tokens.authentication_result(ctx, pool, client, user, family, refresh, source=caller.token_source or source,
                                        options=caller.token_options)


def issue_tokens(
    ctx: Context, pool: UserPool, client: AppClient, user: User, caller: Caller, source: str = names.TOKENS_AUTHENTICATION
) -> dict[str, Any]:
    """The sign-in succeeded: a new token family, PostAuthentication, the failure count reset.
    With device tracking, the family is the device's, or a new device is announced."""
    lockout.record_success(user)
    device_key, new_device = (None, None) if caller.hosted else devices.sign_in_device(ctx, pool, user, ctx.device_key)
    family = tokens.start_family(ctx, client, user, device_key)  # inserted with its device: no UPDATE after
    refresh = tokens.new_refresh_token(ctx, family)
    result = authentication_result(ctx, pool, client, user, family, refresh, source, caller)
    if new_device is not None:
        result["NewDeviceMetadata"] = new_device
    triggers.post_authentication(ctx, pool, client, user)
    audit.event("sign_in_success", pool=pool.id, client=client.id, user=user.sub, origin_jti=family.origin_jti, ip=ctx.source_ip)
    return {"AuthenticationResult": result, "ChallengeParameters": {}}
