"""Request-rate limits: guessing limits by default, Cognito's per-pool quotas on request.

``userpool serve --rate-limits default|cognito|off|FILE.json``:

- ``default``: only the *guessing surfaces* are limited — a request that presents a secret or
  asks for a code to be sent (a password in InitiateAuth, any RespondToAuthChallenge answer,
  ConfirmSignUp, ConfirmForgotPassword, ForgotPassword, ResendConfirmationCode, ChangePassword,
  VerifySoftwareToken, VerifyUserAttribute). Each counts once per client address (public
  operations only: a back end calling the Admin* forms for its users is one address) and once
  per user (pool + name, or the access token). Everything else — GetUser, refresh, the
  management API — is not counted at all, so it costs no database write and caps nothing:
  capacity is the machine's. Figures (``GUESSING``): 120 per address and 10 per user per 60 s.
- ``cognito``: the guessing limits plus Cognito's quotas by category (UserAuthentication 120/s,
  UserRead 120/s, ...) for each user pool, and for each client address within a pool, so one
  busy or attacked pool never slows another and one address cannot use up a pool's quota.
- ``off``: nothing is limited (the tests' and the benchmark's setting).

The counts are kept per fixed window in the database (table ``rate_windows``), so every server
process over one PostgreSQL shares them: a guessing limit of 10 per user is 10 whatever the
number of workers. Each counted request costs one small write transaction before any work: an
upsert that increments and returns the window's count. Cognito's quota categories are fixed
windows (one row per window; across a boundary they admit up to twice the rate for a moment).
Guessing windows slide: a guess is measured by its window's count plus the previous window's,
weighted by the share of that window still within the last ``window_seconds``, so a burst at a
user just before a boundary is not admitted again just after it. That costs one more indexed
read per guess, which is small beside the password hash or code check the guess asks for.

A JSON file means ``cognito`` with changes: ``window_seconds`` (default 1) and ``per_pool`` /
``per_ip`` maps from category to requests per window; categories it names replace Cognito's
defaults, ``null`` lifts a limit; ``guessing`` (``{"window_seconds", "per_ip", "per_user"}``
replacing the figures above, or ``null`` for none). The per-address quota is only counted
when it is lower than the pool's (else it could never trigger first).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from userpool.server import errors, metrics, tokens
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
GUESSING_CATEGORY = "Guessing"
_RETRIES = 5
log = logging.getLogger("userpool.server")
_SWEEP_EVERY = 10.0

# The guessing surfaces: each presents a secret (a password, a code, a challenge answer) or
# has a code sent. InitiateAuth only counts when it carries a PASSWORD (SRP's first step and
# refresh carry none).
GUESS_OPERATIONS = frozenset({
    "InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge", "ConfirmSignUp",
    "ConfirmForgotPassword", "ForgotPassword", "ResendConfirmationCode", "ChangePassword", "VerifySoftwareToken",
    "VerifyUserAttribute",
})
_ADMIN_GUESSES = frozenset({"AdminInitiateAuth", "AdminRespondToAuthChallenge"})  # signed: no per-address count


@dataclass(frozen=True)
class Guessing:
    """Guesses per window: from one client address (all pools), and at one user."""

    window_seconds: int = 60
    per_ip: int | None = 120
    per_user: int | None = 10


@dataclass(frozen=True)
class Limits:
    """Cognito's quotas per window, per category (for a whole pool, and for one address within
    a pool), and the guessing limits."""

    window_seconds: int = 1
    per_pool: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RPS))
    per_ip: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RPS))
    guessing: Guessing | None = Guessing()

    @property
    def enabled(self) -> bool:
        return bool(self.per_pool or self.per_ip or self.guessing)


DEFAULT = Limits(per_pool={}, per_ip={})
COGNITO = Limits()
OFF = Limits(per_pool={}, per_ip={}, guessing=None)
MODES = {"default": DEFAULT, "cognito": COGNITO, "off": OFF}


def parse(spec: str | None) -> Limits:
    """``default``, ``cognito``, ``off``, or the path of a JSON file (see the module's docstring)."""
    if spec in (None, ""):
        return DEFAULT
    if spec in MODES:
        return MODES[spec]
    path = Path(spec)
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read rate limits from {spec}: {exc}") from None
    return from_dict(raw)


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def from_dict(raw: Any) -> Limits:
    if not isinstance(raw, dict):
        raise ValueError("rate limits must be a JSON object")  # noqa: TRY004 - a configuration error
    unknown = set(raw) - {"window_seconds", "per_pool", "per_ip", "guessing"}
    if unknown:
        raise ValueError(f"unknown rate-limit settings: {', '.join(sorted(unknown))}")
    window = raw.get("window_seconds", 1)
    if not _whole(window, 1, 3600):
        raise ValueError("window_seconds must be a whole number of seconds between 1 and 3600")
    out = {scope: _quotas(scope, raw.get(scope)) for scope in ("per_pool", "per_ip")}
    guessing = _guessing(raw["guessing"]) if "guessing" in raw else Guessing()
    return Limits(window_seconds=window, per_pool=out["per_pool"], per_ip=out["per_ip"], guessing=guessing)


def _quotas(scope: str, given: Any) -> dict[str, int]:
    """Cognito's defaults with a file's changes for one scope (``per_pool`` or ``per_ip``)."""
    known = set(CATEGORY.values())
    merged: dict[str, int | None] = dict(DEFAULT_RPS)
    given = given or {}
    if not isinstance(given, dict):
        raise ValueError(f"{scope} must map categories to requests per window")  # noqa: TRY004
    for category, value in given.items():
        if category not in known:
            raise ValueError(f"unknown quota category {category!r}; known: {', '.join(sorted(known))}")
        if value is not None and not _whole(value, 1, 10**9):
            raise ValueError(f"{scope}.{category} must be a positive whole number or null")
        merged[category] = value
    return {k: v for k, v in merged.items() if v is not None}


def _guessing(raw: Any) -> Guessing | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"window_seconds", "per_ip", "per_user"}:
        raise ValueError("guessing must be null or an object with window_seconds, per_ip, per_user")
    base = Guessing()
    window = raw.get("window_seconds", base.window_seconds)
    if not _whole(window, 1, 3600):
        raise ValueError("guessing.window_seconds must be a whole number of seconds between 1 and 3600")
    figures = {k: raw.get(k, getattr(base, k)) for k in ("per_ip", "per_user")}
    for k, v in figures.items():
        if v is not None and not _whole(v, 1, 10**9):
            raise ValueError(f"guessing.{k} must be a positive whole number or null")
    return Guessing(window_seconds=window, **figures)


