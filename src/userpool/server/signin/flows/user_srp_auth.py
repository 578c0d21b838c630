"""USER_SRP_AUTH: the password never leaves the client. InitiateAuth sends ``SRP_A``; the
answer is PASSWORD_VERIFIER (``challenges/password_verifier.py``)."""

from __future__ import annotations

from typing import Any

from userpool import srp
from userpool.server import errors
from userpool.server.context import Context
from userpool.server.db import AppClient, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import password_verifier


def parse_srp_a(params: dict[str, Any]) -> int:
    """``SRP_A`` as a number; ``InvalidParameterException`` when missing or not a valid A."""
    big_a = srp.parse_srp_a(params.get("SRP_A") or "")
    if big_a is None:
        raise errors.InvalidParameter("Missing required parameter SRP_A" if not params.get("SRP_A") else "SRP_A is invalid")
    return big_a


def user_srp_auth(ctx: Context, pool: UserPool, client: AppClient, params: dict[str, Any], caller: Caller) -> dict[str, Any]:
    caller.require_flow(client, names.ALLOW_USER_SRP_AUTH)
    username = params.get("USERNAME", "")
    big_a = parse_srp_a(params)
    user = pipeline.find_user(ctx, pool, client, username)
    caller.check_secret_hash(ctx, client, params.get("SECRET_HASH"), username, *([user.username] if user else []))
    pipeline.no_password_yet(user)
    return password_verifier.issue(ctx, pool, client, user, username, big_a, caller)
