"""The challenge that asks for each MFA method's code, by method name (SELECT_MFA_TYPE's
answer and the next MFA step both ask one)."""

from __future__ import annotations

from typing import Any, Protocol

from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import email_otp, sms_mfa, software_token_mfa


class Issue(Protocol):
    def __call__(
        self, ctx: Context, pool: UserPool, client: AppClient, user: User, source: str, caller: Caller,
        state: dict[str, Any] | None = None, address: str | None = None,
    ) -> dict[str, Any]: ...


ISSUE: dict[str, Issue] = {
    names.SMS_MFA: sms_mfa.issue,
    names.SOFTWARE_TOKEN_MFA: software_token_mfa.issue,
    names.EMAIL_OTP: email_otp.issue,
}


def ask(ctx: Context, pool: UserPool, client: AppClient, user: User, method: str, source: str, caller: Caller) -> dict[str, Any]:
    return ISSUE[method](ctx, pool, client, user, source, caller)