def is_guess(op: str, params: dict[str, Any]) -> bool:
    """Whether a request is on a guessing surface (see ``GUESS_OPERATIONS``)."""
    if op not in GUESS_OPERATIONS:
        return False
    if op in ("InitiateAuth", "AdminInitiateAuth"):
        auth = params.get("AuthParameters")
        return isinstance(auth, dict) and "PASSWORD" in auth
    return True


def guessed_user(op: str, params: dict[str, Any]) -> str | None:
    """The user a guess is aimed at, as a bucket name: a digest of the name it gives (or of its
    access token or session when it gives none). Unverified: it only picks the bucket."""
    if op in ("InitiateAuth", "AdminInitiateAuth"):
        name = (params.get("AuthParameters") or {}).get("USERNAME")
    elif op in ("RespondToAuthChallenge", "AdminRespondToAuthChallenge"):
        name = (params.get("ChallengeResponses") or {}).get("USERNAME")
    else:
        name = params.get("Username")
    if isinstance(name, str) and name:
        subject = "name:" + name.lower()
    else:
        other = params.get("AccessToken") or params.get("Session")
        if not isinstance(other, str) or not other:
            return None
        subject = "secret:" + other
    return "u:" + hashlib.sha256(subject.encode()).hexdigest()[:40]


# The limiter's statements run before every limited request: built once, as building them
# (operator overloading, coercions) costs more CPU than the database takes to run them.
_CLIENT_POOL = select(AppClient.pool_id).where(AppClient.id == bindparam("client_id"))
_WINDOW_COUNT = select(RateWindow.count).where(
    RateWindow.pool_id == bindparam("pool_id"), RateWindow.category == bindparam("category"),
    RateWindow.ip == bindparam("ip"), RateWindow.window_start == bindparam("window_start"),
)


