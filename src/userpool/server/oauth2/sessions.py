"""Managed-login sessions: who is signed in at this browser, so a second authorize is silent.

The cookie holds a random handle; the row holds its hash, the user and the sign-in time.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from userpool.server.context import Context
from userpool.server.db import HostedSession, User
from userpool.server.oauth2.cookies import SESSION_SECONDS
from userpool.server.sealing import hash_secret, random_token


def start(ctx: Context, user: User, auth_time: int | None = None) -> str:
    handle = random_token(32)
    ctx.db.execute(delete(HostedSession).where(HostedSession.expires_at < ctx.now))  # ended sessions go
    ctx.db.add(
        HostedSession(
            session_hash=hash_secret(handle), pool_id=user.pool_id, user_sub=user.sub,
            auth_time=int(auth_time if auth_time is not None else ctx.now), created_at=ctx.now,
            expires_at=ctx.now + SESSION_SECONDS, extra={},
        )
    )
    return handle


def current(ctx: Context, handle: str | None, pool_id: str) -> tuple[HostedSession, User] | None:
    """The live session behind ``handle`` for this pool and its (enabled) user, else None."""
    if not handle:
        return None
    row = ctx.db.get(HostedSession, hash_secret(handle))
    if row is None or row.pool_id != pool_id or row.expires_at <= ctx.now:
        return None
    user = ctx.db.scalars(select(User).where(User.sub == row.user_sub)).first()
    if user is None or not user.enabled:
        return None
    return row, user


def end(ctx: Context, handle: str | None) -> None:
    if handle:
        ctx.db.execute(delete(HostedSession).where(HostedSession.session_hash == hash_secret(handle)))
