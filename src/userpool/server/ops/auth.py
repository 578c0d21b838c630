"""Signing in over the wire: InitiateAuth / AdminInitiateAuth and RespondToAuthChallenge /
AdminRespondToAuthChallenge.

These only find the app client (public: by ``ClientId``; Admin*: inside ``UserPoolId``) and
hand the request to the sign-in pipeline (``server/signin/``), which the hosted sign-in page
calls too. ExplicitAuthFlows and SECRET_HASH are checked there, for wire callers (``signin.WIRE``).
"""

from __future__ import annotations

from typing import Any

from userpool.server import resolve, signin
from userpool.server.context import Context
from userpool.server.db import AppClient, UserPool


def initiate_auth(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.public_client(ctx, req["ClientId"])
    return signin.initiate(ctx, pool, client, req["AuthFlow"], req.get("AuthParameters") or {}, signin.WIRE, admin=False,
                          session=req.get("Session"))


def admin_initiate_auth(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.admin_client(ctx, req)
    return signin.initiate(ctx, pool, client, req["AuthFlow"], req.get("AuthParameters") or {}, signin.WIRE, admin=True,
                          session=req.get("Session"))


def respond_to_auth_challenge(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.public_client(ctx, req["ClientId"])
    return _respond(ctx, pool, client, req)


def admin_respond_to_auth_challenge(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    client, pool = resolve.admin_client(ctx, req)
    return _respond(ctx, pool, client, req)


def _respond(ctx: Context, pool: UserPool, client: AppClient, req: dict[str, Any]) -> dict[str, Any]:
    answers = req.get("ChallengeResponses") or {}
    return signin.respond(ctx, pool, client, req["ChallengeName"], answers, req.get("Session"), signin.WIRE)
