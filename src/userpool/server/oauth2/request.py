"""The authorization request (``/oauth2/authorize`` and ``/login`` take the same parameters),
checked in Cognito's order: the client and redirect_uri first (a page when wrong, never a
redirect), then everything else (an ``error=`` redirect back to the app)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from userpool.server.db import AppClient
from userpool.server.oauth2 import clients, pkce, scopes
from userpool.server.oauth2.errors import (
    INVALID_REQUEST,
    INVALID_SCOPE,
    UNAUTHORIZED_CLIENT,
    UNSUPPORTED_RESPONSE_TYPE,
    PageError,
    RedirectError,
)

RESPONSE_FLOWS = {"code": clients.CODE, "token": clients.IMPLICIT}
PROMPTS = ("none", "login", "consent", "select_account")
# What the request carries from page to page (and back to /login after /logout).
CARRIED = (
    "client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge",
    "code_challenge_method", "identity_provider", "idp_identifier", "login_hint", "prompt", "lang",
)
_MAX_PARAM = 2048


@dataclass(frozen=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    response_type: str
    scopes: tuple[str, ...]
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    identity_provider: str | None = None
    idp_identifier: str | None = None
    login_hint: str | None = None
    prompt: tuple[str, ...] = ()
    lang: str | None = None
    raw: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def federated(self) -> bool:
        """Does the request name a third-party identity provider (not the pool's own users)?"""
        return self.idp_identifier is not None or self.identity_provider not in (None, "COGNITO")

    def refuse(self, error: str, description: str | None = None) -> RedirectError:
        """An error to send back to the app's (already checked) redirect_uri."""
        exc = RedirectError(error, description)
        exc.redirect_uri, exc.state = self.redirect_uri, self.state
        return exc

    @property
    def query(self) -> str:
        """The parameters as they came, for the next page's URL."""
        return urlencode(self.raw)


def single(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if len(value) > _MAX_PARAM:
        raise PageError(f"The {name} parameter is too long.")
    return value


def check_client(client: AppClient | None, params: Mapping[str, str]) -> tuple[AppClient, str]:
    """The client and redirect_uri, or a page: nothing is redirected to an unchecked URL.
    Without a redirect_uri the client's DefaultRedirectURI (one of its CallbackURLs) stands in."""
    if client is None:
        raise PageError("An error was encountered with the requested page: the client_id is not valid.", code="invalid_client")
    redirect_uri = single(params, "redirect_uri") or clients.default_redirect_uri(client)
    if redirect_uri is None or not clients.callback_registered(client, redirect_uri):
        raise PageError("redirect_mismatch: the redirect_uri is not registered for this app client.", code="redirect_mismatch")
    if urlsplit(redirect_uri).fragment:
        raise PageError("redirect_mismatch: a redirect_uri may not carry a fragment.", code="redirect_mismatch")
    return client, redirect_uri


def parse(client: AppClient, redirect_uri: str, params: Mapping[str, str]) -> AuthorizeRequest:
    """The rest of the request, once client and redirect_uri are good (RedirectError otherwise)."""
    raw = {k: params[k] for k in CARRIED if params.get(k)}
    response_type = single(params, "response_type")
    if response_type is None:
        raise RedirectError(INVALID_REQUEST, "response_type is required")
    flow = RESPONSE_FLOWS.get(response_type)
    if flow is None:
        raise RedirectError(UNSUPPORTED_RESPONSE_TYPE)
    if not clients.allows(client, flow):
        raise RedirectError(UNAUTHORIZED_CLIENT)
    try:
        granted = scopes.for_user(clients.allowed_scopes(client), single(params, "scope"))
    except scopes.ScopeError as exc:
        raise RedirectError(INVALID_SCOPE, str(exc)) from None
    challenge, method = single(params, "code_challenge"), single(params, "code_challenge_method")
    if challenge is not None or method is not None:
        method = method or pkce.PLAIN  # RFC 7636 §4.3: plain when the method is left out
        if challenge is None or method not in pkce.METHODS or not pkce.well_formed(challenge):
            raise RedirectError(INVALID_REQUEST, "code_challenge or code_challenge_method is not valid")
    prompt = tuple((single(params, "prompt") or "").split())
    if any(p not in PROMPTS for p in prompt) or ("none" in prompt and len(prompt) > 1):
        raise RedirectError(INVALID_REQUEST, "prompt is not valid")
    return AuthorizeRequest(
        client_id=client.id,
        redirect_uri=redirect_uri,
        response_type=response_type,
        scopes=granted,
        state=single(params, "state"),
        nonce=single(params, "nonce"),
        code_challenge=challenge,
        code_challenge_method=method if challenge else None,
        identity_provider=single(params, "identity_provider"),
        idp_identifier=single(params, "idp_identifier"),
        login_hint=single(params, "login_hint"),
        prompt=prompt,
        lang=single(params, "lang"),
        raw=raw,
    )
