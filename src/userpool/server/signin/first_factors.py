"""USER_AUTH's first factors: the table that ``PREFERRED_CHALLENGE`` picks from and
``SELECT_CHALLENGE`` offers (its ``AvailableChallenges``) and starts.

An entry is a :class:`FirstFactor` under the ChallengeName the client sees:

- ``policy``: the pool's ``Policies.SignInPolicy.AllowedFirstAuthFactors`` value that turns
  it on (PASSWORD turns on both PASSWORD and PASSWORD_SRP);
- ``available(ctx, pool, who)``: whether it can serve this user; ``who`` is the
  :class:`StandIn` of a name the pool does not know, when the client prevents user-existence
  errors (see below);
- ``start(ctx, pool, client, user, username, params, caller)``: begin (or, for PASSWORD,
  complete) the factor. ``params`` are InitiateAuth's AuthParameters (with
  PREFERRED_CHALLENGE) or SELECT_CHALLENGE's ChallengeResponses (with ANSWER): PASSWORD
  reads ``PASSWORD``, PASSWORD_SRP ``SRP_A``, a passkey would read its own. The answer is
  InitiateAuth's: a challenge (PASSWORD_VERIFIER, EMAIL_OTP ...) or tokens.

Order is the order of AvailableChallenges.

An unknown name under PreventUserExistenceErrors must get an answer a real user could get.
Cognito documents that it answers such a USER_AUTH request with a random selection of the
challenges the pool allows; a selection drawn anew on every call would give the name away on
the second one (a real user's offer does not change), and "every allowed factor" would give it
away at once (few users have them all). So the name gets a :class:`StandIn`: a pretend user
whose password, verified e-mail, verified phone, passkey and MFA are drawn from a keyed hash
of the name (``stand_in``), the same on every call, and the offer is computed from it by the
very rules a real user's is. Its challenges then fail as wrong answers do (``challenges/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from userpool.server import errors, mfa, passkeys, triggers, users
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller
from userpool.server.signin.challenges import _otp, email_otp_sign_in, password_verifier, sms_otp, web_authn
from userpool.server.signin.flows import user_password_auth
from userpool.server.signin.flows.user_srp_auth import parse_srp_a


@dataclass(frozen=True)
class StandIn:
    """What an unknown name pretends to have set up (PreventUserExistenceErrors)."""

    password: bool
    email: bool
    phone: bool
    passkey: bool
    mfa: bool


Who = User | StandIn
Available = Callable[[Context, UserPool, Who], bool]
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


def _mfa_on(pool: UserPool, who: Who) -> bool:
    return who.mfa if isinstance(who, StandIn) else bool(mfa.enabled(pool, who))


def passwordless_blocked(pool: UserPool, who: Who) -> bool:
    """Cognito offers no passwordless first factor where MFA is required, nor to a user of an
    OPTIONAL pool who has MFA on: for them a password (then MFA) is the way in. A passkey is
    the exception in a pool whose passkeys count as MFA (``passkeys.multi_factor``)."""
    required = mfa.mode(pool)
    return required == "ON" or (required == "OPTIONAL" and _mfa_on(pool, who))


# ------------------------------------------------------------------ the stand-in of an unknown name

# How often a stand-in has each thing, out of 256: most users have a password and a verified
# e-mail address, fewer a phone number, a passkey or (in an OPTIONAL pool) MFA turned on.
_ODDS = {"password": 224, "email": 192, "phone": 64, "passkey": 64, "mfa": 64}


def stand_in(ctx: Context, pool: UserPool, username: str) -> StandIn:
    """The pretend user behind an unknown ``username``: stable per name and pool, not
    predictable without the server's key. With a UserMigration trigger any name may turn out
    to have a password, so every stand-in has one."""
    seed = ctx.sealer.derive("stand-in-factors", pool.id, users.username_key(pool, username))
    drawn = {name: seed[i] < odds for i, (name, odds) in enumerate(_ODDS.items())}
    if triggers.target(pool, "UserMigration") is not None:
        drawn["password"] = True
    return StandIn(**drawn)


# ------------------------------------------------------------------ the factors


def _has_password(ctx: Context, pool: UserPool, who: Who) -> bool:
    return who.password if isinstance(who, StandIn) else bool(who.password_hash)


def _otp_available(otp: _otp.Otp) -> Available:
    def available(ctx: Context, pool: UserPool, who: Who) -> bool:
        if passwordless_blocked(pool, who):
            return False
        if isinstance(who, StandIn):
            return who.email if otp.medium == "EMAIL" else who.phone
        return _otp.reachable(who, otp)

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


def _passkey_available(ctx: Context, pool: UserPool, who: Who) -> bool:
    if passwordless_blocked(pool, who) and not passkeys.multi_factor(pool):
        return False
    if not web_authn.has_relying_party(ctx, pool):
        return False
    return who.passkey if isinstance(who, StandIn) else bool(passkeys.user_credentials(ctx.db, pool.id, who.sub))


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


def _offer(ctx: Context, pool: UserPool, who: Who) -> list[str]:
    allowed = allowed_factors(pool)
    return [name for name, f in FIRST_FACTORS.items() if f.policy in allowed and f.available(ctx, pool, who)]


def offered(ctx: Context, pool: UserPool, user: User | None, username: str) -> list[str]:
    """AvailableChallenges: the pool's factors that can serve this user (or the stand-in of an
    unknown ``username``), in table order. A stand-in is never left with nothing: then it has
    a password, which every pool allows."""
    if user is not None:
        return _offer(ctx, pool, user)
    who = stand_in(ctx, pool, username)
    return _offer(ctx, pool, who) or _offer(ctx, pool, replace(who, password=True))


def start(
    ctx: Context, pool: UserPool, client: AppClient, name: str, user: User | None, username: str,
    params: dict[str, Any], caller: Caller,
) -> dict[str, Any]:
    return FIRST_FACTORS[name].start(ctx, pool, client, user, username, params, caller)
