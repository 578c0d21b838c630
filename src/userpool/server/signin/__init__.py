"""Signing in, in one place: the wire operations (``ops/auth.py``) and the hosted sign-in
page both call in here, so there is one copy of every sign-in rule.

Layout (one module per AuthFlow and per challenge, as Authlib keeps one grant per module):

- ``tables``: FLOWS / ADMIN_FLOWS / CHALLENGES and the dispatchers ``initiate`` / ``respond``;
- ``flows/``: user_srp_auth, user_password_auth, refresh_token_auth, custom_auth, user_auth;
- ``challenges/``: password_verifier, new_password_required, custom_challenge,
  software_token_mfa, sms_mfa, email_otp, select_mfa_type, mfa_setup, and USER_AUTH's
  select_challenge, email_otp_sign_in, sms_otp (each issues and answers);
- ``first_factors``: USER_AUTH's first factors (FIRST_FACTORS), offered and started by name;
- ``pipeline``: the shared steps (user lookup, lockout, account state, challenge sessions,
  tokens); ``first_factor`` and ``complete``: their order; ``mfa_step``: the next MFA step;
- ``caller``: wire or hosted page (ExplicitAuthFlows and SECRET_HASH apply to the wire only),
  and the :class:`TokenOptions` a caller passes to token issuance;
- ``names``: AuthFlow, ChallengeName and PreTokenGeneration source names;
- ``entry``: :func:`start_password_sign_in` and :func:`respond_to_challenge` for callers
  inside the server (the hosted page), without a wire request.
"""

from __future__ import annotations

from userpool.server.signin import names
from userpool.server.signin.caller import WIRE, Caller, TokenOptions
from userpool.server.signin.entry import respond_to_challenge, start_password_sign_in
from userpool.server.signin.tables import ADMIN_FLOWS, CHALLENGES, FLOWS, initiate, respond

__all__ = [
    "ADMIN_FLOWS",
    "CHALLENGES",
    "FLOWS",
    "WIRE",
    "Caller",
    "TokenOptions",
    "initiate",
    "names",
    "respond",
    "respond_to_challenge",
    "start_password_sign_in",
]
