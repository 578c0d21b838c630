"""Unknown users that behave like known ones (PreventUserExistenceErrors).

With ``PreventUserExistenceErrors: ENABLED`` a caller must not learn whether a username
exists. Same error names and messages are not enough: a real user locks out after 5 wrong
passwords ("Password attempts exceeded") and runs out of attempts at a reset code
("Attempt limit exceeded"), so an unknown name that never did would give itself away after
six tries. This module keeps that state for names that do not exist, in the database
(table ``unknown_users``, keyed by a keyed hash of the name), and applies the very same
rules (``lockout.py``, ``codes.py``) to it. Rows are forgotten an hour after their last use.
"""

from __future__ import annotations

import asyncio
import threading
import time

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from userpool.server import codes, errors, lockout, users
from userpool.server.context import Context
from userpool.server.db import UnknownUser, UserPool

FORGET_AFTER_SECONDS = 3600.0  # the longest reset-code lifetime
# A known user's recovery answer does more work than an unknown one's (a code row, a message
# to deliver): these operations answer no sooner than this, whoever asks. Measured on 2 cores:
# about 5 ms known, 4 ms unknown, before padding (docs/SECURITY.md). A slow sender (SMTP)
# can still exceed the floor; see docs/SECURITY.md.
MIN_RESPONSE_SECONDS = {"ForgotPassword": 0.03, "ConfirmForgotPassword": 0.03, "ResendConfirmationCode": 0.03, "ConfirmSignUp": 0.03}
_SWEEP_EVERY = 60.0
_sweep = {"last": 0.0}
_sweep_lock = threading.Lock()


def _name_hash(ctx: Context, pool: UserPool, username: str) -> str:
    return ctx.sealer.derive("unknown-user", pool.id, users.username_key(pool, username)).hex()


def _find(ctx: Context, pool: UserPool, username: str) -> UnknownUser | None:
    return ctx.db.get(UnknownUser, (pool.id, _name_hash(ctx, pool, username)), with_for_update=True)


def _row(ctx: Context, pool: UserPool, username: str) -> UnknownUser:
    """The row for ``username``, made if missing (an upsert, so concurrent first failures agree)."""
    key = _name_hash(ctx, pool, username)
    insert = postgresql.insert if ctx.db.get_bind().dialect.name == "postgresql" else sqlite.insert
    ctx.db.execute(
        insert(UnknownUser)
        .values(pool_id=pool.id, name_hash=key, failed_attempts=0, code_attempts=0, updated_at=ctx.now)
        .on_conflict_do_nothing()
    )
    row = ctx.db.scalars(
        select(UnknownUser).where(UnknownUser.pool_id == pool.id, UnknownUser.name_hash == key).with_for_update()
    ).one()
    row.updated_at = ctx.now
    _maybe_sweep(ctx)
    return row


def check_not_locked(ctx: Context, pool: UserPool, username: str) -> None:
    """As ``lockout.check_not_locked`` for a real user."""
    row = _find(ctx, pool, username)
    if row is not None:
        lockout.check_not_locked(row, ctx.now)  # type: ignore[arg-type]  # same counters as User


def record_failure(ctx: Context, pool: UserPool, username: str) -> None:
    """As ``lockout.record_failure`` for a real user (committed with the failed request)."""
    lockout.record_failure(_row(ctx, pool, username), ctx.now)  # type: ignore[arg-type]


def code_sent(ctx: Context, pool: UserPool, username: str, purpose: str) -> None:
    """A simulated code went out: from now on wrong codes count, as ``codes.issue`` arranges."""
    row = _row(ctx, pool, username)
    row.code_expires_at = ctx.now + codes.TTL.get(purpose, codes.DEFAULT_TTL)
    row.code_attempts = 0


def consume_code(ctx: Context, pool: UserPool, username: str) -> None:
    """A code for a user that does not exist: always wrong, with ``codes.consume``'s errors in
    ``codes.consume``'s order (no code, attempt limit, expired, mismatch counted)."""
    row = _find(ctx, pool, username)
    if row is None or row.code_expires_at is None:
        raise errors.CodeMismatch("Invalid verification code provided, please try again.")
    if row.code_attempts >= codes.MAX_ATTEMPTS:
        raise errors.LimitExceeded("Attempt limit exceeded, please try after some time.")
    if row.code_expires_at <= ctx.now:
        raise errors.ExpiredCode("Invalid code provided, please request a code again.")
    row.code_attempts += 1
    row.updated_at = ctx.now
    raise errors.CodeMismatch("Invalid verification code provided, please try again.", persist=True)


def _maybe_sweep(ctx: Context) -> None:
    if ctx.now - _sweep["last"] < _SWEEP_EVERY or not _sweep_lock.acquire(blocking=False):
        return
    try:
        _sweep["last"] = ctx.now
        ctx.db.execute(delete(UnknownUser).where(UnknownUser.updated_at < ctx.now - FORGET_AFTER_SECONDS))
    finally:
        _sweep_lock.release()


async def pad_response(op: str, started: float) -> None:
    """Hold the answer of ``op`` until its minimum response time (``MIN_RESPONSE_SECONDS``)
    has passed since ``started`` (``time.perf_counter()``), without holding a worker thread."""
    floor = MIN_RESPONSE_SECONDS.get(op)
    if floor:
        remaining = floor - (time.perf_counter() - started)
        if remaining > 0:
            await asyncio.sleep(remaining)
