"""Signing in: InitiateAuth / AdminInitiateAuth and RespondToAuthChallenge /
AdminRespondToAuthChallenge.

One sign-in travels: flow (SRP, password, refresh) → first factor verified → account state
checks (confirmed, enabled, reset required, new password required) → MFA → tokens. Each
step either answers with the next challenge and a ``Session`` or issues tokens.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

from userpool import srp
from userpool.server import (
    audit,
    challenges,
    enumeration,
    errors,
    lockout,
    mfa,
    migration,
    passwords,
    pools,
    tokens,
    triggers,
    users,
)
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool

PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
_WRONG_PASSWORD = "Incorrect username or password."


# ------------------------------------------------------------------ entry points


def initiate_auth(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client = pools.get_client(ctx.db, req["ClientId"])
    pool = pools.get_pool(ctx.db, client.pool_id)
    flow = req["AuthFlow"]
    handler = _flow(flow, admin=False)
    if handler is None:
        raise errors.InvalidParameter(f"Initiate Auth method not supported: {flow}")
    return handler(ctx, pool, client, req.get("AuthParameters") or {})


def admin_initiate_auth(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    client = pools.get_client(ctx.db, req["ClientId"], pool.id)
    flow = req["AuthFlow"]
    handler = _flow(flow, admin=True)
    if handler is None:
        raise errors.InvalidParameter(f"Initiate Auth method not supported: {flow}")
    return handler(ctx, pool, client, req.get("AuthParameters") or {})


def respond_to_auth_challenge(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client = pools.get_client(ctx.db, req["ClientId"])
    pool = pools.get_pool(ctx.db, client.pool_id)
    return _respond(ctx, pool, client, req)


def admin_respond_to_auth_challenge(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    client = pools.get_client(ctx.db, req["ClientId"], pool.id)
    return _respond(ctx, pool, client, req)


def _respond(ctx: Context, pool: UserPool, client: AppClient, req: dict[str, Any]) -> dict[str, Any]:
    name = req["ChallengeName"]
    handler = _challenge_handler(name)
    if handler is None:
        raise errors.InvalidParameter(f"Unsupported challenge: {name}")
    return handler(ctx, pool, client, req.get("ChallengeResponses") or {}, req.get("Session"))


# ------------------------------------------------------------------ flows


def _require_flow(client: AppClient, flow: str) -> None:
    if flow not in pools.explicit_auth_flows(client):
        raise errors.InvalidParameter(f"{flow.removeprefix('ALLOW_')} flow not enabled for this client")


def _lookup(ctx: Context, pool: UserPool, client: AppClient, username: str) -> User | None:
    """The user signing in, or None; without PreventUserExistenceErrors an unknown user is an error."""
    if not username:
        raise errors.InvalidParameter("Missing required parameter USERNAME")
    user = users.find_user(ctx.db, pool, username, for_update=True)
    if user is None and not pools.prevent_user_existence_errors(client):
        raise errors.UserNotFound("User does not exist.")
    return user


def _password_flow(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any], flow: str) -> dict[str, Any]:
    _require_flow(client, flow)
    username = params.get("USERNAME", "")
    password = params.get("PASSWORD")
    if not password:
        raise errors.InvalidParameter("Missing required parameter PASSWORD")
    user = migration.on_sign_in(ctx, pool, client, username, password) or _lookup(ctx, pool, client, username)
    pools.check_secret_hash(ctx, client, params.get("SECRET_HASH"), username, *( [user.username] if user else []))
    if user is not None:
        lockout.check_not_locked(user, ctx.now)
    else:
        enumeration.check_not_locked(ctx, pool, username)
    _no_password_yet(user)
    if not passwords.verify_password(user, password) or user is None:
        _failed(ctx, pool, client, user, username)
    assert user is not None
    return _first_factor_passed(ctx, pool, client, user)


def user_password_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any]) -> dict[str, Any]:
    return _password_flow(ctx, pool, client, params, "ALLOW_USER_PASSWORD_AUTH")


def admin_user_password_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any]) -> dict[str, Any]:
    return _password_flow(ctx, pool, client, params, "ALLOW_ADMIN_USER_PASSWORD_AUTH")


def user_srp_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any]) -> dict[str, Any]:
    _require_flow(client, "ALLOW_USER_SRP_AUTH")
    username = params.get("USERNAME", "")
    big_a = srp.parse_srp_a(params.get("SRP_A") or "")
    if big_a is None:
        raise errors.InvalidParameter("Missing required parameter SRP_A" if not params.get("SRP_A") else "SRP_A is invalid")
    user = _lookup(ctx, pool, client, username)
    pools.check_secret_hash(ctx, client, params.get("SECRET_HASH"), username, *([user.username] if user else []))
    _no_password_yet(user)
    return srp_challenge(ctx, pool, client, user, username, big_a)


def _no_password_yet(user: User | None) -> None:
    """Imported users (RESET_REQUIRED, no password at all yet) are told to reset it, as Cognito does."""
    if user is not None and user.status == users.RESET_REQUIRED and not user.password_hash:
        raise errors.PasswordResetRequired("Password reset required for the user")


def srp_challenge(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, big_a: int, state: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Answer SRP_A with PASSWORD_VERIFIER: salt, B and a single-use SECRET_BLOCK.

    The session key is computed here and kept sealed with the session, so the answer only
    costs an HMAC. An unknown user (with PreventUserExistenceErrors) gets a salt and
    verifier derived from the username, stable across calls, and fails at the answer.
    """
    if user is not None and user.srp_verifier_sealed:
        salt, verifier, user_id = user.srp_salt or "", passwords.srp_verifier(user, ctx.sealer), user.username
    else:
        seed = ctx.sealer.derive("fake-srp", pool.id, username.lower())
        salt = srp.pad_hex(int.from_bytes(seed[:16], "big") or 1)  # as srp.new_salt: odd and even alike
        # A quadratic residue mod N, as g^x is, for the price of one multiplication: the known
        # user's path costs no modular exponentiation here either (its verifier is stored).
        wide = hashlib.shake_256(ctx.sealer.derive("fake-verifier", pool.id, username.lower())).digest(384)
        verifier = pow(int.from_bytes(wide, "big") % srp.N, 2, srp.N) or 1
        user_id = username
    eph = srp.server_ephemeral(verifier)
    key = srp.server_session_key(big_a, verifier, eph)
    if key is None:
        raise errors.InvalidParameter("SRP_A is invalid")
    handle = challenges.open_session(
        ctx, client, user, user_id, PASSWORD_VERIFIER, {"key": key.hex(), "user_id": user_id, **(state or {})}, secret_block=True
    )
    return {
        "ChallengeName": PASSWORD_VERIFIER,
        "ChallengeParameters": {
            "SALT": salt,
            "SECRET_BLOCK": handle,
            "SRP_B": eph.srp_b,
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    }


def refresh_token_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any]) -> dict[str, Any]:
    """REFRESH_TOKEN_AUTH; Cognito refuses it on clients that rotate refresh tokens, whose
    rotation only GetTokensFromRefreshToken performs."""
    _require_flow(client, "ALLOW_REFRESH_TOKEN_AUTH")
    if tokens.rotation_enabled(client):
        raise errors.InvalidParameter(
            "REFRESH_TOKEN_AUTH is not allowed for a client with refresh token rotation; use GetTokensFromRefreshToken."
        )
    token = params.get("REFRESH_TOKEN")
    if not token:
        raise errors.InvalidParameter("Missing required parameter REFRESH_TOKEN")
    row, family, user = tokens.find_refresh_token(ctx, token, client)
    pools.check_secret_hash(ctx, client, params.get("SECRET_HASH"), params.get("USERNAME", ""), user.username, user.sub)
    tokens.use_refresh_token(ctx, client, row, family, rotate=False)
    result = tokens.authentication_result(ctx, pool, client, user, family, None, source="TokenGeneration_RefreshTokens")
    return {"AuthenticationResult": result, "ChallengeParameters": {}}


