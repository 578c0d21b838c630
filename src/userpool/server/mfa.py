"""Multi-factor authentication, as Cognito does it: which methods a pool and a user have,
and the codes (TOTP, SMS, e-mail) that prove them.

The pool says whether MFA is ``OFF``, ``OPTIONAL`` or ``ON`` (``MfaConfiguration``) and which
methods it offers: TOTP (``SoftwareTokenMfaConfiguration.Enabled``), SMS
(``SmsMfaConfiguration``, or a legacy ``SmsConfiguration``) and e-mail
(``EmailMfaConfiguration``). A user's settings live in ``User.mfa``:

- ``Enabled``: the methods the user turned on (SetUserMFAPreference), ``Preferred``: the one
  to use when several are on (GetUser's UserMFASettingList / PreferredMfaSetting);
- ``MFAOptions``: the legacy SetUserSettings form (SMS to ``phone_number``);
- ``TotpVerified``, ``TotpLastStep`` (the last 30-second step accepted: a code works once),
  ``TotpDevice``, ``TotpPending`` (an associated but not yet verified seed, sealed);
- the active TOTP seed is ``User.totp_secret_sealed`` (sealed with the master key).

Which challenge a sign-in asks after its first factor is ``signin/mfa_step.py``'s; the
challenges themselves are ``signin/challenges/``. SMS and e-mail codes are random, six
digits, single-use, live 3 minutes, and are stored hashed (``codes``); TOTP follows RFC
6238 (SHA-1, 6 digits, 30 s, one step of tolerance).
"""

from __future__ import annotations

import hmac
from typing import Any

import pyotp

from userpool.server import codes
from userpool.server.context import Context
from userpool.server.db import AppClient, Code, User, UserPool

SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
SMS_MFA = "SMS_MFA"
EMAIL_OTP = "EMAIL_OTP"
METHODS = (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP)
CODE_PURPOSE = {SMS_MFA: codes.MFA_SMS, EMAIL_OTP: codes.MFA_EMAIL}
MESSAGE_KIND = {SMS_MFA: "MFA_SMS", EMAIL_OTP: "MFA_EMAIL"}
ATTRIBUTE = {SMS_MFA: "phone_number", EMAIL_OTP: "email"}
MAX_ANSWERS = 3  # wrong codes one challenge session takes before the user must sign in again
TOTP_STEP_SECONDS = 30


# ------------------------------------------------------------------ configuration


def mode(pool: UserPool) -> str:
    return str(pool.config.get("MfaConfiguration") or "OFF")


