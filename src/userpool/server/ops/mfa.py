"""MFA operations and challenge answers: SetUserPoolMfaConfig, GetUserPoolMfaConfig,
AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference, AdminSetUserMFAPreference,
SetUserSettings, AdminSetUserSettings, and the SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP,
SELECT_MFA_TYPE and MFA_SETUP answers to RespondToAuthChallenge.

A wrong code counts toward the account lockout like a wrong password and is committed
(``persist=True``); the challenge session stays usable for another try -- Cognito and Amplify
let the user re-enter a code in the same sign-in -- up to ``mfa.MAX_ANSWERS`` wrong codes,
after which the session is gone and the user signs in again.
"""

from __future__ import annotations

import copy
import re
from typing import Any, NoReturn

from userpool.server import audit, challenges, errors, lockout, mfa, pools, tokens, users
from userpool.server.challenges import Pending
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.ops import auth

_CONFIG_KEYS = ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration", "WebAuthnConfiguration")
_SETTINGS = {"SMSMfaSettings": mfa.SMS_MFA, "SoftwareTokenMfaSettings": mfa.SOFTWARE_TOKEN_MFA, "EmailMfaSettings": mfa.EMAIL_OTP}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_WRONG_CODE = "Invalid code or auth state for the user."


# ------------------------------------------------------------------ pool configuration


def _mfa_config(pool: UserPool) -> dict[str, Any]:
    out = {k: copy.deepcopy(pool.config[k]) for k in _CONFIG_KEYS if k in pool.config}
    out["MfaConfiguration"] = mfa.mode(pool)
    return out


