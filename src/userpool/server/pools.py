"""User pools and app clients as Cognito describes them: identifiers, defaults, schema,
looking them up, and the SECRET_HASH check."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from userpool import srp
from userpool.server import errors, keys, messages
from userpool.server.context import Context
from userpool.server.db import (
    AppClient,
    CompiledRead,
    UserPool,
    columns_of,
    detached,
    json_as_text,
    json_value,
)
from userpool.server.memo import Recent
from userpool.server.sealing import random_alnum, same

LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"

_STRING = {"AttributeDataType": "String", "DeveloperOnlyAttribute": False}
STANDARD_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "sub": {**_STRING, "Mutable": False, "Required": True, "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"}},
    **{
        name: {**_STRING, "Mutable": True, "Required": False, "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"}}
        for name in (
            "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
            "picture", "website", "email", "gender", "birthdate", "zoneinfo", "locale", "phone_number", "address",
        )
    },
    "email_verified": {"AttributeDataType": "Boolean", "DeveloperOnlyAttribute": False, "Mutable": True, "Required": False},
    "phone_number_verified": {"AttributeDataType": "Boolean", "DeveloperOnlyAttribute": False, "Mutable": True, "Required": False},
    "updated_at": {"AttributeDataType": "Number", "DeveloperOnlyAttribute": False, "Mutable": True, "Required": False,
                   "NumberAttributeConstraints": {"MinValue": "0"}},
    "identities": {**_STRING, "Mutable": True, "Required": False, "StringAttributeConstraints": {}},
}
STANDARD_ATTRIBUTES["birthdate"]["StringAttributeConstraints"] = {"MinLength": "10", "MaxLength": "10"}


def new_pool_id(region: str) -> str:
    return f"{region}_{random_alnum(9)}"


def new_client_id() -> str:
    return random_alnum(26, LOWER_ALNUM)


def new_client_secret() -> str:
    return random_alnum(51, LOWER_ALNUM)


def pool_arn(ctx: Context, pool: UserPool) -> str:
    return f"arn:aws:cognito-idp:{pool.region}:{ctx.config.account_id}:userpool/{pool.id}"


def get_pool(db: Session, pool_id: str) -> UserPool:
    pool = db.get(UserPool, pool_id)
    if pool is None:
        raise errors.ResourceNotFound(messages.POOL_NOT_FOUND.format(pool_id))
    return pool


def get_client(db: Session, client_id: str, pool_id: str | None = None) -> AppClient:
    client = db.get(AppClient, client_id)
    if client is None or (pool_id is not None and client.pool_id != pool_id):
        raise errors.ResourceNotFound(f"User pool client {client_id} does not exist.")
    return client


# Every public call (InitiateAuth, RespondToAuthChallenge, refresh, SignUp, ...) starts here.
# The two rows are read raw (db.CompiledRead: compiled once, on the DB-API cursor); building the
# two ORM objects and decoding the pool's configuration (a few KB of JSON) is most of the cost,
# so they are kept per client and handed out again while the rows read are equal to the rows
# they were built from: a change by any process or request is seen at the next read, and no
# cache can be stale, as it is compared to the database each time.
# The pool's active signing kid comes along (one statement fewer for every answer with tokens;
# keys.note_active_kid), compared with the rest: a rotation is seen at once, as any change.
# The configurations come as their JSON text on both databases (psycopg would decode the pool's
# at every read: ~25 µs of CPU), decoded only when the rows changed.
_CLIENT_AND_POOL = CompiledRead(
    select(
        *map(json_as_text, AppClient.__table__.c),
        *map(json_as_text, UserPool.__table__.c),
        keys.active_kid_query(UserPool.id).correlate(UserPool).scalar_subquery().label("active_kid"),
    )
    .outerjoin(UserPool, UserPool.id == AppClient.pool_id)
    .where(AppClient.id == bindparam("client_id"))
)
_CLIENT_COLUMNS, _POOL_COLUMNS = columns_of(AppClient), columns_of(UserPool)


class _Resolved(NamedTuple):
    row: tuple[Any, ...]
    client: AppClient
    pool: UserPool


_resolved: Recent[str, _Resolved] = Recent(1024)


def _detached(model: Any, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """db.detached from the raw row as read (kept raw to compare): its ``config`` JSON decoded
    as the JSON type would (SQLite gives text, psycopg a value)."""
    at = names.index("config")
    return detached(model, names, (*values[:at], json_value(values[at]), *values[at + 1 :]))


def known_client_and_pool(client_id: Any) -> tuple[AppClient, UserPool] | None:
    """The objects last built for ``client_id`` in this process, read from nothing: possibly out
    of date, so only for deciding where a request runs, never what it does."""
    hit = _resolved.get(client_id) if isinstance(client_id, str) else None
    return (hit.client, hit.pool) if hit is not None else None


def get_client_and_pool(db: Session, client_id: str) -> tuple[AppClient, UserPool]:
    """An app client and its pool in one query (refresh needs both); the same errors as
    :func:`get_client` then :func:`get_pool`. The objects are shared by every request that
    reads the same rows, and detached: read them, never change them (the admin operations
    that change clients and pools load their own through :func:`get_client` / :func:`get_pool`)."""
    rows = _CLIENT_AND_POOL.rows(db, {"client_id": client_id})
    if not rows:
        raise errors.ResourceNotFound(f"User pool client {client_id} does not exist.")
    row = rows[0]
    hit = _resolved.get(client_id)
    if hit is not None and hit.row == row:
        keys.note_active_kid(db, hit.pool.id, row[-1])
        return hit.client, hit.pool
    split = len(_CLIENT_COLUMNS)
    if row[split] is None:  # the pool's id: the client outlived its pool
        raise errors.ResourceNotFound(messages.POOL_NOT_FOUND.format(row[_CLIENT_COLUMNS.index("pool_id")]))
    pool = _detached(UserPool, _POOL_COLUMNS, row[split:-1])
    resolved = _Resolved(row, _detached(AppClient, _CLIENT_COLUMNS, row[:split]), pool)
    keys.note_active_kid(db, pool.id, row[-1])
    _resolved.put(client_id, resolved)
    return resolved.client, resolved.pool


def client_secret(ctx: Context, client: AppClient) -> str | None:
    if client.secret_sealed is None:
        return None
    return ctx.sealer.open(client.secret_sealed, f"client-secret:{client.id}").decode()


def check_secret_hash(ctx: Context, client: AppClient, secret_hash: str | None, *usernames: str) -> None:
    """Cognito requires SECRET_HASH whenever the client has a secret; any of ``usernames`` may be the one hashed."""
    secret = client_secret(ctx, client)
    if secret is None:
        return
    if not secret_hash:
        raise errors.NotAuthorized(f"Client {client.id} is configured with secret but SECRET_HASH was not received")
    ok = False
    for name in usernames:
        if name:
            ok |= same(srp.secret_hash(secret, name, client.id), secret_hash)
    if not ok:
        raise errors.NotAuthorized(f"Unable to verify secret hash for client {client.id}")


def schema_of(pool: UserPool) -> dict[str, dict[str, Any]]:
    """Attribute name -> SchemaAttributeType (standard attributes, then custom:*)."""
    return {a["Name"]: a for a in pool.config.get("SchemaAttributes", [])}


_LEGACY_FLOWS = {
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
}


def explicit_auth_flows(client: AppClient) -> set[str]:
    """The ALLOW_* flows in force; the legacy values imply SRP and refresh, as in Cognito."""
    flows = set(client.config.get("ExplicitAuthFlows") or [])
    legacy = {_LEGACY_FLOWS[f] for f in flows if f in _LEGACY_FLOWS}
    if legacy:
        flows = legacy | {"ALLOW_REFRESH_TOKEN_AUTH"}
        if "ALLOW_CUSTOM_AUTH" not in legacy:
            flows.add("ALLOW_USER_SRP_AUTH")
    return flows


def prevent_user_existence_errors(client: AppClient) -> bool:
    return client.config.get("PreventUserExistenceErrors") == "ENABLED"


def case_sensitive(pool: UserPool) -> bool:
    return bool((pool.config.get("UsernameConfiguration") or {}).get("CaseSensitive", True))


def username_attributes(pool: UserPool) -> list[str]:
    return list(pool.config.get("UsernameAttributes") or [])


def alias_attributes(pool: UserPool) -> list[str]:
    return list(pool.config.get("AliasAttributes") or [])


def auto_verified(pool: UserPool) -> list[str]:
    return list(pool.config.get("AutoVerifiedAttributes") or [])
