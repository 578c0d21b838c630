"""The hosted page's calls into sign-in: the same code an app's calls run, in-process.

A password and each challenge answer go through ``userpool.server.signin``'s entry for the
hosted page (the wire pipeline less the two rules Cognito's hosted UI is not subject to,
ExplicitAuthFlows and SECRET_HASH), with the authorization request's scopes and nonce for the
tokens and PreTokenGeneration's ``TokenGeneration_HostedAuth`` source. Authenticator setup
inside MFA_SETUP is AssociateSoftwareToken / VerifySoftwareToken with the Session, as an app
does it.
"""

from __future__ import annotations

from typing import Any

from userpool.server import operations, signin
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.tokens import TokenOptions


def password(ctx: Context, client: AppClient, username: str, password_: str, options: TokenOptions) -> dict[str, Any]:
    return signin.start_password_sign_in(ctx, client.id, username, password_, token_options=options,
                                         trigger_source_hint=signin.names.TOKENS_HOSTED_AUTH)


def answer(ctx: Context, client: AppClient, challenge: str, session: str, username: str, responses: dict[str, str],
           options: TokenOptions) -> dict[str, Any]:
    return signin.respond_to_challenge(ctx, client.id, challenge, session, {"USERNAME": username, **responses},
                                       token_options=options, trigger_source_hint=signin.names.TOKENS_HOSTED_AUTH)


def operation(ctx: Context, name: str, request: dict[str, Any]) -> dict[str, Any]:
    """Run the wire operation ``name`` in-process, its request first checked against botocore's
    model as the wire checks it (a username's pattern and length, a code's digits ...)."""
    handler, checked = operations.checked(name, request)
    return handler(ctx, checked)


def associate_totp(ctx: Context, session: str) -> dict[str, Any]:
    return operation(ctx, "AssociateSoftwareToken", {"Session": session})


def verify_totp(ctx: Context, session: str, code: str) -> dict[str, Any]:
    return operation(ctx, "VerifySoftwareToken", {"Session": session, "UserCode": code})
