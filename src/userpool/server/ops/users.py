"""Users and their attributes: AdminCreateUser, Admin/GetUser, Admin/DeleteUser, enable/disable,
Admin/UpdateUserAttributes, Admin/DeleteUserAttributes, attribute verification, ListUsers."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from userpool.server import (
    audit,
    codes,
    errors,
    passwords,
    pools,
    resolve,
    tokens,
    triggers,
    users,
)
from userpool.server.context import Context
from userpool.server.db import User, UserAttribute, UserPool
from userpool.server.ops.paging import page


def mfa_fields(user: users.HasMfa) -> dict[str, Any]:
    """The MFA members of Admin/GetUser's answer (from a ``User`` or GetUser's Core row)."""
    mfa = user.mfa or {}
    out: dict[str, Any] = {}
    enabled = mfa.get("Enabled") or []
    if enabled:
        out["UserMFASettingList"] = list(enabled)
    if mfa.get("Preferred"):
        out["PreferredMfaSetting"] = mfa["Preferred"]
    if users.mfa_options(user):
        out["MFAOptions"] = users.mfa_options(user)
    return out


def _invite(ctx: Context, pool: UserPool, user: User, password: str, mediums: list[str], kind: str) -> None:
    for medium in mediums or ["SMS"]:
        attr = "email" if medium == "EMAIL" else "phone_number"
        if user.attr(attr):
            codes.send(ctx, pool, user, kind, attr, password, invite=True)
            return
    # No phone for the default SMS invitation: fall back to e-mail, as a pool without SMS set up does.
    if user.attr("email"):
        codes.send(ctx, pool, user, kind, "email", password, invite=True)


def _temporary_password(ctx: Context, pool: UserPool, req: dict[str, Any], policy: dict[str, Any]) -> str:
    """The request's TemporaryPassword, else one made for it: the same in every attempt of the
    request (``Context.carry``), so that a hash made in its read attempt is the one stored."""
    given: str | None = req.get("TemporaryPassword")
    return given or ctx.carry.setdefault(("temporary_password", pool.id, req["Username"]), passwords.temporary_password(policy))


def admin_create_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    triggers.never_in_a_read(ctx, pool, "PreSignUp")
    policy = passwords.policy_of(pool.config)
    temp = req.get("TemporaryPassword")
    if temp is not None:
        passwords.check_policy(temp, policy)
    if req.get("MessageAction") == "RESEND":
        user = users.require_user(ctx.db, pool, req["Username"])
        if user.status != users.FORCE_CHANGE_PASSWORD:
            raise errors.UnsupportedUserState("Resend not possible. User status must be FORCE_CHANGE_PASSWORD.")
        temp = _temporary_password(ctx, pool, req, policy)
        passwords.set_password_first(ctx, user, temp)
        user.temp_password_expires_at = ctx.now + policy["TemporaryPasswordValidityDays"] * 86400
        users.touch(ctx, user)
        _invite(ctx, pool, user, temp, req.get("DesiredDeliveryMediums") or [], "ADMIN_CREATE_USER")
        return {"User": users.user_type(user)}
    user = users.new_user(ctx, pool, req["Username"], users.FORCE_CHANGE_PASSWORD)
    users.apply_attributes(ctx, pool, user, req.get("UserAttributes") or [], admin=True, creating=True)
    users.check_required(pool, user)
    users.check_alias_unique(ctx, pool, user, force=bool(req.get("ForceAliasCreation")))
    triggers.pre_sign_up(ctx, pool, None, user, req, "PreSignUp_AdminCreateUser")
    temp = _temporary_password(ctx, pool, req, policy)
    passwords.set_password_first(ctx, user, temp)
    user.temp_password_expires_at = ctx.now + policy["TemporaryPasswordValidityDays"] * 86400
    ctx.db.add(user)
    try:
        ctx.db.flush()
    except IntegrityError:
        raise errors.UsernameExists("User account already exists") from None
    if req.get("MessageAction") != "SUPPRESS":
        _invite(ctx, pool, user, temp, req.get("DesiredDeliveryMediums") or [], "ADMIN_CREATE_USER")
    audit.event("admin_create_user", pool=pool.id, user=user.sub)
    return {"User": users.user_type(user)}


def admin_get_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    _, user = resolve.admin_user(ctx, req)
    return {
        "Username": user.username,
        "UserAttributes": users.attribute_list(user),
        "UserCreateDate": user.created_at,
        "UserLastModifiedDate": user.modified_at,
        "Enabled": user.enabled,
        "UserStatus": user.status,
        **mfa_fields(user),
    }


def get_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    # GetUser is the hottest read (Amplify calls it on every fetchUserAttributes): one Core
    # query checks the token's family and user and reads its client's config and the user's
    # attributes. Nothing is changed, so ORM objects would be pure cost; the pool is not needed.
    user, claims, pairs = tokens.access_principal(ctx, req["AccessToken"])
    if user.client_found is None:
        raise errors.ResourceNotFound(f"User pool client {claims['client_id']} does not exist.")
    readable = (user.client_config or {}).get("ReadAttributes")
    readable = [*readable, "sub"] if readable else None
    attrs = dict(pairs)
    listed = [{"Name": n, "Value": v} for n, v in attrs.items() if readable is None or n in readable]
    return {"Username": user.username, "UserAttributes": listed, **mfa_fields(user)}


def admin_delete_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    audit.event("admin_delete_user", pool=pool.id, user=user.sub)
    users.delete_user(ctx, user)
    return {}


def delete_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, _, user = resolve.token_user_and_client(ctx, req)
    audit.event("delete_user", pool=pool.id, user=user.sub)
    users.delete_user(ctx, user)
    return {}


def admin_enable_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    user.enabled = True
    users.touch(ctx, user)
    audit.event("admin_enable_user", pool=pool.id, user=user.sub)
    return {}


def admin_disable_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    user.enabled = False
    users.touch(ctx, user)
    tokens.revoke_user_sessions(ctx, user, "disabled")
    audit.event("admin_disable_user", pool=pool.id, user=user.sub)
    return {}


def _send_verifications(ctx: Context, pool: UserPool, user: User, changed: list[str]) -> list[dict[str, str]]:
    """Codes for changed auto-verified attributes that are not yet verified."""
    details = []
    for attr in ("email", "phone_number"):
        if attr in changed and attr in pools.auto_verified(pool) and user.attr(users.VERIFIED_FLAG[attr]) != "true":
            code = codes.issue(ctx, user, codes.verify_purpose(attr))
            details.append(codes.send(ctx, pool, user, "VERIFY_ATTRIBUTE", attr, code))
    return details


def admin_update_user_attributes(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    changed = users.apply_attributes(ctx, pool, user, req["UserAttributes"], admin=True)
    users.check_alias_unique(ctx, pool, user)
    users.touch(ctx, user)
    _send_verifications(ctx, pool, user, changed)
    audit.event("admin_update_user_attributes", pool=pool.id, user=user.sub, attributes=changed)
    return {}


def update_user_attributes(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, client, user = resolve.token_user_and_client(ctx, req)
    changed = users.apply_attributes(ctx, pool, user, req["UserAttributes"], admin=False, writable=client.config.get("WriteAttributes"))
    users.check_alias_unique(ctx, pool, user)
    users.touch(ctx, user)
    details = _send_verifications(ctx, pool, user, changed)
    audit.event("update_user_attributes", pool=pool.id, user=user.sub, attributes=changed)
    return {"CodeDeliveryDetailsList": details} if details else {}


def _delete_attributes(ctx: Context, pool: UserPool, user: User, names: list[str]) -> None:
    schema = pools.schema_of(pool)
    stored = []
    for name, spec in users.schema_entries(schema, names, creating=False):
        if name == "sub" or spec.get("Required") or not spec.get("Mutable", True):
            raise errors.InvalidParameter(f"Cannot delete required or immutable attribute: {name}")
        if name in pools.username_attributes(pool):
            raise errors.InvalidParameter(f"Cannot delete the sign-in attribute: {name}")
        stored.append(spec["Name"])
    for name in stored:
        users.drop_attribute(user, name)
        if name in users.VERIFIED_FLAG:
            users.drop_attribute(user, users.VERIFIED_FLAG[name])
    users.touch(ctx, user)


def admin_delete_user_attributes(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    _delete_attributes(ctx, pool, user, req["UserAttributeNames"])
    return {}


def delete_user_attributes(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, client, user = resolve.token_user_and_client(ctx, req)
    writable = client.config.get("WriteAttributes")
    for name in req["UserAttributeNames"]:
        if writable and name not in writable:
            raise errors.NotAuthorized(f"A client attempted to write unauthorized attribute: {name}")
    _delete_attributes(ctx, pool, user, req["UserAttributeNames"])
    return {}


def get_user_attribute_verification_code(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, _, user = resolve.token_user_and_client(ctx, req)
    attr = req["AttributeName"]
    if attr not in users.VERIFIED_FLAG or not user.attr(attr):
        raise errors.InvalidParameter(f"There is no {attr} attribute to verify.")
    code = codes.issue(ctx, user, codes.verify_purpose(attr))
    return {"CodeDeliveryDetails": codes.send(ctx, pool, user, "VERIFY_ATTRIBUTE", attr, code)}


def verify_user_attribute(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, _, user = resolve.token_user_and_client(ctx, req)
    attr = req["AttributeName"]
    if attr not in users.VERIFIED_FLAG:
        raise errors.InvalidParameter(f"Attribute {attr} cannot be verified.")
    codes.consume(ctx, user, codes.verify_purpose(attr), req["Code"])
    users.put_attribute(user, users.VERIFIED_FLAG[attr], "true")
    users.check_alias_unique(ctx, pool, user)
    users.touch(ctx, user)
    return {}


# ------------------------------------------------------------------ ListUsers

FILTERABLE = {
    "username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username",
    "cognito:user_status", "status", "sub",
}
_FILTER = re.compile(r'^\s*"?([\w:]+)"?\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$')


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _starts_with(column: Any, prefix: str, dialect: str) -> Any:
    """``column`` begins with ``prefix``, case-sensitively, in a form the index serves.

    SQLite never uses an index for ``LIKE ... ESCAPE`` on a BINARY column, so a prefix
    filter would scan the whole pool (seconds at a million users); a range does not. UTF-8
    and SQLite's BINARY order both follow code points, so the range is exact.
    """
    if dialect == "sqlite" and prefix and ord(prefix[-1]) < 0x10FFFF:
        return (column >= prefix) & (column < prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return column.like(_like_prefix(prefix), escape="\\")


def apply_filter(stmt: Select[Any], pool: UserPool, text: str, dialect: str = "") -> Select[Any]:
    """Cognito's ListUsers filter: ``attribute = "value"`` or ``attribute ^= "value"`` (prefix)."""
    m = _FILTER.match(text)
    if not m or m.group(1) not in FILTERABLE:
        raise errors.InvalidParameter("Error while parsing filter.")
    name, op, value = m.group(1), m.group(2), m.group(3).replace('\\"', '"')
    if name == "username":
        key = users.username_key(pool, value)
        return stmt.where(User.username_key == key if op == "=" else _starts_with(User.username_key, key, dialect))
    if name == "cognito:user_status":  # case-insensitive, as Cognito documents it; statuses are upper case
        status = value.upper()
        return stmt.where(User.status == status if op == "=" else User.status.like(_like_prefix(status), escape="\\"))
    if name == "status":
        if op != "=" or value not in ("Enabled", "Disabled"):
            raise errors.InvalidParameter("Error while parsing filter.")
        return stmt.where(User.enabled == (value == "Enabled"))
    key = users.value_key(name, value)
    condition = UserAttribute.value_key == key if op == "=" else _starts_with(UserAttribute.value_key, key, dialect)
    matching = select(UserAttribute.user_id).where(UserAttribute.pool_id == pool.id, UserAttribute.name == name, condition)
    return stmt.where(User.id.in_(matching))


def list_users(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    stmt = select(User).where(User.pool_id == pool.id)
    if req.get("Filter"):
        stmt = apply_filter(stmt, pool, req["Filter"], ctx.db.get_bind().dialect.name)
    only = req.get("AttributesToGet")
    if only:
        schema = pools.schema_of(pool)
        for name in only:
            if name not in schema:
                raise errors.InvalidParameter(f"One or more requested attributes do not exist: {name}")
    rows, token = page(ctx.db, stmt.order_by(User.id), User.id, req.get("PaginationToken"), req.get("Limit") or 60)
    return {"Users": [users.user_type(u, only) for u in rows], "PaginationToken": token}
