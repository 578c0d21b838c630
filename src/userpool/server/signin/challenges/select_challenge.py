"""SELECT_CHALLENGE: USER_AUTH without a usable PREFERRED_CHALLENGE offers the first factors
that can serve the user (``AvailableChallenges``); the answer names one in ``ANSWER``, with
what that factor needs (``PASSWORD``, ``SRP_A`` ...), and the factor starts
(``first_factors.py``). A choice that was not offered is refused and leaves the session as
it was, so the user can choose again."""

from __future__ import annotations

from typing import Any

from userpool.server import challenge_sessions, errors, messages, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import first_factors, names, pipeline
from userpool.server.signin.caller import Caller


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, caller: Caller
) -> dict[str, Any]:
    choices = first_factors.offered(ctx, pool, user, username)
    if not choices:
        raise errors.NotAuthorized("No sign-in method is available for this user.")
    session = pipeline.open_challenge(ctx, client, user, username, names.SELECT_CHALLENGE, caller, {"choices": choices})
    return {"ChallengeName": names.SELECT_CHALLENGE, "Session": session, "ChallengeParameters": {},
            "AvailableChallenges": choices}


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    choice = answers.get("ANSWER") or ""
    if not choice:
        raise errors.InvalidParameter("Missing required parameter ANSWER")
    pending = challenge_sessions.take_session(ctx, session, client, names.SELECT_CHALLENGE)
    pipeline.check_caller(pending, caller)
    user = users.get_user(ctx.db, pending.row.user_id, for_update=True) if pending.row.user_id is not None else None
    username = pending.row.username
    caller.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), username,
                             *([user.username] if user else []))
    if user is not None and not user.enabled:
        raise errors.NotAuthorized(messages.USER_DISABLED, persist=True)
    choices = pending.state.get("choices") or []
    if choice not in choices:  # not persisted: the session is still there for another choice
        raise errors.InvalidParameter(f"Invalid ANSWER {choice!r}: expected one of {', '.join(choices)}")
    return first_factors.start(ctx, pool, client, choice, user, username, answers, caller)
