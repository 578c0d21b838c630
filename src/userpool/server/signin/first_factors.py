"""USER_AUTH's first factors: the table that ``PREFERRED_CHALLENGE`` picks from and
``SELECT_CHALLENGE`` offers (its ``AvailableChallenges``) and starts.

An entry is a :class:`FirstFactor` under the ChallengeName the client sees:

- ``policy``: the pool's ``Policies.SignInPolicy.AllowedFirstAuthFactors`` value that turns
  it on (PASSWORD turns on both PASSWORD and PASSWORD_SRP);
- ``available(ctx, pool, user)``: whether it can serve this user; ``user`` is None for a name
  the pool does not know, when the client prevents user-existence errors: answer as for a
  user who has the factor, so that the offer gives nothing away;
- ``start(ctx, pool, client, user, username, params, caller)``: begin (or, for PASSWORD,
  complete) the factor. ``params`` are InitiateAuth's AuthParameters (with
  PREFERRED_CHALLENGE) or SELECT_CHALLENGE's ChallengeResponses (with ANSWER): PASSWORD
  reads ``PASSWORD``, PASSWORD_SRP ``SRP_A``, a passkey would read its own. The answer is
  InitiateAuth's: a challenge (PASSWORD_VERIFIER, EMAIL_OTP ...) or tokens.

Order is the order of AvailableChallenges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from userpool.server import errors, mfa
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _otp, email_otp_sign_in, password_verifier, sms_otp, web_authn
from userpool.server.signin.flows import user_password_auth
from userpool.server.signin.flows.user_srp_auth import parse_srp_a

Available = Callable[[Context, UserPool, User | None], bool]
Start = Callable[[Context, UserPool, AppClient, User | None, str, dict[str, Any], Caller], dict[str, Any]]


@dataclass(frozen=True)
class FirstFactor:
    policy: str
    available: Available
    start: Start


def allowed_factors(pool: UserPool) -> list[str]:
    """The pool's AllowedFirstAuthFactors (PASSWORD alone when it sets none)."""
    policy = ((pool.config.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors")
    return list(policy or [names.PASSWORD])


def passwordless_blocked(pool: UserPool, user: User | None) -> bool:
    """Cognito offers no passwordless first factor where MFA is required, nor to a user of an
    OPTIONAL pool who has MFA on: for them a password (then MFA) is the way in."""
    required = mfa.mode(pool)
    return required == "ON" or (required == "OPTIONAL" and user is not None and bool(mfa.enabled(pool, user)))


# ------------------------------------------------------------------ the factors


def _has_password(ctx: Context, pool: UserPool, user: User | None) -> bool:
    return user is None or bool(user.password_hash)


def _otp_available(otp: _otp.Otp) -> Available:
    def available(ctx: Context, pool: UserPool, user: User | None) -> bool:
        return not passwordless_blocked(pool, user) and (user is None or _otp.reachable(user, otp))

    return available


def _password(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, params: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    """PASSWORD: the password itself, checked as USER_PASSWORD_AUTH checks it (then MFA if due)."""
    return user_password_auth.sign_in(ctx, pool, client, username, params.get("PASSWORD"), caller,
                                      allow=names.ALLOW_USER_AUTH, secret_hash=params.get("SECRET_HASH"))


def _password_srp(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, params: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    """PASSWORD_SRP: SRP_A now, PASSWORD_VERIFIER next, as USER_SRP_AUTH (then MFA if due)."""
    big_a = parse_srp_a(params)
    pipeline.no_password_yet(user)
    return password_verifier.issue(ctx, pool, client, user, username, big_a, caller)


def _passkey_available(ctx: Context, pool: UserPool, user: User | None) -> bool:
    return not passwordless_blocked(pool, user) and web_authn.available(ctx, pool, user)


FIRST_FACTORS: dict[str, FirstFactor] = {
    names.PASSWORD: FirstFactor(names.PASSWORD, _has_password, _password),
    names.PASSWORD_SRP: FirstFactor(names.PASSWORD, _has_password, _password_srp),
    names.EMAIL_OTP: FirstFactor(names.EMAIL_OTP, _otp_available(_otp.EMAIL), email_otp_sign_in.issue),
    names.SMS_OTP: FirstFactor(names.SMS_OTP, _otp_available(_otp.SMS), sms_otp.issue),
    names.WEB_AUTHN: FirstFactor(names.WEB_AUTHN, _passkey_available, web_authn.issue),
}


# ------------------------------------------------------------------ using the table


def check_allowed(pool: UserPool, name: str) -> None:
    """``InvalidParameterException`` unless the pool allows first factor ``name`` at all
    (a pool-wide rule, the same for every user, so it tells nothing about anyone)."""
    factor = FIRST_FACTORS.get(name)
    if factor is None or factor.policy not in allowed_factors(pool):
        raise errors.InvalidParameter(f"The challenge {name} is not an allowed first factor for this user pool.")


def offered(ctx: Context, pool: UserPool, user: User | None) -> list[str]:
    """AvailableChallenges: the pool's factors that can serve this user, in table order."""
    allowed = allowed_factors(pool)
    return [name for name, f in FIRST_FACTORS.items() if f.policy in allowed and f.available(ctx, pool, user)]


def start(
    ctx: Context, pool: UserPool, client: AppClient, name: str, user: User | None, username: str,
    params: dict[str, Any], caller: Caller,
) -> dict[str, Any]:
    return FIRST_FACTORS[name].start(ctx, pool, client, user, username, params, caller)
