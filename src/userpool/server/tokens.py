"""Issuing and accepting tokens: RS256 access and ID tokens with Cognito's claims,
opaque refresh tokens stored as hashes, and token families for revocation.

Every sign-in starts a :class:`TokenFamily` whose id is the ``origin_jti`` claim of every
access and ID token it yields; RevokeToken, GlobalSignOut, disabling or deleting the user
mark families revoked, and every operation that takes an access token checks its family.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeGuard

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import bindparam, delete, inspect, literal_column, null, select, union_all, update
from sqlalchemy.orm import Session

from userpool.server import audit, errors, messages
from userpool.server.context import Context
from userpool.server.db import (
    AppClient,
    CompiledInsert,
    CompiledRead,
    DecodedJson,
    Group,
    RefreshToken,
    TokenFamily,
    User,
    UserAttribute,
    UserGroup,
    UserPool,
    WriteNeeded,
    attached,
    columns_of,
    json_as_text,
)
from userpool.server.memo import Recent
from userpool.server.sealing import hash_secret, random_token, random_uuid
from userpool.verify.errors import JwtParseError
from userpool.verify.parse import DecomposedJwt, decompose

SCOPE = "aws.cognito.signin.user.admin"
OPENID = "openid"
# The ID token's attributes a standard OIDC scope releases (openid alone releases every readable one).
SCOPE_CLAIMS: dict[str, frozenset[str]] = {
    "email": frozenset({"email", "email_verified"}),
    "phone": frozenset({"phone_number", "phone_number_verified"}),
    "profile": frozenset({
        "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
        "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "address",
    }),
}


@dataclass(frozen=True)
class TokenOptions:
    """What an OAuth 2.0 sign-in (managed login, the token endpoint) adds to Cognito's tokens.

    ``scopes`` None means an API sign-in (InitiateAuth ...): ``scope`` is
    ``aws.cognito.signin.user.admin`` and an ID token is always issued. With scopes, the access
    token lists them, an ID token comes only with ``openid``, and ``email``/``phone``/``profile``
    narrow its attributes, as Cognito's authorization server does."""

    scopes: tuple[str, ...] | None = None
    nonce: str | None = None

    @property
    def id_token(self) -> bool:
        return self.scopes is None or OPENID in self.scopes


def released_attributes(scopes: tuple[str, ...] | None, attrs: dict[str, str]) -> dict[str, str]:
    """The attributes the ID token (and userInfo) carry for these scopes."""
    if scopes is None:
        return attrs
    named = [SCOPE_CLAIMS[s] for s in scopes if s in SCOPE_CLAIMS]
    if not named:  # openid alone: every attribute the client may read
        return attrs
    allowed = frozenset().union(*named) | {"sub", "identities"}
    return {k: v for k, v in attrs.items() if k in allowed}


_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
DEFAULT_VALIDITY = {"AccessToken": 1, "IdToken": 1, "RefreshToken": 30}
_VALIDITY_KEYS = {"AccessToken": "AccessTokenValidity", "IdToken": "IdTokenValidity", "RefreshToken": "RefreshTokenValidity"}


def validity_seconds(client_config: dict[str, Any], kind: str) -> int:
    """Token lifetime in seconds from the app client's validity and units (Cognito's defaults)."""
    units = {**DEFAULT_UNITS, **(client_config.get("TokenValidityUnits") or {})}
    value = client_config.get(_VALIDITY_KEYS[kind])
    if value is None:
        value, unit = DEFAULT_VALIDITY[kind], DEFAULT_UNITS[kind]
    else:
        unit = units[kind]
    return int(value) * _UNIT_SECONDS[unit]


_FAMILY_INSERT = CompiledInsert(TokenFamily)
_REFRESH_INSERT = CompiledInsert(RefreshToken)


def start_family(ctx: Context, client: AppClient, user: User, device_key: str | None = None) -> TokenFamily:
    """A new sign-in's token family; ``device_key``: the tracked device it was made on. Inserted
    at once (its refresh tokens refer to it), and persistent in the session for later changes."""
    values = _FAMILY_INSERT.run(
        ctx.db,
        {
            "origin_jti": random_uuid(),
            "pool_id": user.pool_id,
            "client_id": client.id,
            "user_id": user.id,
            "auth_time": int(ctx.now),
            "created_at": ctx.now,
            "expires_at": ctx.now + validity_seconds(client.config, "RefreshToken"),
            "device_key": device_key,
        },
    )
    family: TokenFamily = attached(ctx.db, TokenFamily, _FAMILY_INSERT.names, values)
    return family


