"""``sign_in_with_redirect``: managed login in the system browser, for desktop and CLI apps.

Amplify v6's ``signInWithRedirect`` sends the browser to ``/oauth2/authorize`` (response type
``code``, PKCE S256, a random ``state``, the configured scopes, ``identity_provider``) and, when
the browser comes back to ``redirectSignIn``, checks the state, exchanges the code with the
verifier at ``/oauth2/token``, caches the tokens and dispatches ``customOAuthState`` (when a
custom state was given), ``signInWithRedirect`` and ``signedIn``; any failure dispatches
``signInWithRedirect_failure`` and raises ``OAuthSignInException``. Here the app is native
(RFC 8252): the redirect goes to a loopback listener the driver runs while the browser is out
(:mod:`userpool.auth.loopback`); the rest is the same, and the tokens become the session a
password sign-in would leave (refreshed by ``fetch_auth_session`` as any other).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ..constants import HubEvent
from ..errors import (
    AuthError,
    AuthValidationError,
    OAuthNotConfigureException,
    OAuthSignInException,
    UserAlreadyAuthenticatedException,
)
from ..tokens import CognitoTokens
from ..types import AuthUser, SignInWithRedirectOptions, coerce_options
from .base import Flow, HostedCall, OpenAuthSession, load_tokens, save_tokens

if TYPE_CHECKING:
    from ..oauth_config import OAuthConfig
    from ..state import AuthContext

#: Amplify's provider names -> Cognito's ``identity_provider`` (``cognitoHostedUIIdentityProviderMap``).
HOSTED_UI_PROVIDERS = {"COGNITO": "COGNITO", "Google": "Google", "Facebook": "Facebook",
                       "Amazon": "LoginWithAmazon", "Apple": "SignInWithApple"}
Provider = str | Mapping[str, str] | None
PROMPTS = ("NONE", "LOGIN", "CONSENT", "SELECT_ACCOUNT")


def provider_parameter(provider: Provider) -> dict[str, str]:
    """``identity_provider`` (default COGNITO, ``{"custom": name}`` as is) or ``idp_identifier``."""
    if provider is None:
        return {"identity_provider": "COGNITO"}
    if isinstance(provider, str):
        if provider not in HOSTED_UI_PROVIDERS:
            raise AuthValidationError(
                f"Unknown provider {provider!r}: one of {', '.join(HOSTED_UI_PROVIDERS)}, or {{'custom': name}}",
                name="InvalidProvider",
            )
        return {"identity_provider": HOSTED_UI_PROVIDERS[provider]}
    if provider.get("custom"):
        return {"identity_provider": provider["custom"]}
    if provider.get("idp_identifier") or provider.get("idpIdentifier"):
        return {"idp_identifier": provider.get("idp_identifier") or provider["idpIdentifier"]}
    raise AuthValidationError("provider must be a name, {'custom': name} or {'idp_identifier': id}", name="InvalidProvider")


def new_state(custom_state: str | None) -> str:
    """A random state, with ``-<hex of custom_state>`` appended as Amplify does (hex never holds ``-``)."""
    random_state = secrets.token_hex(16)
    return f"{random_state}-{custom_state.encode().hex()}" if custom_state else random_state


def custom_state_of(state: str) -> str | None:
    _, dash, encoded = state.partition("-")
    return bytes.fromhex(encoded).decode() if dash else None


def pkce_pair() -> tuple[str, str]:
    """(code_verifier of 128 characters, its S256 code_challenge), RFC 7636."""
    verifier = secrets.token_urlsafe(96)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize_url(
    oauth: OAuthConfig, client_id: str, redirect_uri: str, provider: dict[str, str], state: str,
    challenge: str, opts: SignInWithRedirectOptions,
) -> str:
    params = {
        "redirect_uri": redirect_uri, "response_type": "code", "client_id": client_id, **provider,
        "scope": " ".join(oauth.scopes), "login_hint": opts.login_hint, "lang": opts.lang, "nonce": opts.nonce,
        "prompt": opts.prompt.lower() if opts.prompt else None, "state": state,
        "code_challenge": challenge, "code_challenge_method": "S256",
    }
    return oauth.endpoint("/oauth2/authorize?" + urlencode({k: v for k, v in params.items() if v}))


def code_from_callback(callback: str | None, state: str) -> str:
    """The code the browser brought back, once its state is ours (compared in constant time)."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback or "").query).items()}
    if query.get("error"):
        raise OAuthSignInException(query.get("error_description") or query["error"])
    code, returned = query.get("code"), query.get("state")
    if not code or not returned:
        raise OAuthSignInException("User cancelled OAuth flow.")
    if not hmac.compare_digest(returned.encode(), state.encode()):
        raise OAuthSignInException("An error occurred while validating the state.")
    return code


def require_oauth(ctx: AuthContext) -> OAuthConfig:
    oauth = ctx.config.oauth
    if oauth is None:
        raise OAuthNotConfigureException(
            "OAuth is not configured: give oauth= (domain, scopes, redirect_sign_in, redirect_sign_out) "
            "or Amplify outputs with auth.oauth"
        )
    if oauth.response_type != "code":
        raise OAuthNotConfigureException(
            "response_type 'token' cannot reach a loopback listener (the tokens ride in the URL fragment); use 'code'"
        )
    return oauth


def sign_in_with_redirect(
    ctx: AuthContext, provider: Provider = None, custom_state: str | None = None,
    options: SignInWithRedirectOptions | Mapping[str, Any] | None = None,
) -> Flow[None]:
    oauth = require_oauth(ctx)
    opts = coerce_options(options, SignInWithRedirectOptions)
    if opts.prompt and opts.prompt.upper() not in PROMPTS:
        raise AuthValidationError(f"prompt must be one of {', '.join(PROMPTS)}", name="InvalidPrompt")
    identity = provider_parameter(provider)
    if not opts.prompt and (yield from load_tokens()) is not None:
        raise UserAlreadyAuthenticatedException("There is already a signed in user.")
    state = new_state(custom_state)
    verifier, challenge = pkce_pair()
    client_id = ctx.config.client_id
    try:
        redirect_uri, callback = yield OpenAuthSession(
            oauth.loopback_sign_in_uri(),
            lambda uri: authorize_url(oauth, client_id, uri, identity, state, challenge, opts),
            opts.timeout or ctx.redirect_timeout,
        )
        code = code_from_callback(callback, state)
        answer = yield HostedCall("/oauth2/token", {
            "grant_type": "authorization_code", "code": code, "client_id": client_id,
            "redirect_uri": redirect_uri, "code_verifier": verifier,
        })
        tokens = CognitoTokens.from_authentication_result(
            {"AccessToken": answer.get("access_token"), "IdToken": answer.get("id_token"),
             "RefreshToken": answer.get("refresh_token")},
            now=ctx.now(), username="", sign_in_details=None, oauth_sign_in=True,
        )
    except AuthError as error:
        ctx.dispatch(HubEvent.SIGN_IN_WITH_REDIRECT_FAILURE, {"error": error})
        raise
    yield from save_tokens(tokens)
    ctx.sign_in.reset()
    decoded = custom_state_of(state)
    if decoded is not None:
        ctx.dispatch(HubEvent.CUSTOM_OAUTH_STATE, decoded)
    ctx.dispatch(HubEvent.SIGN_IN_WITH_REDIRECT)
    ctx.dispatch(HubEvent.SIGNED_IN, AuthUser(username=tokens.username, user_id=tokens.user_sub or ""))
