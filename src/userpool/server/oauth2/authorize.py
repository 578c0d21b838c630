"""``GET /oauth2/authorize``: check the request, then either answer at once for a browser that
is signed in (the session cookie) or send it to the sign-in page with the same parameters.

``identity_provider=COGNITO`` (or none) means the pool's own users; another provider's name,
or an ``idp_identifier``, sends the browser to that provider (:mod:`federation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from userpool.server import errors
from userpool.server.context import Context
from userpool.server.db import AppClient
from userpool.server.oauth2 import clients, federation, http, request, response, sessions
from userpool.server.oauth2.cookies import SESSION_SECONDS, CookieJar, session_cookie_name
from userpool.server.oauth2.errors import INVALID_REQUEST, LOGIN_REQUIRED, PageError, RedirectError
from userpool.server.oauth2.request import AuthorizeRequest


def authorization(ctx: Context, params: Mapping[str, str], host: str) -> tuple[AppClient, AuthorizeRequest]:
    """The app client and the checked request; PageError before redirect_uri is trusted,
    RedirectError (carrying where to) after."""
    client = clients.find(ctx.db, request.single(params, "client_id"))
    domain_pool = http.domain_pool(ctx, host)
    if client is not None and domain_pool is not None and client.pool_id != domain_pool:
        client = None  # another pool's client is unknown on this pool's domain
    client, redirect_uri = request.check_client(client, params)
    try:
        req = request.parse(client, redirect_uri, params)
    except RedirectError as exc:
        exc.redirect_uri, exc.state = redirect_uri, request.single(params, "state")
        raise
    if not clients.identity_providers(client):
        raise req.refuse(INVALID_REQUEST, "The app client supports no identity provider")
    return client, req


def error_redirect(exc: RedirectError) -> Response:
    if exc.redirect_uri is None:  # never guessed: without a checked redirect_uri the error is a page
        from userpool.server.hosted.pages import error_page

        return error_page(exc.description or exc.error)
    return http.redirect(http.with_params(exc.redirect_uri, {"error": exc.error, "error_description": exc.description,
                                                             "state": exc.state}))


def session_handle(jar: CookieJar, cookies: Mapping[str, str], pool_id: str) -> str | None:
    """The session handle in this pool's signed cookie (None when absent, forged or old)."""
    value = jar.read(cookies.get(session_cookie_name(pool_id)), "session", SESSION_SECONDS)
    return value if isinstance(value, str) else None


async def endpoint(request_: Request) -> Response:
    from userpool.server.hosted.pages import error_page

    params = http.query(request_)
    jar = CookieJar.for_sealer(http.state_of(request_).sealer)
    cookies = dict(request_.cookies)
    host = http.host_name(request_)
    try:
        outcome = await http.run(request_, lambda ctx: _authorize(ctx, params, host, jar, cookies))
        if isinstance(outcome, federation.Plan):
            outcome = await federation.to_provider(request_, jar, outcome)
    except PageError as exc:
        return error_page(exc.message, exc.status, params.get("lang"))
    except RedirectError as exc:
        return error_redirect(exc)
    return outcome


def _authorize(
    ctx: Context, params: Mapping[str, str], host: str, jar: CookieJar, cookies: Mapping[str, str]
) -> Response | federation.Plan:
    client, req = authorization(ctx, params, host)
    if req.federated:
        return federation.plan(ctx, client, req)
    others = federation.providers_of(client)
    if clients.COGNITO not in clients.identity_providers(client) and len(others) == 1:
        return federation.plan(ctx, client, req, others[0])  # the one way to sign in: no page in between
    handle = session_handle(jar, cookies, client.pool_id)
    signed_in = sessions.current(ctx, handle, client.pool_id) if "login" not in req.prompt else None
    if signed_in is not None:
        row, user = signed_in
        try:
            result = response.mint(ctx, req, user, row.auth_time)
        except errors.CognitoError as exc:  # PreTokenGeneration failed: back to the app, nothing issued
            raise req.refuse(INVALID_REQUEST, exc.message or exc.name) from None
        return http.redirect(response.redirect_location(ctx, req, user, result, row.auth_time))
    if "none" in req.prompt:
        raise req.refuse(LOGIN_REQUIRED)
    return http.redirect("/login?" + urlencode(req.raw))
