"""Create/Describe/Update/DeleteUserPoolDomain: where a pool's managed login is served.

A pool has at most one prefix domain (``<prefix>.auth.<region>.amazoncognito.com`` in
Cognito) and one custom domain (``auth.example.com``, with an ACM certificate ARN). Domain
names are unique across every pool of the server, as Cognito's are across a region. Here
both kinds are served by this server under the same routes: the hosted endpoints find the
pool from the request's host with :func:`find_domain`. ``CloudFrontDistribution`` names
the host to point a custom domain's DNS alias at, which for this server is its own host.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from userpool.server import errors, pools
from userpool.server.context import Context
from userpool.server.db import UserPoolDomain

PREFIX_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$")
RESERVED_WORDS = ("aws", "amazon", "cognito")
MANAGED_LOGIN_VERSIONS = (1, 2)


def check_prefix(prefix: str) -> None:
    """Cognito's rules for a prefix domain: DNS label characters, no reserved word."""
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise errors.InvalidParameter(
            "The domain name contains an invalid character. Domain names can only contain lower-case letters, "
            f"numbers, and hyphens. Please enter a different name that follows this format: {PREFIX_PATTERN.pattern}"
        )
    if any(word in prefix for word in RESERVED_WORDS):
        raise errors.InvalidParameter("Domain cannot contain reserved word: aws, amazon or cognito.")


def check_custom_domain(domain: str) -> None:
    """A custom domain is a subdomain (at least three labels, as Cognito requires a parent domain)."""
    labels = domain.split(".")
    if len(labels) < 3 or not all(PREFIX_PATTERN.fullmatch(label) for label in labels):
        raise errors.InvalidParameter(f"Custom domain is not a valid subdomain: {domain}")


def _version(ctx: Context) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(ctx.now))


def _alias_target(ctx: Context) -> str:
    return urlsplit(ctx.config.base_url).hostname or ctx.config.base_url


def _managed_login_version(req: dict[str, Any], default: int) -> int:
    version = req.get("ManagedLoginVersion", default)
    if version not in MANAGED_LOGIN_VERSIONS:
        raise errors.InvalidParameter("ManagedLoginVersion must be 1 (hosted UI classic) or 2 (managed login).")
    return int(version)


def describe(ctx: Context, row: UserPoolDomain) -> dict[str, Any]:
    out: dict[str, Any] = {
        "UserPoolId": row.pool_id,
        "AWSAccountId": ctx.config.account_id,
        "Domain": row.domain,
        "CloudFrontDistribution": row.cloudfront_distribution,
        "Version": row.version,
        "Status": row.status,
        "ManagedLoginVersion": row.managed_login_version,
    }
    if row.custom:
        out["CustomDomainConfig"] = {"CertificateArn": row.certificate_arn}
    return out


def pool_domains(db: Session, pool_id: str) -> list[UserPoolDomain]:
    """The pool's domains: at most a prefix domain and a custom domain."""
    return list(db.scalars(select(UserPoolDomain).where(UserPoolDomain.pool_id == pool_id)).all())


def find_domain(db: Session, host: str) -> UserPoolDomain | None:
    """The domain a hosted request arrived on: a custom domain by its full name, else a prefix
    domain by the first label of ``<prefix>.auth.<region>.amazoncognito.com`` (or any host
    whose first label is the prefix, such as ``<prefix>.localhost``). The port is ignored."""
    name = host.lower().strip()
    if name.count(":") == 1:  # host:port (an IPv6 literal has several colons and names no domain)
        name = name.split(":", 1)[0]
    row = db.get(UserPoolDomain, name)
    if row is not None:
        return row
    prefix = name.split(".", 1)[0]
    row = db.get(UserPoolDomain, prefix) if prefix != name else None
    return row if row is not None and not row.custom else None


def _existing_of_kind(db: Session, pool_id: str, custom: bool) -> UserPoolDomain | None:
    return next((d for d in pool_domains(db, pool_id) if d.custom == custom), None)


def create_user_pool_domain(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    domain: str = req["Domain"]
    custom_config = req.get("CustomDomainConfig")
    custom = custom_config is not None
    if custom:
        check_custom_domain(domain)
    else:
        check_prefix(domain)
    version = _managed_login_version(req, 1)
    if _existing_of_kind(ctx.db, pool.id, custom) is not None:
        raise errors.InvalidParameter("User pool already has a domain configured.")
    if ctx.db.get(UserPoolDomain, domain) is not None:
        raise errors.InvalidParameter("Domain already associated with another user pool.")
    row = UserPoolDomain(
        domain=domain,
        pool_id=pool.id,
        custom=custom,
        certificate_arn=custom_config["CertificateArn"] if custom_config else None,
        cloudfront_distribution=_alias_target(ctx),
        managed_login_version=version,
        version=_version(ctx),
        status="ACTIVE",
        created_at=ctx.now,
        modified_at=ctx.now,
    )
    ctx.db.add(row)
    ctx.db.flush()
    out: dict[str, Any] = {"ManagedLoginVersion": version}
    if custom:
        out["CloudFrontDomain"] = row.cloudfront_distribution
    return out


def describe_user_pool_domain(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """An unknown domain is not an error: Cognito answers an empty ``DomainDescription``."""
    row = ctx.db.get(UserPoolDomain, req["Domain"])
    return {"DomainDescription": describe(ctx, row) if row is not None else {}}


def _pool_domain(ctx: Context, req: dict[str, Any]) -> UserPoolDomain:
    pools.get_pool(ctx.db, req["UserPoolId"])
    row = ctx.db.get(UserPoolDomain, req["Domain"])
    if row is None or row.pool_id != req["UserPoolId"]:
        raise errors.InvalidParameter("No such domain or user pool exists.")
    return row


def update_user_pool_domain(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """A custom domain's certificate and either domain's managed login version."""
    row = _pool_domain(ctx, req)
    custom_config = req.get("CustomDomainConfig")
    if custom_config is not None and not row.custom:
        raise errors.InvalidParameter("CustomDomainConfig can only be updated for a custom domain.")
    if custom_config is None and "ManagedLoginVersion" not in req:
        raise errors.InvalidParameter("Provide CustomDomainConfig or ManagedLoginVersion to update the domain.")
    row.managed_login_version = _managed_login_version(req, row.managed_login_version)
    if custom_config is not None:
        row.certificate_arn = custom_config["CertificateArn"]
    row.version = _version(ctx)
    row.modified_at = ctx.now
    out: dict[str, Any] = {"ManagedLoginVersion": row.managed_login_version}
    if row.custom:
        out["CloudFrontDomain"] = row.cloudfront_distribution
    return out


def delete_user_pool_domain(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    ctx.db.delete(_pool_domain(ctx, req))
    return {}
