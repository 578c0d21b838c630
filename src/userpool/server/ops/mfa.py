"""MFA operations: SetUserPoolMfaConfig, GetUserPoolMfaConfig, AssociateSoftwareToken,
VerifySoftwareToken, SetUserMFAPreference, AdminSetUserMFAPreference, SetUserSettings,
AdminSetUserSettings.

The MFA challenges of a sign-in are issued and answered in ``server/signin/challenges/``;
AssociateSoftwareToken and VerifySoftwareToken also work inside one (MFA_SETUP's Session).
"""

from __future__ import annotations

import copy
from typing import Any

from userpool.server import audit, challenge_sessions, errors, mfa, passkeys, pools, resolve, tokens, users
from userpool.server.challenge_sessions import Pending
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin.names import MFA_SETUP

_CONFIG_KEYS = ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration", "WebAuthnConfiguration")
_SETTINGS = {"SMSMfaSettings": mfa.SMS_MFA, "SoftwareTokenMfaSettings": mfa.SOFTWARE_TOKEN_MFA, "EmailMfaSettings": mfa.EMAIL_OTP}


# ------------------------------------------------------------------ pool configuration


def _mfa_config(pool: UserPool) -> dict[str, Any]:
    out = {k: copy.deepcopy(pool.config[k]) for k in _CONFIG_KEYS if k in pool.config}
    out["MfaConfiguration"] = mfa.mode(pool)
    return out


def set_user_pool_mfa_config(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Members given replace the pool's; members left out keep their values."""
    pool = pools.get_pool(ctx.db, req["UserPoolId"])
    config = dict(pool.config)
    if "WebAuthnConfiguration" in req:
        passkeys.check_configuration(req["WebAuthnConfiguration"], str(pool.config.get("UserPoolTier") or "ESSENTIALS"))
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
    """MFA_SETUP's Session, its user and its app client (the call itself names no client)."""
    pending, user = resolve.challenge_session(ctx, handle, None, MFA_SETUP)
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
    session = challenge_sessions.open_session(ctx, client, user, user.username, MFA_SETUP, state)
    return {"SecretCode": secret, "Session": session}


def verify_software_token(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Check a first code from the authenticator; the seed becomes the user's TOTP seed
    (replacing any earlier one). A wrong code is ``EnableSoftwareTokenMFAException`` and may
    be retried with the same Session. Inside MFA_SETUP (Session) the TOTP is also turned on
    and preferred at once, as Cognito does; the returned Session then completes the sign-in."""
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
    # Cognito registers the authenticator here, not at the MFA_SETUP answer: a sign-in that
    # never answers MFA_SETUP is asked SOFTWARE_TOKEN_MFA next time, not MFA_SETUP again.
    mfa.activate_totp(ctx, user, totp["secret"], step, device)
    mfa.enable(user, mfa.SOFTWARE_TOKEN_MFA)
    users.touch(ctx, user)
    audit.event("verify_software_token", pool=user.pool_id, user=user.sub, during="mfa_setup")
    state = {**pending.state, "totp": {"verified": True}}
    session = challenge_sessions.open_session(ctx, client, user, user.username, MFA_SETUP, state)
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
    pool, user = resolve.token_user(ctx, req)
    _apply_preferences(ctx, pool, user, req)
    return {}


def admin_set_user_mfa_preference(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    _apply_preferences(ctx, pool, user, req)
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
    pool, user = resolve.token_user(ctx, req)
    _apply_settings(ctx, pool, user, req["MFAOptions"])
    return {}


def admin_set_user_settings(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    _apply_settings(ctx, pool, user, req["MFAOptions"])
    return {}
