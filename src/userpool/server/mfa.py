"""Multi-factor authentication after the first factor.

Issue 5 adds TOTP, SMS and e-mail codes, MFA selection and setup. Until then a pool that
requires or offers MFA cannot complete a sign-in here: the server refuses rather than
silently skipping a second factor the pool asked for.
"""

from __future__ import annotations

from typing import Any

from userpool.server import errors
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool


def next_step(ctx: Context, pool: UserPool, client: AppClient, user: User) -> dict[str, Any] | None:
    """The MFA challenge this sign-in must answer next, or None when tokens may be issued."""
    if pool.config.get("MfaConfiguration", "OFF") == "OFF":
        return None
    raise errors.UnsupportedOperation("Multi-factor authentication is not supported by this server yet.")
