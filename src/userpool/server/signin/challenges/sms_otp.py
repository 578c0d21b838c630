"""SMS_OTP: USER_AUTH's first factor by SMS, a code sent to the user's verified phone number,
answered with ``SMS_OTP_CODE`` (``_otp.py`` does the work)."""

from __future__ import annotations

from typing import Any

from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _otp


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, params: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    return _otp.issue(ctx, pool, client, user, username, _otp.SMS, caller)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    return _otp.answer(ctx, pool, client, answers, session, _otp.SMS, caller)
