"""ForgotPassword, ConfirmForgotPassword, ChangePassword, AdminSetUserPassword, AdminResetUserPassword."""

from __future__ import annotations

from typing import Any

from userpool.server import (
    audit,
    codes,
    enumeration,
    errors,
    lockout,
    messages,
    passwords,
    pools,
    resolve,
    tokens,
    triggers,
    user_migration,
    users,
)
from userpool.server.context import Context
from userpool.server.db import User, UserPool
from userpool.server.ops.signup import simulated_delivery

_NO_RECOVERY = "Cannot reset password for the user as there is no registered/verified email or phone_number"
_ADMIN_ONLY = "Contact administrator to reset password."  # NotAuthorizedException for admin_only, as moto answers


def _send_reset_code(ctx: Context, pool: UserPool, user: User, kind: str) -> dict[str, Any]:
    attribute = codes.recovery_attribute(pool, user)
    if attribute is None:
        raise errors.InvalidParameter(_NO_RECOVERY)
    code = codes.issue(ctx, user, codes.FORGOT_PASSWORD)
    return codes.send(ctx, pool, user, kind, attribute, code)


def _admin_only(pool: UserPool) -> bool:
    """AccountRecoverySetting ``admin_only``: users may not reset their own password."""
    mechanisms = (pool.config.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    return any(m.get("Name") == "admin_only" for m in mechanisms)


def forgot_password(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.public_client(ctx, req["ClientId"])
    pools.check_secret_hash(ctx, client, req.get("SecretHash"), req["Username"])
    if _admin_only(pool):  # the pool's rule, known user or not: nothing to tell them apart by
        raise errors.NotAuthorized(_ADMIN_ONLY)
    user = users.find_user(ctx.db, pool, req["Username"]) or user_migration.on_forgot_password(ctx, pool, client, req["Username"])
    if user is None:
        if pools.prevent_user_existence_errors(client):
            enumeration.code_sent(ctx, pool, req["Username"], codes.FORGOT_PASSWORD)
            return {"CodeDeliveryDetails": simulated_delivery(ctx, pool, req["Username"])}
        raise errors.UserNotFound(messages.USERNAME_CLIENT_NOT_FOUND)
    if not user.enabled:
        raise errors.NotAuthorized(messages.USER_DISABLED)
    details = _send_reset_code(ctx, pool, user, "FORGOT_PASSWORD")
    audit.event("forgot_password", pool=pool.id, user=user.sub, client=client.id)
    return {"CodeDeliveryDetails": details}


def _reset_to(ctx: Context, user: User, password: str, reason: str) -> None:
    passwords.set_password_first(ctx, user, password)
    user.status = users.CONFIRMED
    user.temp_password_expires_at = None
    lockout.record_success(user)
    users.touch(ctx, user)
    tokens.revoke_user_sessions(ctx, user, reason)


def confirm_forgot_password(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.public_client(ctx, req["ClientId"])
    pools.check_secret_hash(ctx, client, req.get("SecretHash"), req["Username"])
    user = users.find_user(ctx.db, pool, req["Username"])
    if user is None:
        if pools.prevent_user_existence_errors(client):
            # the known-user path's checks, in its order (enumeration.py)
            passwords.check_policy(req["Password"], passwords.policy_of(pool.config))
            enumeration.consume_code(ctx, pool, req["Username"])
        raise errors.UserNotFound(messages.USERNAME_CLIENT_NOT_FOUND)
    passwords.check_policy(req["Password"], passwords.policy_of(pool.config))
    codes.consume(ctx, user, codes.FORGOT_PASSWORD, req["ConfirmationCode"])
    _reset_to(ctx, user, req["Password"], "password_reset")
    triggers.post_confirmation(ctx, pool, client, user, "PostConfirmation_ConfirmForgotPassword")
    audit.event("password_reset", pool=pool.id, user=user.sub, client=client.id)
    return {}


def change_password(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.token_user(ctx, req)
    lockout.check_not_locked(user, ctx.now)
    previous = req.get("PreviousPassword")
    if not previous or not passwords.verify_password(user, previous, ctx.carry):
        lockout.record_failure(user, ctx.now)
        audit.event("change_password_failure", pool=pool.id, user=user.sub)
        raise errors.NotAuthorized(messages.WRONG_PASSWORD, persist=True)
    passwords.check_policy(req["ProposedPassword"], passwords.policy_of(pool.config))
    passwords.set_password_first(ctx, user, req["ProposedPassword"])
    lockout.record_success(user)
    users.touch(ctx, user)
    audit.event("password_change", pool=pool.id, user=user.sub, reason="change_password")
    return {}


def admin_set_user_password(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    policy = passwords.policy_of(pool.config)
    passwords.check_policy(req["Password"], policy)
    if req.get("Permanent"):
        _reset_to(ctx, user, req["Password"], "admin_set_password")
    else:
        passwords.set_password_first(ctx, user, req["Password"])
        user.status = users.FORCE_CHANGE_PASSWORD
        user.temp_password_expires_at = ctx.now + policy["TemporaryPasswordValidityDays"] * 86400
        users.touch(ctx, user)
        tokens.revoke_user_sessions(ctx, user, "admin_set_password")
    audit.event("admin_set_user_password", pool=pool.id, user=user.sub, permanent=bool(req.get("Permanent")))
    return {}


def admin_reset_user_password(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    # Cognito refuses a user who never set a password of their own (not confirmed, or still on
    # the temporary one: AdminCreateUser's invitation or AdminSetUserPassword without Permanent)
    # before it looks for a recovery channel
    if user.status in (users.UNCONFIRMED, users.FORCE_CHANGE_PASSWORD):
        raise errors.NotAuthorized("User password cannot be reset in the current state.")
    _send_reset_code(ctx, pool, user, "ADMIN_RESET_PASSWORD")
    user.status = users.RESET_REQUIRED
    users.touch(ctx, user)
    tokens.revoke_user_sessions(ctx, user, "admin_reset_password")
    audit.event("admin_reset_user_password", pool=pool.id, user=user.sub)
    return {}
