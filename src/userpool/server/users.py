"""Users: lookup by username, sign-in attribute or alias; attributes checked against the
pool's schema; the wire shapes Cognito describes users with."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from userpool.server import errors, messages, pool_schema, pools
from userpool.server.context import Context
from userpool.server.db import CompiledRead, User, UserAttribute, UserPool, attached, columns_of

UNCONFIRMED = "UNCONFIRMED"
CONFIRMED = "CONFIRMED"
FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
RESET_REQUIRED = "RESET_REQUIRED"
EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"  # created by a federated sign-in

VERIFIED_FLAG = {"email": "email_verified", "phone_number": "phone_number_verified"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^\+[0-9]{4,15}$")
_MAX_KEY = 256


def username_key(pool: UserPool, username: str) -> str:
    return username if pools.case_sensitive(pool) else username.lower()


def value_key(name: str, value: str) -> str:
    """How an attribute value is indexed: e-mail addresses compare without case."""
    key = value.lower() if name in ("email", "preferred_username") else value
    return key[:_MAX_KEY]


def _by_attribute(
    db: Session, pool: UserPool, name: str, value: str, verified_only: bool, exclude: int | None = None
) -> User | None:
    """The user holding ``name`` = ``value`` as a sign-in name or alias. Federated users
    (EXTERNAL_PROVIDER) hold their mapped e-mail or phone number as a plain attribute: they
    sign in only through their provider, and a pool user may have the same address."""
    stmt = (
        select(User)
        .join(UserAttribute, UserAttribute.user_id == User.id)
        .where(UserAttribute.pool_id == pool.id, UserAttribute.name == name, UserAttribute.value_key == value_key(name, value),
               User.status != EXTERNAL_PROVIDER)
        .order_by(User.id)  # the oldest holder first, on every database
    )
    if exclude is not None:
        stmt = stmt.where(User.id != exclude)
    rows = db.scalars(stmt).all()
    for user in rows:
        flag = VERIFIED_FLAG.get(name)
        if not verified_only or flag is None or user.attr(flag) == "true":
            return user
    return None


# The user lookups every sign-in makes, read raw and attached to the session as a loaded User
# (db.attached): the ORM's load (the row, then the attributes in a second query) was about a
# millisecond of a sign-in; the attributes load when first read, as they did.
_USER_COLUMNS = columns_of(User)
_BY_USERNAME = select(*User.__table__.c).where(User.pool_id == bindparam("pool_id"), User.username_key == bindparam("username_key"))
_BY_ID = select(*User.__table__.c).where(User.id == bindparam("user_id"))
_READS = {
    (name, locked): CompiledRead(stmt.with_for_update() if locked else stmt, typed=True)
    for name, stmt in (("username", _BY_USERNAME), ("id", _BY_ID)) for locked in (False, True)
}


def _read_user(db: Session, by: str, params: dict[str, Any], for_update: bool) -> User | None:
    rows = _READS[by, for_update].rows(db, params)
    return attached(db, User, _USER_COLUMNS, rows[0]) if rows else None


def get_user(db: Session, user_id: int, *, for_update: bool = False) -> User | None:
    """``db.get(User, user_id)``, the row locked with ``for_update`` (PostgreSQL)."""
    return _read_user(db, "id", {"user_id": user_id}, for_update)


def find_user(db: Session, pool: UserPool, name: str, *, for_update: bool = False) -> User | None:
    """The user ``name`` designates: its username, else its sign-in attribute, else a verified alias.

    ``for_update`` locks the row (PostgreSQL) so that concurrent sign-ins count failures exactly.
    """
    if not name:
        return None
    user = _read_user(db, "username", {"pool_id": pool.id, "username_key": username_key(pool, name)}, for_update)
    if user is not None:
        return user
    for attr in pools.username_attributes(pool):
        found = _by_attribute(db, pool, attr, name, verified_only=False)
        if found is not None:
            return _locked(db, found) if for_update else found
    for attr in pools.alias_attributes(pool):
        found = _by_attribute(db, pool, attr, name, verified_only=True)
        if found is not None:
            return _locked(db, found) if for_update else found
    return None


def _locked(db: Session, user: User) -> User:
    db.refresh(user, with_for_update=True)
    return user


def require_user(db: Session, pool: UserPool, name: str) -> User:
    user = find_user(db, pool, name)
    if user is None:
        raise errors.UserNotFound(messages.USER_NOT_FOUND)
    return user


def new_user(ctx: Context, pool: UserPool, username: str, status: str) -> User:
    """A new user row; ``username`` is the sign-in name the caller gave.

    With ``UsernameAttributes`` (sign in with email/phone) Cognito makes the real username a
    UUID (the sub) and stores the given value as the attribute. A federated user
    (``EXTERNAL_PROVIDER``) keeps its ``<ProviderName>_<sub>`` username in every pool.
    """
    sub = str(uuid.uuid4())
    federated = status == EXTERNAL_PROVIDER
    sign_in_attrs = [] if federated else pools.username_attributes(pool)
    internal = username
    if sign_in_attrs:
        kind = "email" if _EMAIL.match(username) else "phone_number" if _PHONE.match(username) else None
        if kind is None or kind not in sign_in_attrs:
            expected = " or ".join("an email" if a == "email" else "a phone number" for a in sign_in_attrs)
            raise errors.InvalidParameter(f"Username should be {expected}.")
        internal = sub
    elif not federated and _EMAIL.match(username) and "email" in pools.alias_attributes(pool):
        raise errors.InvalidParameter("Username cannot be of email format, since user pool is configured for email alias.")
    if db_has_username(ctx.db, pool, internal):
        raise errors.UsernameExists("User account already exists")
    user = User(
        pool_id=pool.id,
        username=internal,
        username_key=username_key(pool, internal),
        sub=sub,
        status=status,
        enabled=True,
        created_at=ctx.now,
        modified_at=ctx.now,
        failed_attempts=0,
        mfa={},
        attributes=[],
    )
    put_attribute(user, "sub", sub)
    if sign_in_attrs:
        put_attribute(user, "email" if "@" in username else "phone_number", username)
    return user


def db_has_username(db: Session, pool: UserPool, username: str) -> bool:
    key = username_key(pool, username)
    return db.scalars(select(User.id).where(User.pool_id == pool.id, User.username_key == key)).first() is not None


def put_attribute(user: User, name: str, value: str) -> None:
    for a in user.attributes:
        if a.name == name:
            a.value = value
            a.value_key = value_key(name, value)
            return
    user.attributes.append(UserAttribute(pool_id=user.pool_id, name=name, value=value, value_key=value_key(name, value)))


def drop_attribute(user: User, name: str) -> None:
    user.attributes = [a for a in user.attributes if a.name != name]


def unknown_attributes(names: list[str], *, creating: bool) -> errors.CognitoError:
    """Cognito names every attribute the schema lacks, one a line: after "Attributes did not
    conform to the schema: " when a user is created (SignUp, AdminCreateUser), each prefixed
    ``user.`` when one is changed (Admin)UpdateUserAttributes, (Admin)DeleteUserAttributes."""
    lines = "".join(f"{'' if creating else 'user.'}{name}: {messages.NOT_IN_SCHEMA}\n" for name in names)
    return errors.InvalidParameter(messages.SCHEMA_MISMATCH + lines if creating else lines)


def schema_entries(schema: dict[str, dict[str, Any]], names: list[str], *, creating: bool) -> list[tuple[str, dict[str, Any]]]:
    """Each requested attribute name with the schema entry it designates, in order; every name
    the schema lacks is refused at once (:func:`unknown_attributes`), before anything changes."""
    entries = [(name, pool_schema.entry_for(schema, name)) for name in names]
    unknown = [name for name, spec in entries if spec is None]
    if unknown:
        raise unknown_attributes(unknown, creating=creating)
    return [(name, spec) for name, spec in entries if spec is not None]


def _check_value(schema: dict[str, Any], name: str, value: str) -> str:
    """The value to store (booleans as "true"/"false": Cognito takes them in any case)."""
    if name == "email" and value and not _EMAIL.match(value):
        raise errors.InvalidParameter("Invalid email address format.")
    if name == "phone_number" and value and not _PHONE.match(value):
        raise errors.InvalidParameter("Invalid phone number format.")
    kind = schema.get("AttributeDataType", "String")
    if kind == "Number":
        try:
            float(value)
        except ValueError:
            raise errors.InvalidParameter(f"{name}: Attribute value must be a number.") from None
    if kind == "Boolean":
        if value.lower() not in ("true", "false"):
            raise errors.InvalidParameter(f"{name}: Attribute value must be true or false.")
        return value.lower()
    limits = schema.get("StringAttributeConstraints") or {}
    if kind == "String":
        if "MaxLength" in limits and len(value) > int(limits["MaxLength"]):
            raise errors.InvalidParameter(f"{name}: String must be no longer than {limits['MaxLength']} characters")
        if "MinLength" in limits and value and len(value) < int(limits["MinLength"]):
            raise errors.InvalidParameter(f"{name}: String must be no shorter than {limits['MinLength']} characters")
    return value


def apply_attributes(
    ctx: Context,
    pool: UserPool,
    user: User,
    attributes: Iterable[dict[str, str]],
    *,
    admin: bool,
    writable: list[str] | None = None,
    creating: bool = False,
) -> list[str]:
    """Set attributes after checking them against the schema; returns the names that changed.

    Cognito's rules: unknown names and ``sub`` are refused, immutable attributes may be set
    only at creation, developer-only (``dev:custom:``) attributes and the ``*_verified`` flags
    only by admin calls, a changed email/phone becomes unverified unless the same call sets
    the verified flag, and a client's WriteAttributes limit what public calls may set.
    """
    schema = pools.schema_of(pool)
    changed: list[str] = []
    pairs = [(a.get("Name", ""), a.get("Value", "")) for a in attributes]
    entries = schema_entries(schema, [n for n, _ in pairs], creating=creating)
    explicit_flags = {n for n, _ in pairs if n in VERIFIED_FLAG.values()}
    for (name, spec), (_, value) in zip(entries, pairs, strict=True):
        if name == "sub" or (not creating and not spec.get("Mutable", True)):
            raise errors.InvalidParameter(f"Cannot modify an immutable attribute: {name}")
        if not admin and (spec.get("DeveloperOnlyAttribute") or name in VERIFIED_FLAG.values()):
            # Only an administrator (or a trigger) may say an address is verified; a user
            # who could would own any e-mail alias and receive its password-reset codes.
            raise errors.NotAuthorized(f"A client attempted to write unauthorized attribute: {name}")
        if writable and not admin and name not in writable:
            raise errors.NotAuthorized(f"A client attempted to write unauthorized attribute: {name}")
        value = _check_value(spec, name, value)
        stored = spec["Name"]  # a developer-only attribute's value is kept under custom:x
        if user.attr(stored) != value:
            put_attribute(user, stored, value)
            changed.append(stored)
            flag = VERIFIED_FLAG.get(stored)
            if flag and flag not in explicit_flags and not creating and user.attr(flag) == "true":
                put_attribute(user, flag, "false")
    return changed


def check_required(pool: UserPool, user: User) -> None:
    missing = [
        a["Name"] for a in pool.config.get("SchemaAttributes", []) if a.get("Required") and a["Name"] != "sub" and not user.attr(a["Name"])
    ]
    if missing:
        details = ", ".join(f"{n}: The attribute {n} is required" for n in missing)
        raise errors.InvalidParameter(f"Attributes did not conform to the schema: {details}")


def check_alias_unique(ctx: Context, pool: UserPool, user: User, force: bool = False) -> None:
    """A verified alias (or a sign-in attribute) may belong to one user only.

    A sign-in attribute taken by another user is ``UsernameExistsException`` for a user being
    created (SignUp, AdminCreateUser) and ``AliasExistsException`` for an existing user's
    update or confirmation: the only one of the two those operations declare in Cognito's model.
    """
    names = pools.alias_attributes(pool) + pools.username_attributes(pool)
    for name in names:
        value = user.attr(name)
        if not value:
            continue
        verified = VERIFIED_FLAG.get(name) is None or user.attr(VERIFIED_FLAG[name]) == "true"
        if name not in pools.username_attributes(pool) and not verified:
            continue
        # another holder: without excluding the user itself, PostgreSQL (no implicit order) may
        # return it first and hide the other one
        other = _by_attribute(ctx.db, pool, name, value, verified_only=name not in pools.username_attributes(pool), exclude=user.id)
        if other is not None and other.id != user.id:
            if name in pools.username_attributes(pool):
                if user.id is None:  # a new user whose sign-in name is taken
                    raise errors.UsernameExists(messages.EMAIL_TAKEN if name == "email" else f"An account with the given {name} already exists.")
                raise errors.AliasExists(messages.EMAIL_ALIAS_TAKEN if name == "email" else "An account with the phone number already exists.")
            if not force:
                raise errors.AliasExists(messages.EMAIL_ALIAS_TAKEN if name == "email" else f"An account with the given {name} already exists.")
            if VERIFIED_FLAG.get(name):
                put_attribute(other, VERIFIED_FLAG[name], "false")
            else:
                drop_attribute(other, name)


def attribute_list(user: User, only: list[str] | None = None) -> list[dict[str, str]]:
    attrs = user.attr_map()
    names = [n for n in attrs if only is None or n in only]
    return [{"Name": n, "Value": attrs[n]} for n in names]


class HasMfa(Protocol):
    """A ``User``, or a row of GetUser's read that has its ``mfa`` column."""

    @property
    def mfa(self) -> dict[str, Any] | None: ...


def mfa_options(user: HasMfa) -> list[dict[str, str]]:
    """Legacy MFAOptions, from a ``User`` or a Core row that has its ``mfa`` column."""
    return list((user.mfa or {}).get("MFAOptions", []))


def user_type(user: User, only: list[str] | None = None) -> dict[str, Any]:
    """UserType as ListUsers and AdminCreateUser return it."""
    out: dict[str, Any] = {
        "Username": user.username,
        "Attributes": attribute_list(user, only),
        "UserCreateDate": user.created_at,
        "UserLastModifiedDate": user.modified_at,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }
    if mfa_options(user):
        out["MFAOptions"] = mfa_options(user)
    return out


def delete_user(ctx: Context, user: User) -> None:
    ctx.db.delete(user)


def touch(ctx: Context, user: User) -> None:
    user.modified_at = ctx.now
