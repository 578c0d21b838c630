"""USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH (alias ADMIN_NO_SRP_AUTH): the password
itself is sent, checked against its argon2id hash.

:func:`sign_in` is also the hosted sign-in page's entry (``signin.entry``): one password
sign-in, whoever asks. A user this pool does not know yet may be migrated on the spot by the
UserMigration trigger (``user_migration.py``).

On SQLite the wire's InitiateAuth runs this first as a read (``Api._execute``): the argon2id
verification then happens outside the writer lock that every worker's writes queue for, and
the run in a transaction that follows takes the verdict from ``Context.carry``.
"""

from __future__ import annotations

from typing import Any

from userpool.server import errors, passwords, triggers, user_migration
from userpool.server.context import Context
from userpool.server.db import AppClient, UserPool, WriteNeeded
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.first_factor import first_factor_passed


def sign_in(
    ctx: Context, pool: UserPool, client: AppClient, username: str, password: str | None, caller: Caller,
    *, allow: str = names.ALLOW_USER_PASSWORD_AUTH, secret_hash: str | None = None,
) -> dict[str, Any]:
    caller.require_flow(client, allow)
    if not password:
        raise errors.InvalidParameter("Missing required parameter PASSWORD")
    triggers.never_in_a_read(ctx, pool, "UserMigration")
    user = user_migration.on_sign_in(ctx, pool, client, username, password) or pipeline.find_user(ctx, pool, client, username)
    caller.check_secret_hash(ctx, client, secret_hash, username, *([user.username] if user else []))
    pipeline.check_not_locked(ctx, pool, user, username)
    pipeline.no_password_yet(user)
    verified = passwords.verify_password(user, password, ctx.carry)
    if ctx.read_only:  # checked outside the writer lock; what follows writes (a failure counted, or the answer)
        raise WriteNeeded
    if not verified or user is None:
        pipeline.wrong_password(ctx, pool, client, user, username)
    return first_factor_passed(ctx, pool, client, user, caller)


def user_password_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any], caller: Caller) -> dict[str, Any]:
    return sign_in(ctx, pool, client, params.get("USERNAME", ""), params.get("PASSWORD"), caller, secret_hash=params.get("SECRET_HASH"))


def admin_user_password_auth(
    ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    return sign_in(
        ctx, pool, client, params.get("USERNAME", ""), params.get("PASSWORD"), caller,
        allow=names.ALLOW_ADMIN_USER_PASSWORD_AUTH, secret_hash=params.get("SECRET_HASH"),
    )
