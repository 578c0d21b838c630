"""CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools, AddCustomAttributes."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import delete, func, select

from userpool.server import errors, keys, pool_schema, pools
from userpool.server.context import Context
from userpool.server.db import AuthSession, UnknownUser, User, UserPool
from userpool.server.ops.domains import pool_domains
from userpool.server.ops.paging import page
from userpool.server.passwords import DEFAULT_POLICY
from userpool.server.signin import names

# Members of CreateUserPool that DescribeUserPool echoes back unchanged.
_ECHOED = (
    "Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes",
    "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject", "VerificationMessageTemplate",
    "SmsAuthenticationMessage", "UserAttributeUpdateSettings", "MfaConfiguration", "DeviceConfiguration",
    "EmailConfiguration", "SmsConfiguration", "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns",
    "UsernameConfiguration", "AccountRecoverySetting", "UserPoolTier",
)
_UPDATABLE = tuple(k for k in _ECHOED if k not in ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration"))


# The legacy message members and the VerificationMessageTemplate member each mirrors.
_LEGACY_MESSAGES = {
    "SmsVerificationMessage": "SmsMessage",
    "EmailVerificationMessage": "EmailMessage",
    "EmailVerificationSubject": "EmailSubject",
}


def _merge_legacy_messages(config: dict[str, Any]) -> None:
    """Fold SmsVerificationMessage, EmailVerificationMessage and EmailVerificationSubject into
    VerificationMessageTemplate (Cognito's model: "no longer used", yet accepted). The template
    wins when both are given: Cognito then reads the legacy member back as the template's value
    (terraform-provider-aws#2423)."""
    template = dict(config.get("VerificationMessageTemplate") or {})
    for legacy, member in _LEGACY_MESSAGES.items():
        value = config.pop(legacy, None)
        if value and not template.get(member):
            template[member] = value
    if template or "VerificationMessageTemplate" in config:
        config["VerificationMessageTemplate"] = template


def _mirror_legacy_messages(out: dict[str, Any]) -> None:
    """DescribeUserPool's legacy members, read from the template (pools stored with only the
    legacy members get them folded in first)."""
    _merge_legacy_messages(out)
    template = out.get("VerificationMessageTemplate") or {}
    for legacy, member in _LEGACY_MESSAGES.items():
        if template.get(member):
            out[legacy] = template[member]


def _check_sign_in_options(req: dict[str, Any]) -> None:
    if req.get("AliasAttributes") and req.get("UsernameAttributes"):
        raise errors.InvalidParameter("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
    if len(set(req.get("UsernameAttributes") or [])) != len(req.get("UsernameAttributes") or []):
        raise errors.InvalidParameter("Duplicate usernameAttributes are not allowed.")


def _check_sign_in_policy(config: dict[str, Any]) -> None:
    """Cognito's rules for ``Policies.SignInPolicy.AllowedFirstAuthFactors`` (USER_AUTH's first
    factors): no duplicates, PASSWORD always among them, SOFTWARE_TOKEN not a first factor, and
    anything beyond PASSWORD only in the Essentials tier or higher."""
    policy = config["Policies"].setdefault("SignInPolicy", {"AllowedFirstAuthFactors": [names.PASSWORD]})
    factors = policy.setdefault("AllowedFirstAuthFactors", [names.PASSWORD])
    if len(set(factors)) != len(factors):
        raise errors.InvalidParameter("Duplicate values are not allowed in AllowedFirstAuthFactors.")
    if "SOFTWARE_TOKEN" in factors:
        raise errors.InvalidParameter("SOFTWARE_TOKEN is not supported as a first auth factor.")
    if names.PASSWORD not in factors:
        raise errors.InvalidParameter("AllowedFirstAuthFactors must include PASSWORD.")
    if config.get("UserPoolTier") == "LITE" and set(factors) != {names.PASSWORD}:
        raise errors.FeatureUnavailableInTier(
            "Choice-based sign-in with passwordless or passkey first factors requires the ESSENTIALS or PLUS tier."
        )


def _describe(ctx: Context, pool: UserPool) -> dict[str, Any]:
    count = ctx.db.scalar(select(func.count(User.id)).where(User.pool_id == pool.id)) or 0
    out = {k: copy.deepcopy(v) for k, v in pool.config.items() if k not in ("SoftwareTokenMfaConfiguration", "EmailMfaConfiguration", "SmsMfaConfiguration", "WebAuthnConfiguration")}
    out["SchemaAttributes"] = pool_schema.described(out.get("SchemaAttributes", []))
    _mirror_legacy_messages(out)
    out.update(
        {
            "Id": pool.id,
            "Name": pool.name,
            "Arn": pools.pool_arn(ctx, pool),
            "CreationDate": pool.created_at,
            "LastModifiedDate": pool.modified_at,
            "EstimatedNumberOfUsers": count,
        }
    )
    for domain in pool_domains(ctx.db, pool.id):  # managed login: the prefix and the custom domain
        out["CustomDomain" if domain.custom else "Domain"] = domain.domain
    return out


def create_user_pool(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    _check_sign_in_options(req)
    config: dict[str, Any] = {k: copy.deepcopy(req[k]) for k in _ECHOED if k in req}
    policies = config.setdefault("Policies", {})
    policies["PasswordPolicy"] = {**DEFAULT_POLICY, **policies.get("PasswordPolicy", {})}
    config.setdefault("MfaConfiguration", "OFF")
    config.setdefault("DeletionProtection", "INACTIVE")
    config.setdefault("LambdaConfig", {})
    config.setdefault("AdminCreateUserConfig", {"AllowAdminCreateUserOnly": False, "UnusedAccountValidityDays": 7})
    config.setdefault("EmailConfiguration", {"EmailSendingAccount": "COGNITO_DEFAULT"})
    config.setdefault("VerificationMessageTemplate", {"DefaultEmailOption": "CONFIRM_WITH_CODE"})
    config.setdefault("UserPoolTier", "ESSENTIALS")
    _merge_legacy_messages(config)
    _check_sign_in_policy(config)
    config["SchemaAttributes"] = pool_schema.build(req.get("Schema") or [])
    pool = UserPool(
        id=pools.new_pool_id(ctx.region),
        name=req["PoolName"],
        region=ctx.region,
        created_at=ctx.now,
        modified_at=ctx.now,
        config=config,
    )
    ctx.db.add(pool)
    ctx.db.flush()
    ctx.db.add(keys.new_key(pool.id, ctx.sealer, ctx.now))
    return {"UserPool": _describe(ctx, pool)}


def describe_user_pool(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return {"UserPool": _describe(ctx, pools.get_pool(ctx.db, req["UserPoolId"]))}


def update_user_pool(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """UpdateUserPool replaces the members it names and resets the others to their defaults, as Cognito does."""
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    config = {k: v for k, v in pool.config.items() if k not in _UPDATABLE}
    for k in _UPDATABLE:
        if k in req:
            config[k] = copy.deepcopy(req[k])
    policies = config.setdefault("Policies", {})
    policies["PasswordPolicy"] = {**DEFAULT_POLICY, **policies.get("PasswordPolicy", {})}
    config.setdefault("MfaConfiguration", "OFF")
    config.setdefault("DeletionProtection", "INACTIVE")
    config.setdefault("LambdaConfig", {})
    config.setdefault("UserPoolTier", pool.config.get("UserPoolTier", "ESSENTIALS"))
    _merge_legacy_messages(config)
    _check_sign_in_policy(config)
    for keep in ("SoftwareTokenMfaConfiguration", "EmailMfaConfiguration", "SmsMfaConfiguration"):
        if keep in pool.config:
            config[keep] = pool.config[keep]
    pool.config = config
    pool.modified_at = ctx.now
    return {}


def delete_user_pool(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    if pool.config.get("DeletionProtection") == "ACTIVE":
        raise errors.InvalidParameter("The user pool cannot be deleted because deletion protection is activated.")
    # Rows keyed by the pool alone (no user to cascade from): challenge sessions of unknown
    # names, their failure counters. Everything else goes with the pool's foreign keys.
    for table in (AuthSession, UnknownUser):
        ctx.db.execute(delete(table).where(table.pool_id == pool.id))
    ctx.db.delete(pool)
    return {}


def list_user_pools(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    listed = select(UserPool).order_by(UserPool.id)
    if ctx.endpoint_region is not None:  # Cognito's endpoints are regional: a region's pools only
        listed = listed.where(UserPool.region == ctx.endpoint_region)
    rows, token = page(ctx.db, listed, UserPool.id, req.get("NextToken"), req["MaxResults"])
    items = [
        {
            "Id": p.id,
            "Name": p.name,
            "LambdaConfig": p.config.get("LambdaConfig", {}),
            "LastModifiedDate": p.modified_at,
            "CreationDate": p.created_at,
        }
        for p in rows
    ]
    return {"UserPools": items, "NextToken": token}


def add_custom_attributes(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    new = pool_schema.added(pool.config.get("SchemaAttributes", []), req["CustomAttributes"])
    config = dict(pool.config)
    config["SchemaAttributes"] = [*config.get("SchemaAttributes", []), *new]
    pool.config = config
    pool.modified_at = ctx.now
    return {}
