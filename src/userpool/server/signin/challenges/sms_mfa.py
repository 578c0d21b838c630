"""SMS_MFA: a six-digit code sent by SMS to the user's ``phone_number``."""

from __future__ import annotations

from typing import Any

from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _mfa


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User, source: str, caller: Caller,
    state: dict[str, Any] | None = None, address: str | None = None,
) -> dict[str, Any]:
    return _mfa.issue_code(ctx, pool, client, user, names.SMS_MFA, source, caller, state, address)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    pending, user = _mfa.answer_code(ctx, pool, client, answers, session, names.SMS_MFA, "SMS_MFA_CODE", caller)
    return pipeline.issue_tokens(ctx, pool, client, user, caller, _mfa.source(pending))
