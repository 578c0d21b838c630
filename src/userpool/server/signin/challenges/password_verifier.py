"""PASSWORD_VERIFIER: SRP's second step. :func:`issue` answers ``SRP_A`` with salt, ``SRP_B``
and a single-use ``SECRET_BLOCK``; :func:`answer` checks the client's proof of the password.

The session key is computed at issue time and kept sealed with the session, so the answer
costs only an HMAC. An unknown user (with PreventUserExistenceErrors) gets a salt and
verifier derived from the username, stable across calls, and fails at the answer like a
wrong password.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from userpool import srp
from userpool.server import challenge_sessions, errors, passwords, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import custom_challenge
from userpool.server.signin.first_factor import first_factor_passed


def _verifier(ctx: Context, pool: UserPool, user: User | None, username: str) -> tuple[str, int, str]:
    """(salt, verifier, USER_ID_FOR_SRP): the user's, or a stand-in derived from the name."""
    if user is not None and user.srp_verifier_sealed:
        return user.srp_salt or "", passwords.srp_verifier(user, ctx.sealer), user.username
    seed = ctx.sealer.derive("fake-srp", pool.id, username.lower())
    salt = srp.pad_hex(int.from_bytes(seed[:16], "big") or 1)  # as srp.new_salt: odd and even alike
    # A quadratic residue mod N, as g^x is, for the price of one multiplication: the known
    # user's path costs no modular exponentiation here either (its verifier is stored).
    wide = hashlib.shake_256(ctx.sealer.derive("fake-verifier", pool.id, username.lower())).digest(384)
    return salt, pow(int.from_bytes(wide, "big") % srp.N, 2, srp.N) or 1, username


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, big_a: int, caller: Caller,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    salt, verifier, user_id = _verifier(ctx, pool, user, username)
    eph = srp.server_ephemeral(verifier)
    key = srp.server_session_key(big_a, verifier, eph)
    if key is None:
        raise errors.InvalidParameter("SRP_A is invalid")
    handle = pipeline.open_challenge(
        ctx, client, user, user_id, names.PASSWORD_VERIFIER, caller, {"key": key.hex(), "user_id": user_id, **(state or {})},
        secret_block=True,
    )
    return {
        "ChallengeName": names.PASSWORD_VERIFIER,
        "ChallengeParameters": {
            "SALT": salt,
            "SECRET_BLOCK": handle,
            "SRP_B": eph.srp_b,
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    }


def password_claim(answers: dict[str, Any]) -> tuple[str, str, str]:
    """(PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE, TIMESTAMP) of an SRP answer, the
    user's (PASSWORD_VERIFIER) or a device's (DEVICE_PASSWORD_VERIFIER); all three are required."""
    block = answers.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
    signature = answers.get("PASSWORD_CLAIM_SIGNATURE") or ""
    timestamp = answers.get("TIMESTAMP") or ""
    if not block or not signature or not timestamp:
        raise errors.InvalidParameter("Missing required parameter PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE or TIMESTAMP")
    return block, signature, timestamp


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    block, signature, timestamp = password_claim(answers)
    pending = challenge_sessions.take_session(ctx, block, client, names.PASSWORD_VERIFIER)
    pipeline.check_caller(pending, caller, ctx)
    user = users.get_user(ctx.db, pending.row.user_id, for_update=True) if pending.row.user_id is not None else None
    user_id = pending.state["user_id"]
    caller.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), user_id)
    pipeline.check_not_locked(ctx, pool, user, user_id)
    try:
        base64.b64decode(block, validate=True)
        ok = srp.verify_claim(bytes.fromhex(pending.state["key"]), pool.id, user_id, block, timestamp, signature)
    except ValueError:
        ok = False
    if not ok or user is None:
        pipeline.wrong_password(ctx, pool, client, user, user_id)
    if "custom" in pending.state:  # CUSTOM_AUTH with CHALLENGE_NAME SRP_A: back to DefineAuthChallenge
        return custom_challenge.after_password_verifier(ctx, pool, client, user, pending.state["custom"], caller)
    return first_factor_passed(ctx, pool, client, user, caller)
