"""``GET /logout``: end the browser's managed-login session, then go to a registered sign-out
URL (``client_id`` + ``logout_uri``) or back to the sign-in page (``client_id`` +
``redirect_uri`` + ``response_type`` ...). An unregistered URL is never redirected to."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from userpool.server.context import Context
from userpool.server.oauth2 import clients, http, request, sessions
from userpool.server.oauth2.authorize import session_handle
from userpool.server.oauth2.cookies import CookieJar
from userpool.server.oauth2.errors import PageError


async def endpoint(request_: Request) -> Response:
    from userpool.server.hosted.flow import clear_session
    from userpool.server.hosted.pages import error_page

    state = http.state_of(request_)
    jar, cookies = CookieJar.for_sealer(state.sealer), dict(request_.cookies)
    params, host = http.query(request_), http.host_name(request_)
    try:
        location, pool_id = await http.run(request_, lambda ctx: sign_out(ctx, params, host, jar, cookies))
    except PageError as exc:
        return error_page(exc.message, exc.status)
    answer = http.redirect(location)
    clear_session(answer, pool_id, state.config.tls)
    return answer


def sign_out(ctx: Context, params: Mapping[str, str], host: str, jar: CookieJar, cookies: Mapping[str, str]) -> tuple[str, str]:
    """Where to send the browser, and the pool whose session ended."""
    client = clients.find(ctx.db, request.single(params, "client_id"))
    pool_id = http.domain_pool(ctx, host)
    if client is None or (pool_id is not None and client.pool_id != pool_id):
        raise PageError("An error was encountered with the requested page: the client_id is not valid.")
    logout_uri = request.single(params, "logout_uri")
    if logout_uri is not None:
        if not clients.logout_registered(client, logout_uri):
            raise PageError("The logout_uri is not registered for this app client (LogoutURLs).")
        location = logout_uri
    else:
        redirect_uri = request.single(params, "redirect_uri")
        if redirect_uri is None or not clients.callback_registered(client, redirect_uri):
            raise PageError("Give a registered logout_uri, or a registered redirect_uri with the sign-in parameters.")
        location = "/login?" + urlencode({k: params[k] for k in request.CARRIED if params.get(k)})
    sessions.end(ctx, session_handle(jar, cookies, client.pool_id))
    return location, client.pool_id
