"""The flow and challenge tables, built once at import (as ``operations.HANDLERS`` is), and
the two dispatchers every sign-in goes through, wire or hosted page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from userpool.server import errors, messages
from userpool.server.context import Context
from userpool.server.db import AppClient, UserPool
from userpool.server.signin import names
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import (
    custom_challenge,
    device_password_verifier,
    device_srp_auth,
    email_otp_sign_in,
    mfa_setup,
    new_password_required,
    password_verifier,
    select_challenge,
    select_mfa_type,
    sms_mfa,
    sms_otp,
    software_token_mfa,
    web_authn,
)
from userpool.server.signin.flows.custom_auth import custom_auth
from userpool.server.signin.flows.refresh_token_auth import refresh_token_auth
from userpool.server.signin.flows.user_auth import user_auth
from userpool.server.signin.flows.user_password_auth import admin_user_password_auth, user_password_auth
from userpool.server.signin.flows.user_srp_auth import user_srp_auth

Flow = Callable[[Context, UserPool, AppClient, dict[str, Any], Caller], dict[str, Any]]
SessionFlow = Callable[[Context, UserPool, AppClient, dict[str, Any], Caller, str | None], dict[str, Any]]
Answer = Callable[[Context, UserPool, AppClient, dict[str, Any], str | None, Caller], dict[str, Any]]

FLOWS: dict[str, Flow] = {  # InitiateAuth
    names.USER_SRP_AUTH: user_srp_auth,
    names.USER_PASSWORD_AUTH: user_password_auth,
    names.REFRESH_TOKEN_AUTH: refresh_token_auth,
    names.REFRESH_TOKEN: refresh_token_auth,
    names.CUSTOM_AUTH: custom_auth,
    names.USER_AUTH: user_auth,  # also takes InitiateAuth's Session (SESSION_FLOWS)
}
SESSION_FLOWS: dict[str, SessionFlow] = {names.USER_AUTH: user_auth}  # flows that read InitiateAuth's ``Session`` member
ADMIN_FLOWS: dict[str, Flow] = {  # AdminInitiateAuth: USER_PASSWORD_AUTH is ADMIN_USER_PASSWORD_AUTH there
    **{k: v for k, v in FLOWS.items() if k != names.USER_PASSWORD_AUTH},
    names.ADMIN_USER_PASSWORD_AUTH: admin_user_password_auth,
    names.ADMIN_NO_SRP_AUTH: admin_user_password_auth,
}
CHALLENGES: dict[str, Answer] = {  # RespondToAuthChallenge / AdminRespondToAuthChallenge
    names.PASSWORD_VERIFIER: password_verifier.answer,
    names.NEW_PASSWORD_REQUIRED: new_password_required.answer,
    names.CUSTOM_CHALLENGE: custom_challenge.answer,
    names.SOFTWARE_TOKEN_MFA: software_token_mfa.answer,
    names.SMS_MFA: sms_mfa.answer,
    names.EMAIL_OTP: email_otp_sign_in.answer,  # USER_AUTH's first factor, or e-mail MFA (email_otp.answer)
    names.SELECT_MFA_TYPE: select_mfa_type.answer,
    names.MFA_SETUP: mfa_setup.answer,
    names.DEVICE_SRP_AUTH: device_srp_auth.answer,
    names.DEVICE_PASSWORD_VERIFIER: device_password_verifier.answer,
    names.SELECT_CHALLENGE: select_challenge.answer,  # USER_AUTH: the first factor chosen (first_factors.py)
    names.SMS_OTP: sms_otp.answer,
    names.WEB_AUTHN: web_authn.answer,  # USER_AUTH's passkey first factor (server/passkeys.py)
}


def initiate(
    ctx: Context, pool: UserPool, client: AppClient, flow: str, params: dict[str, Any], caller: Caller, *, admin: bool,
    session: str | None = None,
) -> dict[str, Any]:
    handler = (ADMIN_FLOWS if admin else FLOWS).get(flow)
    if handler is None:
        # Cognito's words, with no flow named: USER_PASSWORD_AUTH to AdminInitiateAuth, ADMIN_* to InitiateAuth
        raise errors.InvalidParameter(messages.AUTH_FLOW_NOT_SUPPORTED)
    ctx.device_key = _device_key(params)
    if flow in SESSION_FLOWS:
        return SESSION_FLOWS[flow](ctx, pool, client, params, caller, session)
    return handler(ctx, pool, client, params, caller)


def respond(
    ctx: Context, pool: UserPool, client: AppClient, name: str, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    handler = CHALLENGES.get(name)
    if handler is None:
        raise errors.InvalidParameter(f"Unsupported challenge: {name}")
    ctx.device_key = _device_key(answers)
    return handler(ctx, pool, client, answers, session, caller)


def _device_key(params: dict[str, Any]) -> str | None:
    """The DEVICE_KEY a sign-in step names (AuthParameters or ChallengeResponses), if a string."""
    key = params.get("DEVICE_KEY")
    return key if isinstance(key, str) and key else None