_PUBLIC_FLOWS: dict[str, Callable[[Context, UserPool, AppClient, dict[str, Any]], dict[str, Any]]] = {
    "USER_SRP_AUTH": user_srp_auth,
    "USER_PASSWORD_AUTH": user_password_auth,
    "REFRESH_TOKEN_AUTH": refresh_token_auth,
    "REFRESH_TOKEN": refresh_token_auth,
}
_ADMIN_FLOWS = {
    **_PUBLIC_FLOWS,
    "ADMIN_USER_PASSWORD_AUTH": admin_user_password_auth,
    "ADMIN_NO_SRP_AUTH": admin_user_password_auth,
}
del _ADMIN_FLOWS["USER_PASSWORD_AUTH"]


# ------------------------------------------------------------------ after the first factor


def _failed(ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str) -> None:
    """A wrong password: count it (lockout; for an unknown name too, see enumeration.py) and
    fail, committing the count."""
    if user is not None:
        lockout.record_failure(user, ctx.now)
    else:
        enumeration.record_failure(ctx, pool, username)
    audit.event("sign_in_failure", pool=pool.id, client=client.id, user=user.sub if user else None, reason="bad_password",
                ip=ctx.source_ip)
    raise errors.NotAuthorized(_WRONG_PASSWORD, persist=True)


