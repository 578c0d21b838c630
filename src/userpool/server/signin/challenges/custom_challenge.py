"""CUSTOM_CHALLENGE, and the DefineAuthChallenge step that decides every custom sign-in.

The pool's DefineAuthChallenge trigger decides each step from the ``session`` history (one
``{challengeName, challengeResult, challengeMetadata}`` per step so far): issue tokens, fail,
or ask a challenge. CreateAuthChallenge makes a ``CUSTOM_CHALLENGE`` (public parameters go
to the client, private ones stay sealed in the challenge session), VerifyAuthChallengeResponse
judges the answer, and DefineAuthChallenge is asked again with the longer history.

When DefineAuthChallenge asks ``PASSWORD_VERIFIER`` (custom-after-SRP), only the CUSTOM_AUTH
flow can ask it, since only InitiateAuth carries ``SRP_A``: it passes ``ask_password``. After a
right password, PASSWORD_VERIFIER's answer comes back here (:func:`after_password_verifier`).
The challenges decide the sign-in: the pool's MFA settings do not add a step after them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from userpool.server import challenge_sessions, errors, messages, triggers, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller

AskPassword = Callable[[list[dict[str, Any]]], dict[str, Any]]  # history -> PASSWORD_VERIFIER challenge


def entry(name: str, result: bool, metadata: str | None = None) -> dict[str, Any]:
    """One step of DefineAuthChallenge's ``session`` history."""
    return {"challengeName": name, "challengeResult": result, "challengeMetadata": metadata}


def define_next(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str,
    history: list[dict[str, Any]], caller: Caller, ask_password: AskPassword | None = None,
) -> dict[str, Any]:
    """Ask DefineAuthChallenge what comes after ``history``, and do it."""
    decision = triggers.define_auth_challenge(ctx, pool, client, user, username, history)
    if decision["failAuthentication"] or (decision["issueTokens"] and user is None):
        raise errors.NotAuthorized(messages.WRONG_PASSWORD, persist=True)  # persist: a consumed session stays consumed
    if decision["issueTokens"] and user is not None:
        return pipeline.issue_tokens(ctx, pool, client, user, caller)
    name = decision["challengeName"]
    if name == names.PASSWORD_VERIFIER:
        if ask_password is None:
            raise errors.InvalidLambdaResponse(
                "DefineAuthChallenge asked for PASSWORD_VERIFIER, which needs InitiateAuth with CHALLENGE_NAME SRP_A and SRP_A."
            )
        return ask_password(history)
    if name != names.CUSTOM_CHALLENGE:
        raise errors.InvalidLambdaResponse(
            f"DefineAuthChallenge answered challengeName {name!r}; this server asks CUSTOM_CHALLENGE or PASSWORD_VERIFIER."
        )
    return issue(ctx, pool, client, user, username, history, caller)


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str,
    history: list[dict[str, Any]], caller: Caller,
) -> dict[str, Any]:
    """CreateAuthChallenge's challenge, its private parameters sealed in the session."""
    created = triggers.create_auth_challenge(ctx, pool, client, user, username, names.CUSTOM_CHALLENGE, history)
    state = {
        "custom": {
            "history": history,
            "private": created["privateChallengeParameters"],
            "metadata": created["challengeMetadata"],
        }
    }
    session = pipeline.open_challenge(ctx, client, user, username, names.CUSTOM_CHALLENGE, caller, state)
    return {
        "ChallengeName": names.CUSTOM_CHALLENGE,
        "Session": session,
        "ChallengeParameters": {**created["publicChallengeParameters"], "USERNAME": username},
    }


def after_password_verifier(
    ctx: Context, pool: UserPool, client: AppClient, user: User, custom: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    """The password was right in a custom-after-SRP sign-in: back to DefineAuthChallenge."""
    history = [*custom.get("history", []), entry(names.PASSWORD_VERIFIER, True)]
    return define_next(ctx, pool, client, user, user.username, history, caller)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    """VerifyAuthChallengeResponse judges ``ANSWER``, then DefineAuthChallenge decides."""
    given = answers.get("ANSWER")
    if given is None:
        raise errors.InvalidParameter("Missing required parameter ANSWER")
    pending = challenge_sessions.take_session(ctx, session, client, names.CUSTOM_CHALLENGE)
    pipeline.check_caller(pending, caller, ctx)
    custom = pending.state.get("custom") or {}
    user = users.get_user(ctx.db, pending.row.user_id) if pending.row.user_id is not None else None
    username = pending.row.username
    caller.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), username)
    if user is not None and not user.enabled:
        raise errors.NotAuthorized(messages.USER_DISABLED, persist=True)
    if triggers.target(pool, "VerifyAuthChallengeResponse") is None:
        raise errors.InvalidLambdaResponse("VerifyAuthChallengeResponse trigger is not configured for the user pool.")
    correct = triggers.verify_auth_challenge_response(ctx, pool, client, user, username, custom.get("private") or {}, given)
    history = [*custom.get("history", []), entry(names.CUSTOM_CHALLENGE, correct, custom.get("metadata"))]
    return define_next(ctx, pool, client, user, username, history, caller)
