"""Sign-in through a federated OpenID Connect identity provider (``identity_provider=<name>``
or ``idp_identifier=<id>`` at the authorize endpoint).

The browser goes to the provider's authorization endpoint with this server's
``/oauth2/idpresponse`` as redirect_uri and a signed ``state`` holding the app's request; the
answer's code is exchanged at the provider's token endpoint, its ID token verified (signature
against the provider's JWKS, issuer, audience, nonce), and the user found (a linked user, or
``<ProviderName>_<sub>``) or created (PreSignUp_ExternalProvider) with the mapped attributes
and ``identities``. The provider's HTTP calls are made outside any database transaction.
Only OIDC providers are followed; SAML and the social providers are refused with
``invalid_request``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from userpool.server import errors, messages, pools, triggers, users
from userpool.server.context import Context
from userpool.server.db import AppClient, IdentityProvider, IdpIdentifier, User, UserPool
from userpool.server.oauth2 import clients, http, response, sessions
from userpool.server.oauth2.cookies import CookieJar, cookie_options
from userpool.server.oauth2.errors import INVALID_REQUEST
from userpool.server.oauth2.request import AuthorizeRequest
from userpool.server.ops import identity_providers, provider_links

CALLBACK_PATH = "/oauth2/idpresponse"
STATE_COOKIE = "cognito-idp-state"
STATE_SECONDS = 15 * 60
EXTERNAL_PROVIDER = users.EXTERNAL_PROVIDER
_TIMEOUT = 10.0


@dataclass(frozen=True)
class Plan:
    """What the provider round trip needs, read in one transaction and used outside it."""

    req: AuthorizeRequest
    provider: str
    provider_type: str
    details: dict[str, str]

    @property
    def issuer(self) -> str | None:
        return self.details.get("oidc_issuer") or None


def providers_of(client: AppClient) -> list[str]:
    """The client's federated providers (its SupportedIdentityProviders but COGNITO)."""
    return [p for p in clients.identity_providers(client) if p != clients.COGNITO]


def provider_links_for(req: AuthorizeRequest, names: list[str]) -> list[tuple[str, str]]:
    """(name, authorize URL) of each provider button on the sign-in page."""
    query = {k: v for k, v in req.raw.items() if k not in ("identity_provider", "idp_identifier")}
    return [(name, "/oauth2/authorize?" + urlencode({**query, "identity_provider": name})) for name in names]


def _provider_row(ctx: Context, client: AppClient, req: AuthorizeRequest, name: str | None) -> IdentityProvider:
    if req.idp_identifier is not None:
        found = ctx.db.get(IdpIdentifier, (client.pool_id, req.idp_identifier))
        if found is None:
            raise req.refuse(INVALID_REQUEST, "No identity provider has this idp_identifier")
        name = found.provider_name
    if name is None or name not in clients.identity_providers(client):
        raise req.refuse(INVALID_REQUEST, f"The app client does not support the identity provider {name}")
    row = ctx.db.get(IdentityProvider, (client.pool_id, name))
    if row is None:
        raise req.refuse(INVALID_REQUEST, f"Identity provider {name} does not exist")
    return row


def plan(ctx: Context, client: AppClient, req: AuthorizeRequest, provider: str | None = None) -> Plan:
    row = _provider_row(ctx, client, req, provider or req.identity_provider)
    if row.provider_type != "OIDC":
        raise req.refuse(INVALID_REQUEST, f"{row.provider_type} identity providers are not available on this server")
    return Plan(req, row.name, row.provider_type, identity_providers.provider_details(ctx, row))


async def _endpoints(plan_: Plan) -> dict[str, str]:
    """authorize/token/jwks/userInfo URLs: as configured, else from the issuer's discovery document."""
    d = plan_.details
    if d.get("authorize_url") and d.get("token_url") and d.get("jwks_uri"):
        return {"authorize": d["authorize_url"], "token": d["token_url"], "jwks": d["jwks_uri"], "userinfo": d.get("attributes_url", "")}
    async with httpx.AsyncClient(timeout=_TIMEOUT) as client:
        doc = (await client.get(f"{(plan_.issuer or '').rstrip('/')}/.well-known/openid-configuration")).json()
    return {
        "authorize": d.get("authorize_url") or doc["authorization_endpoint"],
        "token": d.get("token_url") or doc["token_endpoint"],
        "jwks": d.get("jwks_uri") or doc["jwks_uri"],
        "userinfo": d.get("attributes_url") or doc.get("userinfo_endpoint", ""),
    }


