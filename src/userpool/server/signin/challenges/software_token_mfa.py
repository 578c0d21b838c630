"""SOFTWARE_TOKEN_MFA: a TOTP code from the user's authenticator app (RFC 6238)."""

from __future__ import annotations

from typing import Any

from userpool.server import errors, lockout, messages, mfa
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _mfa


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User, source: str, caller: Caller,
    state: dict[str, Any] | None = None, address: str | None = None,
) -> dict[str, Any]:
    """Ask for a code; the device's name, when the user gave one, helps them pick the app."""
    parameters = {"USER_ID_FOR_SRP": user.username}
    if mfa.settings(user).get("TotpDevice"):
        parameters["FRIENDLY_DEVICE_NAME"] = mfa.settings(user)["TotpDevice"]
    session = _mfa.open_method(ctx, client, user, names.SOFTWARE_TOKEN_MFA, source, caller, state)
    return _mfa.answer_of(names.SOFTWARE_TOKEN_MFA, session, parameters)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    # Legacy clients send the TOTP code as both SOFTWARE_TOKEN_MFA_CODE and SMS_MFA_CODE.
    code = answers.get("SOFTWARE_TOKEN_MFA_CODE") or answers.get("SMS_MFA_CODE")
    if not code:
        raise errors.InvalidParameter("Missing required parameter SOFTWARE_TOKEN_MFA_CODE")
    pending, user = pipeline.take_challenge(ctx, client, answers, session, names.SOFTWARE_TOKEN_MFA, caller)
    lockout.check_not_locked(user, ctx.now)
    secret = mfa.active_secret(ctx, user)
    if secret is None:
        raise errors.SoftwareTokenMFANotFound("Software token MFA has not been set up for the user.", persist=True)
    last = mfa.settings(user).get("TotpLastStep")
    step = mfa.totp_step(secret, code, ctx.now, after=last)
    if step is None and mfa.totp_reused(secret, code, ctx.now, last):
        # Cognito: ExpiredCodeException "Your software token has already been used once." for a
        # code of a step already spent (by VerifySoftwareToken or an earlier sign-in); counted
        # like a wrong code, the session kept for a fresh one
        _mfa.wrong_code(ctx, pool, client, user, pending, errors.ExpiredCode(messages.TOTP_ALREADY_USED, persist=True))
    if step is None:
        _mfa.wrong_code(ctx, pool, client, user, pending)
    mfa.save(user, TotpLastStep=step)
    return pipeline.issue_tokens(ctx, pool, client, user, caller, _mfa.source(pending))
