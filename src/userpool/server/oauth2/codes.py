"""Authorization codes: single use, five minutes, bound to client, redirect_uri and PKCE.

The row keeps the code's hash and the tokens the sign-in produced, sealed; redeeming marks
it used in one conditional UPDATE (``... WHERE used_at IS NULL``), so two concurrent
redemptions cannot both win. A code presented again revokes what it had issued (RFC 6749
§4.1.2: a replayed code means it leaked).
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import delete, update
from sqlalchemy.engine import CursorResult

from userpool.server.context import Context
from userpool.server.db import AppClient, OAuthCode, TokenFamily, User
from userpool.server.oauth2 import pkce
from userpool.server.oauth2.errors import INVALID_GRANT, OAuthError
from userpool.server.oauth2.request import AuthorizeRequest
from userpool.server.sealing import hash_secret, random_token, same
from userpool.server.tokens import revoke_family

CODE_SECONDS = 300


def _context(code_hash: str) -> str:
    return f"oauth-code:{code_hash}"


def issue(ctx: Context, req: AuthorizeRequest, user: User, result: dict[str, Any], origin_jti: str, auth_time: int) -> str:
    """A new code for tokens already made for ``req`` (``result`` is an AuthenticationResult)."""
    code = random_token(32)
    digest = hash_secret(code)
    # codes long past their expiry go (a used one is kept a while, so that its replay still revokes)
    ctx.db.execute(delete(OAuthCode).where(OAuthCode.expires_at < ctx.now - 3600))
    ctx.db.add(
        OAuthCode(
            code_hash=digest, pool_id=user.pool_id, client_id=req.client_id, user_sub=user.sub,
            redirect_uri=req.redirect_uri, scope=" ".join(req.scopes), nonce=req.nonce,
            code_challenge=req.code_challenge, code_challenge_method=req.code_challenge_method,
            auth_time=auth_time, created_at=ctx.now, expires_at=ctx.now + CODE_SECONDS,
            extra={"tokens": ctx.sealer.seal(json.dumps(result).encode(), _context(digest)), "origin_jti": origin_jti},
        )
    )
    return code


def redeem(ctx: Context, client: AppClient, code: str | None, redirect_uri: str | None, verifier: str | None) -> dict[str, Any]:
    """The AuthenticationResult behind ``code``; ``invalid_grant`` for anything wrong.

    A wrong redirect_uri or verifier also uses the code up: the next try with the same code
    fails too, so a guessed verifier gets one attempt."""
    if not code or len(code) > 512:
        raise OAuthError(INVALID_GRANT)
    digest = hash_secret(code)
    row = ctx.db.get(OAuthCode, digest)
    if row is None or row.client_id != client.id:
        raise OAuthError(INVALID_GRANT)
    if row.used_at is not None:
        _revoke_issued(ctx, row)
        raise _Replayed()
    claim = update(OAuthCode).where(OAuthCode.code_hash == digest, OAuthCode.used_at.is_(None)).values(used_at=ctx.now)
    claimed = cast("CursorResult[Any]", ctx.db.execute(claim, execution_options={"synchronize_session": False}))
    if claimed.rowcount != 1:
        raise _Replayed()
    if row.expires_at <= ctx.now:
        raise _Refused("Authorization code has expired")
    if redirect_uri is None or not same(redirect_uri, row.redirect_uri):
        raise _Refused("redirect_uri does not match the authorization request")
    if row.code_challenge is not None:
        if not pkce.verify(row.code_challenge_method or pkce.PLAIN, row.code_challenge, verifier):
            raise _Refused("code_verifier does not match the code_challenge")
    elif verifier:
        raise _Refused("code_verifier given for a code issued without PKCE")
    result: dict[str, Any] = json.loads(ctx.sealer.open(row.extra["tokens"], _context(digest)))
    return result


def _revoke_issued(ctx: Context, row: OAuthCode) -> None:
    family = ctx.db.get(TokenFamily, str(row.extra.get("origin_jti", "")))
    if family is not None:
        revoke_family(ctx, family, "authorization_code_reuse")


class _Refused(OAuthError):
    """invalid_grant after the code was claimed: the claim (and any revocation) is committed."""

    def __init__(self, description: str | None = None) -> None:
        super().__init__(INVALID_GRANT, description)
        self.persist = True


class _Replayed(_Refused):
    def __init__(self) -> None:
        super().__init__("Authorization code has been used already")
