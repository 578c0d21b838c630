"""Create/Describe/Update/Delete/ListUserPoolClients."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.ops.paging import page

DEFAULT_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]
_SETTINGS = (
    "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits", "ReadAttributes",
    "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders", "CallbackURLs", "LogoutURLs",
    "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration", "PreventUserExistenceErrors", "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData", "AuthSessionValidity", "RefreshTokenRotation",
)
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# (kind, minimum, maximum) in seconds, as Cognito enforces them.
_LIMITS = {
    "AccessToken": (300, 86400),
    "IdToken": (300, 86400),
    "RefreshToken": (3600, 315360000),
}


def _check_flows(flows: list[str]) -> list[str]:
    legacy = [f for f in flows if not f.startswith("ALLOW_")]
    if legacy and len(legacy) != len(flows):
        raise errors.InvalidParameter("Cannot mix legacy and new auth flow values in ExplicitAuthFlows.")
    return flows


def _check_validity(settings: dict[str, Any]) -> None:
    units = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days", **(settings.get("TokenValidityUnits") or {})}
    for kind, (low, high) in _LIMITS.items():
        value = settings.get(f"{kind}Validity")
        if value is None:
            continue
        seconds = value * _UNIT_SECONDS[units[kind]]
        if not low <= seconds <= high:
            raise errors.InvalidParameter(
                f"{kind}Validity must be between {low // 60} minutes and "
                f"{'1 day' if kind != 'RefreshToken' else '10 years'}."
            )
    access = settings.get("AccessTokenValidity")
    refresh = settings.get("RefreshTokenValidity")
    if (
        access is not None
        and refresh is not None
        and refresh * _UNIT_SECONDS[units["RefreshToken"]] < access * _UNIT_SECONDS[units["AccessToken"]]
    ):
        raise errors.InvalidParameter("RefreshTokenValidity must be greater than AccessTokenValidity.")
    rotation = settings.get("RefreshTokenRotation") or {}
    if rotation.get("RetryGracePeriodSeconds", 0) > 60:
        raise errors.InvalidParameter("RetryGracePeriodSeconds must be between 0 and 60.")


def _check_attributes(ctx: Context, pool_id: str, settings: dict[str, Any]) -> None:
    pool = pools.get_pool(ctx.db, pool_id)
    schema = pools.schema_of(pool)
    for member in ("ReadAttributes", "WriteAttributes"):
        for name in settings.get(member) or []:
            if name not in schema:
                raise errors.InvalidParameter(f"Invalid {member[:-10].lower()} attributes specified while creating a client")


def _settings(ctx: Context, pool_id: str, req: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    settings = copy.deepcopy(base)
    for k in _SETTINGS:
        if k in req:
            settings[k] = copy.deepcopy(req[k])
    settings["ExplicitAuthFlows"] = _check_flows(settings.get("ExplicitAuthFlows") or DEFAULT_FLOWS)
    settings.setdefault("TokenValidityUnits", {})
    units = settings["TokenValidityUnits"]
    units.setdefault("AccessToken", "hours" if "AccessTokenValidity" in settings else "minutes")
    units.setdefault("IdToken", "hours" if "IdTokenValidity" in settings else "minutes")
    units.setdefault("RefreshToken", "days")
    settings.setdefault("AccessTokenValidity", 60 if units["AccessToken"] == "minutes" else None)
    settings.setdefault("IdTokenValidity", 60 if units["IdToken"] == "minutes" else None)
    settings.setdefault("RefreshTokenValidity", 30)
    settings = {k: v for k, v in settings.items() if v is not None}
    settings.setdefault("PreventUserExistenceErrors", "LEGACY")
    settings.setdefault("EnableTokenRevocation", True)
    settings.setdefault("EnablePropagateAdditionalUserContextData", False)
    settings.setdefault("AuthSessionValidity", 3)
    if not 3 <= settings["AuthSessionValidity"] <= 15:
        raise errors.InvalidParameter("AuthSessionValidity must be between 3 and 15 minutes.")
    _check_validity(settings)
    _check_attributes(ctx, pool_id, settings)
    return settings


def _describe(ctx: Context, client: AppClient) -> dict[str, Any]:
    out = {
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.id,
        "LastModifiedDate": client.modified_at,
        "CreationDate": client.created_at,
        **copy.deepcopy(client.config),
    }
    secret = pools.client_secret(ctx, client)
    if secret:
        out["ClientSecret"] = secret
    return out


def create_user_pool_client(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    settings = _settings(ctx, pool.id, req, {})
    client_id = pools.new_client_id()
    secret = pools.new_client_secret() if req.get("GenerateSecret") else None
    client = AppClient(
        id=client_id,
        pool_id=pool.id,
        name=req["ClientName"],
        secret_sealed=ctx.sealer.seal(secret.encode(), f"client-secret:{client_id}") if secret else None,
        created_at=ctx.now,
        modified_at=ctx.now,
        config=settings,
    )
    ctx.db.add(client)
    return {"UserPoolClient": _describe(ctx, client)}


def describe_user_pool_client(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pools.get_pool(ctx.db, req["UserPoolId"])
    return {"UserPoolClient": _describe(ctx, pools.get_client(ctx.db, req["ClientId"], req["UserPoolId"]))}


def update_user_pool_client(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Like Cognito: members not named in the request go back to their defaults."""
    pools.get_pool(ctx.db, req["UserPoolId"])
    client = pools.get_client(ctx.db, req["ClientId"], req["UserPoolId"])
    client.config = _settings(ctx, client.pool_id, req, {})
    if "ClientName" in req:
        client.name = req["ClientName"]
    client.modified_at = ctx.now
    return {"UserPoolClient": _describe(ctx, client)}


def delete_user_pool_client(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pools.get_pool(ctx.db, req["UserPoolId"])
    ctx.db.delete(pools.get_client(ctx.db, req["ClientId"], req["UserPoolId"]))
    return {}


def list_user_pool_clients(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pools.get_pool(ctx.db, req["UserPoolId"])
    stmt = select(AppClient).where(AppClient.pool_id == req["UserPoolId"]).order_by(AppClient.id)
    rows, token = page(ctx.db, stmt, AppClient.id, req.get("NextToken"), req.get("MaxResults") or 60)
    return {
        "UserPoolClients": [{"ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name} for c in rows],
        "NextToken": token,
    }
