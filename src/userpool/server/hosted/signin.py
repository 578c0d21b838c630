"""The hosted page's calls into sign-in: the same operations an app calls, run in-process.

The page never has its own copy of sign-in rules: a password goes through InitiateAuth's
USER_PASSWORD_AUTH handling, each answer through RespondToAuthChallenge's, MFA setup through
AssociateSoftwareToken / VerifySoftwareToken. The hosted page is the server itself, so it
adds the SECRET_HASH a client with a secret would send.
"""

from __future__ import annotations

from typing import Any

from userpool import srp
from userpool.server import pools
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.operations import HANDLERS


def _secret_hash(ctx: Context, client: AppClient, username: str) -> dict[str, str]:
    secret = pools.client_secret(ctx, client)
    return {"SECRET_HASH": srp.secret_hash(secret, username, client.id)} if secret else {}


def password(ctx: Context, client: AppClient, username: str, password_: str) -> dict[str, Any]:
    params = {"USERNAME": username, "PASSWORD": password_, **_secret_hash(ctx, client, username)}
    return HANDLERS["InitiateAuth"](ctx, {"ClientId": client.id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params})


def answer(ctx: Context, client: AppClient, challenge: str, session: str, username: str, responses: dict[str, str]) -> dict[str, Any]:
    body = {"USERNAME": username, **responses, **_secret_hash(ctx, client, username)}
    return HANDLERS["RespondToAuthChallenge"](
        ctx, {"ClientId": client.id, "ChallengeName": challenge, "Session": session, "ChallengeResponses": body}
    )


def associate_totp(ctx: Context, session: str) -> dict[str, Any]:
    return HANDLERS["AssociateSoftwareToken"](ctx, {"Session": session})


def verify_totp(ctx: Context, session: str, code: str) -> dict[str, Any]:
    return HANDLERS["VerifySoftwareToken"](ctx, {"Session": session, "UserCode": code})