def set_user_pool_mfa_config(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Members given replace the pool's; members left out keep their values."""
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    config = dict(pool.config)
    for key in _CONFIG_KEYS:
        if key in req:
            config[key] = copy.deepcopy(req[key])
    if req.get("MfaConfiguration"):
        config["MfaConfiguration"] = req["MfaConfiguration"]
    candidate = UserPool(id=pool.id, name=pool.name, region=pool.region, config=config)
    if mfa.mode(candidate) != "OFF" and not mfa.pool_methods(candidate):
        raise errors.InvalidParameter(
            "Invalid MFA configuration given: MFA cannot be ON or OPTIONAL without an SMS, software token or email method."
        )
    pool.config = config
    pool.modified_at = ctx.now
    audit.event("set_user_pool_mfa_config", pool=pool.id, mode=mfa.mode(pool), methods=mfa.pool_methods(pool))
    return _mfa_config(pool)


def get_user_pool_mfa_config(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return _mfa_config(pools.get_pool(ctx.db, req["UserPoolId"]))


# ------------------------------------------------------------------ software tokens


def _one_of(req: dict[str, Any]) -> None:
    if bool(req.get("AccessToken")) == bool(req.get("Session")):
        raise errors.InvalidParameter("Exactly one of AccessToken or Session must be given.")


def _setup_session(ctx: Context, handle: str) -> tuple[Pending, User, AppClient]:
    pending = challenges.take_session(ctx, handle, None, mfa.MFA_SETUP)
    user = ctx.db.get(User, pending.row.user_id) if pending.row.user_id is not None else None
    if user is None:
        raise errors.NotAuthorized("Invalid session for the user.", persist=True)
    return pending, user, pools.get_client(ctx.db, pending.row.client_id)


def associate_software_token(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """A new TOTP seed: for a signed-in user (AccessToken), or inside MFA_SETUP (Session),
    where Amplify sends the challenge's Session and continues with the one returned."""
    _one_of(req)
    secret = mfa.new_secret()
    if req.get("AccessToken"):
        user, _ = tokens.user_from_access_token(ctx, req["AccessToken"])
        mfa.save(user, TotpPending=mfa.seal_secret(ctx, user, secret, pending=True))
        users.touch(ctx, user)
        audit.event("associate_software_token", pool=user.pool_id, user=user.sub)
        return {"SecretCode": secret}
    pending, user, client = _setup_session(ctx, req["Session"])
    if mfa.SOFTWARE_TOKEN_MFA not in pending.state.get("choices", []):
        raise errors.InvalidParameter("Software token MFA is not enabled for this user pool.")
    state = {**pending.state, "totp": {"secret": secret, "verified": False}}
    session = challenges.open_session(ctx, client, user, user.username, mfa.MFA_SETUP, state)
    return {"SecretCode": secret, "Session": session}


def verify_software_token(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Check a first code from the authenticator; the seed becomes the user's TOTP seed
    (replacing any earlier one). A wrong code is ``EnableSoftwareTokenMFAException`` and may
    be retried with the same Session."""
    _one_of(req)
    code = req["UserCode"]
    device = req.get("FriendlyDeviceName") or None
    if req.get("AccessToken"):
        user, _ = tokens.user_from_access_token(ctx, req["AccessToken"])
        sealed = mfa.settings(user).get("TotpPending")
        if not sealed:
            raise errors.SoftwareTokenMFANotFound("Software token MFA has not been associated: call AssociateSoftwareToken first.")
        secret = mfa.open_secret(ctx, user, sealed, pending=True)
        step = mfa.totp_step(secret, code, ctx.now)
        if step is None:
            raise errors.EnableSoftwareTokenMFA("Code mismatch")
        mfa.activate_totp(ctx, user, secret, step, device)
        users.touch(ctx, user)
        audit.event("verify_software_token", pool=user.pool_id, user=user.sub)
        return {"Status": "SUCCESS"}
    pending, user, client = _setup_session(ctx, req["Session"])
    totp = pending.state.get("totp")
    if not totp:
        raise errors.SoftwareTokenMFANotFound("Software token MFA has not been associated: call AssociateSoftwareToken first.")
    step = mfa.totp_step(totp["secret"], code, ctx.now)
    if step is None:
        raise errors.EnableSoftwareTokenMFA("Code mismatch")  # rolled back: the Session stays valid
    state = {**pending.state, "totp": {**totp, "verified": True, "step": step, "device": device}}
    session = challenges.open_session(ctx, client, user, user.username, mfa.MFA_SETUP, state)
    return {"Status": "SUCCESS", "Session": session}


# ------------------------------------------------------------------ user preferences


def _check_reachable(ctx: Context, pool: UserPool, user: User, method: str) -> None:
    if method not in mfa.pool_methods(pool):
        raise errors.InvalidParameter(f"{method} is not enabled for this user pool (MfaConfiguration {mfa.mode(pool)}).")
    if method == mfa.SOFTWARE_TOKEN_MFA and not (user.totp_secret_sealed and mfa.settings(user).get("TotpVerified")):
        raise errors.InvalidParameter("User has not verified software token mfa")
    if method in mfa.ATTRIBUTE and not user.attr(mfa.ATTRIBUTE[method]):
        raise errors.InvalidParameter(f"User does not have delivery config set to turn on {method}")


def _apply_preferences(ctx: Context, pool: UserPool, user: User, req: dict[str, Any]) -> None:
    """SetUserMFAPreference's rules: ``Enabled`` turns a method on or off, ``PreferredMfa``
    picks the one used when several are on (only one may be preferred)."""
    current = mfa.settings(user)
    before = mfa.user_enabled(user)
    on = set(before)
    preferred = current.get("Preferred")
    options = list(current.get("MFAOptions") or [])
    chosen = []
    for key, method in _SETTINGS.items():
        setting = req.get(key)
        if setting is None:
            continue
        if setting.get("Enabled") or setting.get("PreferredMfa"):
            _check_reachable(ctx, pool, user, method)
            on.add(method)
            if setting.get("PreferredMfa"):
                chosen.append(method)
        elif setting.get("Enabled") is False:
            on.discard(method)
            if method == mfa.SMS_MFA:
                options = [o for o in options if o.get("DeliveryMedium") != "SMS"]
        if preferred == method and (setting.get("PreferredMfa") is False or method not in on):
            preferred = None
    if len(chosen) > 1:
        raise errors.InvalidParameter("Only one MFA method can be preferred.")
    if chosen:
        preferred = chosen[0]
    if mfa.mode(pool) == "ON" and before and not on:
        raise errors.InvalidParameter("MFA is required in this user pool: at least one MFA method must stay enabled.")
    mfa.save(user, Enabled=[m for m in mfa.METHODS if m in on], Preferred=preferred, MFAOptions=options or None)
    users.touch(ctx, user)
    audit.event("set_user_mfa_preference", pool=pool.id, user=user.sub, enabled=sorted(on), preferred=preferred)


def set_user_mfa_preference(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    user, _ = tokens.user_from_access_token(ctx, req["AccessToken"])
    _apply_preferences(ctx, pools.get_pool(ctx.db, user.pool_id), user, req)
    return {}


def admin_set_user_mfa_preference(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    _apply_preferences(ctx, pool, users.require_user(ctx.db, pool, req["Username"]), req)
    return {}


def _apply_settings(ctx: Context, pool: UserPool, user: User, options: list[dict[str, str]]) -> None:
    """The legacy form: ``MFAOptions`` of SMS to ``phone_number`` turns SMS MFA on, ``[]`` off."""
    for option in options:
        if option.get("DeliveryMedium") != "SMS" or option.get("AttributeName", "phone_number") != "phone_number":
            raise errors.InvalidParameter("Only SMS MFA to the phone_number attribute can be set with MFAOptions.")
    if options and not user.attr("phone_number"):
        raise errors.InvalidParameter(f"User does not have delivery config set to turn on {mfa.SMS_MFA}")
    on = [m for m in mfa.user_enabled(user) if m != mfa.SMS_MFA] + ([mfa.SMS_MFA] if options else [])
    preferred = mfa.settings(user).get("Preferred")
    mfa.save(
        user,
        MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}] if options else None,
        Enabled=[m for m in mfa.METHODS if m in on],
        Preferred=preferred if preferred in on else None,
    )
    users.touch(ctx, user)


def set_user_settings(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    user, _ = tokens.user_from_access_token(ctx, req["AccessToken"])
    _apply_settings(ctx, pools.get_pool(ctx.db, user.pool_id), user, req["MFAOptions"])
    return {}


def admin_set_user_settings(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    _apply_settings(ctx, pool, users.require_user(ctx.db, pool, req["Username"]), req["MFAOptions"])
    return {}


# ------------------------------------------------------------------ challenge answers


def _take(
    ctx: Context, client: AppClient, answers: dict[str, Any], session: str | None, challenge: str
) -> tuple[Pending, User]:
    pending = challenges.take_session(ctx, session, client, challenge)
    user = ctx.db.get(User, pending.row.user_id) if pending.row.user_id is not None else None
    if user is None:
        raise errors.NotAuthorized("Invalid session for the user.", persist=True)
    pools.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), user.username)
    if not user.enabled:
        raise errors.NotAuthorized("User is disabled.", persist=True)
    return pending, user


def _wrong_code(ctx: Context, pool: UserPool, client: AppClient, user: User, pending: Pending) -> NoReturn:
    """Count the failure (lockout), keep the session for another try while tries remain."""
    lockout.record_failure(user, ctx.now)
    attempts = int(pending.state.get("attempts", 0)) + 1
    if attempts < mfa.MAX_ANSWERS:
        challenges.keep(ctx, pending, {**pending.state, "attempts": attempts})
    audit.event("sign_in_failure", pool=pool.id, client=client.id, user=user.sub, reason="bad_mfa_code",
                challenge=pending.row.challenge, ip=ctx.source_ip)
    raise errors.CodeMismatch(_WRONG_CODE, persist=True)


def _source(pending: Pending) -> str:
    return str(pending.state.get("source") or mfa.DEFAULT_SOURCE)


def software_token_mfa(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None
) -> dict[str, Any]:
    # Legacy clients send the TOTP code as both SOFTWARE_TOKEN_MFA_CODE and SMS_MFA_CODE.
    code = answers.get("SOFTWARE_TOKEN_MFA_CODE") or answers.get("SMS_MFA_CODE")
    if not code:
        raise errors.InvalidParameter("Missing required parameter SOFTWARE_TOKEN_MFA_CODE")
    pending, user = _take(ctx, client, answers, session, mfa.SOFTWARE_TOKEN_MFA)
    lockout.check_not_locked(user, ctx.now)
    secret = mfa.active_secret(ctx, user)
    if secret is None:
        raise errors.SoftwareTokenMFANotFound("Software token MFA has not been set up for the user.", persist=True)
    step = mfa.totp_step(secret, code, ctx.now, after=mfa.settings(user).get("TotpLastStep"))
    if step is None:
        _wrong_code(ctx, pool, client, user, pending)
    mfa.save(user, TotpLastStep=step)
    return auth.issue_tokens(ctx, pool, client, user, source=_source(pending))


def _code_answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, method: str, key: str
) -> tuple[Pending, User]:
    code = answers.get(key)
    if not code:
        raise errors.InvalidParameter(f"Missing required parameter {key}")
    pending, user = _take(ctx, client, answers, session, method)
    lockout.check_not_locked(user, ctx.now)
    outcome = mfa.check_code(ctx, user, method, code)
    if outcome == "expired":
        raise errors.ExpiredCode("Your code has expired; sign in again to get a new one.", persist=True)
    if outcome != "ok":
        _wrong_code(ctx, pool, client, user, pending)
    return pending, user


def sms_mfa(ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None) -> dict[str, Any]:
    pending, user = _code_answer(ctx, pool, client, answers, session, mfa.SMS_MFA, "SMS_MFA_CODE")
    return auth.issue_tokens(ctx, pool, client, user, source=_source(pending))


def email_otp(ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None) -> dict[str, Any]:
    pending, user = _code_answer(ctx, pool, client, answers, session, mfa.EMAIL_OTP, "EMAIL_OTP_CODE")
    address = pending.state.get("setup_email")
    if address:  # e-mail MFA set up during sign-in: the address is now the user's, verified
        users.put_attribute(user, "email", address)
        users.put_attribute(user, "email_verified", "true")
        users.check_alias_unique(ctx, pool, user)
        mfa.enable(user, mfa.EMAIL_OTP)
        users.touch(ctx, user)
    return auth.issue_tokens(ctx, pool, client, user, source=_source(pending))


def select_mfa_type(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None
) -> dict[str, Any]:
    choice = answers.get("ANSWER") or ""
    pending, user = _take(ctx, client, answers, session, mfa.SELECT_MFA_TYPE)
    if choice not in pending.state.get("choices", []):
        raise errors.InvalidParameter(f"Invalid MFA type {choice!r}: expected one of {', '.join(pending.state.get('choices', []))}")
    return mfa.challenge(ctx, pool, client, user, choice, _source(pending))


def mfa_setup(ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None) -> dict[str, Any]:
    """Finish MFA_SETUP: TOTP verified through VerifySoftwareToken with the Session, or an
    ``EMAIL`` address to receive an EMAIL_OTP code that completes e-mail MFA setup."""
    pending, user = _take(ctx, client, answers, session, mfa.MFA_SETUP)
    state = pending.state
    email = answers.get("EMAIL")
    if email:
        if mfa.EMAIL_OTP not in state.get("choices", []):
            raise errors.InvalidParameter("Email MFA cannot be set up in this user pool.")
        if not _EMAIL.match(email):
            raise errors.InvalidParameter("Invalid email address format.")
        return mfa.challenge(ctx, pool, client, user, mfa.EMAIL_OTP, _source(pending), {"setup_email": email}, address=email)
    totp = state.get("totp") or {}
    if not totp.get("verified"):
        raise errors.SoftwareTokenMFANotFound(
            "Software token MFA is not set up: call AssociateSoftwareToken and VerifySoftwareToken with this Session first."
        )
    mfa.activate_totp(ctx, user, totp["secret"], totp.get("step"), totp.get("device"))
    mfa.enable(user, mfa.SOFTWARE_TOKEN_MFA)
    users.touch(ctx, user)
    audit.event("mfa_setup", pool=pool.id, user=user.sub, method=mfa.SOFTWARE_TOKEN_MFA)
    return auth.issue_tokens(ctx, pool, client, user, source=_source(pending))


CHALLENGES: dict[str, auth.ChallengeHandler] = {
    mfa.SOFTWARE_TOKEN_MFA: software_token_mfa,
    mfa.SMS_MFA: sms_mfa,
    mfa.EMAIL_OTP: email_otp,
    mfa.SELECT_MFA_TYPE: select_mfa_type,
    mfa.MFA_SETUP: mfa_setup,
}
