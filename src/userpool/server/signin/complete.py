"""The end of every first factor and every new password: MFA if due, else tokens."""

from __future__ import annotations

from typing import Any

from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import mfa_step, names, pipeline
from userpool.server.signin.caller import Caller


def complete_sign_in(
    ctx: Context, pool: UserPool, client: AppClient, user: User, caller: Caller, source: str = names.TOKENS_AUTHENTICATION
) -> dict[str, Any]:
    """MFA if the pool and user call for it, else tokens for a new token family.

    ``source`` is the PreTokenGeneration triggerSource the tokens will be made with; an MFA
    challenge carries it in its session to the answer that issues them.
    """
    step = mfa_step.next_step(ctx, pool, client, user, caller, source)
    if step is not None:
        return step
    return pipeline.issue_tokens(ctx, pool, client, user, caller, source)
