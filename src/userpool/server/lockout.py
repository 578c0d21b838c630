"""Cognito's account lockout: after 5 failed attempts a user is locked for 2^(n-5) s, up to
15 minutes; attempts while locked fail with "Password attempts exceeded" and do not count;
a success, or 15 minutes without failures, starts the count again."""

from __future__ import annotations

from userpool.server import audit, errors
from userpool.server.db import User

FREE_ATTEMPTS = 5
MAX_LOCK_SECONDS = 900
FORGET_AFTER_SECONDS = 900


def check_not_locked(user: User, now: float) -> None:
    if user.locked_until is not None and now < user.locked_until:
        raise errors.NotAuthorized("Password attempts exceeded")


def record_failure(user: User, now: float) -> None:
    if user.last_failed_at is not None and now - user.last_failed_at > FORGET_AFTER_SECONDS:
        user.failed_attempts = 0
    user.failed_attempts = (user.failed_attempts or 0) + 1
    user.last_failed_at = now
    if user.failed_attempts >= FREE_ATTEMPTS:
        seconds = min(2 ** (user.failed_attempts - FREE_ATTEMPTS), MAX_LOCK_SECONDS)
        user.locked_until = now + seconds
        # (also called with enumeration.py's stand-ins for unknown names: no sub there)
        audit.event("lockout", pool=getattr(user, "pool_id", None), user=getattr(user, "sub", None),
                    failed_attempts=user.failed_attempts, locked_seconds=seconds)


def record_success(user: User) -> None:
    # Only what changes is set: a user without failures (nearly every sign-in) is left clean,
    # so the unit of work has no object to flush for it.
    if user.failed_attempts != 0:
        user.failed_attempts = 0
    if user.last_failed_at is not None:
        user.last_failed_at = None
    if user.locked_until is not None:
        user.locked_until = None
