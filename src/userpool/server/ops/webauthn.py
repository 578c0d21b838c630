"""Passkey operations of the signed-in user: StartWebAuthnRegistration,
CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential.

Each takes an ``AccessToken`` (with the ``aws.cognito.signin.user.admin`` scope, checked by
``resolve.token_user``). A registration is started once per user at a time: the new start
replaces an older one, and completing it deletes it, so a registration response cannot be
replayed. The WebAuthn checks are in ``server/passkeys.py``; a refused request changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from userpool.server import audit, errors, passkeys, resolve, users
from userpool.server.context import Context
from userpool.server.db import User, UserPool, WebAuthnCredential, WebAuthnRegistration
from userpool.server.ops.paging import page


def _passkey_user(ctx: Context, req: dict[str, Any]) -> tuple[UserPool, str, User]:
    """The token's pool, app client and user, in a pool that has passkeys turned on."""
    pool, client, user = resolve.token_user_and_client(ctx, req)
    if not passkeys.enabled(pool):
        raise errors.WebAuthnNotEnabled("Passkeys (WEB_AUTHN) are not an allowed first factor in this user pool.")
    return pool, client.id, user


def start_web_authn_registration(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """CredentialCreationOptions for navigator.credentials.create (Amplify's associateWebAuthnCredential)."""
    pool, client_id, user = _passkey_user(ctx, req)
    rp = passkeys.relying_party(ctx.db, pool)
    existing = passkeys.user_credentials(ctx.db, pool.id, user.sub)
    if len(existing) >= passkeys.MAX_CREDENTIALS:
        raise errors.LimitExceeded(f"A user can have at most {passkeys.MAX_CREDENTIALS} passkeys.")
    options, digest = passkeys.registration_options(rp, user.sub, user.username, existing)
    row = ctx.db.get(WebAuthnRegistration, user.sub, with_for_update=True)
    if row is None:
        row = WebAuthnRegistration(user_sub=user.sub)
        ctx.db.add(row)
    row.client_id = client_id
    row.challenge_hash = digest
    row.rp_id = rp.id
    row.user_verification = rp.user_verification
    row.expires_at = ctx.now + passkeys.TIMEOUT_SECONDS
    audit.event("start_web_authn_registration", pool=pool.id, user=user.sub)
    return {"CredentialCreationOptions": options}


def _started(ctx: Context, user: User, client_id: str) -> WebAuthnRegistration:
    row = ctx.db.get(WebAuthnRegistration, user.sub, with_for_update=True)
    if row is None or row.expires_at <= ctx.now:
        raise errors.WebAuthnChallengeNotFound("No passkey registration is in progress: call StartWebAuthnRegistration first.")
    if row.client_id != client_id:
        raise errors.WebAuthnClientMismatch("The passkey registration was started by another app client.")
    return row


def complete_web_authn_registration(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Verify the attestation (``Credential``: the PublicKeyCredential as JSON) and keep the passkey."""
    pool, client_id, user = _passkey_user(ctx, req)
    started = _started(ctx, user, client_id)
    rp = passkeys.RelyingParty(id=started.rp_id, name=pool.name, user_verification=started.user_verification)
    new = passkeys.verify_registration(rp, started.challenge_hash, req["Credential"])
    if passkeys.find_credential(ctx.db, pool.id, new.credential_id) is not None:
        raise errors.InvalidParameter("This passkey is already registered.")
    ctx.db.add(
        WebAuthnCredential(
            pool_id=pool.id,
            user_sub=user.sub,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            rp_id=rp.id,
            friendly_name=None,
            transports=new.transports,
            authenticator_attachment=new.authenticator_attachment,
            created_at=ctx.now,
        )
    )
    ctx.db.delete(started)
    users.touch(ctx, user)
    audit.event("complete_web_authn_registration", pool=pool.id, user=user.sub)
    return {}


def _describe(row: WebAuthnCredential) -> dict[str, Any]:
    out: dict[str, Any] = {
        "CredentialId": row.credential_id,
        "FriendlyCredentialName": row.friendly_name or row.authenticator_attachment or "passkey",
        "RelyingPartyId": row.rp_id,
        "AuthenticatorTransports": list(row.transports or []),
        "CreatedAt": row.created_at,
    }
    if row.authenticator_attachment:
        out["AuthenticatorAttachment"] = row.authenticator_attachment
    return out


def list_web_authn_credentials(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """The user's passkeys, oldest first, at most ``MaxResults`` (default 20) a page."""
    pool, user = resolve.token_user(ctx, req)
    stmt = select(WebAuthnCredential).where(
        WebAuthnCredential.pool_id == pool.id, WebAuthnCredential.user_sub == user.sub
    )
    limit = req.get("MaxResults") or passkeys.MAX_CREDENTIALS
    rows, token = page(ctx.db, stmt.order_by(WebAuthnCredential.id), WebAuthnCredential.id, req.get("NextToken"), limit)
    out: dict[str, Any] = {"Credentials": [_describe(r) for r in rows]}
    if token:
        out["NextToken"] = token
    return out


def delete_web_authn_credential(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    """Remove one of the user's passkeys; another user's (or an unknown) id is not found."""
    pool, user = resolve.token_user(ctx, req)
    row = passkeys.find_credential(ctx.db, pool.id, req["CredentialId"], lock=True)
    if row is None or row.user_sub != user.sub:
        raise errors.ResourceNotFound("Credential not found.")
    ctx.db.delete(row)
    users.touch(ctx, user)
    audit.event("delete_web_authn_credential", pool=pool.id, user=user.sub)
    return {}