def pool_methods(pool: UserPool) -> list[str]:
    """The methods the pool offers, in Cognito's order."""
    cfg = pool.config
    offered = {
        SMS_MFA: bool(cfg.get("SmsMfaConfiguration") or cfg.get("SmsConfiguration")),
        SOFTWARE_TOKEN_MFA: bool((cfg.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")),
        EMAIL_OTP: bool(cfg.get("EmailMfaConfiguration")),
    }
    return [m for m in METHODS if offered[m]]


def settings(user: User) -> dict[str, Any]:
    return dict(user.mfa or {})


def save(user: User, **changes: Any) -> None:
    """Update ``User.mfa`` (a new dict: the JSON column tracks assignment, not mutation)."""
    value = {**settings(user), **changes}
    user.mfa = {k: v for k, v in value.items() if v is not None and v != []}


def user_enabled(user: User) -> list[str]:
    """The methods the user turned on, including legacy SMS MFAOptions."""
    mfa = settings(user)
    on = set(mfa.get("Enabled") or [])
    if any(o.get("DeliveryMedium") == "SMS" for o in mfa.get("MFAOptions") or []):
        on.add(SMS_MFA)
    return [m for m in METHODS if m in on]


def enabled(pool: UserPool, user: User) -> list[str]:
    """The user's methods that the pool offers and that can reach the user."""
    offered = pool_methods(pool)
    return [m for m in user_enabled(user) if m in offered and (m not in ATTRIBUTE or user.attr(ATTRIBUTE[m]))]


def automatic(pool: UserPool, user: User) -> list[str]:
    """In an MFA-required pool: SMS to a phone number, e-mail to a verified address, no setup."""
    offered = pool_methods(pool)
    out = []
    if SMS_MFA in offered and user.attr("phone_number"):
        out.append(SMS_MFA)
    if EMAIL_OTP in offered and user.attr("email") and user.attr("email_verified") == "true":
        out.append(EMAIL_OTP)
    return out


def can_set_up(pool: UserPool) -> list[str]:
    """What MFA_SETUP offers: TOTP and e-mail can be set up during sign-in (SMS needs a phone number first)."""
    return [m for m in pool_methods(pool) if m in (SOFTWARE_TOKEN_MFA, EMAIL_OTP)] or pool_methods(pool)


# ------------------------------------------------------------------ codes


def send_code(
    ctx: Context, pool: UserPool, client: AppClient | None, user: User, method: str, address: str | None = None
) -> dict[str, str]:
    """Issue and deliver an SMS or e-mail MFA code; Cognito's masked delivery details."""
    code = codes.issue(ctx, user, CODE_PURPOSE[method])
    return codes.send(
        ctx, pool, user, MESSAGE_KIND[method], ATTRIBUTE[method], code,
        address=address, client_id=client.id if client is not None else None,
    )


def check_code(ctx: Context, user: User, method: str, code: str) -> str:
    """``"ok"`` (and the code is used up), ``"wrong"`` (counted) or ``"expired"`` / ``"missing"``."""
    row = ctx.db.get(Code, (user.id, CODE_PURPOSE[method]), with_for_update=True)
    if row is None:
        return "missing"
    if row.expires_at <= ctx.now:
        ctx.db.delete(row)
        return "expired"
    if not hmac.compare_digest(row.code_hash, codes.digest(ctx, user, CODE_PURPOSE[method], code or "")):
        row.attempts = (row.attempts or 0) + 1
        return "wrong"
    ctx.db.delete(row)
    return "ok"


# ------------------------------------------------------------------ TOTP


def new_secret() -> str:
    """A TOTP seed as Cognito hands it out: 32 base32 characters (160 bits)."""
    return pyotp.random_base32(32)


def _secret_context(user: User, pending: bool = False) -> str:
    return f"totp{'-pending' if pending else ''}:{user.pool_id}:{user.sub}"


def seal_secret(ctx: Context, user: User, secret: str, pending: bool = False) -> str:
    return ctx.sealer.seal(secret.encode(), _secret_context(user, pending))


def open_secret(ctx: Context, user: User, sealed: str, pending: bool = False) -> str:
    return ctx.sealer.open(sealed, _secret_context(user, pending)).decode()


def active_secret(ctx: Context, user: User) -> str | None:
    return open_secret(ctx, user, user.totp_secret_sealed) if user.totp_secret_sealed else None


def totp_step(secret: str, code: str, now: float, after: int | None = None) -> int | None:
    """The 30-second step ``code`` belongs to (now, or one step either side), or None.

    Steps at or before ``after`` (the last one accepted) are refused: a code works once.
    """
    if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // TOTP_STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_reused(secret: str, code: str, now: float, last: int | None) -> bool:
    """Whether ``code`` is right for a step still in the window but already spent (at or
    before ``last``, the step last accepted): Cognito answers that with its own error."""
    if last is None or not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(secret)
    current = int(now // TOTP_STEP_SECONDS)
    return any(hmac.compare_digest(totp.generate_otp(step), code) for step in (current - 1, current, current + 1) if step <= last)


def activate_totp(ctx: Context, user: User, secret: str, step: int | None, device: str | None) -> None:
    """Make ``secret`` the user's TOTP seed (replacing any earlier one), verified."""
    user.totp_secret_sealed = seal_secret(ctx, user, secret)
    save(user, TotpVerified=True, TotpPending=None, TotpLastStep=step, TotpDevice=device or settings(user).get("TotpDevice"))


def enable(user: User, method: str, prefer_if_first: bool = True) -> None:
    """Turn ``method`` on for the user; it becomes preferred when nothing else is."""
    on = user_enabled(user)
    if method not in on:
        on.append(method)
    preferred = settings(user).get("Preferred") or (method if prefer_if_first else None)
    save(user, Enabled=[m for m in METHODS if m in on], Preferred=preferred)
