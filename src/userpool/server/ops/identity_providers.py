"""Create/Describe/Update/Delete/ListIdentityProviders and GetIdentityProviderByIdentifier.

Third-party identity providers a pool federates with: OIDC, SAML and the social providers
(Google, Facebook, LoginWithAmazon, SignInWithApple). Every type is stored with Cognito's
ProviderDetails rules; sign-in through OIDC is served by the hosted endpoints, the others
are kept for configuration round trips. For OIDC, what Cognito derives from the issuer's
discovery document (authorize_url, token_url, attributes_url, jwks_uri) is filled in at
sign-in time, not here. The secret members of ProviderDetails (``client_secret``, Apple's
``private_key``) are sealed at rest and given back to the administrator, as Cognito does.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from userpool._loopback import is_loopback_http_url
from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import AppClient, IdentityProvider, IdpIdentifier
from userpool.server.ops.paging import page

MAX_PROVIDERS = 300  # Cognito's quota per user pool
SECRET_DETAILS = ("client_secret", "private_key")
SOCIAL_TYPES = ("Google", "Facebook", "LoginWithAmazon", "SignInWithApple")
# ProviderDetails each type needs (OIDC also needs oidc_issuer or all four endpoint URLs).
REQUIRED_DETAILS: dict[str, tuple[str, ...]] = {
    "OIDC": ("client_id", "client_secret", "authorize_scopes", "attributes_request_method"),
    "Google": ("client_id", "client_secret", "authorize_scopes"),
    "Facebook": ("client_id", "client_secret", "authorize_scopes"),
    "LoginWithAmazon": ("client_id", "client_secret", "authorize_scopes"),
    "SignInWithApple": ("client_id", "team_id", "key_id", "private_key", "authorize_scopes"),
    "SAML": (),
}
OIDC_ENDPOINTS = ("authorize_url", "token_url", "attributes_url", "jwks_uri")
# What Cognito maps ``username`` from when the administrator does not say.
DEFAULT_USERNAME = {"OIDC": "sub", "Google": "sub", "Facebook": "id", "LoginWithAmazon": "user_id", "SignInWithApple": "sub"}


def _https_or_loopback(name: str, url: str) -> None:
    """IdP URLs are https; plain http only to this machine (a local IdP under test)."""
    parts = urlsplit(url)
    loopback = is_loopback_http_url(url)
    if not parts.hostname or (parts.scheme != "https" and not loopback):
        raise errors.InvalidParameter(f"{name} must be an https URL: {url}")


def _check_details(provider_type: str, details: dict[str, str]) -> None:
    missing = [k for k in REQUIRED_DETAILS[provider_type] if not details.get(k)]
    if missing:
        raise errors.InvalidParameter(f"{', '.join(missing)} is required for a {provider_type} identity provider.")
    if provider_type == "OIDC":
        if details["attributes_request_method"] not in ("GET", "POST"):
            raise errors.InvalidParameter("attributes_request_method must be GET or POST.")
        if not details.get("oidc_issuer") and not all(details.get(k) for k in OIDC_ENDPOINTS):
            raise errors.InvalidParameter("oidc_issuer is required for an OIDC identity provider.")
        for key in ("oidc_issuer", *OIDC_ENDPOINTS):
            if details.get(key):
                _https_or_loopback(key, details[key])
    if provider_type == "SAML":
        if bool(details.get("MetadataURL")) == bool(details.get("MetadataFile")):
            raise errors.InvalidParameter("Exactly one of MetadataURL or MetadataFile is required for a SAML identity provider.")
        if details.get("MetadataURL"):
            _https_or_loopback("MetadataURL", details["MetadataURL"])


def _check_name(name: str, provider_type: str) -> None:
    if name.upper() == "COGNITO":
        raise errors.InvalidParameter("The provider name COGNITO is reserved.")
    if provider_type in SOCIAL_TYPES and name != provider_type:
        raise errors.InvalidParameter(f"The provider name of a {provider_type} identity provider must be {provider_type}.")


def _check_mapping(ctx: Context, pool_id: str, mapping: dict[str, str]) -> None:
    schema = pools.schema_of(pools.get_pool(ctx.db, pool_id))
    for attribute in mapping:
        if attribute == "sub" or (attribute != "username" and attribute not in schema):
            raise errors.InvalidParameter(f"AttributeMapping contains invalid mapping: [{attribute}]")


def _check_identifiers(db: Session, pool_id: str, name: str, identifiers: list[str]) -> None:
    if len(set(identifiers)) != len(identifiers):
        raise errors.InvalidParameter("IdpIdentifiers must be unique.")
    if not identifiers:
        return
    taken = db.scalars(
        select(IdpIdentifier).where(IdpIdentifier.pool_id == pool_id, IdpIdentifier.identifier.in_(identifiers))
    ).all()
    clash = next((t for t in taken if t.provider_name != name), None)
    if clash is not None:
        raise errors.InvalidParameter(f"The IdpIdentifier {clash.identifier} is already used by another identity provider.")


def secrets_context(idp: IdentityProvider) -> str:
    """What the sealed secrets are bound to (``keyadmin`` re-seals them with it)."""
    return f"idp-secrets:{idp.pool_id}:{idp.name}"


def _seal(ctx: Context, idp: IdentityProvider, details: dict[str, str]) -> None:
    """Keep the non-secret details readable, the secret ones sealed (bound to pool and name)."""
    secrets = {k: details[k] for k in SECRET_DETAILS if k in details}
    idp.details = {k: v for k, v in details.items() if k not in SECRET_DETAILS}
    idp.client_secret_sealed = (
        ctx.sealer.seal(json.dumps(secrets).encode(), secrets_context(idp)) if secrets else None
    )


def provider_details(ctx: Context, idp: IdentityProvider) -> dict[str, str]:
    """The whole ProviderDetails, secrets opened (for Describe and for the token exchange)."""
    details = dict(idp.details)
    if idp.client_secret_sealed:
        details.update(json.loads(ctx.sealer.open(idp.client_secret_sealed, secrets_context(idp))))
    return details


def _set_identifiers(db: Session, idp: IdentityProvider, identifiers: list[str]) -> None:
    db.execute(delete(IdpIdentifier).where(IdpIdentifier.pool_id == idp.pool_id, IdpIdentifier.provider_name == idp.name))
    db.flush()
    for identifier in identifiers:
        db.add(IdpIdentifier(pool_id=idp.pool_id, identifier=identifier, provider_name=idp.name))
    idp.idp_identifiers = list(identifiers)


def describe(ctx: Context, idp: IdentityProvider) -> dict[str, Any]:
    return {
        "UserPoolId": idp.pool_id,
        "ProviderName": idp.name,
        "ProviderType": idp.provider_type,
        "ProviderDetails": provider_details(ctx, idp),
        "AttributeMapping": copy.deepcopy(idp.attribute_mapping),
        "IdpIdentifiers": list(idp.idp_identifiers),
        "LastModifiedDate": idp.modified_at,
        "CreationDate": idp.created_at,
    }


def get_provider(ctx: Context, pool_id: str, name: str) -> IdentityProvider:
    pools.get_pool(ctx.db, pool_id)
    idp = ctx.db.get(IdentityProvider, (pool_id, name))
    if idp is None:
        raise errors.ResourceNotFound(f"Identity provider {name} does not exist.")
    return idp


def provider_names(db: Session, pool_id: str) -> set[str]:
    return set(db.scalars(select(IdentityProvider.name).where(IdentityProvider.pool_id == pool_id)).all())


def create_identity_provider(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    name, provider_type = req["ProviderName"], req["ProviderType"]
    _check_name(name, provider_type)
    details = dict(req["ProviderDetails"])
    _check_details(provider_type, details)
    mapping = dict(req.get("AttributeMapping") or {})
    if provider_type in DEFAULT_USERNAME:
        mapping.setdefault("username", DEFAULT_USERNAME[provider_type])
    _check_mapping(ctx, pool.id, mapping)
    identifiers = list(req.get("IdpIdentifiers") or [])
    if ctx.db.get(IdentityProvider, (pool.id, name)) is not None:
        raise errors.DuplicateProvider(f"{name} already exists in user pool {pool.id}")
    _check_identifiers(ctx.db, pool.id, name, identifiers)
    count = ctx.db.scalar(select(func.count()).select_from(IdentityProvider).where(IdentityProvider.pool_id == pool.id)) or 0
    if count >= MAX_PROVIDERS:
        raise errors.LimitExceeded(f"A user pool can have at most {MAX_PROVIDERS} identity providers.")
    idp = IdentityProvider(
        pool_id=pool.id, name=name, provider_type=provider_type, attribute_mapping=mapping, idp_identifiers=[],
        created_at=ctx.now, modified_at=ctx.now,
    )
    _seal(ctx, idp, details)
    ctx.db.add(idp)
    ctx.db.flush()
    _set_identifiers(ctx.db, idp, identifiers)
    return {"IdentityProvider": describe(ctx, idp)}


def describe_identity_provider(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return {"IdentityProvider": describe(ctx, get_provider(ctx, req["UserPoolId"], req["ProviderName"]))}


def update_identity_provider(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """ProviderDetails given are merged over the stored ones (a secret need not be sent again);
    AttributeMapping and IdpIdentifiers, when given, replace the stored ones."""
    idp = get_provider(ctx, req["UserPoolId"], req["ProviderName"])
    if "ProviderDetails" in req:
        details = {**provider_details(ctx, idp), **req["ProviderDetails"]}
        _check_details(idp.provider_type, details)
        _seal(ctx, idp, details)
    if "AttributeMapping" in req:
        mapping = dict(req["AttributeMapping"])
        if idp.provider_type in DEFAULT_USERNAME:
            mapping.setdefault("username", DEFAULT_USERNAME[idp.provider_type])
        _check_mapping(ctx, idp.pool_id, mapping)
        idp.attribute_mapping = mapping
    if "IdpIdentifiers" in req:
        _check_identifiers(ctx.db, idp.pool_id, idp.name, list(req["IdpIdentifiers"]))
        _set_identifiers(ctx.db, idp, list(req["IdpIdentifiers"]))
    idp.modified_at = ctx.now
    return {"IdentityProvider": describe(ctx, idp)}


def delete_identity_provider(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """The provider leaves the SupportedIdentityProviders of the pool's app clients with it."""
    idp = get_provider(ctx, req["UserPoolId"], req["ProviderName"])
    for client in ctx.db.scalars(select(AppClient).where(AppClient.pool_id == idp.pool_id)).all():
        supported = client.config.get("SupportedIdentityProviders") or []
        if idp.name in supported:
            client.config = {**client.config, "SupportedIdentityProviders": [p for p in supported if p != idp.name]}
    ctx.db.delete(idp)
    return {}


def list_identity_providers(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pools.get_pool(ctx.db, req["UserPoolId"])
    stmt = select(IdentityProvider).where(IdentityProvider.pool_id == req["UserPoolId"]).order_by(IdentityProvider.name)
    rows, token = page(ctx.db, stmt, IdentityProvider.name, req.get("NextToken"), req.get("MaxResults") or 60)
    items = [
        {"ProviderName": p.name, "ProviderType": p.provider_type, "LastModifiedDate": p.modified_at, "CreationDate": p.created_at}
        for p in rows
    ]
    return {"Providers": items, "NextToken": token}


def get_identity_provider_by_identifier(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pools.get_pool(ctx.db, req["UserPoolId"])
    found = ctx.db.get(IdpIdentifier, (req["UserPoolId"], req["IdpIdentifier"]))
    if found is None:
        raise errors.ResourceNotFound(f"Identity provider with identifier {req['IdpIdentifier']} does not exist.")
    return {"IdentityProvider": describe(ctx, get_provider(ctx, found.pool_id, found.provider_name))}
