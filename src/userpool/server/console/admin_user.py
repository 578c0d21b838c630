"""Signing in to the console as an *admin user*: a user of a designated pool who is in the
designated group (``--admin-console-client`` names an app client of that pool,
``--admin-console-group`` the group, ``admins`` by default).

The password and any MFA code go through the server's own sign-in (signin.start_password_sign_in
and respond_to_challenge, the hosted page's entry), so the pool's password checks, lockout,
MFA and triggers all apply. The session names the user's sub and the sign-in's token family
(its ``origin_jti``); every request checks again that the user is enabled and still in the group
and that the family is not revoked, so disabling the user, removing them from the group, a
global sign-out or a password reset ends their console session at once, and signing out of
the console revokes the family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from userpool.server import errors, signin, tokens
from userpool.server.context import Context
from userpool.server.db import AppClient, TokenFamily, User, UserGroup

CODE_CHALLENGES = {"SOFTWARE_TOKEN_MFA": "SOFTWARE_TOKEN_MFA_CODE", "SMS_MFA": "SMS_MFA_CODE", "EMAIL_OTP": "EMAIL_OTP_CODE"}
NOT_ADMIN = "This user may not use the admin console."
UNSUPPORTED_STEP = "This account has a sign-in step the console cannot take (a new password or MFA setup): finish it in the app first."


@dataclass(frozen=True)
class Outcome:
    """A sign-in step's result: signed in (``sub``), a code to ask for (``challenge``), or refused."""

    sub: str | None = None
    family: str | None = None  # the sign-in's origin_jti
    challenge: str | None = None
    session: str | None = None
    refused: str | None = None


def member(db: Session, pool_id: str, sub: str, group: str) -> bool:
    """Is the enabled user ``sub`` of ``pool_id`` in ``group``?"""
    row = db.execute(
        select(User.id).join(UserGroup, UserGroup.user_id == User.id)
        .where(User.sub == sub, User.pool_id == pool_id, User.enabled.is_(True),
               UserGroup.pool_id == pool_id, UserGroup.group_name == group)
    ).first()
    return row is not None


def signed_in(db: Session, pool_id: str, sub: str, group: str, family: str, now: float) -> bool:
    """Is the console session of ``sub`` (sign-in ``family``) still good?"""
    row = db.get(TokenFamily, family)
    alive = row is not None and row.pool_id == pool_id and row.revoked_at is None and now < row.expires_at
    return alive and member(db, pool_id, sub, group)


def sign_out(db: Session, family: str, now: float) -> None:
    """End the console's sign-in: its token family is revoked (its refresh token with it)."""
    row = db.get(TokenFamily, family)
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoked_reason = now, "console_sign_out"


def pool_of(db: Session, client_id: str) -> str | None:
    client = db.get(AppClient, client_id)
    return client.pool_id if client is not None else None


def _finish(ctx: Context, client_id: str, group: str, result: dict[str, Any]) -> Outcome:
    """After a sign-in call: signed in only when the user is in the admin group."""
    if "AuthenticationResult" not in result:
        challenge = str(result.get("ChallengeName", ""))
        if challenge in CODE_CHALLENGES:
            return Outcome(challenge=challenge, session=str(result.get("Session") or ""))
        return Outcome(refused=UNSUPPORTED_STEP)
    user, claims = tokens.user_from_access_token(ctx, result["AuthenticationResult"]["AccessToken"], user_api=False)
    family = str(claims.get("origin_jti", ""))
    pool_id = pool_of(ctx.db, client_id)
    if pool_id is None or not member(ctx.db, pool_id, user.sub, group):
        sign_out(ctx.db, family, ctx.now)  # no tokens left behind for a refused sign-in
        return Outcome(refused=NOT_ADMIN)
    return Outcome(sub=user.sub, family=family)


def password_step(ctx: Context, client_id: str, group: str, username: str, password: str) -> Outcome:
    """The password; a CognitoError (wrong password, locked out ...) is the caller's to show."""
    result = signin.start_password_sign_in(ctx, client_id, username, password,
                                           trigger_source_hint=signin.names.TOKENS_HOSTED_AUTH)
    return _finish(ctx, client_id, group, result)


def code_step(ctx: Context, client_id: str, group: str, challenge: str, session: str, username: str,
              code: str) -> Outcome:
    if challenge not in CODE_CHALLENGES:
        raise errors.InvalidParameter("Unknown sign-in step.")
    result = signin.respond_to_challenge(ctx, client_id, challenge, session,
                                         {"USERNAME": username, CODE_CHALLENGES[challenge]: code},
                                         trigger_source_hint=signin.names.TOKENS_HOSTED_AUTH)
    return _finish(ctx, client_id, group, result)
