"""Create/Describe/Update/Delete/ListUserPoolClients."""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import AppClient, UICustomization
from userpool.server.ops.identity_providers import provider_names
from userpool.server.ops.paging import page
from userpool.server.ops.resource_servers import custom_scopes

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


# OAuth 2.0 settings (managed login)
STANDARD_SCOPES = frozenset({"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"})
COGNITO_PROVIDER = "COGNITO"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*$")
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "blob"})


def check_redirect_url(member: str, url: str) -> None:
    """Cognito's rule for callback and sign-out URLs: absolute, https (plain http only for
    localhost), or an app's own scheme (``myapp://callback``); never a fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    ok = bool(_SCHEME.match(scheme)) and scheme not in _FORBIDDEN_SCHEMES and "#" not in url
    if scheme == "https":
        ok = ok and bool(parts.hostname)
    elif scheme == "http":
        ok = ok and parts.hostname in LOOPBACK_HOSTS
    else:
        ok = ok and bool(parts.netloc or parts.path)
    if not ok:
        raise errors.InvalidParameter(
            f"Invalid {member} {url}: a URL must be absolute, use https (http only for localhost) and have no fragment."
        )


def _check_urls(settings: dict[str, Any]) -> None:
    for member in ("CallbackURLs", "LogoutURLs"):
        for url in settings.get(member) or []:
            check_redirect_url(member, url)
    default = settings.get("DefaultRedirectURI")
    if default is not None:
        check_redirect_url("DefaultRedirectURI", default)
        if default not in (settings.get("CallbackURLs") or []):
            raise errors.InvalidParameter("DefaultRedirectURI must be one of the CallbackURLs.")


def _check_oauth_flows(settings: dict[str, Any], has_secret: bool) -> None:
    flows = set(settings.get("AllowedOAuthFlows") or [])
    if "client_credentials" in flows and flows & {"code", "implicit"}:
        raise errors.InvalidOAuthFlow("client_credentials flow can not be selected along with code flow or implicit flow.")
    if "client_credentials" in flows and not has_secret:
        raise errors.InvalidOAuthFlow("client_credentials flow can not be selected if client does not have a client secret.")
    if flows & {"code", "implicit"} and not settings.get("CallbackURLs"):
        raise errors.InvalidOAuthFlow("CallbackUrls can not be empty when code flow or implicit flow is selected")
    if settings.get("AllowedOAuthFlowsUserPoolClient"):
        if not flows:
            raise errors.InvalidOAuthFlow("AllowedOAuthFlows can not be empty when AllowedOAuthFlowsUserPoolClient is true.")
        if not settings.get("AllowedOAuthScopes"):
            raise errors.InvalidOAuthFlow("AllowedOAuthScopes can not be empty when AllowedOAuthFlowsUserPoolClient is true.")


def _check_oauth_scopes(ctx: Context, pool_id: str, settings: dict[str, Any]) -> None:
    scopes = settings.get("AllowedOAuthScopes") or []
    if not scopes:
        return
    custom = custom_scopes(ctx.db, pool_id)
    unknown = next((s for s in scopes if s not in STANDARD_SCOPES and s not in custom), None)
    if unknown is not None:
        raise errors.ScopeDoesNotExist(f"Invalid scope requested: {unknown}")
    if "client_credentials" in (settings.get("AllowedOAuthFlows") or []) and any(s in STANDARD_SCOPES for s in scopes):
        raise errors.InvalidOAuthFlow("client_credentials flow can only be used with custom scopes of a resource server.")


def _check_identity_providers(ctx: Context, pool_id: str, settings: dict[str, Any]) -> None:
    named = settings.get("SupportedIdentityProviders") or []
    known = provider_names(ctx.db, pool_id) if any(n != COGNITO_PROVIDER for n in named) else set()
    for name in named:
        if name != COGNITO_PROVIDER and name not in known:
            raise errors.InvalidParameter(f"The provider {name} does not exist for User Pool {pool_id}")


def check_oauth_settings(ctx: Context, pool_id: str, settings: dict[str, Any], has_secret: bool) -> None:
    """Cognito's rules for an app client's managed-login (OAuth 2.0) settings."""
    _check_urls(settings)
    _check_oauth_flows(settings, has_secret)
    _check_oauth_scopes(ctx, pool_id, settings)
    _check_identity_providers(ctx, pool_id, settings)


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


def _settings(ctx: Context, pool_id: str, req: dict[str, Any], base: dict[str, Any], has_secret: bool) -> dict[str, Any]:
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
    check_oauth_settings(ctx, pool_id, settings, has_secret)
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
    settings = _settings(ctx, pool.id, req, {}, has_secret=bool(req.get("GenerateSecret")))
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
    client.config = _settings(ctx, client.pool_id, req, {}, has_secret=client.secret_sealed is not None)
    if "ClientName" in req:
        client.name = req["ClientName"]
    client.modified_at = ctx.now
    return {"UserPoolClient": _describe(ctx, client)}


def delete_user_pool_client(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pools.get_pool(ctx.db, req["UserPoolId"])
    client = pools.get_client(ctx.db, req["ClientId"], req["UserPoolId"])
    # its own hosted-page look (its OAuth codes go with the client's foreign key)
    ctx.db.execute(delete(UICustomization).where(UICustomization.pool_id == client.pool_id, UICustomization.client_id == client.id))
    ctx.db.delete(client)
    return {}


def list_user_pool_clients(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pools.get_pool(ctx.db, req["UserPoolId"])
    stmt = select(AppClient).where(AppClient.pool_id == req["UserPoolId"]).order_by(AppClient.id)
    rows, token = page(ctx.db, stmt, AppClient.id, req.get("NextToken"), req.get("MaxResults") or 60)
    return {
        "UserPoolClients": [{"ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name} for c in rows],
        "NextToken": token,
    }
