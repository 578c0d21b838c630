"""What the MFA challenges share: their sessions (which carry the PreTokenGeneration source
to the answer that issues tokens), code challenges (SMS, e-mail) and wrong answers.

A wrong code counts toward the account lockout like a wrong password and is committed
(``persist=True``); the challenge session stays usable for another try -- Cognito and Amplify
let the user re-enter a code in the same sign-in -- up to ``mfa.MAX_ANSWERS`` wrong codes,
after which the session is gone and the user signs in again.
"""

from __future__ import annotations

from typing import Any, NoReturn

from userpool.server import audit, challenge_sessions, errors, lockout, messages, mfa
from userpool.server.challenge_sessions import Pending
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller


def answer_of(name: str, session: str, parameters: dict[str, str]) -> dict[str, Any]:
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": parameters}


def open_method(
    ctx: Context, client: AppClient, user: User, method: str, source: str, caller: Caller, state: dict[str, Any] | None
) -> str:
    return pipeline.open_challenge(ctx, client, user, user.username, method, caller, {"source": source, "attempts": 0, **(state or {})})


def issue_code(
    ctx: Context, pool: UserPool, client: AppClient, user: User, method: str, source: str, caller: Caller,
    state: dict[str, Any] | None = None, address: str | None = None,
) -> dict[str, Any]:
    """Send a fresh SMS or e-mail code (to ``address`` if given) and ask for it."""
    details = mfa.send_code(ctx, pool, client, user, method, address)
    parameters = {
        "USER_ID_FOR_SRP": user.username,
        "CODE_DELIVERY_DELIVERY_MEDIUM": details["DeliveryMedium"],
        "CODE_DELIVERY_DESTINATION": details["Destination"],
    }
    return answer_of(method, open_method(ctx, client, user, method, source, caller, state), parameters)


def source(pending: Pending) -> str:
    """The PreTokenGeneration source the sign-in started with (new password or not)."""
    return str(pending.state.get("source") or names.TOKENS_AUTHENTICATION)


def wrong_code(
    ctx: Context, pool: UserPool, client: AppClient, user: User, pending: Pending, refusal: errors.CognitoError | None = None
) -> NoReturn:
    """Count the failure (lockout), keep the session for another try while tries remain;
    ``refusal`` is the error to answer with (made with ``persist=True``; a wrong code's
    ``CodeMismatchException`` by default)."""
    lockout.record_failure(user, ctx.now)
    attempts = int(pending.state.get("attempts", 0)) + 1
    if attempts < mfa.MAX_ANSWERS:
        challenge_sessions.keep(ctx, pending, {**pending.state, "attempts": attempts})
    audit.event("sign_in_failure", pool=pool.id, client=client.id, user=user.sub, reason="bad_mfa_code",
                challenge=pending.row.challenge, ip=ctx.source_ip)
    raise refusal or errors.CodeMismatch(messages.WRONG_CODE, persist=True)


def answer_code(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, method: str, key: str,
    caller: Caller,
) -> tuple[Pending, User]:
    """Check an SMS or e-mail code (``answers[key]``); the session and user when it is right."""
    code = answers.get(key)
    if not code:
        raise errors.InvalidParameter(f"Missing required parameter {key}")
    pending, user = pipeline.take_challenge(ctx, client, answers, session, method, caller)
    lockout.check_not_locked(user, ctx.now)
    outcome = mfa.check_code(ctx, user, method, code)
    if outcome == "expired":
        raise errors.ExpiredCode("Your code has expired; sign in again to get a new one.", persist=True)
    if outcome != "ok":
        wrong_code(ctx, pool, client, user, pending)
    return pending, user