def new_refresh_token(ctx: Context, family: TokenFamily) -> str:
    token = random_token(96)
    _REFRESH_INSERT.run(
        ctx.db,
        {"token_hash": hash_secret(token), "origin_jti": family.origin_jti, "created_at": ctx.now, "expires_at": family.expires_at},
    )
    return token


def discard_refresh_token(ctx: Context, token: str) -> None:
    """Forget a refresh token that is never handed out (the implicit grant's: the sign-in made
    one, the URL fragment carries none), so no live credential exists that nobody holds."""
    ctx.db.execute(delete(RefreshToken).where(RefreshToken.token_hash == hash_secret(token)))


class GroupClaim(NamedTuple):
    name: str
    precedence: int | None
    role_arn: str | None


# Every issuance reads the user's groups: the statement is compiled once, its value bound per
# call, three columns as plain rows on the DB-API cursor (db.CompiledRead).
_USER_GROUPS = CompiledRead(
    select(Group.name, Group.precedence, Group.role_arn)
    .join(UserGroup, (UserGroup.pool_id == Group.pool_id) & (UserGroup.group_name == Group.name))
    .where(UserGroup.user_id == bindparam("user_id"))
)


# A refresh reads the user's groups and attributes for the claims: one statement (on
# PostgreSQL each costs ~70 µs of the driver's CPU and a round trip), a row per group (kind 0:
# name, role, precedence) then per attribute (kind 1: name, value).
_GROUPS_AND_ATTRIBUTES = CompiledRead(union_all(
    select(literal_column("0"), Group.name, Group.role_arn, Group.precedence)
    .join(UserGroup, (UserGroup.pool_id == Group.pool_id) & (UserGroup.group_name == Group.name))
    .where(UserGroup.user_id == bindparam("user_id")),
    select(literal_column("1"), UserAttribute.name, UserAttribute.value, null())
    .where(UserAttribute.user_id == bindparam("user_id")),
))


def _in_precedence_order(groups: list[GroupClaim]) -> list[GroupClaim]:
    return sorted(groups, key=lambda g: (g.precedence if g.precedence is not None else 2**31, g.name))


def user_groups(db: Session, user: User) -> list[GroupClaim]:
    """The user's groups in precedence order (then by name), as token claims list them."""
    return _in_precedence_order([GroupClaim(*row) for row in _USER_GROUPS.rows(db, {"user_id": user.id})])


def groups_and_attributes(ctx: Context, user: User) -> tuple[list[GroupClaim], dict[str, str]]:
    """:func:`user_groups` and the user's attributes (name to value); in one read when the
    attributes are not loaded yet (a refresh never needs their ORM objects)."""
    if user.id in ctx.claim_sources:
        return ctx.claim_sources[user.id]
    if "attributes" not in inspect(user).unloaded:
        return user_groups(ctx.db, user), user.attr_map()
    groups: list[GroupClaim] = []
    attributes: dict[str, str] = {}
    for kind, name, text, precedence in _GROUPS_AND_ATTRIBUTES.rows(ctx.db, {"user_id": user.id}):
        if kind == 0:
            groups.append(GroupClaim(name, precedence, text))
        else:
            attributes[name] = text
    return _in_precedence_order(groups), attributes


def preferred_role(groups: Sequence[Any]) -> str | None:
    """The role of the best-placed group that has one (``groups`` in precedence order).

    Cognito: when groups tie at that precedence with different roles, none is preferred.
    """
    with_roles = [g for g in groups if g.role_arn]
    if not with_roles:
        return None
    tied = {g.role_arn for g in with_roles if g.precedence == with_roles[0].precedence}
    return with_roles[0].role_arn if len(tied) == 1 else None


def readable_attributes(client: AppClient, user: User, attrs: dict[str, str] | None = None) -> dict[str, str]:
    allowed = client.config.get("ReadAttributes")
    attrs = user.attr_map() if attrs is None else attrs
    if allowed:
        attrs = {k: v for k, v in attrs.items() if k in allowed or k == "sub"}
    return attrs


