"""CUSTOM_AUTH: the pool's DefineAuthChallenge / CreateAuthChallenge /
VerifyAuthChallengeResponse triggers drive the sign-in (``challenges/custom_challenge.py``).

Custom-after-SRP: ``CHALLENGE_NAME: SRP_A`` with ``SRP_A`` starts the history with ``SRP_A``;
when DefineAuthChallenge answers ``PASSWORD_VERIFIER`` this flow sends SRP's challenge, and
a wrong password fails like any password sign-in.
"""

from __future__ import annotations

from typing import Any

from userpool.server import errors, lockout, triggers
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import custom_challenge, password_verifier
from userpool.server.signin.flows.user_srp_auth import parse_srp_a


def custom_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any], caller: Caller) -> dict[str, Any]:
    caller.require_flow(client, names.ALLOW_CUSTOM_AUTH)
    if triggers.target(pool, "DefineAuthChallenge") is None:
        raise errors.InvalidParameter("Custom auth lambda trigger is not configured for the user pool.")
    username = params.get("USERNAME", "")
    user = pipeline.find_user(ctx, pool, client, username)
    caller.check_secret_hash(ctx, client, params.get("SECRET_HASH"), username, *([user.username] if user else []))
    big_a = parse_srp_a(params) if params.get("CHALLENGE_NAME") == names.SRP_A else None
    if user is not None:
        lockout.check_not_locked(user, ctx.now)
        pipeline.account_usable(user)
        triggers.pre_authentication(ctx, pool, client, user)
    name = user.username if user else username
    history = [custom_challenge.entry(names.SRP_A, True)] if big_a is not None else []
    ask_password = None if big_a is None else _ask_password(ctx, pool, client, user, name, big_a, caller)
    return custom_challenge.define_next(ctx, pool, client, user, name, history, caller, ask_password)


def _ask_password(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, big_a: int, caller: Caller
) -> custom_challenge.AskPassword:
    def ask(history: list[dict[str, Any]]) -> dict[str, Any]:
        return password_verifier.issue(ctx, pool, client, user, username, big_a, caller, {"custom": {"history": history}})

    return ask