def sliding_count(current: int, previous: int, elapsed: float, window_seconds: int) -> float:
    """The requests within the last ``window_seconds``, estimated from two fixed windows: all of
    the current one (``elapsed`` seconds into it) and the previous one's share still in range,
    as if its requests had been spread evenly over it."""
    overlap = max(0.0, 1.0 - elapsed / window_seconds)
    return current + previous * overlap


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

    def _applicable(self, op: str, params: dict[str, Any]) -> tuple[bool, str | None, int | None, int | None]:
        guess = self.limits.guessing is not None and is_guess(op, params)
        category = CATEGORY.get(op)
        pool_limit = self.limits.per_pool.get(category) if category else None
        ip_limit = self.limits.per_ip.get(category) if category else None
        if ip_limit is not None and pool_limit is not None and ip_limit >= pool_limit:
            ip_limit = None  # it could never trigger before the pool's own limit
        return guess, category, pool_limit, ip_limit

    def counts(self, op: str, params: dict[str, Any]) -> bool:
        """Whether :meth:`check` would count this request (a database write)."""
        guess, _, pool_limit, ip_limit = self._applicable(op, params)
        return guess or pool_limit is not None or ip_limit is not None

    def check(self, op: str, params: dict[str, Any], ip: str, now: float | None = None) -> None:
        """Count this request; raise ``TooManyRequestsException`` when a window is used up.

        A request no limit applies to returns at once: no database, no lock."""
        guess, category, pool_limit, ip_limit = self._applicable(op, params)
        if not guess and pool_limit is None and ip_limit is None:
            return
        now = time.time() if now is None else now
        for attempt in range(_RETRIES):
            try:
                with self._database.transaction() as db:
                    pool_id = self._pool_of(db, params)
                    refused = self._guess_refused(db, op, params, pool_id, ip, now) if guess else None
                    if refused is None and category is not None:
                        refused = self._quota_refused(db, category, pool_id, ip, (pool_limit, ip_limit), now)
                    self._maybe_sweep(db, now)
                break
            except (OperationalError, IntegrityError):
                # A busy database: retry, then let the request through rather than fail it
                # here (the operation itself will meet the same database).
                if attempt == _RETRIES - 1:
                    log.warning("rate limiter: database busy; request not counted")
                    return
                time.sleep(0.01 * (2**attempt))
        if refused is not None:
            metrics.rate_limited(refused)
            raise errors.TooManyRequests("Rate exceeded")

    def _guess_refused(self, db: Any, op: str, params: dict[str, Any], pool_id: str, ip: str, now: float) -> str | None:
        """Count a guess from its address (across pools), then at its user; the rule it broke."""
        g = self.limits.guessing
        if g is None:
            return None
        window = int(now) - int(now) % g.window_seconds
        key = {"category": GUESSING_CATEGORY, "window_start": window}
        if g.per_ip is not None and op not in _ADMIN_GUESSES and self._over(db, {**key, "pool_id": "", "ip": ip[:64]}, g, now, g.per_ip):
            return "guess_per_ip"  # what one address is refused does not use up its target's count
        user = guessed_user(op, params)
        if g.per_user is not None and user is not None and self._over(db, {**key, "pool_id": pool_id, "ip": user}, g, now, g.per_user):
            return "guess_per_user"
        return None

    def _over(self, db: Any, row: dict[str, Any], g: Guessing, now: float, limit: int) -> bool:
        """Count one guess in ``row``'s window; whether the sliding count is over ``limit``."""
        current = self._increment(db, row)
        if current > limit:
            return True  # over on this window alone: no need to read the previous one
        previous = db.connection().execute(_WINDOW_COUNT, {**row, "window_start": row["window_start"] - g.window_seconds}).scalar()
        return sliding_count(current, previous or 0, now - row["window_start"], g.window_seconds) > limit

    def _quota_refused(self, db: Any, category: str, pool_id: str, ip: str, limits: tuple[int | None, int | None], now: float) -> str | None:
        """Count a request in its pool's quota category: its address's share first, then the pool's."""
        pool_limit, ip_limit = limits
        window = int(now) - int(now) % self.limits.window_seconds
        key = {"pool_id": pool_id, "category": category, "window_start": window}
        # The address first: what one address is refused does not use up its pool's quota.
        if ip_limit is not None and self._increment(db, {**key, "ip": ip[:64]}) > ip_limit:
            return "quota_per_ip"
        if pool_limit is not None and self._increment(db, {**key, "ip": ALL_IPS}) > pool_limit:
            return "quota_per_pool"
        return None

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
            guess_window = self.limits.guessing.window_seconds if self.limits.guessing else 0
            guesses = RateWindow.category == GUESSING_CATEGORY
            db.execute(delete(RateWindow).where(or_(
                and_(guesses, RateWindow.window_start < now - 2 * guess_window - _SWEEP_EVERY),
                and_(~guesses, RateWindow.window_start < now - 2 * self.limits.window_seconds - _SWEEP_EVERY),
            )))
        finally:
            self._sweep_lock.release()