def _callback_url(request: Request) -> str:
    from userpool.server.oauth2.discovery import public_base

    return public_base(http.state_of(request).config, request.headers.get("host")) + CALLBACK_PATH


async def to_provider(request: Request, jar: CookieJar, plan_: Plan) -> Response:
    """Send the browser to the provider's authorization endpoint."""
    try:
        endpoints = await _endpoints(plan_)
    except (httpx.HTTPError, ValueError, KeyError):
        raise plan_.req.refuse(INVALID_REQUEST, f"{plan_.provider} Error - the provider's discovery document could not be read") from None
    binding, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    state = jar.sign({"q": plan_.req.raw, "p": plan_.provider, "b": binding, "n": nonce}, "idp-state")
    query = {
        "response_type": "code", "client_id": plan_.details.get("client_id", ""), "redirect_uri": _callback_url(request),
        "scope": plan_.details.get("authorize_scopes", "openid"), "state": state, "nonce": nonce,
    }
    answer = http.redirect(http.with_params(endpoints["authorize"], query))
    secure = http.state_of(request).config.tls
    answer.set_cookie(STATE_COOKIE, binding, **cookie_options(secure, STATE_SECONDS))  # type: ignore[arg-type]
    return answer


async def provider_claims(request: Request, plan_: Plan, code: str, nonce: str) -> dict[str, Any]:
    """The provider's verified ID token claims (and its userInfo, when it has one)."""
    d = plan_.details
    try:
        endpoints = await _endpoints(plan_)
        async with httpx.AsyncClient(timeout=_TIMEOUT) as client:
            reply = await client.post(endpoints["token"], data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": _callback_url(request),
                "client_id": d.get("client_id", ""), "client_secret": d.get("client_secret", ""),
            })
            if reply.status_code != 200:
                raise plan_.req.refuse(INVALID_REQUEST, f"{plan_.provider} Error - {reply.status_code} error getting token")
            tokens = reply.json()
            keys = jwt.PyJWKSet.from_dict((await client.get(endpoints["jwks"])).json())
            claims = _verify_id_token(plan_, str(tokens.get("id_token", "")), keys, nonce)
            if endpoints["userinfo"] and tokens.get("access_token"):
                method = "POST" if d.get("attributes_request_method") == "POST" else "GET"
                info = await client.request(method, endpoints["userinfo"],
                                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
                if info.status_code == 200 and isinstance(info.json(), dict):
                    claims = {**info.json(), **claims}
    except (httpx.HTTPError, ValueError, KeyError, jwt.PyJWTError):
        raise plan_.req.refuse(INVALID_REQUEST, f"{plan_.provider} Error - the provider's answer could not be verified") from None
    return claims


def _verify_id_token(plan_: Plan, token: str, keys: jwt.PyJWKSet, nonce: str) -> dict[str, Any]:
    kid = jwt.get_unverified_header(token).get("kid")
    key = next((k for k in keys.keys if k.key_id == kid), None)
    if key is None:
        raise jwt.InvalidKeyError("unknown kid")
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["RS256"], audience=plan_.details.get("client_id"), issuer=plan_.issuer,
        options={"require": ["sub", "exp", "iat"], "verify_iss": plan_.issuer is not None},
    )
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise jwt.InvalidTokenError("nonce mismatch")
    return claims


# ------------------------------------------------------------------ the user


def _claim_text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def mapped_attributes(mapping: dict[str, str], claims: dict[str, Any]) -> dict[str, str]:
    """AttributeMapping (pool attribute -> provider claim), without ``username``."""
    out = {}
    for attribute, claim in mapping.items():
        value = _claim_text(claims.get(claim))
        if attribute != "username" and value is not None:
            out[attribute] = value
    return out


