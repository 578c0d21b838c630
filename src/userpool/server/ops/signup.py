"""SignUp, ConfirmSignUp, ResendConfirmationCode, AdminConfirmSignUp."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from userpool.server import (
    audit,
    challenge_sessions,
    codes,
    errors,
    messages,
    passwords,
    pools,
    resolve,
    triggers,
    users,
)
from userpool.server.context import Context
from userpool.server.db import AppClient, AuthSession, User, UserPool
from userpool.server.signin import names
from userpool.server.signin.first_factors import allowed_factors

PASSWORDLESS_FACTORS = (names.EMAIL_OTP, names.SMS_OTP)


def simulated_delivery(ctx: Context, pool: UserPool, username: str) -> dict[str, str]:
    """Delivery details for an unknown user when the client prevents user-existence errors.

    Stable per username (derived with the server's key), so repeated calls cannot tell a
    simulated answer from a real one.
    """
    seed = ctx.sealer.derive("simulated-delivery", pool.id, username.lower())
    letters = "abcdefghijklmnopqrstuvwxyz"
    if "email" in (pools.auto_verified(pool) or ["email"]) or "@" in username:
        local = username[:1] if "@" in username else letters[seed[0] % 26]
        domain = username.partition("@")[2][:1] if "@" in username else letters[seed[1] % 26]
        return {"Destination": f"{local}***@{domain}***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    return {"Destination": "+*******" + "".join(str(b % 10) for b in seed[:4]), "DeliveryMedium": "SMS", "AttributeName": "phone_number"}


def sign_up(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.public_client(ctx, req["ClientId"])
    triggers.never_in_a_read(ctx, pool, "PreSignUp")
    pools.check_secret_hash(ctx, client, req.get("SecretHash"), req["Username"])
    if (pool.config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"):
        raise errors.NotAuthorized("SignUp is not permitted for this user pool")
    password = req.get("Password") or None  # omitted or blank: a passwordless user, where the pool allows one
    if password is None and not any(f in allowed_factors(pool) for f in PASSWORDLESS_FACTORS):
        raise errors.InvalidParameter(
            "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null"
        )
    if password is not None:
        passwords.check_policy(password, passwords.policy_of(pool.config))
    user = users.new_user(ctx, pool, req["Username"], users.UNCONFIRMED)
    users.apply_attributes(
        ctx, pool, user, req.get("UserAttributes") or [], admin=False, writable=client.config.get("WriteAttributes"), creating=True
    )
    users.check_required(pool, user)
    users.check_alias_unique(ctx, pool, user)
    response = triggers.pre_sign_up(ctx, pool, client, user, req, "PreSignUp_SignUp")
    if response.get("autoConfirmUser"):
        user.status = users.CONFIRMED
    for attr, flag in (("email", "autoVerifyEmail"), ("phone_number", "autoVerifyPhone")):
        if response.get(flag) and user.attr(attr):
            users.put_attribute(user, users.VERIFIED_FLAG[attr], "true")
    if password is not None:  # hashed outside the writer lock (app.Api._checks_first, only with a password)
        passwords.set_password_first(ctx, user, password)
    ctx.db.add(user)
    try:
        ctx.db.flush()
    except IntegrityError:
        raise errors.UsernameExists("User already exists") from None
    out: dict[str, Any] = {"UserConfirmed": user.status == users.CONFIRMED, "UserSub": user.sub}
    attribute = codes.signup_attribute(pool, user) if user.status == users.UNCONFIRMED else None
    if attribute:
        code = codes.issue(ctx, user, codes.SIGN_UP)
        out["CodeDeliveryDetails"] = codes.send(ctx, pool, user, "SIGN_UP", attribute, code, client_id=client.id)
    audit.event("sign_up", pool=pool.id, user=user.sub, client=client.id)
    if user.status == users.CONFIRMED:
        triggers.post_confirmation(ctx, pool, client, user, "PostConfirmation_ConfirmSignUp")
    return {**out, **_sign_in_session(ctx, client, user, signs_in=user.status == users.CONFIRMED)}


def _sign_in_session(ctx: Context, client: AppClient, user: User, *, signs_in: bool) -> dict[str, str]:
    """``Session`` for a USER_AUTH client: ConfirmSignUp may carry it, and InitiateAuth USER_AUTH
    with the one a confirmed user got (ConfirmSignUp's, or an auto-confirming SignUp's) signs
    the new user in without a second code (``signin/flows/user_auth.after_sign_up``). SignUp's
    Session for a user still to be confirmed never signs in (``signs_in``): an account someone
    else confirms later (AdminConfirmSignUp) is not handed to whoever signed it up."""
    if names.ALLOW_USER_AUTH not in pools.explicit_auth_flows(client):
        return {}
    state = {"signs_in": signs_in}
    return {"Session": challenge_sessions.open_session(ctx, client, user, user.username, names.SIGN_UP_SESSION, state)}


def _sign_up_session(ctx: Context, client: AppClient, user: User, session: str | None) -> AuthSession | None:
    """ConfirmSignUp's optional Session must be SignUp's, for this user, unexpired; checked
    before the code is used, so a refusal uses up nothing."""
    if session is None:
        return None
    row = challenge_sessions.find(ctx, session)
    if row is None or row.challenge != names.SIGN_UP_SESSION or row.client_id != client.id or row.user_id != user.id \
            or row.expires_at <= ctx.now:
        raise errors.NotAuthorized(messages.INVALID_SESSION)
    return row


def _confirm(ctx: Context, pool: UserPool, user: User, force_alias: bool) -> None:
    attribute = codes.signup_attribute(pool, user)
    user.status = users.CONFIRMED
    if attribute:
        users.put_attribute(user, users.VERIFIED_FLAG[attribute], "true")
        users.check_alias_unique(ctx, pool, user, force=force_alias)
    users.touch(ctx, user)


def confirm_sign_up(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.public_client(ctx, req["ClientId"])
    pools.check_secret_hash(ctx, client, req.get("SecretHash"), req["Username"])
    user = users.find_user(ctx.db, pool, req["Username"])
    if user is None:
        if pools.prevent_user_existence_errors(client):
            raise errors.CodeMismatch("Invalid verification code provided, please try again.")
        raise errors.UserNotFound(messages.USERNAME_CLIENT_NOT_FOUND)
    if user.status != users.UNCONFIRMED:
        raise errors.NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
    given = _sign_up_session(ctx, client, user, req.get("Session"))
    codes.consume(ctx, user, codes.SIGN_UP, req["ConfirmationCode"])
    if given is not None:
        ctx.db.delete(given)  # replaced by the Session this answer carries
    _confirm(ctx, pool, user, bool(req.get("ForceAliasCreation")))
    triggers.post_confirmation(ctx, pool, client, user, "PostConfirmation_ConfirmSignUp")
    audit.event("confirm_sign_up", pool=pool.id, user=user.sub, client=client.id)
    return _sign_in_session(ctx, client, user, signs_in=True)


def resend_confirmation_code(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.public_client(ctx, req["ClientId"])
    pools.check_secret_hash(ctx, client, req.get("SecretHash"), req["Username"])
    user = users.find_user(ctx.db, pool, req["Username"])
    if user is None:
        if pools.prevent_user_existence_errors(client):
            return {"CodeDeliveryDetails": simulated_delivery(ctx, pool, req["Username"])}
        raise errors.UserNotFound(messages.USERNAME_CLIENT_NOT_FOUND)
    if user.status != users.UNCONFIRMED:
        raise errors.InvalidParameter("User is already confirmed.")
    attribute = codes.signup_attribute(pool, user)
    if attribute is None:
        raise errors.InvalidParameter("Auto verification not turned on.")
    code = codes.issue(ctx, user, codes.SIGN_UP)
    return {"CodeDeliveryDetails": codes.send(ctx, pool, user, "RESEND", attribute, code, client_id=client.id)}


def admin_confirm_sign_up(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = resolve.admin_user(ctx, req)
    if user.status != users.UNCONFIRMED:
        raise errors.NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
    user.status = users.CONFIRMED
    users.touch(ctx, user)
    triggers.post_confirmation(ctx, pool, None, user, "PostConfirmation_ConfirmSignUp")
    audit.event("admin_confirm_sign_up", pool=pool.id, user=user.sub)
    return {}

