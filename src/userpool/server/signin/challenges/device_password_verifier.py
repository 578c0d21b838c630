"""DEVICE_PASSWORD_VERIFIER: the device's SRP proof, signed with the device group key and
device key (``userpool.srp.verify_realm_claim``). A right proof ends the sign-in without MFA;
a wrong one counts toward the account lockout like a wrong password."""

from __future__ import annotations

import base64
from typing import Any

from userpool import srp
from userpool.server import challenge_sessions, errors, messages, users
from userpool.server.context import Context
from userpool.server.db import AppClient, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _mfa
from userpool.server.signin.challenges.device_srp_auth import require_device
from userpool.server.signin.challenges.password_verifier import password_claim


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    block, signature, timestamp = password_claim(answers)
    pending = challenge_sessions.take_session(ctx, block, client, names.DEVICE_PASSWORD_VERIFIER)
    pipeline.check_caller(pending, caller, ctx)
    user = users.get_user(ctx.db, pending.row.user_id, for_update=True) if pending.row.user_id is not None else None
    if user is None or not user.enabled:
        raise errors.NotAuthorized(messages.USER_DISABLED if user is not None else messages.INVALID_SESSION, persist=True)
    caller.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), user.username)
    pipeline.check_not_locked(ctx, pool, user, user.username)
    device = require_device(ctx, user, pending.state, answers)
    try:
        base64.b64decode(block, validate=True)
        ok = srp.verify_realm_claim(bytes.fromhex(pending.state["key"]), device.group_key, device.device_key, block,
                                    timestamp, signature)
    except ValueError:
        ok = False
    if not ok:
        pipeline.wrong_password(ctx, pool, client, user, user.username)
    ctx.device_key = device.device_key
    return pipeline.issue_tokens(ctx, pool, client, user, caller, _mfa.source(pending))
