"""In-flight sign-ins: the ``Session`` strings (and SRP ``SECRET_BLOCK``s) Cognito hands out
between InitiateAuth and RespondToAuthChallenge.

A handle is a random string; the database keeps only its hash, the challenge it answers,
and sealed state (such as the SRP session key). A handle is single-use: it is deleted when
answered, right or wrong, so a captured one cannot be replayed.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, true
from sqlalchemy.orm.util import identity_key

from userpool.server import errors, messages
from userpool.server.context import Context
from userpool.server.db import (
    AppClient,
    AuthSession,
    CompiledInsert,
    CompiledRead,
    User,
    columns_of,
    detached,
)
from userpool.server.sealing import hash_secret


@dataclass
class Pending:
    row: AuthSession
    state: dict[str, Any]


def _context(handle_hash: str) -> str:
    return f"auth-session:{handle_hash}"


_INSERT = CompiledInsert(AuthSession)


def open_session(
    ctx: Context,
    client: AppClient,
    user: User | None,
    username: str,
    challenge: str,
    state: dict[str, Any] | None = None,
    *,
    secret_block: bool = False,
    minutes: int | None = None,
) -> str:
    """Create a challenge session; returns the handle to give the client. It lasts the client's
    AuthSessionValidity unless ``minutes`` says otherwise."""
    raw = secrets.token_bytes(96 if secret_block else 48)
    handle = base64.b64encode(raw).decode() if secret_block else base64.urlsafe_b64encode(raw).decode().rstrip("=")
    digest = hash_secret(handle)
    minutes = minutes if minutes is not None else int(client.config.get("AuthSessionValidity", 3))
    _INSERT.run(
        ctx.db,
        {
            "handle_hash": digest,
            "pool_id": client.pool_id,
            "client_id": client.id,
            "user_id": user.id if user is not None else None,
            "username": username,
            "challenge": challenge,
            "state_sealed": ctx.sealer.seal(json.dumps(state or {}).encode(), _context(digest)),
            "expires_at": ctx.now + minutes * 60,
        },
    )
    return handle


def _take(condition: Any) -> CompiledRead:
    return CompiledRead(delete(AuthSession).where(AuthSession.handle_hash == bindparam("digest"), condition).returning(*AuthSession.__table__.c))


# Taking a session is one statement: it is deleted as it is read (single use, even between two
# answers at once), and only when it is the client's.
_TAKE = _take(true())
_TAKE_FOR_CLIENT = _take(AuthSession.client_id == bindparam("client_id"))
_COLUMNS = columns_of(AuthSession)


def take_session(ctx: Context, handle: str | None, client: AppClient | None, challenge: str) -> Pending:
    """Consume the session ``handle`` for ``challenge``; Cognito's errors when it is not valid.

    ``client`` is None for calls that name no app client (AssociateSoftwareToken and
    VerifySoftwareToken with a Session during MFA setup); another client's session is left as it is.
    """
    if not handle:
        raise errors.InvalidParameter("Missing required parameter Session")
    digest = hash_secret(handle)
    if client is None:
        rows = _TAKE.rows(ctx.db, {"digest": digest})
    else:
        rows = _TAKE_FOR_CLIENT.rows(ctx.db, {"digest": digest, "client_id": client.id})
    if not rows:
        raise errors.NotAuthorized(messages.INVALID_SESSION)
    loaded = ctx.db.identity_map.get(identity_key(AuthSession, digest))
    if loaded is not None:  # read earlier in this unit (stored_challenge): gone now
        ctx.db.expunge(loaded)
    row: AuthSession = detached(AuthSession, _COLUMNS, rows[0])
    if row.expires_at <= ctx.now:
        raise errors.NotAuthorized(messages.SESSION_EXPIRED, persist=True)
    if row.challenge != challenge:
        raise errors.NotAuthorized(messages.INVALID_SESSION, persist=True)
    state = json.loads(ctx.sealer.open(row.state_sealed, _context(digest))) if row.state_sealed else {}
    return Pending(row, state)


def keep(ctx: Context, pending: Pending, state: dict[str, Any]) -> None:
    """Undo :func:`take_session` for a failure the user may retry in the same session (a
    wrong MFA code, as Cognito and Amplify allow), with ``state`` sealed in its place."""
    row = pending.row
    _INSERT.run(
        ctx.db,
        {
            "handle_hash": row.handle_hash,
            "pool_id": row.pool_id,
            "client_id": row.client_id,
            "user_id": row.user_id,
            "username": row.username,
            "challenge": row.challenge,
            "state_sealed": ctx.sealer.seal(json.dumps(state).encode(), _context(row.handle_hash)),
            "expires_at": row.expires_at,
        },
    )


def find(ctx: Context, handle: str | None) -> AuthSession | None:
    """The session ``handle`` names, not consumed (None if unknown)."""
    return ctx.db.get(AuthSession, hash_secret(handle), with_for_update=True) if handle else None


def stored_challenge(ctx: Context, handle: str | None) -> str | None:
    """What the session ``handle`` was opened for, without consuming it (None if unknown):
    one ChallengeName (EMAIL_OTP) answers two kinds of session, e-mail MFA and USER_AUTH's
    first factor, and the answer goes where the session says."""
    row = find(ctx, handle)
    return row.challenge if row is not None else None
