"""Signing in from inside the server: the hosted sign-in page (and any later caller, such as
USER_AUTH) calls these instead of sending InitiateAuth to itself.

They run the wire sign-in's own pipeline (``tables.initiate`` / ``tables.respond``) with a
hosted :class:`Caller`: client and pool lookup, the user by username or alias,
PreventUserExistenceErrors, UserMigration, lockout, account state, the PreAuthentication,
PostAuthentication and PreTokenGeneration triggers, NEW_PASSWORD_REQUIRED, the MFA step and
tokens -- everything but the two wire-only rules, ExplicitAuthFlows and SECRET_HASH, which
Cognito's hosted UI is not subject to. A challenge session opened here is answerable here only.

Call them as an operation is called, inside ``app.execute`` (one transaction, retried on a
conflict; an error with ``persist`` still commits what it counted, such as a failed attempt),
and pad the response as ``app.Api`` does (``enumeration.pad_response``). Both answer the dict
InitiateAuth / RespondToAuthChallenge would: ``{"AuthenticationResult": ...,
"ChallengeParameters": {}}`` or ``{"ChallengeName", "ChallengeParameters", "Session"}``.
"""

from __future__ import annotations

from typing import Any

from userpool.server import resolve
from userpool.server.context import Context
from userpool.server.signin.caller import Caller, TokenOptions
from userpool.server.signin.flows import user_password_auth
from userpool.server.signin.tables import respond


def _caller(ctx: Context, client_metadata: dict[str, str] | None, token_options: TokenOptions | None, hint: str | None) -> Caller:
    if client_metadata is not None:
        ctx.client_metadata = dict(client_metadata)  # what the triggers see as clientMetadata / validationData
    return Caller(hosted=True, token_options=token_options, token_source=hint)


def start_password_sign_in(
    ctx: Context,
    client_id: str,
    username: str,
    password: str,
    *,
    client_metadata: dict[str, str] | None = None,
    trigger_source_hint: str | None = None,
    token_options: TokenOptions | None = None,
) -> dict[str, Any]:
    """A password sign-in (USER_PASSWORD_AUTH's steps) for the app client ``client_id``.

    ``trigger_source_hint`` replaces the PreTokenGeneration triggerSource of the tokens this
    sign-in ends with (Cognito's hosted UI uses ``names.TOKENS_HOSTED_AUTH``, ``TokenGeneration_HostedAuth``); None keeps
    the wire's (``TokenGeneration_Authentication``, ``_NewPasswordChallenge``).
    ``token_options`` reach the point where the tokens are made (``pipeline.authentication_result``).
    """
    caller = _caller(ctx, client_metadata, token_options, trigger_source_hint)
    client, pool = resolve.public_client(ctx, client_id)
    return user_password_auth.sign_in(ctx, pool, client, username, password, caller)


def respond_to_challenge(
    ctx: Context,
    client_id: str,
    challenge_name: str,
    session: str,
    responses: dict[str, Any],
    *,
    client_metadata: dict[str, str] | None = None,
    trigger_source_hint: str | None = None,
    token_options: TokenOptions | None = None,
) -> dict[str, Any]:
    """Answer a challenge :func:`start_password_sign_in` (or an earlier answer) asked, with
    RespondToAuthChallenge's ``ChallengeResponses`` (``NEW_PASSWORD``, ``SOFTWARE_TOKEN_MFA_CODE``,
    ``SMS_MFA_CODE``, ``EMAIL_OTP_CODE``, ``ANSWER`` ...)."""
    caller = _caller(ctx, client_metadata, token_options, trigger_source_hint)
    client, pool = resolve.public_client(ctx, client_id)
    return respond(ctx, pool, client, challenge_name, responses, session, caller)