def _id_claim_value(name: str, value: str) -> Any:
    if name in ("email_verified", "phone_number_verified"):
        return value.lower() == "true"
    if name == "updated_at" and value.isdigit():
        return int(value)
    if name == "identities":  # federated users: Cognito's claim is the parsed list
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def claims_for(
    ctx: Context, pool: UserPool, client: AppClient, user: User, family: TokenFamily, options: TokenOptions | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(access claims, ID claims) for one issuance, before any PreTokenGeneration change."""
    options = options or TokenOptions()
    now = int(ctx.now)
    issuer = ctx.config.issuer(pool.id)
    event_id = random_uuid()
    groups, attributes = groups_and_attributes(ctx, user)
    access: dict[str, Any] = {
        "sub": user.sub,
        "iss": issuer,
        "client_id": client.id,
        "origin_jti": family.origin_jti,
        "event_id": event_id,
        "token_use": "access",
        "scope": SCOPE if options.scopes is None else " ".join(options.scopes),
        "auth_time": family.auth_time,
        "exp": now + validity_seconds(client.config, "AccessToken"),
        "iat": now,
        "jti": random_uuid(),
        "username": user.username,
    }
    if family.device_key:  # the tracked device of this sign-in (server/devices.py)
        access["device_key"] = family.device_key
    id_claims: dict[str, Any] = {"sub": user.sub}
    if groups:
        names = [g.name for g in groups]
        access = {"sub": user.sub, "cognito:groups": names, **{k: v for k, v in access.items() if k != "sub"}}
        id_claims["cognito:groups"] = names
        roles = [g.role_arn for g in groups if g.role_arn]
        if roles:
            id_claims["cognito:roles"] = roles
            preferred = preferred_role(groups)
            if preferred:
                id_claims["cognito:preferred_role"] = preferred
    for name, value in released_attributes(options.scopes, readable_attributes(client, user, attributes)).items():
        if name != "sub":
            id_claims[name] = _id_claim_value(name, value)
    if options.nonce is not None:
        id_claims["nonce"] = options.nonce
    id_claims.update(
        {
            "iss": issuer,
            "cognito:username": user.username,
            "origin_jti": family.origin_jti,
            "aud": client.id,
            "event_id": event_id,
            "token_use": "id",
            "auth_time": family.auth_time,
            "exp": now + validity_seconds(client.config, "IdToken"),
            "iat": now,
            "jti": random_uuid(),
        }
    )
    return access, id_claims


def access_token_hash(token: str) -> str:
    """``at_hash``: base64url of the left half of the access token's SHA-256 (RS256)."""
    digest = hashlib.sha256(token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).decode("ascii").rstrip("=")


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@functools.lru_cache(maxsize=256)
def _header_segment(kid: str) -> bytes:
    """A key's protected header, encoded once: every token it signs carries the same one."""
    return _b64url(json.dumps({"alg": "RS256", "kid": kid}, separators=(",", ":"), sort_keys=True).encode())


def jws_rs256(claims: dict[str, Any], kid: str, key: rsa.RSAPrivateKey) -> str:
    """A compact JWS of ``claims``, byte for byte what ``jwt.encode(claims, key, "RS256",
    headers={"kid": kid, "typ": None})`` gives (sorted header, compact JSON, ASCII escapes),
    without PyJWT's per-call header building and checks (about a seventh of a refresh beyond
    the RSA signature itself)."""
    signing_input = _header_segment(kid) + b"." + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return (signing_input + b"." + _b64url(signature)).decode("ascii")


def sign(ctx: Context, pool_id: str, claims: dict[str, Any]) -> str:
    kid, key = ctx.state.keys.active_key(ctx.db, pool_id)
    return jws_rs256(claims, kid, key)


def authentication_result(
    ctx: Context,
    pool: UserPool,
    client: AppClient,
    user: User,
    family: TokenFamily,
    refresh_token: str | None,
    source: str = "TokenGeneration_Authentication",
    options: TokenOptions | None = None,
) -> dict[str, Any]:
    """Signed tokens for ``family``; ``source`` is the PreTokenGeneration triggerSource
    (``TokenGeneration_Authentication``, ``_NewPasswordChallenge``, ``_RefreshTokens``,
    ``_HostedAuth``); ``options`` carry an OAuth sign-in's scopes and nonce."""
    from userpool.server.triggers import pre_token_generation

    if options is None:  # a refresh keeps the scopes its sign-in was granted (managed login's)
        options = TokenOptions(scopes=tuple(family.scopes.split()) if family.scopes else None)
    elif options.scopes is not None and family.scopes is None:
        family.scopes = " ".join(options.scopes)
    access, id_claims = claims_for(ctx, pool, client, user, family, options)
    access, id_claims = pre_token_generation(ctx, pool, client, user, access, id_claims, source)
    result: dict[str, Any] = {
        "AccessToken": sign(ctx, pool.id, access),
        "ExpiresIn": validity_seconds(client.config, "AccessToken"),
        "TokenType": "Bearer",
    }
    if options.id_token:
        if options.scopes is not None:  # OIDC Core 3.1.3.6: the access token's hash, as Cognito's OAuth ID tokens carry
            id_claims["at_hash"] = access_token_hash(result["AccessToken"])
        result["IdToken"] = sign(ctx, pool.id, id_claims)
    if refresh_token:
        result["RefreshToken"] = refresh_token
    return result


# ------------------------------------------------------------------ accepting tokens


def _bad_token() -> errors.CognitoError:
    return errors.NotAuthorized("Invalid Access Token")


def unverified_header(token: str) -> dict[str, Any] | None:
    """The JOSE header alone, only to pick the key by its kid (None when it is not one).

    ``jwt.get_unverified_header`` would decode and check all three segments, which
    ``jwt.decode`` then does again in full (a per-character scan of the whole token, a tenth
    of GetUser's CPU); ``jwt.decode`` still checks everything, header included, before any
    claim is trusted, so nothing is accepted on this parse alone."""
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        return None
    return header if isinstance(header, dict) else None


def _is_time(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _signed_claims(jws: DecomposedJwt, public_key: Any, now: float) -> dict[str, Any]:
    """The claims of a token whose RS256 signature ``public_key`` verifies, checked as PyJWT's
    ``decode`` would (``exp``, ``iat``, ``token_use`` and ``sub`` required; ``exp`` passed:
    expired; ``iat`` or ``nbf`` ahead: not valid yet). The strict parse is the verifier's
    (``userpool.verify.parse``: canonical base64url, no duplicate JSON keys); PyJWT's would
    scan every segment again, character by character, for a tenth of GetUser's CPU."""
    try:
        public_key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise _bad_token() from None
    return _checked_claims(jws.payload, now)


def _checked_claims(claims: dict[str, Any], now: float) -> dict[str, Any]:
    """A signed token's claims checked at ``now`` (see :func:`_signed_claims`)."""
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    if not (_is_time(exp) and _is_time(iat)) or "token_use" not in claims or not isinstance(claims.get("sub"), str):
        raise _bad_token()
    if iat > now or (nbf is not None and (not _is_time(nbf) or nbf > now)):
        raise _bad_token()
    if exp <= now:
        raise errors.NotAuthorized("Access Token has expired")
    return claims


# Tokens whose signature this process has verified, by their exact text: an app presents the
# same access token on call after call, and the RSA verification with the strict parse is a
# tenth of GetUser's CPU. Only a correctly signed token gets in; the claims (time above all) and
# the key (still published, same pool) are checked again on every use; oldest out when full.
_verified_tokens: Recent[str, tuple[str, str, dict[str, Any]]] = Recent(4096)


def _verified(ctx: Context, token: str) -> tuple[str, dict[str, Any]]:
    """(pool id, claims) of a token signed by one of this server's keys, checked at ``ctx.now``."""
    hit = _verified_tokens.get(token)
    if hit is not None:
        kid, pool_id, claims = hit
        found = ctx.state.keys.public_key(ctx.db, kid)
        if found is not None and found[0] == pool_id:
            return pool_id, _checked_claims(dict(claims), ctx.now)
    try:
        jws = decompose(token)
    except JwtParseError:
        raise _bad_token() from None
    if jws.alg != "RS256":
        raise _bad_token()
    found = ctx.state.keys.public_key(ctx.db, jws.kid)
    if found is None:
        raise _bad_token()
    pool_id, public_key = found
    claims = _signed_claims(jws, public_key, ctx.now)
    _verified_tokens.put(token, (jws.kid, pool_id, dict(claims)))
    return pool_id, claims


def decode_access_token(ctx: Context, token: str, *, user_api: bool = True) -> dict[str, Any]:
    """The verified claims of an access token this server issued; Cognito's errors otherwise.

    ``user_api``: the token is used against the user API (GetUser ...), which needs the
    ``aws.cognito.signin.user.admin`` scope; a managed-login token granted without it does
    not work there, as in Cognito (userInfo, which needs ``openid`` instead, passes False)."""
    if not isinstance(token, str) or len(token) > 16384:
        raise _bad_token()
    pool_id, claims = _verified(ctx, token)
    if claims.get("token_use") != "access" or not str(claims.get("iss", "")).endswith("/" + pool_id):
        raise _bad_token()
    if user_api and SCOPE not in str(claims.get("scope", "")).split():
        raise errors.NotAuthorized("Access Token does not have required scopes")
    claims["_pool_id"] = pool_id
    return claims


# The hottest reads, built once: building a statement (operator overloading, coercions) costs
# more CPU than SQLite takes to run it; values are bound per call.
# GetUser's one statement: a row per attribute of the user (one with no attribute when it has
# none); the JSON columns come as text, decoded from the first row (access_principal) once per
# distinct text: psycopg decoded the client's configuration and the MFA settings at every call.
_PRINCIPAL = CompiledRead(
    select(
        TokenFamily.revoked_at, User.id, User.username, User.sub, User.enabled, json_as_text(User.mfa),
        AppClient.id.label("client_found"), json_as_text(AppClient.config, "client_config"),
        UserAttribute.name.label("attribute_name"), UserAttribute.value.label("attribute_value"),
    )
    .select_from(TokenFamily)
    .outerjoin(User, User.id == TokenFamily.user_id)
    .outerjoin(AppClient, AppClient.id == bindparam("client_id"))
    .outerjoin(UserAttribute, UserAttribute.user_id == User.id)
    .where(TokenFamily.origin_jti == bindparam("origin_jti")),
)
_MFA, _CLIENT_CONFIG, _ATTRIBUTE = 5, 7, 8
_decoded = DecodedJson()
_FAMILY_AND_USER = (
    select(TokenFamily, User)
    .outerjoin(User, User.id == TokenFamily.user_id)
    .where(TokenFamily.origin_jti == bindparam("origin_jti"))
)
# The refresh token, its family and its user in one row, read raw: the ORM's load of the three
# (the user's attributes joined in) cost more than the rest of a refresh but the signatures.
# In a transaction the refresh token's row is locked (PostgreSQL), so that two rotations of one
# token are serialized; a read unit (which writes nothing, and raises WriteNeeded before it
# would) takes no lock, which a read-only connection would refuse.
_TOKEN_ROW = (*RefreshToken.__table__.c, *TokenFamily.__table__.c, *User.__table__.c)
_REFRESH_COLUMNS, _FAMILY_COLUMNS, _USER_COLUMNS = columns_of(RefreshToken), columns_of(TokenFamily), columns_of(User)


def _with_token(*columns: Any) -> Any:
    return (
        select(*columns).select_from(RefreshToken)
        .outerjoin(TokenFamily, TokenFamily.origin_jti == RefreshToken.origin_jti)
        .outerjoin(User, User.id == TokenFamily.user_id)
        .where(RefreshToken.token_hash == bindparam("token_hash"))
    )


_REFRESH = CompiledRead(_with_token(*_TOKEN_ROW).with_for_update(of=RefreshToken), typed=True)
# A read unit reads the user's groups and attributes, for the claims, in the same statement (a
# round trip and ~90 µs of psycopg's CPU fewer on PostgreSQL): the token's row (kind 0), a row
# per group (1: name, role, precedence) and per attribute (2: name, value), the user found from
# the token again. PostgreSQL allows no FOR UPDATE in a UNION: a transaction reads them apart
# (_REFRESH, then groups_and_attributes).
_TOKEN_USER = _with_token(TokenFamily.user_id).scalar_subquery()
_NO_TOKEN = [null()] * len(_TOKEN_ROW)
_REFRESH_READ = CompiledRead(union_all(
    _with_token(literal_column("0"), *_TOKEN_ROW, null(), null(), null()),
    select(literal_column("1"), *_NO_TOKEN, Group.name, Group.role_arn, Group.precedence)
    .join(UserGroup, (UserGroup.pool_id == Group.pool_id) & (UserGroup.group_name == Group.name))
    .where(UserGroup.user_id == _TOKEN_USER),
    select(literal_column("2"), *_NO_TOKEN, UserAttribute.name, UserAttribute.value, null())
    .where(UserAttribute.user_id == _TOKEN_USER),
), typed=True)


class Principal(NamedTuple):
    """GetUser's row: the token's family state, its user, and the token's app client (typed as
    :func:`access_principal` returns it, after its checks; the client may be gone). ``mfa`` and
    ``client_config`` are shared with every request that read the same text: read only."""

    revoked_at: float | None
    id: int
    username: str
    sub: str
    enabled: bool
    mfa: dict[str, Any] | None
    client_found: str | None
    client_config: dict[str, Any] | None


def user_from_access_token(ctx: Context, token: str, *, user_api: bool = True) -> tuple[User, dict[str, Any]]:
    """Authenticate a request by its access token: signature, expiry, revocation, user state."""
    claims = decode_access_token(ctx, token, user_api=user_api)
    found = ctx.db.execute(_FAMILY_AND_USER, {"origin_jti": str(claims.get("origin_jti", ""))}).first()
    family, user = found if found is not None else (None, None)
    if family is None or family.revoked_at is not None:
        raise errors.NotAuthorized("Access Token has been revoked")
    if user is None or user.sub != claims["sub"]:
        raise errors.NotAuthorized("Access Token has been revoked")
    if not user.enabled:
        raise errors.NotAuthorized(messages.USER_DISABLED)
    return user, claims


def access_principal(ctx: Context, token: str) -> tuple[Principal, dict[str, Any], list[tuple[str, str]]]:
    """:func:`user_from_access_token`'s checks for a read-only caller (GetUser), as one Core
    query joining the token's family, its user, its attributes and the token's app client: no
    ORM objects, one round trip (on PostgreSQL each statement costs ~70 µs of the driver's CPU).

    The principal has ``id``, ``username``, ``sub``, ``mfa``, and ``client_found`` /
    ``client_config`` (None when the client is gone: the caller's error, after these checks as
    before); then the claims, and the user's (name, value) pairs in the order the ORM's
    ``User.attributes`` load gives. The checks and their errors are the same, in the same order."""
    claims = decode_access_token(ctx, token)
    rows = _PRINCIPAL.rows(ctx.db, {"origin_jti": str(claims.get("origin_jti", "")), "client_id": str(claims.get("client_id", ""))})
    found = None
    if rows:
        first = list(rows[0][:_ATTRIBUTE])
        first[_MFA], first[_CLIENT_CONFIG] = _decoded(first[_MFA]), _decoded(first[_CLIENT_CONFIG])
        found = Principal(*first)
    if found is None or found.revoked_at is not None:
        raise errors.NotAuthorized("Access Token has been revoked")
    if found.id is None or found.sub != claims["sub"]:
        raise errors.NotAuthorized("Access Token has been revoked")
    if not found.enabled:
        raise errors.NotAuthorized(messages.USER_DISABLED)
    return found, claims, [(r[_ATTRIBUTE], r[_ATTRIBUTE + 1]) for r in rows if r[_ATTRIBUTE] is not None]


def _token_and_claim_sources(
    ctx: Context, token_hash: str,
) -> tuple[tuple[Any, ...], tuple[list[GroupClaim], dict[str, str]] | None] | None:
    """The token's row (its family's and user's columns after its own), and in a read unit the
    user's groups (in precedence order) and attributes read with it; None for an unknown token."""
    if not ctx.read_only:
        rows = _REFRESH.rows(ctx.db, {"token_hash": token_hash})
        return (rows[0], None) if rows else None
    token_row: tuple[Any, ...] | None = None
    groups: list[GroupClaim] = []
    attributes: dict[str, str] = {}
    width = len(_TOKEN_ROW)
    for row in _REFRESH_READ.rows(ctx.db, {"token_hash": token_hash}):
        kind, name, text, precedence = row[0], row[width + 1], row[width + 2], row[width + 3]
        if kind == 0:
            token_row = row[1:width + 1]
        elif kind == 1:
            groups.append(GroupClaim(name, precedence, text))
        else:
            attributes[name] = text
    if token_row is None:
        return None
    return token_row, (_in_precedence_order(groups), attributes)


def find_refresh_token(ctx: Context, token: str, client: AppClient) -> tuple[RefreshToken, TokenFamily, User]:
    """The refresh token (locked), its family and its user, in one query (outer joins, so each
    missing piece still gets its own error, in the same order as before); the three as the
    session's objects, the user's attributes loaded when first read. In a read unit the user's
    groups and attributes come in the same query, kept in ``ctx.claim_sources`` for the claims."""
    invalid = errors.NotAuthorized("Invalid Refresh Token")
    if not token:
        raise invalid
    found = _token_and_claim_sources(ctx, hash_secret(token))
    if found is None:
        raise invalid
    values, claim_sources = found
    a, b = len(_REFRESH_COLUMNS), len(_REFRESH_COLUMNS) + len(_FAMILY_COLUMNS)
    row_values, family_values, user_values = values[:a], values[a:b], values[b:]
    family = dict(zip(_FAMILY_COLUMNS, family_values, strict=True))
    if family["origin_jti"] is None or family["client_id"] != client.id:
        raise invalid
    if family["revoked_at"] is not None:
        raise errors.NotAuthorized("Refresh Token has been revoked")
    if dict(zip(_REFRESH_COLUMNS, row_values, strict=True))["expires_at"] <= ctx.now:
        raise errors.NotAuthorized("Refresh Token has expired")
    user = dict(zip(_USER_COLUMNS, user_values, strict=True))
    if user["id"] is None:
        raise invalid
    if not user["enabled"]:
        raise errors.NotAuthorized(messages.USER_DISABLED)
    if claim_sources is not None:
        ctx.claim_sources[user["id"]] = claim_sources
    return (
        attached(ctx.db, RefreshToken, _REFRESH_COLUMNS, row_values),
        attached(ctx.db, TokenFamily, _FAMILY_COLUMNS, family_values),
        attached(ctx.db, User, _USER_COLUMNS, user_values),
    )


def use_refresh_token(ctx: Context, client: AppClient, row: RefreshToken, family: TokenFamily, *, rotate: bool) -> str | None:
    """Accept a refresh token; with rotation, return its successor and retire it.

    A rotated token presented again after the client's grace period means it leaked (or
    was replayed): the whole family is revoked, as Cognito's reuse detection does.
    """
    if ctx.read_only and (rotate or row.rotated_at is not None):
        raise WriteNeeded  # a successor to store, or a reuse to detect: in a transaction
    rotation = client.config.get("RefreshTokenRotation") or {}
    grace = int(rotation.get("RetryGracePeriodSeconds", 0))
    if row.rotated_at is not None and ctx.now - row.rotated_at > grace:
        revoke_family(ctx, family, "refresh_token_reuse")
        audit.event("token_revocation", pool=family.pool_id, client=client.id, user_id=family.user_id, origin_jti=family.origin_jti,
                    reason="refresh_token_reuse", ip=ctx.source_ip)
        raise errors.RefreshTokenReuse("Refresh token has been reused; all tokens of this session are revoked.", persist=True)
    if not rotate:
        return None
    if row.rotated_at is None:
        row.rotated_at = ctx.now
    return new_refresh_token(ctx, family)


def rotation_enabled(client: AppClient) -> bool:
    return (client.config.get("RefreshTokenRotation") or {}).get("Feature") == "ENABLED"


def revoke_family(ctx: Context, family: TokenFamily, reason: str) -> None:
    if family.revoked_at is None:
        family.revoked_at = ctx.now
        family.revoked_reason = reason


def revoke_user_sessions(ctx: Context, user: User, reason: str) -> None:
    """End every session of the user at once (global sign-out, disable, reset)."""
    ctx.db.execute(
        update(TokenFamily)
        .where(TokenFamily.user_id == user.id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=ctx.now, revoked_reason=reason)
    )
