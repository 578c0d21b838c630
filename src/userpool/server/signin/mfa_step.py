"""Which MFA challenge a sign-in must answer after its first factor, if any.

The preferred method, the only one, ``SELECT_MFA_TYPE`` among several, or -- when the pool
requires MFA and the user has nothing usable -- ``MFA_SETUP``. In an ``ON`` pool a user with
a phone number (SMS offered) or a verified e-mail (e-mail offered) gets codes there without
any setup, as Cognito does. A remembered device (``server/devices.py``) answers DEVICE_SRP_AUTH
instead when the pool's ChallengeRequiredOnNewDevice allows it. Which methods the pool and user
have is ``server/mfa.py``'s.
"""

from __future__ import annotations

from typing import Any

from userpool.server import devices, mfa
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import device_srp_auth, mfa_methods, mfa_setup, select_mfa_type


def next_step(
    ctx: Context, pool: UserPool, client: AppClient, user: User, caller: Caller, source: str = names.TOKENS_AUTHENTICATION
) -> dict[str, Any] | None:
    """The MFA challenge this sign-in must answer next, or None when tokens may be issued."""
    required = mfa.mode(pool)
    if required == "OFF":
        return None
    methods = mfa.enabled(pool, user)
    if not methods and required == "ON":
        methods = mfa.automatic(pool, user)
    if not methods and required != "ON":
        return None
    device = None if caller.hosted or not devices.replaces_mfa(pool) else devices.find(ctx, user, ctx.device_key)
    if device is not None and devices.is_remembered(device):  # the remembered device in place of MFA
        return device_srp_auth.issue(ctx, client, user, device, source, caller)
    if not methods:
        return mfa_setup.issue(ctx, pool, client, user, source, caller)
    preferred = mfa.settings(user).get("Preferred")
    if preferred in methods:
        return mfa_methods.ask(ctx, pool, client, user, preferred, source, caller)
    if len(methods) == 1:
        return mfa_methods.ask(ctx, pool, client, user, methods[0], source, caller)
    return select_mfa_type.issue(ctx, pool, client, user, methods, source, caller)
