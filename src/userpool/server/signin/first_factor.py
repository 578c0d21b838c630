"""What follows a right password (USER_PASSWORD_AUTH, or SRP's PASSWORD_VERIFIER): the
account's state, PreAuthentication, then a new password, MFA or tokens."""

from __future__ import annotations

from typing import Any

from userpool.server import errors, triggers, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import new_password_required
from userpool.server.signin.complete import complete_sign_in


def first_factor_passed(ctx: Context, pool: UserPool, client: AppClient, user: User, caller: Caller) -> dict[str, Any]:
    # The failure count is reset when tokens are issued (pipeline.issue_tokens), not here:
    # wrong MFA codes count toward the same lockout, and a right password must not wipe them.
    pipeline.account_usable(user)
    triggers.pre_authentication(ctx, pool, client, user)
    if user.status == users.FORCE_CHANGE_PASSWORD:
        if user.temp_password_expires_at is not None and user.temp_password_expires_at < ctx.now:
            raise errors.NotAuthorized("Temporary password has expired and must be reset by an administrator.", persist=True)
        return new_password_required.issue(ctx, pool, client, user, caller)
    return complete_sign_in(ctx, pool, client, user, caller)
