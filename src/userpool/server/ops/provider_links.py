"""AdminLinkProviderForUser, AdminDisableProviderForUser: federated identities of users.

A user who signs in through an identity provider for the first time becomes the user
``<ProviderName>_<subject>``, whose ``identities`` attribute records where it came from.
AdminLinkProviderForUser instead makes that (provider, subject) sign in as an existing user
(at most five linked identities per user), recorded here and in the existing user's
``identities``; AdminDisableProviderForUser undoes a link, or disables a federated user.
The hosted endpoints resolve a federated sign-in with :func:`linked_user`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from userpool.server import audit, errors, pools, tokens, users
from userpool.server.context import Context
from userpool.server.db import IdentityProvider, ProviderLink, User, UserPool

COGNITO = "Cognito"
SUBJECT = "Cognito_Subject"
MAX_LINKS = 5


def federated_username(provider_name: str, subject: str) -> str:
    """The username Cognito gives a user created by a federated sign-in."""
    return f"{provider_name}_{subject}"


def identity_entry(provider_name: str, provider_type: str, subject: str, created_ms: int, primary: bool) -> dict[str, Any]:
    """One element of the ``identities`` attribute as AdminGetUser shows it (``primary`` a
    boolean, ``dateCreated`` epoch milliseconds); Cognito's ID token claim shows both as strings."""
    return {
        "userId": subject,
        "providerName": provider_name,
        "providerType": provider_type,
        "issuer": None,
        "primary": primary,
        "dateCreated": created_ms,
    }


def identities_of(user: User) -> list[dict[str, Any]]:
    raw = user.attr("identities")
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def set_identities(user: User, identities: list[dict[str, Any]]) -> None:
    if identities:
        users.put_attribute(user, "identities", json.dumps(identities, separators=(",", ":")))
    else:
        users.drop_attribute(user, "identities")


def linked_user(db: Session, pool_id: str, provider_name: str, subject: str) -> User | None:
    """The existing user a federated identity was linked to, if any."""
    link = db.get(ProviderLink, (pool_id, provider_name, subject))
    return db.get(User, link.user_id) if link is not None else None


def _destination(ctx: Context, pool: UserPool, ident: dict[str, Any]) -> User:
    """DestinationUser: a native user by username (``Cognito``) or a federated user."""
    name = ident.get("ProviderName") or ""
    value = ident.get("ProviderAttributeValue") or ""
    if not name or not value:
        raise errors.InvalidParameter("DestinationUser requires ProviderName and ProviderAttributeValue.")
    username = value if name == COGNITO else federated_username(name, value)
    return users.require_user(ctx.db, pool, username)


def _source(ctx: Context, pool: UserPool, ident: dict[str, Any]) -> tuple[IdentityProvider, str, str]:
    name = ident.get("ProviderName") or ""
    attribute = ident.get("ProviderAttributeName") or ""
    value = ident.get("ProviderAttributeValue") or ""
    if not name or not attribute or not value:
        raise errors.InvalidParameter("SourceUser requires ProviderName, ProviderAttributeName and ProviderAttributeValue.")
    if name == COGNITO:
        raise errors.InvalidParameter("SourceUser must be a user of an external identity provider, not Cognito.")
    idp = ctx.db.get(IdentityProvider, (pool.id, name))
    if idp is None:
        raise errors.InvalidParameter(f"The provider {name} does not exist for User Pool {pool.id}")
    if idp.provider_type != "SAML" and attribute != SUBJECT:
        raise errors.InvalidParameter(f"ProviderAttributeName must be {SUBJECT} for a {idp.provider_type} identity provider.")
    return idp, attribute, value


def admin_link_provider_for_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    idp, attribute, value = _source(ctx, pool, req["SourceUser"])
    destination = _destination(ctx, pool, req["DestinationUser"])
    if users.db_has_username(ctx.db, pool, federated_username(idp.name, value)):
        raise errors.InvalidParameter("Merging is not currently supported, provide a SourceUser that has not been signed in before.")
    existing = ctx.db.get(ProviderLink, (pool.id, idp.name, value))
    if existing is not None:
        raise errors.AliasExists(f"The SourceUser is already linked to a user of {pool.id}.")
    count = ctx.db.scalar(select(func.count()).select_from(ProviderLink).where(ProviderLink.user_id == destination.id)) or 0
    if count >= MAX_LINKS:
        raise errors.LimitExceeded(f"A user can have at most {MAX_LINKS} linked identities.")
    ctx.db.add(
        ProviderLink(
            pool_id=pool.id, provider_name=idp.name, provider_user_id=value, attribute_name=attribute,
            user_id=destination.id, created_at=ctx.now,
        )
    )
    entry = identity_entry(idp.name, idp.provider_type, value, int(ctx.now * 1000), primary=False)
    set_identities(destination, [*identities_of(destination), entry])
    users.touch(ctx, destination)
    audit.event("admin_link_provider_for_user", pool=pool.id, user=destination.sub, provider=idp.name)
    return {}


def _unlink(ctx: Context, user: User, provider_name: str | None, value: str | None) -> None:
    """Forget the user's links (all, or one), in the table and in its ``identities``."""
    stmt = delete(ProviderLink).where(ProviderLink.user_id == user.id)
    if provider_name is not None:
        stmt = stmt.where(ProviderLink.provider_name == provider_name, ProviderLink.provider_user_id == value)
    ctx.db.execute(stmt)
    kept = [
        i for i in identities_of(user)
        if provider_name is not None and (i.get("providerName"), i.get("userId")) != (provider_name, value)
    ]
    set_identities(user, kept)
    users.touch(ctx, user)


def admin_disable_provider_for_user(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """``Cognito`` + username: the native user loses every linked identity. A linked identity:
    the link goes. A federated user (``<ProviderName>_<subject>``): it can no longer sign in."""
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    ident = req["User"]
    name, value = ident.get("ProviderName") or "", ident.get("ProviderAttributeValue") or ""
    if not name or not value:
        raise errors.InvalidParameter("User requires ProviderName and ProviderAttributeValue.")
    if name == COGNITO:
        if (ident.get("ProviderAttributeName") or SUBJECT) != SUBJECT:
            raise errors.InvalidParameter(f"ProviderAttributeName must be {SUBJECT} for a Cognito user.")
        _unlink(ctx, users.require_user(ctx.db, pool, value), None, None)
        return {}
    linked = linked_user(ctx.db, pool.id, name, value)
    if linked is not None:
        _unlink(ctx, linked, name, value)
        return {}
    federated = users.find_user(ctx.db, pool, federated_username(name, value))
    if federated is None:
        raise errors.UserNotFound("User does not exist.")
    federated.enabled = False
    users.touch(ctx, federated)
    tokens.revoke_user_sessions(ctx, federated, "disabled")
    audit.event("admin_disable_provider_for_user", pool=pool.id, user=federated.sub)
    return {}