def _federated_user(ctx: Context, pool: UserPool, client: AppClient, plan_: Plan, subject: str,
                    attributes: dict[str, str]) -> tuple[User, bool]:
    """The ``<ProviderName>_<sub>`` user, and whether this sign-in created it (its first)."""
    username = provider_links.federated_username(plan_.provider, subject)
    key = users.username_key(pool, username)
    user = ctx.db.scalars(select(User).where(User.pool_id == pool.id, User.username_key == key)).first()
    if user is not None:
        for name, value in attributes.items():  # Cognito refreshes mapped attributes at each federated sign-in
            users.put_attribute(user, name, value)
        return user, False
    user = users.new_user(ctx, pool, username, EXTERNAL_PROVIDER)
    for name, value in attributes.items():
        users.put_attribute(user, name, value)
    provider_links.set_identities(user, [provider_links.identity_entry(plan_.provider, plan_.provider_type, subject,
                                                                       int(time.time() * 1000), True)])
    answer = triggers.pre_sign_up(ctx, pool, client, user, {}, "PreSignUp_ExternalProvider")
    for attr, flag in (("email", "autoVerifyEmail"), ("phone_number", "autoVerifyPhone")):
        if answer.get(flag) and user.attr(attr):
            users.put_attribute(user, users.VERIFIED_FLAG[attr], "true")
    ctx.db.add(user)
    ctx.db.flush()
    triggers.post_confirmation(ctx, pool, client, user, "PostConfirmation_ConfirmSignUp")
    return user, True


def _signed_in_user(ctx: Context, pool: UserPool, client: AppClient, plan_: Plan,
                    claims: dict[str, Any]) -> tuple[User, bool]:
    """The user behind the provider's claims, with the triggers Cognito documents for federated
    users: PreSignUp_ExternalProvider and PostConfirmation_ConfirmSignUp at the first sign-in,
    PreAuthentication and PostAuthentication at every later one (PreTokenGeneration at each, as
    TokenGeneration_HostedAuth, when the tokens are made). Returns the user and whether it is new."""
    row = ctx.db.get(IdentityProvider, (pool.id, plan_.provider))
    mapping = dict(row.attribute_mapping) if row is not None else {}
    subject = _claim_text(claims.get(mapping.get("username") or identity_providers.DEFAULT_USERNAME["OIDC"]))
    if not subject:
        raise plan_.req.refuse(INVALID_REQUEST, f"{plan_.provider} Error - the provider named no subject")
    attributes = mapped_attributes(mapping, claims)
    user = provider_links.linked_user(ctx.db, pool.id, plan_.provider, subject)  # AdminLinkProviderForUser
    created = False
    if user is None:
        user, created = _federated_user(ctx, pool, client, plan_, subject, attributes)
    if not user.enabled:
        raise plan_.req.refuse(INVALID_REQUEST, messages.USER_DISABLED)
    if not created:
        triggers.pre_authentication(ctx, pool, client, user)
    return user, created


def sign_in(ctx: Context, plan_: Plan, claims: dict[str, Any]) -> tuple[User, str, str]:
    """The user behind the provider's claims, tokens for the app, and a session for the browser.
    A trigger's refusal goes back to the app as ``invalid_request`` with the trigger's message
    (and, raised inside the transaction, leaves no user behind)."""
    req = plan_.req
    client = pools.get_client(ctx.db, req.client_id)
    pool = pools.get_pool(ctx.db, client.pool_id)
    try:
        user, created = _signed_in_user(ctx, pool, client, plan_, claims)
        auth_time = int(ctx.now)
        result = response.mint(ctx, req, user, auth_time)
        if not created:
            triggers.post_authentication(ctx, pool, client, user)
    except errors.CognitoError as exc:
        raise req.refuse(INVALID_REQUEST, exc.message) from None
    handle = sessions.start(ctx, user, auth_time)
    return user, response.redirect_location(ctx, req, user, result, auth_time), handle
