"""EMAIL_OTP: a six-digit code e-mailed to the user, also the last step of setting up e-mail
MFA during sign-in (MFA_SETUP with ``EMAIL``), after which the address is the user's, verified."""

from __future__ import annotations

from typing import Any

from userpool.server import mfa, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _mfa


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User, source: str, caller: Caller,
    state: dict[str, Any] | None = None, address: str | None = None,
) -> dict[str, Any]:
    return _mfa.issue_code(ctx, pool, client, user, names.EMAIL_OTP, source, caller, state, address)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    pending, user = _mfa.answer_code(ctx, pool, client, answers, session, names.EMAIL_OTP, "EMAIL_OTP_CODE", caller)
    address = pending.state.get("setup_email")
    if address:  # e-mail MFA set up during sign-in: the address is now the user's, verified
        users.put_attribute(user, "email", address)
        users.put_attribute(user, "email_verified", "true")
        users.check_alias_unique(ctx, pool, user)
        mfa.enable(user, mfa.EMAIL_OTP)
        users.touch(ctx, user)
    return pipeline.issue_tokens(ctx, pool, client, user, caller, _mfa.source(pending))
