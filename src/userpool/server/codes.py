"""One-time codes: sign-up confirmation, password reset, attribute verification.

Codes are random, single-use, expire (24 h sign-up, 1 h reset), are attempt-limited,
and only their keyed hashes are stored (:func:`digest`). A newer code for the same purpose
replaces the older.
"""

from __future__ import annotations

from typing import Any

from userpool.server import errors, triggers
from userpool.server.context import Context
from userpool.server.db import Code, User, UserPool
from userpool.server.delivery import Message, delivery_details
from userpool.server.sealing import random_code, same

SIGN_UP = "SIGN_UP"
FORGOT_PASSWORD = "FORGOT_PASSWORD"
MFA_SMS = "MFA:SMS_MFA"  # sign-in codes (mfa.py): 3 minutes, the life of a challenge session
MFA_EMAIL = "MFA:EMAIL_OTP"
SIGN_IN_EMAIL = "SIGN_IN:EMAIL_OTP"  # USER_AUTH's first-factor codes (signin/challenges/_otp.py): 3 minutes too
SIGN_IN_SMS = "SIGN_IN:SMS_OTP"
TTL = {SIGN_UP: 24 * 3600, FORGOT_PASSWORD: 3600, MFA_SMS: 180, MFA_EMAIL: 180, SIGN_IN_EMAIL: 180, SIGN_IN_SMS: 180}
DEFAULT_TTL = 24 * 3600
MAX_ATTEMPTS = 5

DEFAULT_MESSAGE = "Your verification code is {####}. "
DEFAULT_SUBJECT = "Your verification code"
DEFAULT_INVITE = "Your username is {username} and temporary password is {####}. "
DEFAULT_INVITE_SUBJECT = "Your temporary password"
DEFAULT_MFA_MESSAGE = "Your authentication code is {####}. "
DEFAULT_MFA_SUBJECT = "Your authentication code"
MFA_KINDS = ("MFA_SMS", "MFA_EMAIL")


def verify_purpose(attribute: str) -> str:
    return f"VERIFY:{attribute}"


def digest(ctx: Context, user: User, purpose: str, code: str) -> str:
    """How a code is stored: HMAC-SHA256 under a key derived from the master key, bound to the
    user and the purpose. Six digits are a million guesses; unkeyed, a stolen hash would give
    the code back at once (and a live reset code is an account). Keyed, the database alone
    gives nothing; ``userpool keys rotate-master`` voids outstanding codes."""
    return ctx.sealer.derive("code", str(user.id), purpose, code).hex()


def issue(ctx: Context, user: User, purpose: str) -> str:
    code = random_code()
    row = ctx.db.get(Code, (user.id, purpose))
    if row is None:
        row = Code(user_id=user.id, purpose=purpose)
        ctx.db.add(row)
    row.code_hash = digest(ctx, user, purpose, code)
    row.expires_at = ctx.now + TTL.get(purpose, DEFAULT_TTL)
    row.attempts = 0
    row.created_at = ctx.now
    return code


def consume(ctx: Context, user: User, purpose: str, code: str) -> None:
    """Accept ``code`` once, or raise CodeMismatch / ExpiredCode / TooManyFailedAttempts."""
    row = ctx.db.get(Code, (user.id, purpose), with_for_update=True) if user.id is not None else None
    if row is None:
        raise errors.CodeMismatch("Invalid verification code provided, please try again.")
    if row.attempts >= MAX_ATTEMPTS:
        raise errors.LimitExceeded("Attempt limit exceeded, please try after some time.")
    if row.expires_at <= ctx.now:
        raise errors.ExpiredCode("Invalid code provided, please request a code again.")
    if not same(row.code_hash, digest(ctx, user, purpose, code)):
        row.attempts += 1
        raise errors.CodeMismatch("Invalid verification code provided, please try again.", persist=True)
    ctx.db.delete(row)


def check(ctx: Context, user: User, purpose: str, code: str) -> str:
    """A sign-in code's verdict without raising: ``"ok"`` (and the code is used up),
    ``"wrong"`` (the attempt counted), ``"expired"`` (the code is gone), ``"missing"``, or
    ``"exhausted"`` after ``MAX_ATTEMPTS`` wrong tries (the code is gone: ask for a new one)."""
    row = ctx.db.get(Code, (user.id, purpose), with_for_update=True)
    if row is None:
        return "missing"
    if row.expires_at <= ctx.now or row.attempts >= MAX_ATTEMPTS:
        ctx.db.delete(row)
        return "expired" if row.expires_at <= ctx.now else "exhausted"
    if not same(row.code_hash, digest(ctx, user, purpose, code or "")):
        row.attempts += 1
        return "wrong"
    ctx.db.delete(row)
    return "ok"


