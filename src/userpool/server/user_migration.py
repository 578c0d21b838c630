"""Just-in-time user migration: the UserMigration trigger.

When a user this pool does not know signs in with a password (``USER_PASSWORD_AUTH``,
``ADMIN_USER_PASSWORD_AUTH``) or asks for a password reset (ForgotPassword), and the pool
names a UserMigration trigger, the trigger is asked about the user (``UserMigration_Authentication``
with the password, ``UserMigration_ForgotPassword`` without). When it answers with
``userAttributes``, the user is created on the spot with them: on sign-in with the password
just given and ``finalUserStatus`` (``CONFIRMED`` by default, or ``RESET_REQUIRED``); on
ForgotPassword in ``RESET_REQUIRED``, so the reset code goes out as for any user.
``forceAliasCreation`` moves an alias taken by another user, as in AdminCreateUser. The pool's
password policy is not applied to the migrated password (Cognito does not either).
``messageAction`` and ``desiredDeliveryMediums`` are accepted; no welcome message is sent.
A trigger that raises fails the request (``UserLambdaValidationException``) and creates nothing.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from userpool.server import audit, errors, passwords, triggers, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool

SIGN_IN = "UserMigration_Authentication"
FORGOT_PASSWORD = "UserMigration_ForgotPassword"
_NOT_STORED = ("sub", "username", "cognito:user_status", "cognito:mfa_enabled")


def on_sign_in(ctx: Context, pool: UserPool, client: AppClient, username: str, password: str) -> User | None:
    """The migrated user, or None when there is nothing to migrate (no trigger, or the user exists)."""
    return _migrate(ctx, pool, client, username, password, SIGN_IN)


def on_forgot_password(ctx: Context, pool: UserPool, client: AppClient, username: str) -> User | None:
    return _migrate(ctx, pool, client, username, None, FORGOT_PASSWORD)


def _migrate(
    ctx: Context, pool: UserPool, client: AppClient, username: str, password: str | None, source: str
) -> User | None:
    if not username or triggers.target(pool, "UserMigration") is None:
        return None
    if users.find_user(ctx.db, pool, username) is not None:
        return None
    response = triggers.user_migration(ctx, pool, client, username, password, source)
    status = users.RESET_REQUIRED if password is None else response["finalUserStatus"]
    user = users.new_user(ctx, pool, username, status)
    attributes = [{"Name": k, "Value": v} for k, v in response["userAttributes"].items() if k not in _NOT_STORED]
    users.apply_attributes(ctx, pool, user, attributes, admin=True, creating=True)
    users.check_required(pool, user)
    users.check_alias_unique(ctx, pool, user, force=response["forceAliasCreation"])
    if password is not None:
        passwords.set_password(user, password, ctx.sealer)
    ctx.db.add(user)
    try:
        ctx.db.flush()
    except IntegrityError:
        raise errors.UsernameExists("User account already exists") from None
    audit.event("user_migrated", pool=pool.id, user=user.sub, client=client.id, source=source, status=status)
    return user
