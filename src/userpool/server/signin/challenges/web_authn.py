"""WEB_AUTHN: USER_AUTH's passkey first factor.

:func:`issue` (the ``first_factors`` entry's start) answers with ``CREDENTIAL_REQUEST_OPTIONS``,
the JSON of PublicKeyCredentialRequestOptions that Amplify passes to navigator.credentials.get,
allowing the user's passkeys; the session keeps only the challenge's hash (sealed with the rest
of its state). :func:`answer` (RespondToAuthChallenge WEB_AUTHN) takes ``CREDENTIAL``, the
assertion as JSON, checks it with ``server/passkeys.py`` against the stored credential of this
user (signature, origin, RP id, challenge, counter, user verification), stores the new counter
and issues tokens. A refused assertion changes nothing, so the session may be answered again
until it expires; a right one ends it, so an assertion cannot be replayed.

An unknown name under PreventUserExistenceErrors gets options that look like a user's (a
credential id derived from the name with the server's key) and fails at the answer.
"""

from __future__ import annotations

from typing import Any

from webauthn.helpers import bytes_to_base64url

from userpool.server import audit, challenge_sessions, errors, passkeys, triggers
from userpool.server.context import Context
from userpool.server.db import AppClient, User, UserPool
from userpool.server.signin import names, pipeline
from userpool.server.signin.caller import Caller

_REFUSED = "Incorrect passkey."


def available(ctx: Context, pool: UserPool, user: User | None) -> bool:
    """Offered when the pool has a relying party and the user a passkey (or the name is unknown)."""
    try:
        passkeys.relying_party(ctx.db, pool)
    except errors.CognitoError:
        return False
    return user is None or bool(passkeys.user_credentials(ctx.db, pool.id, user.sub))


def _credential_ids(ctx: Context, pool: UserPool, user: User | None, username: str) -> list[str]:
    if user is None:
        return [bytes_to_base64url(ctx.sealer.derive("webauthn-credential", pool.id, username.lower()))]
    return [c.credential_id for c in passkeys.user_credentials(ctx.db, pool.id, user.sub)]


def issue(
    ctx: Context, pool: UserPool, client: AppClient, user: User | None, username: str, params: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    pipeline.check_not_locked(ctx, pool, user, username)
    rp = passkeys.relying_party(ctx.db, pool)
    options, digest = passkeys.authentication_options(rp, _credential_ids(ctx, pool, user, username))
    state = {"challenge": digest, "rp_id": rp.id, "user_verification": rp.user_verification}
    session = pipeline.open_challenge(ctx, client, user, username, names.WEB_AUTHN, caller, state)
    return {"ChallengeName": names.WEB_AUTHN, "Session": session, "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": options}}


def _refuse(pool: UserPool, client: AppClient, user: User | None, reason: str) -> errors.CognitoError:
    audit.event("sign_in_failure", pool=pool.id, client=client.id, user=user.sub if user else None, reason=reason,
                challenge=names.WEB_AUTHN)
    return errors.NotAuthorized(_REFUSED)


def answer(
    ctx: Context, pool: UserPool, client: AppClient, answers: dict[str, Any], session: str | None, caller: Caller
) -> dict[str, Any]:
    if not answers.get("CREDENTIAL"):
        raise errors.InvalidParameter("Missing required parameter CREDENTIAL")
    pending = challenge_sessions.take_session(ctx, session, client, names.WEB_AUTHN)
    pipeline.check_caller(pending, caller)
    user = ctx.db.get(User, pending.row.user_id, with_for_update=True) if pending.row.user_id is not None else None
    username = pending.row.username
    caller.check_secret_hash(ctx, client, answers.get("SECRET_HASH"), answers.get("USERNAME", ""), username,
                             *([user.username] if user else []))
    pipeline.check_not_locked(ctx, pool, user, username)
    credential = passkeys.parse_assertion(answers["CREDENTIAL"])
    stored = passkeys.find_credential(ctx.db, pool.id, credential.id, lock=True)
    if user is None or stored is None or stored.user_sub != user.sub:
        raise _refuse(pool, client, user, "unknown_passkey")
    handle = credential.response.user_handle
    if handle is not None and handle != user.sub.encode():
        raise _refuse(pool, client, user, "passkey_user_handle")
    state = pending.state
    rp = passkeys.RelyingParty(id=state["rp_id"], name=pool.name, user_verification=state["user_verification"])
    stored.sign_count = passkeys.verify_assertion(rp, state["challenge"], credential, stored)
    stored.last_used_at = ctx.now
    pipeline.account_usable(user)
    triggers.pre_authentication(ctx, pool, client, user)
    return pipeline.issue_tokens(ctx, pool, client, user, caller)
