"""WEB_AUTHN: USER_AUTH's passkey first factor.

:func:`issue` (the ``first_factors`` entry's start) answers with ``CREDENTIAL_REQUEST_OPTIONS``,
the JSON of PublicKeyCredentialRequestOptions that Amplify passes to navigator.credentials.get,
allowing the user's passkeys; the session keeps only the challenge's hash (sealed with the rest
of its state). :func:`answer` (RespondToAuthChallenge WEB_AUTHN) takes ``CREDENTIAL``, the
assertion as JSON, checks it with ``server/passkeys.py`` against the stored credential of this
user (challenge, origin, RP id, user verification, counter, signature), stores the new counter
and issues tokens -- or, in a pool whose passkeys count as MFA (``passkeys.multi_factor``) and
the authenticator did no user verification, goes on to MFA as a password does.

A refused assertion counts toward the user's lockout as a wrong password does and keeps the
session for another try, ``mfa.MAX_ANSWERS`` tries in all; a right one ends it, so an assertion
cannot be replayed. A malformed one (InvalidParameter) is not an attempt and changes nothing.

An unknown name under PreventUserExistenceErrors gets options that look like a user's (a
credential id derived from the name with the server's key). An assertion that names no
passkey of the user signing in (an unknown name, another user's passkey, a user handle that is
not this user's) is verified all the same, against a stand-in key and counter, so it fails with
the checks and messages a forged assertion for a real passkey gets, and counts the same.
"""

from __future__ import annotations

from typing import Any, NoReturn

from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.structs import AuthenticationCredential

from userpool.server import (
    audit,
    challenge_sessions,
    enumeration,
    errors,
    lockout,
    mfa,
    passkeys,
    triggers,
    users,
)
from userpool.server.challenge_sessions import Pending
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool, WebAuthnCredential
from userpool.server.signin import complete, names, pipeline
from userpool.server.signin.caller import Caller

_REFUSED = "Incorrect passkey."


def has_relying_party(ctx: Context, pool: UserPool) -> bool:
    """Passkeys can be offered at all: the pool has a relying party id."""
    try:
        passkeys.relying_party(ctx.db, pool)
    except errors.CognitoError:
        return False
    return True


def _stand_in_seed(ctx: Context, pool: UserPool, username: str) -> bytes:
    return ctx.sealer.derive("webauthn-credential", pool.id, username.lower())


def _credential_ids(ctx: Context, pool: UserPool, user: User | None, username: str) -> list[str]:
    if user is None:  # one passkey, 32 bytes long, as the common authenticators make them
        return [bytes_to_base64url(_stand_in_seed(ctx, pool, username))]
    return [c.credential_id for c in passkeys.user_credentials(ctx.db, pool.id, user.sub)]


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, params: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    pipeline.check_not_locked(ctx, pool, user, username)
    rp = passkeys.relying_party(ctx.db, pool)
    options, digest = passkeys.authentication_options(rp, _credential_ids(ctx, pool, user, username))
    state = {"challenge": digest, "rp_id": rp.id, "user_verification": rp.user_verification, "attempts": 0}
    session = pipeline.open_challenge(ctx, client, user, username, names.WEB_AUTHN, caller, state)
    return {"ChallengeName": names.WEB_AUTHN, "Session": session, "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": options}}


def _own_passkey(
    ctx: Context, pool: UserPool, user: User | None, credential: AuthenticationCredential
) -> WebAuthnCredential | None:
    """The stored passkey the assertion names, if it is this user's (and its user handle, when
    it carries one, says this user); None otherwise."""
    if user is None:
        return None
    stored = passkeys.find_credential(ctx.db, pool.id, credential.id, lock=True)
    if stored is None or stored.user_sub != user.sub:
        return None
    handle = credential.response.user_handle
    return stored if handle is None or handle == user.sub.encode() else None


def _stand_in_count(ctx: Context, pool: UserPool, username: str) -> int:
    """The counter an unknown name's passkey pretends to be at: 0 (many passkeys keep none) or
    a small stable number, so that a replayed counter fails as it would for a user."""
    seed = _stand_in_seed(ctx, pool, username)
    return 0 if seed[1] < 128 else 1 + int.from_bytes(seed[2:4], "big") % 200


def _failed(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, pending: Pending, reason: str, message: str
) -> NoReturn:
    """Count the failure toward lockout (the unknown name's too), keep the session while tries
    remain, and fail with ``message`` (committed, so the count stays)."""
    if user is not None:
        lockout.record_failure(user, ctx.now)
    else:
        enumeration.record_failure(ctx, pool, pending.row.username)
    attempts = int(pending.state.get("attempts", 0)) + 1
    if attempts < mfa.MAX_ANSWERS:
        challenge_sessions.keep(ctx, pending, {**pending.state, "attempts": attempts})
    audit.event("sign_in_failure", pool=pool.id, client=client.id, user=user.sub if user else None, reason=reason,
                challenge=names.WEB_AUTHN, ip=ctx.source_ip)
    raise errors.NotAuthorized(message, persist=True)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    if not answers.get("CREDENTIAL"):
        raise errors.InvalidParameter("Missing required parameter CREDENTIAL")
    pending = challenge_sessions.take_session(ctx, session, client, names.WEB_AUTHN)
    pipeline.check_caller(pending, caller, ctx)
    user = users.get_user(ctx.db, pending.row.user_id, for_update=True) if pending.row.user_id is not None else None
    username = pending.row.username
    caller.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), username,
                             *([user.username] if user else []))
    pipeline.check_not_locked(ctx, pool, user, username)
    credential = passkeys.parse_assertion(answers["CREDENTIAL"])
    passkeys.check_authenticator_data(credential)
    stored = _own_passkey(ctx, pool, user, credential)
    state = pending.state
    rp = passkeys.RelyingParty(id=state["rp_id"], name=pool.name, user_verification=state["user_verification"])
    key, count = (stored.public_key, stored.sign_count) if stored else (
        passkeys.stand_in_public_key(), _stand_in_count(ctx, pool, username))
    try:
        verified = passkeys.verify_assertion(rp, state["challenge"], credential, key, count)
    except errors.NotAuthorized as exc:
        _failed(ctx, pool, client, user, pending, "bad_passkey_assertion", exc.message)
    if stored is None or user is None:  # unreachable without the stand-in's private key
        _failed(ctx, pool, client, user, pending, "unknown_passkey", _REFUSED)
    stored.sign_count = verified.sign_count
    stored.last_used_at = ctx.now
    pipeline.account_usable(user)
    triggers.pre_authentication(ctx, pool, client, user)
    if passkeys.multi_factor(pool) and verified.user_verified:
        return pipeline.issue_tokens(ctx, pool, client, user, caller)  # user verification was the second factor
    return complete.complete_sign_in(ctx, pool, client, user, caller)
