"""Who and what an operation acts on, found the one way each operation finds it.

- :func:`admin_user`: an Admin* operation's ``UserPoolId`` + ``Username`` (any sign-in name);
- :func:`token_user` / :func:`token_user_and_client`: the user (and app client) of an ``AccessToken``;
- :func:`public_client` / :func:`admin_client`: the app client (and its pool) an
  operation names, alone (public operations) or inside a named pool (Admin* operations);
- :func:`challenge_session`: a challenge ``Session`` consumed, with the user it was issued to.

Each raises Cognito's error for what is missing (``ResourceNotFoundException``,
``UserNotFoundException``, ``NotAuthorizedException``), so the operations never repeat it.
"""

from __future__ import annotations

from typing import Any

from userpool.server import challenge_sessions, errors, messages, pools, tokens, users
from userpool.server.challenge_sessions import Pending
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool


def admin_user(ctx: Context, req: dict[str, Any]) -> tuple[UserPool, User]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    return pool, users.require_user(ctx.db, pool, req["Username"])


def token_user(ctx: Context, req: dict[str, Any]) -> tuple[UserPool, User]:
    """The signed-in user of ``AccessToken`` (checked: signature, expiry, revocation, enabled)."""
    user, _ = tokens.user_from_access_token(ctx, req["AccessToken"])
    return pools.get_pool(ctx.db, user.pool_id), user


def token_user_and_client(ctx: Context, req: dict[str, Any]) -> tuple[UserPool, AppClient, User]:
    """:func:`token_user` and the app client the token was issued to (which must still exist)."""
    user, claims = tokens.user_from_access_token(ctx, req["AccessToken"])
    pool = pools.get_pool(ctx.db, user.pool_id)
    return pool, pools.get_client(ctx.db, claims["client_id"]), user


def public_client(ctx: Context, client_id: str) -> tuple[AppClient, UserPool]:
    """The app client a public operation names (``ClientId``) and its pool."""
    return pools.get_client_and_pool(ctx.db, client_id)


def admin_client(ctx: Context, req: dict[str, Any]) -> tuple[AppClient, UserPool]:
    """An Admin* operation's ``ClientId`` inside its ``UserPoolId`` (the pool is checked first)."""
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    return pools.get_client(ctx.db, req["ClientId"], pool.id), pool


def challenge_session(
    ctx: Context, handle: str | None, client: AppClient | None, challenge: str, *, lock: bool = False
) -> tuple[Pending, User]:
    """Consume ``handle`` for ``challenge`` and load its user; a session without one is invalid.

    ``client`` is None for calls that name no app client (MFA setup's AssociateSoftwareToken).
    """
    pending = challenge_sessions.take_session(ctx, handle, client, challenge)
    user = users.get_user(ctx.db, pending.row.user_id, for_update=lock) if pending.row.user_id is not None else None
    if user is None:
        raise errors.NotAuthorized(messages.INVALID_SESSION, persist=True)
    return pending, user
