"""NEW_PASSWORD_REQUIRED: a user created with a temporary password (AdminCreateUser, or
AdminSetUserPassword without ``Permanent``) chooses a password, and any required attribute
still missing, before the sign-in goes on to MFA and tokens."""

from __future__ import annotations

import json
from typing import Any

from userpool.server import audit, errors, passwords, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.complete import complete_sign_in


def issue(ctx: Context, pool: UserPool, client: AppClient, user: User, caller: Caller) -> dict[str, Any]:
    required = [
        f"userAttributes.{a['Name']}"
        for a in pool.config.get("SchemaAttributes", [])
        if a.get("Required") and a["Name"] != "sub" and not user.attr(a["Name"])
    ]
    current = {k: v for k, v in user.attr_map().items() if k != "sub"}
    session = pipeline.open_challenge(ctx, client, user, user.username, names.NEW_PASSWORD_REQUIRED, caller)
    return {
        "ChallengeName": names.NEW_PASSWORD_REQUIRED,
        "Session": session,
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": json.dumps(required),
            "userAttributes": json.dumps(current),
        },
    }


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    new_password = answers.get("NEW_PASSWORD")
    if not new_password:
        raise errors.InvalidParameter("Missing required parameter NEW_PASSWORD")
    _, user = pipeline.take_challenge(ctx, client, answers, session, names.NEW_PASSWORD_REQUIRED, caller)
    pipeline.account_usable(user)  # disabled (or reset) since the challenge was issued
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
    return complete_sign_in(ctx, pool, client, user, caller, names.TOKENS_NEW_PASSWORD)
