"""Refreshing the session (Amplify's ``tokenRefresher`` / ``refreshAuthTokens``).

``GetTokensFromRefreshToken`` first (aws-amplify >= 6.15.4); when the service does not know
it -- ``UnknownOperationException``, ``UnsupportedOperationException`` (what ``userpool
serve`` answers for operations it lacks), ``InvalidParameterException``, or a 5xx without a
Cognito JSON body (what moto's server answers) -- fall back to
``InitiateAuth REFRESH_TOKEN_AUTH`` and remember, for this client, to go there directly.
An answer without a RefreshToken keeps the old one. A dead refresh token (revoked, expired,
user gone: ``NotAuthorizedException`` and kin) clears the session, dispatches
``tokenRefresh_failure`` and yields None; transient failures (network, 5xx, throttling)
dispatch ``tokenRefresh_failure`` and raise but keep the session for the next attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..constants import HubEvent
from ..errors import DEAD_REFRESH_TOKEN_ERRORS, AuthError, NotAuthorizedException
from ..tokens import CognitoTokens
from .base import Flow, call, clear_tokens, compact, save_tokens

if TYPE_CHECKING:
    from ..state import AuthContext

_UNSUPPORTED = frozenset(
    {"UnknownOperationException", "UnsupportedOperationException", "InvalidParameterException", "InvalidAction"}
)


def _unsupported(error: AuthError) -> bool:
    if error.name in _UNSUPPORTED:
        return True
    status = error.metadata.get("http_status") or 0
    return status == 501 or (status >= 500 and error.metadata.get("json") is False)


def refresh_tokens(ctx: AuthContext, tokens: CognitoTokens) -> Flow[CognitoTokens | None]:
    try:
        if not tokens.refresh_token:
            raise NotAuthorizedException("No refresh token is stored with the session.")
        result = yield from _new_tokens(ctx, tokens)
        fresh = CognitoTokens.from_authentication_result(
            result,
            now=ctx.now(),
            username=tokens.username,
            sign_in_details=tokens.sign_in_details,
            previous_refresh_token=tokens.refresh_token,
            previous_id_token=tokens.id_token,
            oauth_sign_in=tokens.oauth_sign_in,
        )
    except AuthError as error:
        dead = error.name in DEAD_REFRESH_TOKEN_ERRORS
        if dead:
            yield from clear_tokens()
        ctx.dispatch(HubEvent.TOKEN_REFRESH_FAILURE, {"error": error})
        if dead:
            return None
        raise
    yield from save_tokens(fresh)
    ctx.dispatch(HubEvent.TOKEN_REFRESH)
    return fresh


def _new_tokens(ctx: AuthContext, tokens: CognitoTokens) -> Flow[dict[str, Any]]:
    cfg = ctx.config
    device_key = tokens.access_token.payload.get("device_key")  # a tracked device's sign-in (Amplify sends it)
    if ctx.get_tokens_from_refresh_token is not False:
        try:
            response = yield from call(
                "GetTokensFromRefreshToken",
                {"RefreshToken": tokens.refresh_token, "ClientId": cfg.client_id, "ClientSecret": cfg.client_secret,
                 "DeviceKey": device_key},
                max_attempts=1,
            )
            ctx.get_tokens_from_refresh_token = True
            return dict(response.get("AuthenticationResult") or {})
        except AuthError as error:
            if ctx.get_tokens_from_refresh_token or not _unsupported(error):
                raise
            ctx.get_tokens_from_refresh_token = False
    username = tokens.access_token.payload.get("username") or tokens.username
    response = yield from call(
        "InitiateAuth",
        {
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": cfg.client_id,
            "AuthParameters": compact(
                {"REFRESH_TOKEN": tokens.refresh_token, "SECRET_HASH": ctx.secret_hash(username), "DEVICE_KEY": device_key}
            ),
        },
    )
    return dict(response.get("AuthenticationResult") or {})
