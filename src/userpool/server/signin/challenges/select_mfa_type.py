"""SELECT_MFA_TYPE: the user has several MFA methods and no preferred one (``MFAS_CAN_CHOOSE``)."""

from __future__ import annotations

import json
from typing import Any

from userpool.server import errors
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _mfa, mfa_methods


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User, methods: list[str], source: str, caller: Caller
) -> dict[str, Any]:
    session = pipeline.open_challenge(
        ctx, client, user, user.username, names.SELECT_MFA_TYPE, caller, {"source": source, "choices": methods}
    )
    parameters = {"MFAS_CAN_CHOOSE": json.dumps(methods), "USER_ID_FOR_SRP": user.username}
    return _mfa.answer_of(names.SELECT_MFA_TYPE, session, parameters)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    """``ANSWER`` names one of the offered methods; its challenge comes next."""
    choice = answers.get("ANSWER") or ""
    pending, user = pipeline.take_challenge(ctx, client, answers, session, names.SELECT_MFA_TYPE, caller)
    choices = pending.state.get("choices", [])
    if choice not in choices:
        raise errors.InvalidParameter(f"Invalid MFA type {choice!r}: expected one of {', '.join(choices)}")
    return mfa_methods.ask(ctx, pool, client, user, choice, _mfa.source(pending), caller)
