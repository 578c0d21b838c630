"""MFA_SETUP: the pool requires MFA and the user has no usable method (``MFAS_CAN_SETUP``).

TOTP is set up inside the challenge with AssociateSoftwareToken and VerifySoftwareToken
(``ops/mfa.py``), which pass the Session along; VerifySoftwareToken registers and turns it
on (as Cognito does), and the answer with its Session completes the sign-in. E-mail MFA is
set up by answering with ``EMAIL``: a code goes there (EMAIL_OTP), and its answer completes it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from userpool.server import audit, errors, mfa
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _mfa, email_otp

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def issue(ctx: Context, pool: UserPool, client: AppClient, user: User, source: str, caller: Caller) -> dict[str, Any]:
    methods = mfa.can_set_up(pool)
    session = pipeline.open_challenge(
        ctx, client, user, user.username, names.MFA_SETUP, caller, {"source": source, "choices": methods}
    )
    parameters = {"MFAS_CAN_SETUP": json.dumps(methods), "USER_ID_FOR_SRP": user.username}
    return _mfa.answer_of(names.MFA_SETUP, session, parameters)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    pending, user = pipeline.take_challenge(ctx, client, answers, session, names.MFA_SETUP, caller)
    state = pending.state
    email = answers.get("EMAIL")
    if email:
        if mfa.EMAIL_OTP not in state.get("choices", []):
            raise errors.InvalidParameter("Email MFA cannot be set up in this user pool.")
        if not _EMAIL.match(email):
            raise errors.InvalidParameter("Invalid email address format.")
        return email_otp.issue(ctx, pool, client, user, _mfa.source(pending), caller, {"setup_email": email}, address=email)
    totp = state.get("totp") or {}
    if not totp.get("verified"):
        raise errors.SoftwareTokenMFANotFound(
            "Software token MFA is not set up: call AssociateSoftwareToken and VerifySoftwareToken with this Session first."
        )
    # VerifySoftwareToken already registered and turned on the TOTP (ops/mfa.py); this answer only ends the sign-in
    audit.event("mfa_setup", pool=pool.id, user=user.sub, method=mfa.SOFTWARE_TOKEN_MFA)
    return pipeline.issue_tokens(ctx, pool, client, user, caller, _mfa.source(pending))
