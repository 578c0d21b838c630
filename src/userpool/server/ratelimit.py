"""Request-rate limits per user pool (and per client address within a pool), by Cognito's
quota categories.

Cognito groups its operations into categories (UserAuthentication, UserCreation, ...) and
answers ``TooManyRequestsException: Rate exceeded`` when a category's requests per second are
used up. Here the same categories and default rates apply to each user pool, so one busy or
attacked pool never slows another, and optionally to each client address within a pool, so
one address cannot use up a pool's whole quota.

The counts are fixed windows kept in the database (table ``rate_windows``), so every server
process over one PostgreSQL shares them. Each limited request costs one small write
transaction before any work: an upsert that increments and returns the window's count. A fixed window admits
at most twice the rate across a window boundary; that is the price of one row per window.

Configuration (``userpool serve --rate-limits default|off|FILE.json``): a JSON object with
``window_seconds`` (default 1) and ``per_pool`` / ``per_ip`` maps from category to requests per
window; categories it names replace the defaults, ``null`` lifts a limit. The per-address
limit is only counted when it is lower than the pool's (else it could never trigger first).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from userpool.server import errors, tokens
from userpool.server.db import AppClient, Database, RateWindow
from userpool.server.keys import KeyRing

USER_AUTHENTICATION = "UserAuthentication"
USER_CREATION = "UserCreation"
USER_ACCOUNT_RECOVERY = "UserAccountRecovery"
USER_READ = "UserRead"
USER_UPDATE = "UserUpdate"
USER_LIST = "UserList"
USER_TOKEN = "UserToken"
USER_FEDERATION = "UserFederation"
# Management categories: Cognito limits them too, but they are admin-only here, so unlimited
# unless a configuration file sets them.
USER_POOL_READ = "UserPoolRead"
USER_POOL_UPDATE = "UserPoolUpdate"
USER_POOL_CLIENT_READ = "UserPoolClientRead"
USER_POOL_CLIENT_UPDATE = "UserPoolClientUpdate"
USER_RESOURCE_READ = "UserResourceRead"
USER_RESOURCE_UPDATE = "UserResourceUpdate"

# Cognito's default quotas (requests per second).
DEFAULT_RPS: dict[str, int] = {
    USER_AUTHENTICATION: 120,
    USER_CREATION: 50,
    USER_ACCOUNT_RECOVERY: 30,
    USER_READ: 120,
    USER_UPDATE: 25,
    USER_LIST: 30,
    USER_TOKEN: 120,
    USER_FEDERATION: 25,
}

# Each operation's category, following Cognito's "user pools API operation categories".
# Operations another issue implements later are listed already, so they are limited the day
# they land; tests check that every implemented operation has a category.
CATEGORY: dict[str, str] = {
    **dict.fromkeys(
        ["InitiateAuth", "RespondToAuthChallenge", "AdminInitiateAuth", "AdminRespondToAuthChallenge"],
        USER_AUTHENTICATION,
    ),
    **dict.fromkeys(["SignUp", "AdminCreateUser"], USER_CREATION),
    **dict.fromkeys(["ForgotPassword", "ConfirmForgotPassword"], USER_ACCOUNT_RECOVERY),
    **dict.fromkeys(
        [
            "GetUser", "AdminGetUser", "AdminListGroupsForUser", "AdminGetDevice", "AdminListDevices", "GetDevice",
            "ListDevices", "AdminListUserAuthEvents", "GetUserAuthFactors", "AdminGetUserAuthFactors",
            "ListWebAuthnCredentials",
        ],
        USER_READ,
    ),
    **dict.fromkeys(
        [
            "AdminAddUserToGroup", "AdminConfirmSignUp", "AdminDeleteUser", "AdminDeleteUserAttributes",
            "AdminDisableUser", "AdminEnableUser", "AdminForgetDevice", "AdminRemoveUserFromGroup",
            "AdminResetUserPassword", "AdminSetUserMFAPreference", "AdminSetUserPassword", "AdminSetUserSettings",
            "AdminUpdateAuthEventFeedback", "AdminUpdateDeviceStatus", "AdminUpdateUserAttributes",
            "AdminUserGlobalSignOut", "AssociateSoftwareToken", "ChangePassword", "ConfirmDevice", "ConfirmSignUp",
            "DeleteUser", "DeleteUserAttributes", "ForgetDevice", "GetUserAttributeVerificationCode", "GlobalSignOut",
            "ResendConfirmationCode", "SetUserMFAPreference", "SetUserSettings", "UpdateAuthEventFeedback",
            "UpdateDeviceStatus", "UpdateUserAttributes", "VerifySoftwareToken", "VerifyUserAttribute",
            "StartWebAuthnRegistration", "CompleteWebAuthnRegistration", "DeleteWebAuthnCredential",
            "AdminDeleteSoftwareToken",
        ],
        USER_UPDATE,
    ),
    **dict.fromkeys(["ListUsers", "ListUsersInGroup"], USER_LIST),
    **dict.fromkeys(["GetTokensFromRefreshToken", "RevokeToken"], USER_TOKEN),
    **dict.fromkeys(["AdminLinkProviderForUser", "AdminDisableProviderForUser"], USER_FEDERATION),
    **dict.fromkeys(
        ["DescribeUserPool", "ListUserPools", "GetUserPoolMfaConfig", "GetCSVHeader", "DescribeUserImportJob",
         "ListUserImportJobs", "GetSigningCertificate", "GetUICustomization", "GetLogDeliveryConfiguration",
         "ListTagsForResource", "DescribeRiskConfiguration", "DescribeUserPoolDomain"],
        USER_POOL_READ,
    ),
    **dict.fromkeys(
        ["CreateUserPool", "UpdateUserPool", "DeleteUserPool", "AddCustomAttributes", "SetUserPoolMfaConfig",
         "CreateUserImportJob", "StartUserImportJob", "StopUserImportJob", "TagResource", "UntagResource",
         "SetUICustomization", "SetLogDeliveryConfiguration", "SetRiskConfiguration", "CreateUserPoolDomain",
         "UpdateUserPoolDomain", "DeleteUserPoolDomain"],
        USER_POOL_UPDATE,
    ),
    **dict.fromkeys(["DescribeUserPoolClient", "ListUserPoolClients"], USER_POOL_CLIENT_READ),
    **dict.fromkeys(
        ["CreateUserPoolClient", "UpdateUserPoolClient", "DeleteUserPoolClient", "AddUserPoolClientSecret",
         "DeleteUserPoolClientSecret"],
        USER_POOL_CLIENT_UPDATE,
    ),
    **dict.fromkeys(
        ["GetGroup", "ListGroups", "DescribeIdentityProvider", "ListIdentityProviders", "GetIdentityProviderByIdentifier",
         "DescribeResourceServer", "ListResourceServers"],
        USER_RESOURCE_READ,
    ),
    **dict.fromkeys(
        ["CreateGroup", "UpdateGroup", "DeleteGroup", "CreateIdentityProvider", "UpdateIdentityProvider",
         "DeleteIdentityProvider", "CreateResourceServer", "UpdateResourceServer", "DeleteResourceServer"],
        USER_RESOURCE_UPDATE,
    ),
}

ALL_IPS = "*"
_RETRIES = 5
log = logging.getLogger("userpool.server")
_SWEEP_EVERY = 10.0


@dataclass(frozen=True)
class Limits:
    """Requests per window, per category: for a whole pool, and for one address within a pool."""

    window_seconds: int = 1
    per_pool: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RPS))
    per_ip: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RPS))

    @property
    def enabled(self) -> bool:
        return bool(self.per_pool or self.per_ip)


OFF = Limits(per_pool={}, per_ip={})


def parse(spec: str | None) -> Limits:
    """``default``, ``off``, or the path of a JSON file (see the module's docstring)."""
    if spec in (None, "", "default"):
        return Limits()
    if spec == "off":
        return OFF
    path = Path(spec)
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read rate limits from {spec}: {exc}") from None
    return from_dict(raw)


def from_dict(raw: Any) -> Limits:
    if not isinstance(raw, dict):
        raise ValueError("rate limits must be a JSON object")  # noqa: TRY004 - a configuration error
    unknown = set(raw) - {"window_seconds", "per_pool", "per_ip"}
    if unknown:
        raise ValueError(f"unknown rate-limit settings: {', '.join(sorted(unknown))}")
    window = raw.get("window_seconds", 1)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 3600:
        raise ValueError("window_seconds must be a whole number of seconds between 1 and 3600")
    known = set(CATEGORY.values())
    out = {}
    for scope in ("per_pool", "per_ip"):
        merged: dict[str, int | None] = dict(DEFAULT_RPS)
        given = raw.get(scope) or {}
        if not isinstance(given, dict):
            raise ValueError(f"{scope} must map categories to requests per window")  # noqa: TRY004
        for category, value in given.items():
            if category not in known:
                raise ValueError(f"unknown quota category {category!r}; known: {', '.join(sorted(known))}")
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{scope}.{category} must be a positive whole number or null")
            merged[category] = value
        out[scope] = {k: v for k, v in merged.items() if v is not None}
    return Limits(window_seconds=window, per_pool=out["per_pool"], per_ip=out["per_ip"])


# The limiter's statements run before every limited request: built once, as building them
# (operator overloading, coercions) costs more CPU than the database takes to run them.
_CLIENT_POOL = select(AppClient.pool_id).where(AppClient.id == bindparam("client_id"))


def _upsert(dialect: str) -> Any:
    """Count one request in a window: insert it at 1 or add 1; returns the count so far."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(RateWindow)
        .on_conflict_do_update(
            index_elements=[RateWindow.pool_id, RateWindow.category, RateWindow.ip, RateWindow.window_start],
            set_={"count": RateWindow.count + 1},
        )
        .returning(RateWindow.count)
    )


class RateLimiter:
    def __init__(self, limits: Limits, database: Database, keys: KeyRing) -> None:
        self.limits = limits
        self._database = database
        self._keys = keys
        self._dialect = database.engine.dialect.name
        self._upsert = _upsert(self._dialect)
        self._last_sweep = 0.0
        self._sweep_lock = threading.Lock()

    def check(self, op: str, params: dict[str, Any], ip: str, now: float | None = None) -> None:
        """Count this request; raise ``TooManyRequestsException`` when its window is used up."""
        category = CATEGORY.get(op)
        if category is None or not self.limits.enabled:
            return
        pool_limit = self.limits.per_pool.get(category)
        ip_limit = self.limits.per_ip.get(category)
        if ip_limit is not None and pool_limit is not None and ip_limit >= pool_limit:
            ip_limit = None  # it could never trigger before the pool's own limit
        if pool_limit is None and ip_limit is None:
            return
        now = time.time() if now is None else now
        window = int(now) - int(now) % self.limits.window_seconds
        refused = False
        for attempt in range(_RETRIES):
            try:
                with self._database.transaction() as db:
                    pool_id = self._pool_of(db, params)
                    key = {"pool_id": pool_id, "category": category, "window_start": window}
                    # The address first: what one address is refused does not use up its pool's quota.
                    refused = ip_limit is not None and self._increment(db, {**key, "ip": ip[:64]}) > ip_limit
                    if not refused and pool_limit is not None:
                        refused = self._increment(db, {**key, "ip": ALL_IPS}) > pool_limit
                    self._maybe_sweep(db, now)
                break
            except (OperationalError, IntegrityError):
                # A busy database: retry, then let the request through rather than fail it
                # here (the operation itself will meet the same database).
                if attempt == _RETRIES - 1:
                    log.warning("rate limiter: database busy; request not counted")
                    return
                time.sleep(0.01 * (2**attempt))
        if refused:
            raise errors.TooManyRequests("Rate exceeded")

    def _increment(self, db: Any, row: dict[str, Any]) -> int:
        """Count one request in ``row``'s window (an upsert); the window's count so far."""
        return int(db.connection().execute(self._upsert, {**row, "count": 1}).scalar_one())

    def _pool_of(self, db: Any, params: dict[str, Any]) -> str:
        """The pool a request is for: its UserPoolId, its ClientId's pool, or its access token's
        signing key's pool (unverified: only to pick the bucket); empty when it names none."""
        pool_id = params.get("UserPoolId")
        if isinstance(pool_id, str) and pool_id:
            return pool_id[:55]
        client_id = params.get("ClientId")
        if isinstance(client_id, str) and client_id:
            found = db.connection().execute(_CLIENT_POOL, {"client_id": client_id}).scalar()
            return found or ""
        token = params.get("AccessToken")
        if isinstance(token, str) and token.count(".") == 2 and len(token) <= 16384:
            header = tokens.unverified_header(token)  # the kid only picks the bucket
            kid = header.get("kid") if header else None
            if isinstance(kid, str) and len(kid) <= 64:
                hit = self._keys.public_key(db, kid)
                return hit[0] if hit else ""
        return ""

    def _maybe_sweep(self, db: Any, now: float) -> None:
        """Now and then, drop windows that ended a while ago (any process may do it)."""
        if now - self._last_sweep < _SWEEP_EVERY or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._last_sweep = now
            db.execute(delete(RateWindow).where(RateWindow.window_start < now - 2 * self.limits.window_seconds - _SWEEP_EVERY))
        finally:
            self._sweep_lock.release()
