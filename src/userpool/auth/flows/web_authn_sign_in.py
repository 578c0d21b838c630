"""The WEB_AUTHN challenge of a USER_AUTH sign-in, answered as Amplify's
handleWebAuthnSignInResult does: CREDENTIAL_REQUEST_OPTIONS go to the context's passkey
authenticator (``get``), and its assertion goes back as ``CREDENTIAL`` (JSON) in
RespondToAuthChallenge. Any failure ends the sign-in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..constants import Challenge
from ..passkeys import PasskeyError
from .base import Flow, UsePasskey, call, compact

if TYPE_CHECKING:
    from ..passkeys import PasskeyAuthenticator
    from ..state import AuthContext


def _options(params: Mapping[str, str]) -> dict[str, Any]:
    try:
        options = json.loads(params.get("CREDENTIAL_REQUEST_OPTIONS") or "")
    except ValueError:
        options = None
    if not isinstance(options, dict) or not options.get("challenge"):
        raise PasskeyError("Invalid passkey authentication options.", name="InvalidPasskeyAuthenticationOptions")
    return options


def _authenticator(ctx: AuthContext) -> PasskeyAuthenticator:
    if ctx.passkey_authenticator is None:
        raise PasskeyError(
            "Signing in with a passkey needs an authenticator: pass passkey_authenticator= to the client.",
            name="PasskeyNotSupported",
        )
    return ctx.passkey_authenticator


def answer_web_authn(ctx: AuthContext, params: Mapping[str, str]) -> Flow[dict[str, Any]]:
    """RespondToAuthChallenge's answer to the assertion (tokens, or a next challenge)."""
    state = ctx.sign_in
    try:
        credential = yield UsePasskey("get", _options(params), _authenticator(ctx))
        username = state.username or ""
        responses = {"USERNAME": username, "CREDENTIAL": json.dumps(credential), "SECRET_HASH": ctx.secret_hash(username)}
        body = {"ChallengeName": Challenge.WEB_AUTHN.value, "ClientId": ctx.config.client_id,
                "ChallengeResponses": compact(responses), "Session": state.session}
        response: dict[str, Any] = yield from call("RespondToAuthChallenge", body)
    except Exception:
        state.reset()
        raise
    return response