def destination(pool: UserPool, user: User, attribute: str) -> tuple[str, str] | None:
    """(medium, address) for a code sent to ``attribute`` (email or phone_number)."""
    value = user.attr(attribute)
    if not value:
        return None
    return ("EMAIL" if attribute == "email" else "SMS"), value


def _template(pool: UserPool, medium: str, invite: bool, kind: str = "") -> tuple[str, str | None]:
    cfg = pool.config
    if kind in MFA_KINDS:
        if medium == "EMAIL":
            t = cfg.get("EmailMfaConfiguration") or {}
            return t.get("Message") or DEFAULT_MFA_MESSAGE, t.get("Subject") or DEFAULT_MFA_SUBJECT
        t = cfg.get("SmsMfaConfiguration") or {}
        return t.get("SmsAuthenticationMessage") or cfg.get("SmsAuthenticationMessage") or DEFAULT_MFA_MESSAGE, None
    if invite:
        t = (cfg.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate") or {}
        if medium == "EMAIL":
            return t.get("EmailMessage") or DEFAULT_INVITE, t.get("EmailSubject") or DEFAULT_INVITE_SUBJECT
        return t.get("SMSMessage") or DEFAULT_INVITE, None
    t = cfg.get("VerificationMessageTemplate") or {}
    if medium == "EMAIL":
        return (
            t.get("EmailMessage") or cfg.get("EmailVerificationMessage") or DEFAULT_MESSAGE,
            t.get("EmailSubject") or cfg.get("EmailVerificationSubject") or DEFAULT_SUBJECT,
        )
    return t.get("SmsMessage") or cfg.get("SmsVerificationMessage") or DEFAULT_MESSAGE, None


def send(
    ctx: Context, pool: UserPool, user: User, kind: str, attribute: str, code: str, *, invite: bool = False,
    address: str | None = None, client_id: str | None = None,
) -> dict[str, Any]:
    """Deliver ``code`` to ``attribute`` (or to ``address``, an ``attribute`` not yet stored) and
    return Cognito's CodeDeliveryDetails. The pool's CustomMessage trigger may rewrite the text
    and its custom sender triggers may take over delivery (``triggers``)."""
    found = (("EMAIL" if attribute == "email" else "SMS"), address) if address else destination(pool, user, attribute)
    if found is None:
        raise errors.InvalidParameter(f"No {attribute} to deliver the code to.")
    medium, address = found
    body, subject = _template(pool, medium, invite, kind)
    body, subject = triggers.custom_message(ctx, pool, client_id, user, kind, medium, body, subject, invite=invite)
    text = body.replace("{####}", code).replace("{username}", user.username)
    triggers.deliver(
        ctx,
        pool,
        user,
        Message(
            user_pool_id=pool.id,
            username=user.username,
            kind=kind,
            delivery_medium=medium,
            destination=address,
            code=code,
            message=text,
            subject=subject,
        ),
        client_id,
    )
    return delivery_details(medium, address, attribute)


def signup_attribute(pool: UserPool, user: User) -> str | None:
    """Where a sign-up code goes: the auto-verified attribute the user has (phone first, as Cognito)."""
    auto = pool.config.get("AutoVerifiedAttributes") or []
    for attr in ("phone_number", "email"):
        if attr in auto and user.attr(attr):
            return attr
    return None


def recovery_attribute(pool: UserPool, user: User) -> str | None:
    """Where a password-reset code goes, following the pool's AccountRecoverySetting."""
    mechanisms = (pool.config.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms")
    order = [m["Name"] for m in sorted(mechanisms, key=lambda m: m.get("Priority", 0))] if mechanisms else [
        "verified_phone_number",
        "verified_email",
    ]
    for name in order:
        attr = {"verified_email": "email", "verified_phone_number": "phone_number"}.get(name)
        if attr and user.attr(attr) and user.attr(f"{attr}_verified") == "true":
            return attr
    return None
