"""EMAIL_OTP as USER_AUTH's first factor: a code e-mailed to the user's verified address,
answered with ``EMAIL_OTP_CODE`` (``_otp.py`` does the work).

Cognito names the e-mail MFA challenge EMAIL_OTP too, answered the same way; the two are
told apart by the session being answered (:func:`answer` is the table's EMAIL_OTP entry and
hands an MFA session to ``email_otp.answer``).
"""

from __future__ import annotations

from typing import Any

from userpool.server import challenge_sessions
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _otp, email_otp


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, params: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    return _otp.issue(ctx, pool, client, user, username, _otp.EMAIL, caller)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    if challenge_sessions.stored_challenge(ctx, session) == names.EMAIL_OTP_SIGN_IN:
        return _otp.answer(ctx, pool, client, answers, session, _otp.EMAIL, caller)
    return email_otp.answer(ctx, pool, client, answers, session, caller)
