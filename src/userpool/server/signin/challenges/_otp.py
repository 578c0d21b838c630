"""What USER_AUTH's one-time-code first factors share (EMAIL_OTP, SMS_OTP): sending the code,
asking for it, and checking the answer.

These are first factors, not MFA: the code *is* the sign-in, so a right one ends in tokens
with no MFA step after it (Cognito's passwordless sign-in). Codes are six digits, single
use, live 3 minutes, stored as keyed hashes (``codes.py``), and delivered by the pool's
senders (CustomMessage ``CustomMessage_Authentication``, custom sender triggers, outbox /
SMTP / SMS webhook). A wrong code counts toward the account lockout, as a wrong password
does, and the session takes ``mfa.MAX_ANSWERS`` tries. An unknown user, when the client
prevents user-existence errors, is answered as a known one: stable masked delivery details,
then a wrong-code failure that counts toward the name's lockout (``enumeration.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from userpool.server import (
    audit,
    challenge_sessions,
    codes,
    delivery,
    enumeration,
    errors,
    lockout,
    messages,
    mfa,
    triggers,
    users,
)
from userpool.server.challenge_sessions import Pending
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller


@dataclass(frozen=True)
class Otp:
    """One code first factor: its challenge, session, code purpose, message and address."""

    challenge: str  # the ChallengeName the client sees and answers
    session: str  # the AuthSession.challenge it is stored under
    purpose: str  # codes.py purpose
    kind: str  # message kind (templates, CustomMessage trigger source)
    attribute: str  # where the code goes
    answer_key: str  # the ChallengeResponses member carrying the code
    medium: str


EMAIL = Otp(names.EMAIL_OTP, names.EMAIL_OTP_SIGN_IN, codes.SIGN_IN_EMAIL, "MFA_EMAIL", "email", "EMAIL_OTP_CODE", "EMAIL")
SMS = Otp(names.SMS_OTP, names.SMS_OTP, codes.SIGN_IN_SMS, "MFA_SMS", "phone_number", "SMS_OTP_CODE", "SMS")


def reachable(user: User, otp: Otp) -> bool:
    """The user has a verified address for ``otp``: codes go to verified addresses only."""
    return bool(user.attr(otp.attribute)) and user.attr(f"{otp.attribute}_verified") == "true"


def _simulated(ctx: Context, pool: UserPool, username: str, otp: Otp) -> dict[str, str]:
    """Masked delivery details for an unknown user, stable per name (derived with the server's key)."""
    seed = ctx.sealer.derive("simulated-otp", pool.id, otp.challenge, username.lower())
    if otp.medium == "EMAIL":
        letters = "abcdefghijklmnopqrstuvwxyz"
        address = f"{letters[seed[0] % 26]}x@{letters[seed[1] % 26]}x"
    else:
        address = "+1555" + "".join(str(b % 10) for b in seed[:7])
    return delivery.delivery_details(otp.medium, address, otp.attribute)


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, otp: Otp, caller: Caller
) -> dict[str, Any]:
    """Send a fresh code (or, for an unknown user, pretend to) and ask for it."""
    pipeline.check_not_locked(ctx, pool, user, username)
    if user is None:
        enumeration.code_sent(ctx, pool, username, otp.purpose)
        details = _simulated(ctx, pool, username, otp)
    else:
        code = codes.issue(ctx, user, otp.purpose)
        details = codes.send(ctx, pool, user, otp.kind, otp.attribute, code, client_id=client.id)
    session = pipeline.open_challenge(ctx, client, user, username, otp.session, caller, {"attempts": 0})
    parameters = {
        "CODE_DELIVERY_DELIVERY_MEDIUM": details["DeliveryMedium"],
        "CODE_DELIVERY_DESTINATION": details["Destination"],
    }
    return {"ChallengeName": otp.challenge, "Session": session, "ChallengeParameters": parameters}


def _wrong(ctx: Context, pool: UserPool, client: AppClient, user: User | None, pending: Pending, *, retry: bool) -> NoReturn:
    """Count the failure (lockout), keep the session for another try while tries remain."""
    if user is not None:
        lockout.record_failure(user, ctx.now)
    else:
        enumeration.record_failure(ctx, pool, pending.row.username)
    attempts = int(pending.state.get("attempts", 0)) + 1
    if retry and attempts < mfa.MAX_ANSWERS:
        challenge_sessions.keep(ctx, pending, {**pending.state, "attempts": attempts})
    audit.event("sign_in_failure", pool=pool.id, client=client.id, user=user.sub if user else None, reason="bad_otp_code",
                challenge=pending.row.challenge, ip=ctx.source_ip)
    raise errors.CodeMismatch(messages.WRONG_CODE, persist=True)


def _verdict(ctx: Context, user: User | None, otp: Otp, code: str) -> str:
    if user is not None:
        return codes.check(ctx, user, otp.purpose, code)
    return "wrong"  # no user, no code that could match


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, otp: Otp, caller: Caller
) -> dict[str, Any]:
    """Check ``answers[otp.answer_key]``; tokens when it is right."""
    code = answers.get(otp.answer_key)
    if not code:
        raise errors.InvalidParameter(f"Missing required parameter {otp.answer_key}")
    pending = challenge_sessions.take_session(ctx, session, client, otp.session)
    pipeline.check_caller(pending, caller)
    user = users.get_user(ctx.db, pending.row.user_id, for_update=True) if pending.row.user_id is not None else None
    username = pending.row.username
    caller.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), username,
                             *([user.username] if user else []))
    pipeline.check_not_locked(ctx, pool, user, username)
    verdict = _verdict(ctx, user, otp, str(code))
    if verdict == "expired":
        raise errors.ExpiredCode("Your code has expired; sign in again to get a new one.", persist=True)
    if verdict != "ok" or user is None:
        _wrong(ctx, pool, client, user, pending, retry=verdict == "wrong")
    pipeline.account_usable(user)
    triggers.pre_authentication(ctx, pool, client, user)
    return pipeline.issue_tokens(ctx, pool, client, user, caller)
