"""Custom authentication: the ``CUSTOM_AUTH`` flow and ``CUSTOM_CHALLENGE`` answers.

The pool's DefineAuthChallenge trigger decides each step from the ``session`` history (one
``{challengeName, challengeResult, challengeMetadata}`` per step so far): issue tokens, fail,
or ask a challenge. CreateAuthChallenge makes a ``CUSTOM_CHALLENGE`` (public parameters go
to the client, private ones stay sealed in the challenge session), VerifyAuthChallengeResponse
judges the answer, and DefineAuthChallenge is asked again with the longer history.

Custom-after-SRP: InitiateAuth with ``CHALLENGE_NAME: SRP_A`` and ``SRP_A`` starts the history
with ``SRP_A``; when DefineAuthChallenge answers ``PASSWORD_VERIFIER`` the server sends SRP's
PASSWORD_VERIFIER challenge, and after a right password asks DefineAuthChallenge again with
``SRP_A, PASSWORD_VERIFIER`` (a wrong password fails like any password sign-in). The
challenges decide the sign-in: the pool's MFA settings do not add a step after them.
"""

from __future__ import annotations

from typing import Any

from userpool import srp
from userpool.server import challenges, errors, lockout, pools, triggers
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.ops import auth

CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
SRP_A = "SRP_A"
_FAILED = "Incorrect username or password."


def _entry(name: str, result: bool, metadata: str | None = None) -> dict[str, Any]:
    return {"challengeName": name, "challengeResult": result, "challengeMetadata": metadata}


def custom_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any]) -> dict[str, Any]:
    """InitiateAuth / AdminInitiateAuth with ``AuthFlow: CUSTOM_AUTH``."""
    auth._require_flow(client, "ALLOW_CUSTOM_AUTH")
    if triggers.target(pool, "DefineAuthChallenge") is None:
        raise errors.InvalidParameter("Custom auth lambda trigger is not configured for the user pool.")
    username = params.get("USERNAME", "")
    user = auth._lookup(ctx, pool, client, username)
    pools.check_secret_hash(ctx, client, params.get("SECRET_HASH"), username, *([user.username] if user else []))
    big_a = None
    if params.get("CHALLENGE_NAME") == SRP_A:
        big_a = srp.parse_srp_a(params.get("SRP_A") or "")
        if big_a is None:
            raise errors.InvalidParameter("Missing required parameter SRP_A" if not params.get("SRP_A") else "SRP_A is invalid")
    if user is not None:
        lockout.check_not_locked(user, ctx.now)
        auth._account_usable(user)
        triggers.pre_authentication(ctx, pool, client, user)
    history = [_entry(SRP_A, True)] if big_a is not None else []
    return next_step(ctx, pool, client, user, user.username if user else username, history, big_a)


def next_step(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str,
    history: list[dict[str, Any]], big_a: int | None = None,
) -> dict[str, Any]:
    """Ask DefineAuthChallenge what comes after ``history``, and do it."""
    decision = triggers.define_auth_challenge(ctx, pool, client, user, username, history)
    if decision["failAuthentication"] or (decision["issueTokens"] and user is None):
        raise errors.NotAuthorized(_FAILED, persist=True)  # persist: a consumed session stays consumed
    if decision["issueTokens"]:
        assert user is not None
        return auth.issue_tokens(ctx, pool, client, user)
    name = decision["challengeName"]
    if name == auth.PASSWORD_VERIFIER:
        if big_a is None:
            raise errors.InvalidLambdaResponse(
                "DefineAuthChallenge asked for PASSWORD_VERIFIER, which needs InitiateAuth with CHALLENGE_NAME SRP_A and SRP_A."
            )
        return auth.srp_challenge(ctx, pool, client, user, username, big_a, {"custom": {"history": history}})
    if name != CUSTOM_CHALLENGE:
        raise errors.InvalidLambdaResponse(
            f"DefineAuthChallenge answered challengeName {name!r}; this server asks CUSTOM_CHALLENGE or PASSWORD_VERIFIER."
        )
    created = triggers.create_auth_challenge(ctx, pool, client, user, username, name, history)
    state = {
        "custom": {
            "history": history,
            "private": created["privateChallengeParameters"],
            "metadata": created["challengeMetadata"],
        }
    }
    session = challenges.open_session(ctx, client, user, username, CUSTOM_CHALLENGE, state)
    return {
        "ChallengeName": CUSTOM_CHALLENGE,
        "Session": session,
        "ChallengeParameters": {**created["publicChallengeParameters"], "USERNAME": username},
    }


def after_password_verifier(
    ctx: Context, pool: UserPool, client: AppClient, user: User, custom: dict[str, Any]
) -> dict[str, Any]:
    """The password was right in a custom-after-SRP sign-in: back to DefineAuthChallenge."""
    history = [*custom.get("history", []), _entry(auth.PASSWORD_VERIFIER, True)]
    return next_step(ctx, pool, client, user, user.username, history)


def custom_challenge(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None
) -> dict[str, Any]:
    """RespondToAuthChallenge CUSTOM_CHALLENGE: VerifyAuthChallengeResponse, then DefineAuthChallenge."""
    answer = answers.get("ANSWER")
    if answer is None:
        raise errors.InvalidParameter("Missing required parameter ANSWER")
    pending = challenges.take_session(ctx, session, client, CUSTOM_CHALLENGE)
    custom = pending.state.get("custom") or {}
    user = ctx.db.get(User, pending.row.user_id) if pending.row.user_id is not None else None
    username = pending.row.username
    pools.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), username)
    if user is not None and not user.enabled:
        raise errors.NotAuthorized("User is disabled.", persist=True)
    if triggers.target(pool, "VerifyAuthChallengeResponse") is None:
        raise errors.InvalidLambdaResponse("VerifyAuthChallengeResponse trigger is not configured for the user pool.")
    correct = triggers.verify_auth_challenge_response(ctx, pool, client, user, username, custom.get("private") or {}, answer)
    history = [*custom.get("history", []), _entry(CUSTOM_CHALLENGE, correct, custom.get("metadata"))]
    return next_step(ctx, pool, client, user, username, history)


CHALLENGES: dict[str, auth.ChallengeHandler] = {CUSTOM_CHALLENGE: custom_challenge}