def _account_usable(user: User) -> None:
    if not user.enabled:
        raise errors.NotAuthorized("User is disabled.", persist=True)
    if user.status == users.UNCONFIRMED:
        raise errors.UserNotConfirmed("User is not confirmed.", persist=True)
    if user.status == users.RESET_REQUIRED:
        raise errors.PasswordResetRequired("Password reset required for the user", persist=True)


def _first_factor_passed(ctx: Context, pool: UserPool, client: AppClient, user: User) -> dict[str, Any]:
    # The failure count is reset when tokens are issued (issue_tokens), not here: wrong MFA
    # codes count toward the same lockout, and a right password must not wipe them.
    _account_usable(user)
    triggers.pre_authentication(ctx, pool, client, user)
    if user.status == users.FORCE_CHANGE_PASSWORD:
        if user.temp_password_expires_at is not None and user.temp_password_expires_at < ctx.now:
            raise errors.NotAuthorized("Temporary password has expired and must be reset by an administrator.", persist=True)
        return _new_password_challenge(ctx, pool, client, user)
    return complete_sign_in(ctx, pool, client, user)


def _new_password_challenge(ctx: Context, pool: UserPool, client: AppClient, user: User) -> dict[str, Any]:
    required = [
        f"userAttributes.{a['Name']}"
        for a in pool.config.get("SchemaAttributes", [])
        if a.get("Required") and a["Name"] != "sub" and not user.attr(a["Name"])
    ]
    current = {k: v for k, v in user.attr_map().items() if k != "sub"}
    session = challenges.open_session(ctx, client, user, user.username, NEW_PASSWORD_REQUIRED)
    return {
        "ChallengeName": NEW_PASSWORD_REQUIRED,
        "Session": session,
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": json.dumps(required),
            "userAttributes": json.dumps(current),
        },
    }


def complete_sign_in(
    ctx: Context, pool: UserPool, client: AppClient, user: User, source: str = "TokenGeneration_Authentication"
) -> dict[str, Any]:
    """MFA if the pool and user call for it, else tokens for a new token family.

    ``source`` is the PreTokenGeneration triggerSource the tokens will be made with.
    """
    step = mfa.next_step(ctx, pool, client, user, source)
    if step is not None:
        return step
    return issue_tokens(ctx, pool, client, user, source)


def issue_tokens(
    ctx: Context, pool: UserPool, client: AppClient, user: User, source: str = "TokenGeneration_Authentication"
) -> dict[str, Any]:
    lockout.record_success(user)
    family = tokens.start_family(ctx, client, user)
    refresh = tokens.new_refresh_token(ctx, family)
    result = tokens.authentication_result(ctx, pool, client, user, family, refresh, source=source)
    triggers.post_authentication(ctx, pool, client, user)
    audit.event("sign_in_success", pool=pool.id, client=client.id, user=user.sub, origin_jti=family.origin_jti, ip=ctx.source_ip)
    return {"AuthenticationResult": result, "ChallengeParameters": {}}


# ------------------------------------------------------------------ challenge answers


def password_verifier(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None
) -> dict[str, Any]:
    block = answers.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
    signature = answers.get("PASSWORD_CLAIM_SIGNATURE") or ""
    timestamp = answers.get("TIMESTAMP") or ""
    if not block or not signature or not timestamp:
        raise errors.InvalidParameter("Missing required parameter PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE or TIMESTAMP")
    pending = challenges.take_session(ctx, block, client, PASSWORD_VERIFIER)
    user = ctx.db.get(User, pending.row.user_id, with_for_update=True) if pending.row.user_id is not None else None
    user_id = pending.state["user_id"]
    pools.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), user_id)
    if user is not None:
        lockout.check_not_locked(user, ctx.now)
    else:
        enumeration.check_not_locked(ctx, pool, user_id)
    try:
        base64.b64decode(block, validate=True)
        ok = srp.verify_claim(bytes.fromhex(pending.state["key"]), pool.id, user_id, block, timestamp, signature)
    except ValueError:
        ok = False
    if not ok or user is None:
        _failed(ctx, pool, client, user, user_id)
    assert user is not None
    if "custom" in pending.state:  # CUSTOM_AUTH with CHALLENGE_NAME SRP_A: back to DefineAuthChallenge
        from userpool.server.ops import custom_auth

        return custom_auth.after_password_verifier(ctx, pool, client, user, pending.state["custom"])
    return _first_factor_passed(ctx, pool, client, user)


def new_password_required(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None
) -> dict[str, Any]:
    new_password = answers.get("NEW_PASSWORD")
    if not new_password:
        raise errors.InvalidParameter("Missing required parameter NEW_PASSWORD")
    pending = challenges.take_session(ctx, session, client, NEW_PASSWORD_REQUIRED)
    user = ctx.db.get(User, pending.row.user_id)
    if user is None:
        raise errors.NotAuthorized("Invalid session for the user.")
    pools.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), user.username)
    _account_usable(user)  # disabled (or reset) since the challenge was issued
    passwords.check_policy(new_password, passwords.policy_of(pool.config))
    attributes = [
        {"Name": k.removeprefix("userAttributes."), "Value": v} for k, v in answers.items() if k.startswith("userAttributes.")
    ]
    users.apply_attributes(ctx, pool, user, attributes, admin=False, writable=client.config.get("WriteAttributes"))
    users.check_required(pool, user)
    users.check_alias_unique(ctx, pool, user)
    passwords.set_password(user, new_password, ctx.sealer)
    user.status = users.CONFIRMED
    user.temp_password_expires_at = None
    users.touch(ctx, user)
    audit.event("password_change", pool=pool.id, user=user.sub, reason="new_password_required")
    return complete_sign_in(ctx, pool, client, user, "TokenGeneration_NewPasswordChallenge")


ChallengeHandler = Callable[[Context, UserPool, AppClient, dict[str, Any], str | None], dict[str, Any]]
_CHALLENGES: dict[str, ChallengeHandler] = {
    PASSWORD_VERIFIER: password_verifier,
    NEW_PASSWORD_REQUIRED: new_password_required,
}


def _challenge_handler(name: str) -> ChallengeHandler | None:
    """This module's answers, then MFA's and custom authentication's (their modules import
    this one, so they are looked up when a request comes, not at import)."""
    from userpool.server.ops import custom_auth
    from userpool.server.ops import mfa as mfa_ops

    return {**_CHALLENGES, **mfa_ops.CHALLENGES, **custom_auth.CHALLENGES}.get(name)


def _flow(name: str, admin: bool) -> Callable[[Context, UserPool, AppClient, dict[str, Any]], dict[str, Any]] | None:
    if name == "CUSTOM_AUTH":
        from userpool.server.ops import custom_auth

        return custom_auth.custom_auth
    return (_ADMIN_FLOWS if admin else _PUBLIC_FLOWS).get(name)
